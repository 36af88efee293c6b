#pragma once
// `llmgw usage --statusline`: one short line for Claude Code's status line or a shell prompt —
// the session's cost, today's, the tightest cap that applies, the plan's 5-hour window.
#include "core/policy/rules.hpp"
#include "store/db.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace llmgw::cli {

// What Claude Code passes a status line command on stdin (code.claude.com/docs/en/statusline).
struct StatuslineInput {
  std::string session_id;
  std::string model_id;
  std::string model_name; // model.display_name, e.g. "Opus"
  std::string current_dir;
};

// The fields above from Claude Code's JSON; nullopt when the text is not a JSON object. Missing
// or mistyped fields are left empty.
std::optional<StatuslineInput> parse_statusline_input(std::string_view text);

// Everything on `fd` up to EOF when it is not a terminal, waiting at most `timeout` in all (a pipe
// nobody writes to must not hang a prompt); at most 1 MiB. "" for a terminal.
std::string read_piped_stdin(int fd, std::chrono::milliseconds timeout);

// Who the status line is for: the session's agent, key, project and provider. Without a session
// (known == false) every cap applies except those of revoked keys.
struct CapSubject {
  bool known = false;
  std::string agent, key_name, project, provider;
  std::string user_name{};
};

// True when the cap limits the subject's requests: global caps always; a key cap only for an
// active key; other scopes when their value is the subject's.
bool cap_applies(const core::policy::CapRule& cap, const CapSubject& subject, const std::set<std::string>& active_keys);

// "day cap", "week cap agent claude-code": how reports name a cap.
std::string cap_label(const core::policy::CapRule& rule);

// The status line (no newline). With input: "Opus · session $0.42 · today $1.23 | $0.77 left (day
// cap agent claude-code) | 5h 43 % ↺14:00"; without: "llmgw $1.23 today | ...".
std::string statusline(store::Db& db, const std::optional<StatuslineInput>& input, int64_t now_ms);

} // namespace llmgw::cli
