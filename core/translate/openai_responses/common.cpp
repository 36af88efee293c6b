// Helpers shared by the OpenAI Responses codec (see internal.hpp).
#include "core/translate/openai_responses/internal.hpp"

#include "core/protocol/error_types.hpp"
#include "core/protocol/json_scan.hpp"
#include "core/translate/error_kinds.hpp"
#include "core/translate/reasoning_state.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <random>

namespace llmgw::core::translate::openai_responses::detail {

std::string new_id(std::string_view prefix) {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  static constexpr char k_hex[] = "0123456789abcdef";
  std::string out(prefix);
  for (int half = 0; half < 2; ++half) {
    uint64_t bits = engine();
    for (int i = 0; i < 12; ++i, bits >>= 4) out += k_hex[bits & 0xF];
  }
  return out;
}

int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string dump(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }

bool parse_data_url(std::string_view url, std::string& media_type, std::string& data) {
  constexpr std::string_view k_scheme = "data:";
  constexpr std::string_view k_base64 = ";base64,";
  if (url.substr(0, k_scheme.size()) != k_scheme) return false;
  auto marker = url.find(k_base64);
  if (marker == std::string_view::npos) return false;
  media_type = std::string(url.substr(k_scheme.size(), marker - k_scheme.size()));
  data = std::string(url.substr(marker + k_base64.size()));
  return true;
}

std::string data_url(const std::string& media_type, const std::string& data) {
  return "data:" + media_type + ";base64," + data;
}

namespace {

// Summary texts joined by blank lines; the raw reasoning text (open-weight models served through
// the Responses API) when there is no summary.
std::string reasoning_text(const json& item) {
  std::string text;
  for (const char* key : {"summary", "content"}) {
    const json& list = member(item, key);
    if (!list.is_array()) continue;
    for (const auto& entry : list) {
      std::string piece = string_member(entry, "text");
      if (piece.empty()) continue;
      if (!text.empty()) text += "\n\n";
      text += piece;
    }
    if (!text.empty()) break;
  }
  return text;
}

} // namespace

Part thinking_from_reasoning(const json& item) {
  Part part;
  part.kind = Part::Kind::thinking;
  part.text = reasoning_text(item);
  part.reasoning_id = string_member(item, "id");
  std::string encrypted = string_member(item, "encrypted_content");
  if (encrypted.empty()) return part;
  auto state = unwrap_signature(encrypted, Issuer::openai);
  part.issuer = state.issuer;
  part.signature = std::move(state.opaque);
  if (part.issuer != Issuer::openai && part.signature.rfind(k_redacted_marker, 0) == 0) {
    part.kind = Part::Kind::redacted_thinking;
    part.signature.erase(0, k_redacted_marker.size());
  }
  return part;
}

namespace {

void add_message_parts(const json& item, std::vector<Part>& parts) {
  const json& content = member(item, "content");
  if (!content.is_array()) return;
  for (const auto& entry : content) {
    std::string type = string_member(entry, "type");
    Part part;
    part.text = type == "refusal" ? string_member(entry, "refusal") : string_member(entry, "text");
    if ((type == "output_text" || type == "refusal" || type == "text") && !part.text.empty())
      parts.push_back(std::move(part));
  }
}

Part tool_call_part(const json& item, bool custom) {
  Part part;
  part.kind = Part::Kind::tool_call;
  part.id = string_member(item, "call_id");
  if (part.id.empty()) part.id = string_member(item, "id");
  part.name = string_member(item, "name");
  part.custom = custom;
  if (custom) {
    part.text = string_member(item, "input");
  } else {
    const json& arguments = member(item, "arguments");
    part.arguments = arguments.is_string()   ? arguments.get<std::string>()
                     : arguments.is_object() ? dump(arguments)
                                             : "";
    if (part.arguments.empty()) part.arguments = "{}";
  }
  return part;
}

} // namespace

std::vector<Part> parts_from_output_item(const json& item) {
  std::vector<Part> parts;
  std::string type = string_member(item, "type");
  if (type == "message")
    add_message_parts(item, parts);
  else if (type == "function_call")
    parts.push_back(tool_call_part(item, false));
  else if (type == "custom_tool_call")
    parts.push_back(tool_call_part(item, true));
  else if (type == "reasoning")
    parts.push_back(thinking_from_reasoning(item));
  return parts;
}

std::string encrypted_content(Part::Kind kind, Issuer issuer, const std::string& signature) {
  if (signature.empty()) return {};
  if (issuer == Issuer::openai) return signature;
  if (kind == Part::Kind::redacted_thinking) return wrap_signature(issuer, std::string(k_redacted_marker) + signature);
  return wrap_signature(issuer, signature);
}

std::string custom_input(const Part& part) {
  if (part.custom) return part.text;
  auto arguments = protocol::parse_json(part.arguments);
  if (arguments.is_object()) {
    if (const json& input = member(arguments, "input"); input.is_string()) return input.get<std::string>();
    // Some models rename the one parameter; a lone string member is still the input.
    if (arguments.size() == 1 && arguments.begin()->is_string()) return arguments.begin()->get<std::string>();
  }
  return part.arguments == "{}" ? std::string() : part.arguments;
}

json message_item(const std::string& id, const std::string& text, const char* status) {
  json content = json::array();
  content.push_back({{"type", "output_text"}, {"text", text}, {"annotations", json::array()}});
  return {{"id", id}, {"type", "message"}, {"role", "assistant"}, {"status", status}, {"content", content}};
}

json function_call_item(const std::string& id, const std::string& call_id, const std::string& name,
                        const std::string& arguments, const char* status) {
  return {{"id", id},     {"type", "function_call"}, {"call_id", call_id},
          {"name", name}, {"arguments", arguments},  {"status", status}};
}

json custom_call_item(const std::string& id, const std::string& call_id, const std::string& name,
                      const std::string& input, const char* status) {
  return {{"id", id},        {"type", "custom_tool_call"}, {"call_id", call_id}, {"name", name}, {"input", input},
          {"status", status}};
}

json reasoning_item(const std::string& id, const std::string& summary, const std::string& encrypted) {
  json item{{"id", id}, {"type", "reasoning"}, {"summary", json::array()}};
  if (!summary.empty()) item["summary"].push_back({{"type", "summary_text"}, {"text", summary}});
  if (!encrypted.empty()) item["encrypted_content"] = encrypted;
  return item;
}

json usage_json(const Usage& usage) {
  return {{"input_tokens", usage.prompt_tokens()},
          {"input_tokens_details", {{"cached_tokens", usage.cache_read_tokens}}},
          {"output_tokens", usage.output_tokens},
          {"output_tokens_details", {{"reasoning_tokens", usage.reasoning_tokens}}},
          {"total_tokens", usage.total_tokens()}};
}

std::string error_type(const Error& error) {
  const auto& types = protocol::openai_error_types();
  if (types.knows(error.type)) return error.type;
  return std::string(types.type_for_status(is_context_overflow(error) ? 400 : error.status));
}

std::string error_code(const Error& error) {
  if (is_context_overflow(error)) return "context_length_exceeded";
  // Numeric codes (Gemini repeats the HTTP status) tell a Responses client nothing.
  bool numeric = std::all_of(error.code.begin(), error.code.end(), [](unsigned char c) { return std::isdigit(c); });
  if (!error.code.empty() && !numeric) return error.code;
  return std::string(protocol::openai_error_types().type_for_status(error.status));
}

int status_for_code(const std::string& code) {
  if (code == "rate_limit_exceeded" || code == "insufficient_quota") return 429;
  if (code == "authentication_error" || code == "invalid_api_key") return 401;
  if (code == "model_not_found" || code == "not_found_error") return 404;
  if (code == "context_length_exceeded" || code.rfind("invalid_", 0) == 0) return 400;
  return 500;
}

} // namespace llmgw::core::translate::openai_responses::detail
