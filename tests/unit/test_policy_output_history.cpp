// The output a request is expected to produce, learned from recent requests of its agent and model.
#include "core/policy/output_history.hpp"

#include <doctest/doctest.h>

using llmgw::core::policy::OutputHistory;

TEST_CASE("with no history the expectation is a modest default, never above max_tokens") {
  OutputHistory history;
  CHECK(history.expected_tokens("claude-code", "claude-opus-4-6", 128'000) == OutputHistory::k_default_tokens);
  CHECK(history.expected_tokens("claude-code", "claude-opus-4-6", 100) == 100);
  CHECK(history.expected_tokens("claude-code", "claude-opus-4-6", 0) == OutputHistory::k_default_tokens);
}

TEST_CASE("the expectation is the 90th percentile of the last outputs of the same agent and model") {
  OutputHistory history;
  for (int tokens = 1; tokens <= 20; ++tokens) history.learn("claude-code", "claude-opus-4-6", tokens * 100);
  // 20 outputs 100..2000: the 18th smallest is the 90th percentile (nearest rank).
  CHECK(history.expected_tokens("claude-code", "claude-opus-4-6", 128'000) == 1800);
  CHECK(history.expected_tokens("claude-code", "claude-opus-4-6", 500) == 500); // bounded by max_tokens
  // Other agents and models keep their own history.
  CHECK(history.expected_tokens("codex", "claude-opus-4-6", 128'000) == OutputHistory::k_default_tokens);
  CHECK(history.expected_tokens("claude-code", "claude-haiku-4-5", 128'000) == OutputHistory::k_default_tokens);
}

TEST_CASE("only the last outputs count: an agent's habits change") {
  OutputHistory history;
  for (int i = 0; i < 100; ++i) history.learn("codex", "gpt-5", 20'000);
  for (size_t i = 0; i < OutputHistory::k_window; ++i) history.learn("codex", "gpt-5", 300);
  CHECK(history.expected_tokens("codex", "gpt-5", 128'000) == 300);
  history.learn("codex", "gpt-5", 0);
  CHECK(history.expected_tokens("codex", "gpt-5", 128'000) == 300);
}

TEST_CASE("one output is expected again; an empty answer still expects a token") {
  OutputHistory history;
  history.learn("curl", "gpt-5-mini", 9);
  CHECK(history.expected_tokens("curl", "gpt-5-mini", 128'000) == 9);
  history.learn("aider", "gpt-4.1", 0);
  CHECK(history.expected_tokens("aider", "gpt-4.1", 128'000) == 1);
}
