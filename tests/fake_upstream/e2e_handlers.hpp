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

// Gemini usageMetadata of every e2e reply: the prompt includes the cached tokens, candidates
// exclude the thoughts (billed as output). Normalised: input 120, cache read 30, output 35.
inline constexpr int k_e2e_gemini_prompt_tokens = 150;
inline constexpr int k_e2e_gemini_cached_tokens = 30;
inline constexpr int k_e2e_gemini_candidates_tokens = 10;
inline constexpr int k_e2e_gemini_thoughts_tokens = 25;
// The thoughtSignature on the fake's functionCall part; the follow-up request must carry it back
// on that part, or the fake answers 400 as Gemini 3 does.
inline constexpr const char* k_e2e_gemini_signature = "sig-e2e-1";
// The models the Gemini routes answer (the fake routes exact paths, so each model is one route):
// /v1beta/models/MODEL:generateContent and :streamGenerateContent.
inline constexpr const char* k_e2e_gemini_models[] = {"gemini-2.5-flash", "gemini-2.5-pro", "gemini-2.5-flash-lite",
                                                      "gemini-3-pro-preview", "gemini-3-flash-preview"};

// Replaces the chat, responses and messages handlers of upstream and adds the Gemini ones. With
// tool_call, a request that offers tools and carries no tool result yet gets one call to the
// shell tool (Bash / exec_command / shell, else the first); "E2E-OK" once the result is there.
// Without it every reply is the text. Requests a real provider would refuse get its 400.
void install_e2e_handlers(FakeUpstream& upstream, bool tool_call);

} // namespace llmgw::test
