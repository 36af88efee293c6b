#include "core/translate/openai_chat/internal.hpp"

#include "core/protocol/error_types.hpp"
#include "core/translate/error_kinds.hpp"

#include <chrono>
#include <random>

namespace llmgw::core::translate::openai_chat {
namespace {

using nlohmann::json;

// FastAPI-style servers (vLLM, LM Studio proxies) answer {"detail": "..."} or
// {"detail": [{"loc": [...], "msg": "..."}]}.
std::string detail_text(const json& detail) {
  if (detail.is_string()) return detail.get<std::string>();
  if (!detail.is_array()) return dump(detail);
  std::string out;
  for (const auto& item : detail) {
    if (!out.empty()) out += "; ";
    auto msg = string_member(item, "msg");
    out += msg.empty() ? dump(item) : msg;
  }
  return out;
}

} // namespace

std::string content_text(const json& content, std::string_view separator) {
  if (content.is_string()) return content.get<std::string>();
  std::string out;
  if (!content.is_array()) return out;
  bool first = true;
  for (const auto& part : content) {
    auto type = string_member(part, "type");
    std::string text = type == "refusal" ? string_member(part, "refusal") : string_member(part, "text");
    if (type != "text" && type != "refusal" && !type.empty()) continue;
    if (!first) out += separator;
    out += text;
    first = false;
  }
  return out;
}

std::string reasoning_text(const json& message) {
  for (const char* key : {"reasoning_content", "reasoning"})
    if (auto text = string_member(message, key); !text.empty()) return text;
  const json& thinking = member(message, "thinking");
  if (thinking.is_string()) return thinking.get<std::string>();
  return string_member(thinking, "content");
}

std::string gemini_call_signature(const json& call) {
  return string_member(member(member(call, "extra_content"), "google"), "thought_signature");
}

Part decode_tool_call(const json& call) {
  Part part;
  part.kind = Part::Kind::tool_call;
  part.id = string_member(call, "id");
  if (string_member(call, "type") == "custom") {
    const json& custom = member(call, "custom");
    part.custom = true;
    part.name = string_member(custom, "name");
    part.text = string_member(custom, "input");
    return part;
  }
  const json& function = member(call, "function");
  part.name = string_member(function, "name");
  const json& arguments = member(function, "arguments");
  // Some compat clients send the arguments as an object rather than its JSON text.
  if (arguments.is_string())
    part.arguments = arguments.get<std::string>();
  else if (arguments.is_object())
    part.arguments = dump(arguments);
  if (part.arguments.empty()) part.arguments = "{}";
  if (auto signature = gemini_call_signature(call); !signature.empty()) {
    part.signature = signature;
    part.issuer = Issuer::gemini;
  }
  return part;
}

std::string call_arguments(const Part& call) {
  if (call.custom) return dump(json{{"input", call.text}});
  return call.arguments.empty() ? "{}" : call.arguments;
}

json encode_tool_call(const Part& call) {
  return json{
      {"id", call.id}, {"type", "function"}, {"function", {{"name", call.name}, {"arguments", call_arguments(call)}}}};
}

StopReason stop_from_finish(std::string_view finish_reason, bool saw_tool_calls) {
  if (saw_tool_calls || finish_reason == "tool_calls" || finish_reason == "function_call") return StopReason::tool_use;
  if (finish_reason == "length") return StopReason::max_tokens;
  if (finish_reason == "content_filter") return StopReason::refusal;
  return StopReason::end_turn;
}

std::string_view finish_from_stop(StopReason stop, bool has_tool_calls) {
  switch (stop) {
  case StopReason::max_tokens: return "length";
  case StopReason::refusal: return "content_filter";
  case StopReason::tool_use: return "tool_calls";
  case StopReason::end_turn:
  case StopReason::stop_sequence:
  case StopReason::pause_turn: break;
  }
  return has_tool_calls ? "tool_calls" : "stop";
}

json encode_usage(const Usage& usage) {
  json prompt_details{{"cached_tokens", usage.cache_read_tokens}};
  int64_t written = usage.cache_write_5m_tokens + usage.cache_write_1h_tokens;
  if (written > 0) prompt_details["cache_write_tokens"] = written;
  return json{{"prompt_tokens", usage.prompt_tokens()},
              {"completion_tokens", usage.output_tokens},
              {"total_tokens", usage.total_tokens()},
              {"prompt_tokens_details", prompt_details},
              {"completion_tokens_details", {{"reasoning_tokens", usage.reasoning_tokens}}}};
}

std::string make_id(std::string_view prefix) {
  static constexpr std::string_view k_alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  thread_local std::mt19937_64 engine{std::random_device{}()};
  std::uniform_int_distribution<size_t> pick(0, k_alphabet.size() - 1);
  std::string out(prefix);
  for (int i = 0; i < 24; ++i) out += k_alphabet[pick(engine)];
  return out;
}

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

json encode_error_object(const Error& error) {
  bool overflow = is_context_overflow(error);
  // The error types OpenAI itself sends pass; others (Anthropic's overloaded_error, vLLM's
  // BadRequestError, Gemini statuses) are replaced by the type OpenAI uses for the status.
  const auto& types = protocol::openai_error_types();
  std::string type = types.knows(error.type) ? error.type : std::string(types.type_for_status(error.status));
  if (overflow) type = "invalid_request_error";
  json code; // null unless known: clients read it (context_length_exceeded, rate_limit_exceeded)
  if (overflow)
    code = "context_length_exceeded";
  else if (!error.code.empty())
    code = error.code;
  else if (error.status == 429 || error.status == 402)
    code = types.type_for_status(error.status);
  return json{{"message", error.message}, {"type", type}, {"param", nullptr}, {"code", code}};
}

Error decode_error_json(int status, const json& body) {
  // Gemini's compat endpoint wraps its error in a one-element array.
  if (body.is_array() && !body.empty()) return decode_error_json(status, body.front());
  Error out;
  out.status = status;
  const json& error = member(body, "error");
  const json& holder = error.is_object() ? error : body;
  if (body.is_string())
    out.message = body.get<std::string>();
  else if (error.is_string())
    out.message = error.get<std::string>();
  else if (holder.contains("message"))
    out.message = content_text(holder["message"]);
  else if (body.contains("detail"))
    out.message = detail_text(body["detail"]);
  out.type = string_member(holder, "type");
  if (out.type.empty()) out.type = string_member(holder, "status"); // Gemini: "INVALID_ARGUMENT"
  out.code = string_member(holder, "code"); // numeric codes (vLLM, Gemini) only repeat the status
  if (out.message.empty())
    out.message = body.is_null() ? "upstream returned status " + std::to_string(status) : dump(body);
  return out;
}

std::string dump(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }

} // namespace llmgw::core::translate::openai_chat
