#pragma once
// Handlers of the standalone fake provider used by the end-to-end tests: every reply says
// "E2E-OK", optionally after one tool round trip, with fixed usage numbers the tests assert on.
#include "tests/support/fake_upstream.hpp"

namespace llmgw::test {

// The final text of every e2e conversation.
inline constexpr const char* k_e2e_text = "E2E-OK";
// The command the tool calls ask the agent to run.
inline constexpr const char* k_e2e_command = "echo llmgw-e2e";

// Anthropic usage of every e2e reply (input excludes the cache counts; total prompt = 170).
inline constexpr int k_e2e_anthropic_input_tokens = 100;
inline constexpr int k_e2e_anthropic_cache_read_tokens = 50;
inline constexpr int k_e2e_anthropic_cache_write_tokens = 20;
inline constexpr int k_e2e_anthropic_output_tokens = 10;

// OpenAI usage of every e2e reply, Chat and Responses (prompt includes the cached tokens).
inline constexpr int k_e2e_openai_prompt_tokens = 120;
inline constexpr int k_e2e_openai_cached_tokens = 40;
inline constexpr int k_e2e_openai_completion_tokens = 10;

// Replaces the chat, responses and messages handlers of upstream. With tool_call, Anthropic and
// Responses requests get a tool call first (Bash / exec_command / shell) and "E2E-OK" once the
// request carries its result; without it every reply is the text.
void install_e2e_handlers(FakeUpstream& upstream, bool tool_call);

}  // namespace llmgw::test
