#include "core/pipeline/attribution.hpp"

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>
#include <utility>

namespace llmgw::core::pipeline {
namespace {

bool contains(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

// User-agent fragments, most specific first (CLIENTS.md §2: claude-cli/2.1.330, codex_exec/0.169.0,
// OpenAI/JS 7.57.0, Anthropic/JS 1.12.0, ai-sdk-openai/4.0.118, Bun/1.4.4 for Claude Code's probe).
constexpr std::array<std::pair<std::string_view, std::string_view>, 13> k_agents{{
    {"claude-cli/", "claude-code"},
    {"claude-code/", "claude-code"},
    {"codex_", "codex"},
    {"codex-", "codex"},
    {"aider", "aider"},
    {"opencode", "opencode"},
    {"GeminiCLI", "gemini-cli"},
    {"ai-sdk", "ai-sdk"},
    {"OpenAI/", "openai-sdk"},
    {"Anthropic/", "anthropic-sdk"},
    {"litellm", "aider"},
    {"curl/", "curl"},
    {"Bun/", "claude-code"},
}};

} // namespace

std::string detect_agent(const HeaderView& headers) {
  if (headers.originator.substr(0, 5) == "codex") return "codex";
  if (!headers.claude_session.empty()) return "claude-code";
  for (const auto& [fragment, agent] : k_agents)
    if (contains(headers.user_agent, fragment)) return std::string(agent);
  return "unknown";
}

std::vector<std::string> detected_agents() {
  std::vector<std::string> names{"unknown"};
  for (const auto& entry : k_agents) names.emplace_back(entry.second);
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

std::string detect_session(const HeaderView& headers) {
  if (!headers.claude_session.empty()) return std::string(headers.claude_session);
  return std::string(headers.generic_session);
}

std::string session_from_body(std::string_view body, const protocol::ScannedObject& scanned) {
  if (const auto* key = scanned.find("prompt_cache_key"))
    if (auto value = protocol::string_value(body, *key); value && !value->empty()) return *value;
  const auto* metadata = scanned.find("metadata");
  if (metadata == nullptr) return "";
  const std::string_view object = body.substr(metadata->value_begin, metadata->value_end - metadata->value_begin);
  const auto inner = protocol::scan_object(object);
  const auto* user_id = inner ? inner->find("user_id") : nullptr;
  const auto text = user_id ? protocol::string_value(object, *user_id) : std::nullopt;
  if (!text || text->empty() || text->front() != '{') return "";
  const auto parsed = protocol::parse_json(*text);
  if (!parsed.is_object()) return "";
  const auto session = parsed.find("session_id");
  return session != parsed.end() && session->is_string() ? session->get<std::string>() : "";
}

} // namespace llmgw::core::pipeline
