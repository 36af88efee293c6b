#include "core/protocol/error_body.hpp"

#include "core/protocol/json_scan.hpp"

namespace llmgw::core::protocol {
namespace {

std::string_view anthropic_type(int status) {
  switch (status) {
  case 401: return "authentication_error";
  case 402: return "billing_error";
  case 403: return "permission_error";
  case 404: return "not_found_error";
  case 413: return "request_too_large";
  case 429: return "rate_limit_error";
  case 504: return "timeout_error";
  case 529: return "overloaded_error";
  default: return status >= 500 ? "api_error" : "invalid_request_error";
  }
}

std::string_view openai_type(int status) {
  switch (status) {
  case 401: return "authentication_error";
  case 402: return "insufficient_quota";
  case 403: return "permission_error";
  case 404: return "not_found_error";
  case 429: return "rate_limit_exceeded";
  default: return status >= 500 ? "server_error" : "invalid_request_error";
  }
}

std::string openai_error_object(int status, std::string_view message) {
  return R"({"message":)" + json_quote(message) + R"(,"type":")" + std::string(openai_type(status)) +
         R"(","param":null,"code":)" + json_quote(openai_type(status)) + "}";
}

} // namespace

std::string_view error_type(ApiFormat format, int status) {
  return format == ApiFormat::anthropic ? anthropic_type(status) : openai_type(status);
}

std::string error_body(ApiFormat format, int status, std::string_view message) {
  switch (format) {
  case ApiFormat::anthropic:
    return R"({"type":"error","error":{"type":")" + std::string(anthropic_type(status)) + R"(","message":)" +
           json_quote(message) + "}}";
  case ApiFormat::gemini:
    return R"({"error":{"code":)" + std::to_string(status) + R"(,"message":)" + json_quote(message) + R"(,"status":")" +
           std::string(status >= 500 ? "INTERNAL" : "INVALID_ARGUMENT") + R"("}})";
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
           std::string(openai_type(status)) + "\",\"message\":" + json_quote(message) + "}}}\n\n";
  case ApiFormat::gemini:
  case ApiFormat::openai_chat: break;
  }
  return "data: " + error_body(format, status, message) + "\n\n";
}

} // namespace llmgw::core::protocol
