// OpenAI Chat Completions codec: non-streaming responses and errors (PROTOCOLS.md §1.3, §1.7,
// §5.3). Requests are in request_decode.cpp / request_encode.cpp, streams in
// stream_decode.cpp / stream_encode.cpp.
#include "core/translate/openai_chat/codec.hpp"
#include "core/translate/openai_chat/internal.hpp"
#include "core/translate/reasoning_state.hpp"

#include "core/protocol/json_scan.hpp"
#include "core/protocol/response_observer.hpp"

namespace llmgw::core::translate::openai_chat {
namespace {

using nlohmann::json;

void add_part(std::vector<Part>& parts, Part::Kind kind, std::string text) {
  if (text.empty()) return;
  Part part;
  part.kind = kind;
  part.text = std::move(text);
  parts.push_back(std::move(part));
}

void add_tool_calls(const json& message, std::vector<Part>& parts) {
  const json& calls = member(message, "tool_calls");
  for (const auto& call : elements(calls)) {
    Part part = decode_tool_call(call);
    if (part.id.empty()) part.id = make_id("call_");
    // Other clients' formats have no slot for it; the Gemini encoders look it up by call id.
    if (part.issuer == Issuer::gemini) remember_tool_signature(part.id, part.signature);
    parts.push_back(std::move(part));
  }
  if (const json& legacy = member(message, "function_call"); legacy.is_object()) {
    Part part = decode_tool_call(json{{"function", legacy}});
    part.id = make_id("call_");
    parts.push_back(std::move(part));
  }
}

} // namespace

Response decode_response(const json& body) {
  if (!body.is_object()) throw TranslateError("response body is not a json object");
  Response out;
  out.id = string_member(body, "id");
  out.model = string_member(body, "model");
  const json& choices = member(body, "choices");
  static const json k_no_choice;
  const json& choice = choices.is_array() && !choices.empty() ? choices[0] : k_no_choice;
  const json& message = member(choice, "message");
  // Thinking first, then text, then tool calls: the order the model produced them in.
  add_part(out.parts, Part::Kind::thinking, reasoning_text(message));
  add_part(out.parts, Part::Kind::text, content_text(member(message, "content")));
  auto refusal = string_member(message, "refusal");
  add_part(out.parts, Part::Kind::text, refusal);
  add_tool_calls(message, out.parts);
  bool has_calls = !out.parts.empty() && out.parts.back().kind == Part::Kind::tool_call;
  out.stop = stop_from_finish(string_member(choice, "finish_reason"), has_calls);
  if (!refusal.empty() && out.stop == StopReason::end_turn) out.stop = StopReason::refusal;
  if (const json& usage = member(body, "usage"); usage.is_object()) out.usage = protocol::usage_from_openai(usage);
  return out;
}

json encode_response(const Response& response, const ResponseOptions& options) {
  std::string text;
  std::string thinking;
  json calls = json::array();
  for (const auto& part : response.parts) {
    if (part.kind == Part::Kind::text)
      text += part.text;
    else if (part.kind == Part::Kind::thinking)
      thinking += part.text;
    else if (part.kind == Part::Kind::tool_call)
      calls.push_back(encode_tool_call(part));
  }
  json message{{"role", "assistant"}, {"content", text.empty() ? json(nullptr) : json(text)}, {"refusal", nullptr}};
  if (!calls.empty()) message["tool_calls"] = calls;
  // Non-standard (DeepSeek's name); clients that do not know it ignore it.
  if (!thinking.empty()) message["reasoning_content"] = thinking;
  json choice{{"index", 0},
              {"message", message},
              {"finish_reason", finish_from_stop(response.stop, !calls.empty())},
              {"logprobs", nullptr}};
  return json{{"id", response.id.empty() ? make_id("chatcmpl-") : response.id},
              {"object", "chat.completion"},
              {"created", unix_now()},
              {"model", options.model.empty() ? response.model : options.model},
              {"choices", json::array({choice})},
              {"usage", encode_usage(response.usage)}};
}

Error decode_error(int status, std::string_view body) {
  auto parsed = protocol::parse_json(body);
  if (!parsed.is_discarded() && !parsed.is_null()) return decode_error_json(status, parsed);
  // Not JSON (a proxy's HTML page, plain text): the text is the message.
  auto begin = body.find_first_not_of(" \t\r\n");
  auto end = body.find_last_not_of(" \t\r\n");
  Error out;
  out.status = status;
  out.message = begin == std::string_view::npos ? "upstream returned status " + std::to_string(status)
                                                : std::string(body.substr(begin, end - begin + 1));
  return out;
}

std::string encode_error(const Error& error) { return dump(json{{"error", encode_error_object(error)}}); }

// The SDK raises a data record with an error key as an API error; nothing may follow it (§1.7).
std::string encode_stream_error(const Error& error) { return "data: " + encode_error(error) + "\n\n"; }

} // namespace llmgw::core::translate::openai_chat
