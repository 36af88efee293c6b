// Neutral messages -> Anthropic `messages` that satisfy the Messages API's structural rules
// (PROTOCOLS.md §3.2, §5.2): roles alternate starting with user, every tool_use is answered by a
// tool_result in the very next user message (results first), tool_result ids refer to the
// previous assistant message, ids are unique and of Anthropic's alphabet, no blank text blocks,
// and reasoning state goes back only to the family that issued it (§5.8).
#include "core/translate/anthropic/internal.hpp"

#include <cctype>
#include <set>
#include <utility>

namespace llmgw::core::translate::anthropic::detail {
namespace {

// What goes first when the conversation would otherwise start with an assistant turn, or is
// empty: Anthropic requires a user turn first, and a neutral word keeps the model on track.
constexpr std::string_view k_opening_text = "(continued)";
constexpr std::string_view k_missing_result = "no result was recorded for this tool call";

std::optional<json> text_block(const std::string& text) {
  if (is_blank(text)) return std::nullopt; // "text content blocks must contain non-whitespace text"
  return json{{"type", "text"}, {"text", text}};
}

// "data:image/png;base64,AAAA" -> media type and data; false for anything else.
bool split_data_url(const std::string& url, std::string& media_type, std::string& data) {
  if (url.rfind("data:", 0) != 0) return false;
  const auto comma = url.find(',');
  const auto marker = url.rfind(";base64", comma);
  if (comma == std::string::npos || marker == std::string::npos || marker < 5) return false;
  media_type = url.substr(5, marker - 5);
  data = url.substr(comma + 1);
  return true;
}

std::optional<json> media_block(const Part& part) {
  const bool image = part.kind == Part::Kind::image;
  std::string media_type = part.media_type;
  std::string data = part.data;
  json source;
  if (!data.empty() || split_data_url(part.url, media_type, data)) {
    if (media_type.empty()) media_type = image ? "image/png" : "application/pdf";
    source = {{"type", "base64"}, {"media_type", media_type}, {"data", data}};
  } else if (!part.url.empty()) {
    source = {{"type", "url"}, {"url", part.url}};
  } else {
    return std::nullopt;
  }
  return json{{"type", image ? "image" : "document"}, {"source", source}};
}

// Text and images of a tool result: a plain string when it is one text, else blocks.
json result_content(const std::vector<Part>& content) {
  json blocks = json::array();
  for (const auto& inner : content) {
    std::optional<json> block = inner.kind == Part::Kind::text ? text_block(inner.text) : media_block(inner);
    if (block) blocks.push_back(std::move(*block));
  }
  if (blocks.size() == 1 && blocks[0]["type"] == "text") return blocks[0]["text"];
  return blocks;
}

json tool_result_block(const Part& part, const std::string& wire_id) {
  json block{{"type", "tool_result"}, {"tool_use_id", wire_id}};
  json content = result_content(part.content);
  if (!content.empty()) block["content"] = std::move(content);
  if (part.is_error) block["is_error"] = true;
  return block;
}

// Anthropic ids must match ^[a-zA-Z0-9_-]+$; some providers use ids like "functions.Read:0".
std::string wire_alphabet(const std::string& id) {
  if (id.empty()) return "toolu_missing";
  std::string out = id;
  for (char& c : out)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') c = '_';
  return out;
}

struct Turn {
  Role role = Role::user;
  json blocks = json::array();
};

// Consecutive neutral messages of one role, seen as one (a Responses history has one item per
// tool call: parallel calls stay in one assistant turn, their outputs in one user turn).
struct Source {
  Role role = Role::user;
  std::vector<const Part*> parts;
};

std::vector<Source> group_by_role(const std::vector<Message>& messages) {
  std::vector<Source> out;
  for (const auto& message : messages) {
    if (out.empty() || out.back().role != message.role) out.push_back(Source{message.role, {}});
    for (const auto& part : message.parts) out.back().parts.push_back(&part);
  }
  return out;
}

class MessageBuilder {
public:
  MessageBuilder(const std::vector<Message>& messages, Issuer family)
      : m_messages(group_by_role(messages)), m_family(family) {}

  json build() {
    for (size_t i = 0; i < m_messages.size(); ++i) {
      if (m_messages[i].role == Role::assistant)
        add_assistant(i);
      else
        add_user(i);
    }
    trim_final_assistant();
    if (m_turns.empty() || m_turns.front().role != Role::user)
      m_turns.insert(m_turns.begin(), Turn{Role::user, json::array({*text_block(std::string(k_opening_text))})});
    json out = json::array();
    for (auto& turn : m_turns)
      out.push_back({{"role", turn.role == Role::user ? "user" : "assistant"}, {"content", std::move(turn.blocks)}});
    return out;
  }

private:
  // Anthropic state goes back to Anthropic only, and only with its signature.
  std::optional<json> reasoning_block(const Part& part) const {
    if (part.issuer == Issuer::none || part.issuer != m_family || part.signature.empty()) return std::nullopt;
    if (part.kind == Part::Kind::redacted_thinking)
      return json{{"type", "redacted_thinking"}, {"data", part.signature}};
    return json{{"type", "thinking"}, {"thinking", part.text}, {"signature", part.signature}};
  }

  void add_assistant(size_t index) {
    json blocks = json::array();
    std::vector<std::pair<const Part*, std::string>> calls; // call, its id on the wire
    for (const Part* source : m_messages[index].parts) {
      const Part& part = *source;
      std::optional<json> block;
      switch (part.kind) {
      case Part::Kind::text: block = text_block(part.text); break;
      case Part::Kind::thinking:
      case Part::Kind::redacted_thinking: block = reasoning_block(part); break;
      case Part::Kind::tool_call:
        calls.emplace_back(&part, unique_id(part.id));
        block =
            json{{"type", "tool_use"}, {"id", calls.back().second}, {"name", part.name}, {"input", tool_input(part)}};
        break;
      default: break; // assistant turns carry no images or results
      }
      if (block) blocks.push_back(std::move(*block));
    }
    if (blocks.empty()) return;
    append(Role::assistant, std::move(blocks));
    if (calls.empty()) return;
    json results = json::array();
    for (const auto& [call, wire_id] : calls) results.push_back(result_for(*call, index, wire_id));
    append(Role::user, std::move(results));
  }

  void add_user(size_t index) {
    json blocks = json::array();
    for (const Part* source : m_messages[index].parts) {
      const Part& part = *source;
      if (part.kind == Part::Kind::tool_result) {
        if (!m_used.count(&part)) add_orphan_result(part, blocks);
        continue;
      }
      std::optional<json> block;
      if (part.kind == Part::Kind::text) block = text_block(part.text);
      if (part.kind == Part::Kind::image || part.kind == Part::Kind::document) block = media_block(part);
      if (block) blocks.push_back(std::move(*block));
    }
    if (!blocks.empty()) append(Role::user, std::move(blocks));
  }

  // The first unused result for this call in a later user message; a call whose result never
  // came gets an error result, since an unanswered tool_use is rejected.
  json result_for(const Part& call, size_t after, const std::string& wire_id) {
    for (size_t i = after + 1; i < m_messages.size(); ++i) {
      if (m_messages[i].role != Role::user) continue;
      for (const Part* part : m_messages[i].parts) {
        if (part->kind != Part::Kind::tool_result || part->id != call.id || m_used.count(part)) continue;
        m_used.insert(part);
        return tool_result_block(*part, wire_id);
      }
    }
    Part missing;
    missing.is_error = true;
    missing.content.push_back(Part{});
    missing.content.back().text = k_missing_result;
    return tool_result_block(missing, wire_id);
  }

  // A result without a call before it (trimmed history) cannot be a tool_result: keep it as text.
  static void add_orphan_result(const Part& part, json& blocks) {
    std::string header = "Result of tool call " + part.id + (part.is_error ? " (error):" : ":");
    json content = result_content(part.content);
    if (content.is_string()) {
      blocks.push_back({{"type", "text"}, {"text", header + "\n" + content.get<std::string>()}});
      return;
    }
    blocks.push_back({{"type", "text"}, {"text", header}});
    for (auto& block : content) blocks.push_back(std::move(block));
  }

  std::string unique_id(const std::string& id) {
    const std::string base = wire_alphabet(id);
    std::string out = base;
    for (int n = 2; m_ids.count(out); ++n) out = base + "_" + std::to_string(n);
    m_ids.insert(out);
    return out;
  }

  // Consecutive same-role turns are merged: Anthropic requires alternation.
  void append(Role role, json blocks) {
    if (m_turns.empty() || m_turns.back().role != role) {
      m_turns.push_back(Turn{role, std::move(blocks)});
      return;
    }
    for (auto& block : blocks) m_turns.back().blocks.push_back(std::move(block));
  }

  // A final assistant turn is a prefill, which "cannot end with trailing whitespace".
  void trim_final_assistant() {
    if (m_turns.empty() || m_turns.back().role != Role::assistant) return;
    json& last = m_turns.back().blocks.back();
    if (last["type"] != "text") return;
    std::string text = last["text"].get<std::string>();
    text.erase(text.find_last_not_of(" \t\r\n\f\v") + 1);
    last["text"] = text;
  }

  const std::vector<Source> m_messages;
  Issuer m_family;
  std::vector<Turn> m_turns;
  std::set<const Part*> m_used; // results already placed after their call
  std::set<std::string> m_ids;  // tool_use ids already sent
};

} // namespace

json encode_messages(const std::vector<Message>& messages, Issuer family) {
  return MessageBuilder(messages, family).build();
}

} // namespace llmgw::core::translate::anthropic::detail
