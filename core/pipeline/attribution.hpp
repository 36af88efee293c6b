#pragma once
// Who sent a request: the agent (from the user agent and client headers) and its session id.
#include "core/protocol/json_scan.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace llmgw::core::pipeline {

// Client header lookup, so attribution does not depend on the HTTP library.
struct HeaderView {
  std::string_view user_agent;
  std::string_view originator;      // Codex: "codex_exec" / "codex_cli_rs"
  std::string_view claude_session;  // x-claude-code-session-id
  std::string_view generic_session; // session-id / session_id (Codex)
};

// One of: claude-code, codex, aider, opencode, gemini-cli, openai-sdk, anthropic-sdk, ai-sdk,
// curl, unknown.
std::string detect_agent(const HeaderView& headers);

// Every name detect_agent() can return, sorted (what `llmgw cap set --agent` accepts unforced).
std::vector<std::string> detected_agents();

// The agent's session id, or "" when the client sends none.
std::string detect_session(const HeaderView& headers);

// The session id from body fields when no header carried one: Codex's `prompt_cache_key`, or the
// `session_id` inside Claude Code's `metadata.user_id` (a JSON object encoded as a string).
std::string session_from_body(std::string_view body, const protocol::ScannedObject& scanned);

} // namespace llmgw::core::pipeline
