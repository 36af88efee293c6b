// Anthropic Messages codec: non-streaming responses and errors (PROTOCOLS.md §3.3, §3.4, §3.8,
// §5.3-§5.5). Requests are in request_*.cpp, streams in stream_*.cpp.
#include "core/protocol/error_types.hpp"
#include "core/protocol/json_scan.hpp"
#include "core/protocol/response_observer.hpp"
#include "core/translate/anthropic/internal.hpp"
#include "core/translate/anthropic/codec.hpp"
#include "core/translate/error_kinds.hpp"

#include <algorithm>
#include <cctype>

namespace llmgw::core::translate::anthropic {
namespace {

using namespace detail;

std::optional<json> encode_part(const Part& part) {
  switch (part.kind) {
  case Part::Kind::text:
    if (part.text.empty()) return std::nullopt;
    return json{{"type", "text"}, {"text", part.text}};
  case Part::Kind::thinking:
    return json{{"type", "thinking"}, {"thinking", part.text}, {"signature", client_signature(part)}};
  case Part::Kind::redacted_thinking: return json{{"type", "redacted_thinking"}, {"data", client_signature(part)}};
  case Part::Kind::tool_call:
    return json{{"type", "tool_use"},
                {"id", part.id.empty() ? random_id("toolu_") : part.id},
                {"name", part.name},
                {"input", tool_input(part)}};
  default: return std::nullopt; // a response has no images or results
  }
}

bool contains_lowercase(std::string text, std::string_view phrase) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text.find(phrase) != std::string::npos;
}

// Claude Code compacts on "prompt is too long" and shrinks max_tokens on "input length and
// `max_tokens` exceed context limit: A + B > C" (PROTOCOLS §4.1); other wordings get the prefix.
std::string overflow_message(const std::string& message) {
  if (contains_lowercase(message, "prompt is too long") ||
      contains_lowercase(message, "input length and `max_tokens` exceed context limit"))
    return message;
  return "prompt is too long: " + message;
}

} // namespace

Response decode_response(const json& body) {
  if (!body.is_object()) throw TranslateError("response body must be a json object");
  Response response;
  response.id = string_member(body, "id");
  response.model = string_member(body, "model");
  const json& content = member(body, "content");
  if (!content.is_null() && !content.is_array()) throw TranslateError("response content must be an array");
  for (size_t i = 0; i < content.size(); ++i) {
    auto part = decode_block(content[i], "content[" + std::to_string(i) + "]");
    if (part && part->kind != Part::Kind::tool_result) response.parts.push_back(std::move(*part));
  }
  response.stop = stop_from_wire(string_member(body, "stop_reason"));
  response.stop_sequence = string_member(body, "stop_sequence");
  response.usage = protocol::usage_from_anthropic(member(body, "usage"));
  return response;
}

json encode_response(const Response& response, const ResponseOptions& options) {
  json content = json::array();
  for (const auto& part : response.parts)
    if (auto block = encode_part(part)) content.push_back(std::move(*block));
  return json{{"id", response.id.empty() ? random_id("msg_") : response.id},
              {"type", "message"},
              {"role", "assistant"},
              {"model", options.model},
              {"content", std::move(content)},
              {"stop_reason", stop_to_wire(response.stop)},
              {"stop_sequence", response.stop_sequence.empty() ? json(nullptr) : json(response.stop_sequence)},
              {"usage", usage_json(response.usage)}};
}

// Anthropic's {"type":"error","error":{type, message}}; OpenAI- and Gemini-shaped bodies from
// Anthropic-compatible providers are read too; anything else is the message as it came.
Error decode_error(int status, std::string_view body) {
  Error error;
  error.status = status;
  const json parsed = protocol::parse_json(body);
  const json& inner = member(parsed, "error");
  if (inner.is_object()) {
    error.type = string_member(inner, "type");
    if (error.type.empty()) error.type = string_member(inner, "status");
    error.code = string_member(inner, "code");
    error.message = string_member(inner, "message");
  } else if (inner.is_string()) {
    error.message = inner.get<std::string>();
  } else {
    error.message = string_member(parsed, "message");
  }
  if (error.message.empty() && (parsed.is_discarded() || !inner.is_object())) error.message = std::string(body);
  return error;
}

std::string encode_error(const Error& error) {
  const auto& types = protocol::anthropic_error_types();
  std::string type = types.knows(error.type) ? error.type : std::string(types.type_for_status(error.status));
  std::string message =
      error.message.empty() ? "upstream error (status " + std::to_string(error.status) + ")" : error.message;
  if (is_context_overflow(error)) {
    type = "invalid_request_error";
    message = overflow_message(message);
  }
  return dump(json{{"type", "error"}, {"error", {{"type", type}, {"message", message}}}});
}

std::string encode_stream_error(const Error& error) { return "event: error\ndata: " + encode_error(error) + "\n\n"; }

} // namespace llmgw::core::translate::anthropic
