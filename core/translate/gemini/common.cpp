// Helpers shared by the Gemini codec files (see internal.hpp).
#include "core/translate/gemini/internal.hpp"

#include "core/protocol/json_scan.hpp"
#include "core/translate/reasoning_state.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <random>

namespace llmgw::core::translate::gemini::detail {

StopReason stop_from_finish_reason(std::string_view reason, bool has_tool_call) {
  if (reason == "MAX_TOKENS") return StopReason::max_tokens;
  for (std::string_view blocked : {"SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY"})
    if (reason == blocked) return StopReason::refusal;
  // Gemini says STOP after function calls; clients run tools only on tool_use (§6.3).
  return has_tool_call ? StopReason::tool_use : StopReason::end_turn;
}

std::string_view finish_reason_for(StopReason stop) {
  switch (stop) {
  case StopReason::max_tokens: return "MAX_TOKENS";
  case StopReason::refusal: return "SAFETY";
  case StopReason::end_turn:
  case StopReason::tool_use:
  case StopReason::stop_sequence:
  case StopReason::pause_turn: break;
  }
  return "STOP";
}

json usage_metadata(const Usage& usage) {
  json out{{"promptTokenCount", usage.prompt_tokens()},
           {"candidatesTokenCount", usage.output_tokens - usage.reasoning_tokens},
           {"totalTokenCount", usage.total_tokens()}};
  if (usage.cache_read_tokens > 0) out["cachedContentTokenCount"] = usage.cache_read_tokens;
  if (usage.reasoning_tokens > 0) out["thoughtsTokenCount"] = usage.reasoning_tokens;
  return out;
}

std::string dump(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }

std::string fresh_call_id() {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  static constexpr std::array<char, 16> k_hex = {'0', '1', '2', '3', '4', '5', '6', '7',
                                                 '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};
  std::string id = "call_";
  for (int i = 0; i < 24; ++i) id += k_hex[engine() % 16];
  return id;
}

json arguments_object(const std::string& arguments) {
  auto parsed = protocol::parse_json(arguments);
  return parsed.is_object() ? parsed : json::object();
}

std::string client_signature(const std::string& signature, Issuer issuer) {
  if (signature.empty() || issuer == Issuer::gemini) return signature;
  return wrap_signature(issuer, signature);
}

json function_call_part(const Part& call, const std::string& arguments, const std::string& signature) {
  json args = call.custom ? json{{"input", arguments}} : arguments_object(arguments);
  json function_call{{"name", call.name}, {"args", args}};
  // gemini-cli uses the id as its callId and sends it back on the functionResponse.
  if (!call.id.empty()) function_call["id"] = call.id;
  json out{{"functionCall", function_call}};
  if (std::string sig = client_signature(signature, call.issuer); !sig.empty()) out["thoughtSignature"] = sig;
  return out;
}

json output_part(const Part& part) {
  switch (part.kind) {
  case Part::Kind::text:
  case Part::Kind::thinking: {
    // gemini-cli discards a whole chunk holding an empty non-thought text part (isValidContent).
    if (part.text.empty() && (part.kind == Part::Kind::text || part.signature.empty())) return nullptr;
    json out{{"text", part.text}};
    if (part.kind == Part::Kind::thinking) out["thought"] = true;
    if (std::string sig = client_signature(part.signature, part.issuer); !sig.empty()) out["thoughtSignature"] = sig;
    return out;
  }
  case Part::Kind::tool_call: return function_call_part(part, part.custom ? part.text : part.arguments, part.signature);
  case Part::Kind::image:
  case Part::Kind::document:
    if (!part.data.empty()) return {{"inlineData", {{"mimeType", part.media_type}, {"data", part.data}}}};
    break;
  case Part::Kind::tool_result:
  case Part::Kind::redacted_thinking: break;
  }
  return nullptr;
}

namespace {

// executableCode.language is an enum ("PYTHON"); a fence wants "python".
std::string lower_language(std::string language) {
  std::transform(language.begin(), language.end(), language.begin(), [](unsigned char c) { return std::tolower(c); });
  return language == "language_unspecified" ? std::string() : language;
}

void apply_signature(const json& part, Part& out) {
  std::string signature = string_member(part, "thoughtSignature");
  if (signature.empty()) return;
  auto unwrapped = unwrap_signature(signature, Issuer::gemini);
  out.signature = unwrapped.opaque;
  out.issuer = unwrapped.issuer;
}

// inlineData / fileData: images as images, PDFs and anything else as documents.
Part media_part(const json& blob, bool is_file) {
  Part out;
  out.media_type = string_member(blob, "mimeType");
  out.kind = out.media_type.rfind("image/", 0) == 0 ? Part::Kind::image : Part::Kind::document;
  if (is_file)
    out.url = string_member(blob, "fileUri");
  else
    out.data = string_member(blob, "data");
  return out;
}

std::optional<Part> code_part(const json& part) {
  Part out;
  if (const json& code = member(part, "executableCode"); code.is_object())
    out.text = "```" + lower_language(string_member(code, "language")) + "\n" + string_member(code, "code") + "\n```";
  else if (const json& result = member(part, "codeExecutionResult"); result.is_object())
    out.text = string_member(result, "output");
  else
    return std::nullopt;
  return out;
}

} // namespace

std::optional<Part> decode_basic_part(const json& part) {
  std::optional<Part> out;
  if (const json& text = member(part, "text"); text.is_string()) {
    out.emplace();
    out->text = text.get<std::string>();
    if (member(part, "thought") == true) {
      out->kind = Part::Kind::thinking;
      out->issuer = Issuer::gemini;
    }
  } else if (const json& inline_data = member(part, "inlineData"); inline_data.is_object()) {
    out = media_part(inline_data, false);
  } else if (const json& file_data = member(part, "fileData"); file_data.is_object()) {
    out = media_part(file_data, true);
  } else {
    out = code_part(part);
  }
  if (!out) return out;
  apply_signature(part, *out);
  if (out->kind == Part::Kind::text && out->text.empty() && out->signature.empty()) return std::nullopt;
  return out;
}

Part decode_function_call(const json& part, const std::string& fallback_id) {
  const json& call = member(part, "functionCall");
  Part out;
  out.kind = Part::Kind::tool_call;
  out.id = string_member(call, "id");
  if (out.id.empty()) out.id = fallback_id;
  out.name = string_member(call, "name");
  const json& args = member(call, "args");
  out.arguments = args.is_object() ? args.dump() : "{}";
  out.issuer = Issuer::gemini;
  apply_signature(part, out);
  return out;
}

void remember_call_signature(const Part& call) {
  if (call.issuer == Issuer::gemini) remember_tool_signature(call.id, call.signature);
}

} // namespace llmgw::core::translate::gemini::detail
