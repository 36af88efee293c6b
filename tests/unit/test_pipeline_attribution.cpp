#include "core/pipeline/attribution.hpp"

#include <doctest/doctest.h>

using namespace llmgw::core::pipeline;

TEST_CASE("attribution: agents from the user agents real clients send") {
  CHECK(detect_agent({"claude-cli/2.1.330 (external, sdk-cli)", "", "", ""}) == "claude-code");
  CHECK(detect_agent({"Bun/1.4.4", "", "", ""}) == "claude-code");
  CHECK(detect_agent({"codex_exec/0.169.0 (Debian 12.0.0; x86_64) xterm", "codex_exec", "", ""}) == "codex");
  CHECK(detect_agent({"OpenAI/JS 7.57.0", "", "", ""}) == "openai-sdk");
  CHECK(detect_agent({"Anthropic/JS 1.12.0", "", "", ""}) == "anthropic-sdk");
  CHECK(detect_agent({"ai-sdk-openai/4.0.118 ai-sdk-provider-utils/5.0.81 node.js/v20.20.2", "", "", ""}) == "ai-sdk");
  CHECK(detect_agent({"curl/7.88.1", "", "", ""}) == "curl");
  CHECK(detect_agent({"aider/0.80", "", "", ""}) == "aider");
  CHECK(detect_agent({"opencode/1.0", "", "", ""}) == "opencode");
  CHECK(detect_agent({"something", "", "", ""}) == "unknown");
  CHECK(detect_agent({"", "", "", ""}) == "unknown");
}

TEST_CASE("attribution: a Claude Code session header marks the agent even with another user agent") {
  CHECK(detect_agent({"node", "", "7f0c-uuid", ""}) == "claude-code");
  CHECK(detect_session({"node", "", "7f0c-uuid", "other"}) == "7f0c-uuid");
  CHECK(detect_session({"codex_exec/0.169.0", "codex_exec", "", "0199-uuid"}) == "0199-uuid");
  CHECK(detect_session({"curl/8", "", "", ""}).empty());
}

TEST_CASE("session ids from body fields when no header carries one") {
  using llmgw::core::pipeline::session_from_body;
  auto session = [](const std::string& body) {
    auto scanned = llmgw::core::protocol::scan_object(body);
    REQUIRE(scanned);
    return session_from_body(body, *scanned);
  };
  CHECK(session(R"({"model":"gpt-5","prompt_cache_key":"0199a1f2-aaaa","input":[]})") == "0199a1f2-aaaa");
  CHECK(
      session(
          R"({"model":"claude","metadata":{"user_id":"{\"device_id\":\"d\",\"account_uuid\":\"\",\"session_id\":\"5e1c-77\"}"}})") ==
      "5e1c-77");
  CHECK(session(R"({"model":"claude","metadata":{"user_id":"user_abc_account__session_x"}})") == "");
  CHECK(session(R"({"model":"claude","metadata":{"user_id":"{not json"}})") == "");
  CHECK(session(R"({"model":"claude"})") == "");
}
