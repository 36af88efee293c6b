#include "cli/statusline.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <unistd.h>

using namespace llmgw::cli;
using llmgw::core::policy::CapRule;
using llmgw::core::policy::Period;
using llmgw::core::policy::Scope;

namespace {

// What Claude Code passes (code.claude.com/docs/en/statusline), shortened.
constexpr const char* k_claude_code_json = R"({
  "hook_event_name": "Status",
  "session_id": "abc123",
  "transcript_path": "/home/u/.claude/projects/x/abc123.jsonl",
  "cwd": "/home/u/project",
  "model": {"id": "claude-opus-4-1", "display_name": "Opus"},
  "workspace": {"current_dir": "/home/u/project", "project_dir": "/home/u/project"},
  "version": "1.0.80",
  "cost": {"total_cost_usd": 0.01234, "total_duration_ms": 45000}
})";

CapRule cap(Scope scope, const std::string& value) { return {1, Period::day, 100, scope, value, 80}; }

} // namespace

TEST_SUITE("cli statusline") {
  TEST_CASE("claude code's json gives the session, model and directory") {
    const auto input = parse_statusline_input(k_claude_code_json);
    REQUIRE(input);
    CHECK(input->session_id == "abc123");
    CHECK(input->model_id == "claude-opus-4-1");
    CHECK(input->model_name == "Opus");
    CHECK(input->current_dir == "/home/u/project");
  }

  TEST_CASE("missing or mistyped fields are empty; text that is not an object is no input") {
    const auto partial = parse_statusline_input(R"({"session_id": 7, "model": "opus"})");
    REQUIRE(partial);
    CHECK(partial->session_id.empty());
    CHECK(partial->model_name.empty());
    CHECK_FALSE(parse_statusline_input(""));
    CHECK_FALSE(parse_statusline_input("not json"));
    CHECK_FALSE(parse_statusline_input("[1,2]"));
    CHECK_FALSE(parse_statusline_input(R"({"session_id": "a")"));
  }

  TEST_CASE("piped stdin is read to its end") {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    const std::string text = k_claude_code_json;
    REQUIRE(::write(fds[1], text.data(), text.size()) == static_cast<ssize_t>(text.size()));
    ::close(fds[1]);
    CHECK(read_piped_stdin(fds[0], std::chrono::milliseconds(1000)) == text);
    ::close(fds[0]);
  }

  TEST_CASE("a pipe nobody writes to gives up after the timeout") {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    const auto start = std::chrono::steady_clock::now();
    CHECK(read_piped_stdin(fds[0], std::chrono::milliseconds(50)) == "");
    const auto waited = std::chrono::steady_clock::now() - start;
    CHECK(waited >= std::chrono::milliseconds(40));
    CHECK(waited < std::chrono::milliseconds(1000));
    ::close(fds[0]);
    ::close(fds[1]);
  }

  TEST_CASE("caps apply to the session's agent, key, project and provider, and globally") {
    const CapSubject session{true, "claude-code", "laptop", "web", "anthropic"};
    const std::set<std::string> active{"laptop", "ci"};
    CHECK(cap_applies(cap(Scope::global, ""), session, active));
    CHECK(cap_applies(cap(Scope::agent, "claude-code"), session, active));
    CHECK_FALSE(cap_applies(cap(Scope::agent, "codex"), session, active));
    CHECK(cap_applies(cap(Scope::key, "laptop"), session, active));
    CHECK_FALSE(cap_applies(cap(Scope::key, "ci"), session, active));
    CHECK(cap_applies(cap(Scope::project, "web"), session, active));
    CHECK_FALSE(cap_applies(cap(Scope::project, "api"), session, active));
    CHECK(cap_applies(cap(Scope::provider, "anthropic"), session, active));
    CHECK_FALSE(cap_applies(cap(Scope::provider, "openai"), session, active));
  }

  TEST_CASE("without a session every cap applies except those of revoked keys") {
    const CapSubject nobody;
    const std::set<std::string> active{"laptop"};
    CHECK(cap_applies(cap(Scope::agent, "codex"), nobody, active));
    CHECK(cap_applies(cap(Scope::key, "laptop"), nobody, active));
    CHECK_FALSE(cap_applies(cap(Scope::key, "revoked-one"), nobody, active));
    const CapSubject session{true, "claude-code", "revoked-one", "", ""};
    CHECK_FALSE(cap_applies(cap(Scope::key, "revoked-one"), session, active));
  }
}
