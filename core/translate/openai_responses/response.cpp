// OpenAI Responses API codec (what Codex CLI speaks): non-streaming response bodies and errors.
// Requests are in request_decode.cpp (client side) and request_encode.cpp (upstream side),
// streams in stream_decode.cpp and stream_encode.cpp.
#include "core/protocol/json_scan.hpp"
#include "core/protocol/response_observer.hpp"
#include "core/translate/openai_responses/codec.hpp"
#include "core/translate/openai_responses/internal.hpp"

namespace llmgw::core::translate::openai_responses {
namespace {

using namespace detail;

StopReason stop_of(const json& body, bool has_tool_calls) {
  if (string_member(body, "status") == "incomplete") {
    std::string reason = string_member(member(body, "incomplete_details"), "reason");
    return reason == "content_filter" ? StopReason::refusal : StopReason::max_tokens;
  }
  return has_tool_calls ? StopReason::tool_use : StopReason::end_turn;
}

// Appends the output items of one part to output; consecutive text parts share one message.
class OutputWriter {
public:
  explicit OutputWriter(const ResponseOptions& options) : m_options(options) {}

  void add(const Part& part) {
    if (part.kind == Part::Kind::text) {
      m_text += part.text;
      m_has_text = true;
      return;
    }
    flush_text();
    if (part.kind == Part::Kind::tool_call)
      add_call(part);
    else if (part.kind == Part::Kind::thinking || part.kind == Part::Kind::redacted_thinking)
      add_reasoning(part);
  }

  json finish() {
    flush_text();
    return m_output;
  }

private:
  void flush_text() {
    if (m_has_text) m_output.push_back(message_item(new_id("msg_"), m_text, "completed"));
    m_text.clear();
    m_has_text = false;
  }

  void add_call(const Part& part) {
    std::string call_id = part.id.empty() ? new_id("call_") : part.id;
    if (part.custom || m_options.custom_tools.count(part.name)) {
      m_output.push_back(custom_call_item(new_id("ctc_"), call_id, part.name, custom_input(part), "completed"));
      return;
    }
    m_output.push_back(function_call_item(new_id("fc_"), call_id, part.name, part.arguments, "completed"));
  }

  void add_reasoning(const Part& part) {
    std::string id = part.reasoning_id.empty() ? new_id("rs_") : part.reasoning_id;
    m_output.push_back(reasoning_item(id, part.text, encrypted_content(part.kind, part.issuer, part.signature)));
  }

  const ResponseOptions& m_options;
  json m_output = json::array();
  std::string m_text;
  bool m_has_text = false;
};

} // namespace

Response decode_response(const json& body) {
  if (!body.is_object()) throw TranslateError("response body must be a JSON object");
  Response response;
  response.id = string_member(body, "id");
  response.model = string_member(body, "model");
  bool has_tool_calls = false;
  if (const json& output = member(body, "output"); output.is_array()) {
    for (const auto& item : output) {
      for (auto& part : parts_from_output_item(item)) {
        has_tool_calls |= part.kind == Part::Kind::tool_call;
        response.parts.push_back(std::move(part));
      }
    }
  }
  response.stop = stop_of(body, has_tool_calls);
  if (const json& usage = member(body, "usage"); usage.is_object()) response.usage = protocol::usage_from_openai(usage);
  return response;
}

json encode_response(const Response& response, const ResponseOptions& options) {
  OutputWriter writer(options);
  for (const auto& part : response.parts) writer.add(part);
  bool incomplete = response.stop == StopReason::max_tokens;
  return {{"id", new_id("resp_")},
          {"object", "response"},
          {"created_at", now_seconds()},
          {"status", incomplete ? "incomplete" : "completed"},
          {"error", nullptr},
          {"incomplete_details", incomplete ? json{{"reason", "max_output_tokens"}} : json(nullptr)},
          {"model", options.model.empty() ? response.model : options.model},
          {"output", writer.finish()},
          {"parallel_tool_calls", true},
          {"tool_choice", "auto"},
          {"tools", json::array()},
          {"usage", usage_json(response.usage)}};
}

Error decode_error(int status, std::string_view body) {
  Error error;
  error.status = status;
  auto parsed = protocol::parse_json(body);
  // {"error": {...}} from the HTTP API; {"type": "error", "code", "message"} as a stream event.
  const json& nested = member(parsed, "error");
  const json& fields = nested.is_object() ? nested : parsed;
  error.message = nested.is_string() ? nested.get<std::string>() : string_member(fields, "message");
  error.type = string_member(fields, "type") == "error" ? std::string() : string_member(fields, "type");
  const json& code = member(fields, "code");
  error.code = code.is_string() ? code.get<std::string>() : code.is_number() ? code.dump() : std::string();
  if (error.message.empty()) {
    error.message = std::string(body);
    error.type.clear();
    error.code.clear();
  }
  return error;
}

std::string encode_error(const Error& error) {
  json body{
      {"error",
       {{"message", error.message}, {"type", error_type(error)}, {"param", nullptr}, {"code", error_code(error)}}}};
  return dump(body);
}

std::string encode_stream_error(const Error& error) {
  json response{{"id", new_id("resp_")},
                {"object", "response"},
                {"created_at", now_seconds()},
                {"status", "failed"},
                {"error", {{"code", error_code(error)}, {"message", error.message}}},
                {"output", json::array()}};
  json event{{"type", "response.failed"}, {"response", response}};
  return "event: response.failed\ndata: " + dump(event) + "\n\n";
}

} // namespace llmgw::core::translate::openai_responses
