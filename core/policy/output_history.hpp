#pragma once
// How many output tokens recent requests of one agent and model produced, so that admission
// reserves what the next one is expected to cost instead of its whole max_tokens (DESIGN.md §4).
// In memory only, one small lock, no allocation once a pair is known: microseconds at most.
#include <array>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace llmgw::core::policy {

class OutputHistory {
public:
  // With no history the expected output is min(max_tokens, this).
  static constexpr int64_t k_default_tokens = 4096;
  // Outputs remembered per agent and model; the expectation is their 90th percentile.
  static constexpr size_t k_window = 32;
  // Pairs remembered; past this, new pairs fall back to the default (the table stays small).
  static constexpr size_t k_max_pairs = 4096;

  // Output tokens the next request of (agent, model) is expected to produce: the 90th percentile
  // of the last k_window outputs, or the default without history; never above max_tokens (when
  // positive) and at least 1.
  int64_t expected_tokens(std::string_view agent, std::string_view model, int64_t max_tokens) const;
  // Remember what a completed request of (agent, model) produced.
  void learn(std::string_view agent, std::string_view model, int64_t output_tokens);

private:
  struct Ring {
    std::array<int64_t, k_window> tokens{};
    size_t count = 0; // filled slots, up to k_window
    size_t next = 0;  // the slot the next output goes to
  };

  mutable std::mutex m_mutex;
  std::unordered_map<std::string, Ring> m_rings; // key: agent '\n' model
};

} // namespace llmgw::core::policy
