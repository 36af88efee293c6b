// Helpers shared by the Anthropic Messages codec: content blocks, stop reasons, usage, ids,
// signatures and error types (PROTOCOLS.md §3).
#include "core/protocol/json_scan.hpp"
#include "core/translate/anthropic/internal.hpp"
#include "core/translate/reasoning_state.hpp"

#include <array>
#include <random>

namespace llmgw::core::translate::anthropic::detail {
namespace {

// A text part, or nothing for empty text (Anthropic never has meaningful empty blocks).
std::optional<Part> text_part(std::string text) {
  if (text.empty()) return std::nullopt;
  Part part;
  part.text = std::move(text);
  return part;
}

// image / document blocks: a base64 or URL source; a document's plain-text source becomes text.
std::optional<Part> decode_source(const json& block, Part::Kind kind) {
  const json& source = member(block, "source");
  const std::string type = string_member(source, "type");
  Part part;
  part.kind = kind;
  if (type == "base64") {
    part.media_type = string_member(source, "media_type");
    part.data = string_member(source, "data");
    if (part.data.empty()) return std::nullopt;
    return part;
  }
  if (type == "url") {
    part.url = string_member(source, "url");
    if (part.url.empty()) return std::nullopt;
    return part;
  }
  if (type == "text") return text_part(string_member(source, "data"));
  if (type == "content" && member(source, "content").is_array()) {
    std::string joined;
    for (const auto& inner : source["content"]) {
      const std::string text = string_member(inner, "text");
      if (text.empty()) continue;
      if (!joined.empty()) joined += "\n\n";
      joined += text;
    }
    return text_part(std::move(joined));
  }
  return std::nullopt; // file ids are Anthropic-only
}

std::optional<Part> decode_tool_result(const json& block, const std::string& where) {
  Part part;
  part.kind = Part::Kind::tool_result;
  part.id = string_member(block, "tool_use_id");
  part.is_error = member(block, "is_error") == true;
  const json& content = member(block, "content");
  if (content.is_string()) {
    if (auto text = text_part(content.get<std::string>())) part.content.push_back(std::move(*text));
  } else if (content.is_array()) {
    for (size_t i = 0; i < content.size(); ++i) {
      auto inner = decode_block(content[i], where + ".content[" + std::to_string(i) + "]");
      if (inner &&
          (inner->kind == Part::Kind::text || inner->kind == Part::Kind::image || inner->kind == Part::Kind::document))
        part.content.push_back(std::move(*inner));
    }
  } else if (!content.is_null()) {
    throw TranslateError(where + ".content must be a string or an array of content blocks");
  }
  return part;
}

// Reasoning state from an Anthropic client is Anthropic's own unless llmgw wrapped it.
void take_signature(Part& part, const std::string& signature) {
  if (signature.empty()) return; // unsigned thinking cannot be replayed to anyone
  auto unwrapped = unwrap_signature(signature, Issuer::anthropic);
  part.issuer = unwrapped.issuer;
  part.signature = std::move(unwrapped.opaque);
}

std::optional<Part> decode_reasoning(const json& block, bool redacted) {
  Part part;
  if (redacted) {
    part.kind = Part::Kind::redacted_thinking;
    take_signature(part, string_member(block, "data"));
    if (part.issuer == Issuer::none) return std::nullopt;
    return part;
  }
  part.kind = Part::Kind::thinking;
  part.text = string_member(block, "thinking");
  take_signature(part, string_member(block, "signature"));
  if (part.text.empty() && part.signature.empty()) return std::nullopt;
  return part;
}

} // namespace

std::string dump(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }

StopReason stop_from_wire(std::string_view stop_reason) {
  if (stop_reason == "max_tokens" || stop_reason == "model_context_window_exceeded") return StopReason::max_tokens;
  if (stop_reason == "tool_use") return StopReason::tool_use;
  if (stop_reason == "stop_sequence") return StopReason::stop_sequence;
  if (stop_reason == "refusal") return StopReason::refusal;
  if (stop_reason == "pause_turn") return StopReason::pause_turn;
  return StopReason::end_turn;
}

std::string_view stop_to_wire(StopReason stop) { return to_string(stop); } // same names (ir.cpp)

json usage_json(const Usage& usage) {
  return json{{"input_tokens", usage.input_uncached_tokens},
              {"cache_creation_input_tokens", usage.cache_write_5m_tokens + usage.cache_write_1h_tokens},
              {"cache_read_input_tokens", usage.cache_read_tokens},
              {"cache_creation",
               {{"ephemeral_5m_input_tokens", usage.cache_write_5m_tokens},
                {"ephemeral_1h_input_tokens", usage.cache_write_1h_tokens}}},
              {"output_tokens", usage.output_tokens}};
}

std::string random_id(std::string_view prefix) {
  thread_local std::mt19937_64 generator{std::random_device{}()};
  static constexpr std::array<char, 16> k_hex{'0', '1', '2', '3', '4', '5', '6', '7',
                                              '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};
  std::string id(prefix);
  for (int i = 0; i < 24; ++i) id += k_hex[generator() % 16];
  return id;
}

json tool_input(const Part& part) {
  if (part.custom) return json{{"input", part.text}};
  if (is_blank(part.arguments)) return json::object();
  json parsed = protocol::parse_json(part.arguments);
  // Anthropic requires an object; keep what the model wrote rather than losing it.
  if (parsed.is_discarded() || !parsed.is_object()) return json{{"_raw", part.arguments}};
  return parsed;
}

std::string client_signature(const Part& part) {
  if (part.signature.empty() || part.issuer == Issuer::none) return wrap_signature(Issuer::none, "");
  if (part.issuer == Issuer::anthropic) return part.signature;
  return wrap_signature(part.issuer, part.signature);
}

std::optional<Part> decode_block(const json& block, const std::string& where) {
  if (!block.is_object()) throw TranslateError(where + " must be a content block object");
  const std::string type = string_member(block, "type");
  if (type == "text") return text_part(string_member(block, "text"));
  if (type == "image") return decode_source(block, Part::Kind::image);
  if (type == "document") return decode_source(block, Part::Kind::document);
  if (type == "tool_result") return decode_tool_result(block, where);
  if (type == "thinking") return decode_reasoning(block, false);
  if (type == "redacted_thinking") return decode_reasoning(block, true);
  if (type == "tool_use") {
    Part part;
    part.kind = Part::Kind::tool_call;
    part.id = string_member(block, "id");
    part.name = string_member(block, "name");
    const json& input = member(block, "input");
    part.arguments = input.is_object() ? dump(input) : "{}";
    return part;
  }
  // server_tool_use, web_search_tool_result, search_result, container_upload, tool_reference...:
  // Anthropic-side artefacts no other provider understands.
  return std::nullopt;
}

bool is_blank(std::string_view text) { return text.find_first_not_of(" \t\r\n\f\v") == std::string_view::npos; }

} // namespace llmgw::core::translate::anthropic::detail
