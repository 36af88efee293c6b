#pragma once
// Who sent a request: the agent (from the user agent and client headers) and its session id.
#include <string>
#include <string_view>

namespace llmgw::core::pipeline {

// Client header lookup, so attribution does not depend on the HTTP library.
struct HeaderView {
  std::string_view user_agent;
  std::string_view originator;         // Codex: "codex_exec" / "codex_cli_rs"
  std::string_view claude_session;     // x-claude-code-session-id
  std::string_view generic_session;    // session-id / session_id (Codex)
};

// One of: claude-code, codex, aider, opencode, gemini-cli, openai-sdk, anthropic-sdk, ai-sdk,
// curl, unknown.
std::string detect_agent(const HeaderView& headers);

// The agent's session id, or "" when the client sends none.
std::string detect_session(const HeaderView& headers);

} // namespace llmgw::core::pipeline
