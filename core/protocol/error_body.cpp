#include "core/protocol/error_body.hpp"

#include "core/protocol/error_types.hpp"
#include "core/protocol/json_scan.hpp"

namespace llmgw::core::protocol {
namespace {

std::string openai_error_object(int status, std::string_view message) {
  const std::string_view type = openai_error_types().type_for_status(status);
  return R"({"message":)" + json_quote(message) + R"(,"type":")" + std::string(type) + R"(","param":null,"code":)" +
         json_quote(type) + "}";
}

} // namespace

std::string error_body(ApiFormat format, int status, std::string_view message) {
  switch (format) {
  case ApiFormat::anthropic:
    return R"({"type":"error","error":{"type":")" + std::string(anthropic_error_types().type_for_status(status)) +
           R"(","message":)" + json_quote(message) + "}}";
  case ApiFormat::gemini:
    return R"({"error":{"code":)" + std::to_string(status) + R"(,"message":)" + json_quote(message) + R"(,"status":")" +
           std::string(gemini_error_types().type_for_status(status)) + R"("}})";
  case ApiFormat::openai_chat:
  case ApiFormat::openai_responses: break;
  }
  return R"({"error":)" + openai_error_object(status, message) + "}";
}

std::string stream_error_event(ApiFormat format, int status, std::string_view message) {
  switch (format) {
  case ApiFormat::anthropic: return "event: error\ndata: " + error_body(format, status, message) + "\n\n";
  case ApiFormat::openai_responses:
    // Codex treats response.failed as the end of the turn and reports error.message.
    return "event: response.failed\ndata: {\"type\":\"response.failed\",\"response\":{\"status\":\"failed\","
           "\"error\":{\"code\":\"" +
           std::string(openai_error_types().type_for_status(status)) + "\",\"message\":" + json_quote(message) +
           "}}}\n\n";
  case ApiFormat::gemini:
  case ApiFormat::openai_chat: break;
  }
  return "data: " + error_body(format, status, message) + "\n\n";
}

} // namespace llmgw::core::protocol
