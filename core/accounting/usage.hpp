#pragma once
// Normalised token usage: the three disjoint input parts (Anthropic style) plus output.
#include <cstdint>

namespace llmgw::core {

struct Usage {
  int64_t input_uncached_tokens = 0; // input neither read from nor written to a cache
  int64_t cache_read_tokens = 0;
  int64_t cache_write_5m_tokens = 0;
  int64_t cache_write_1h_tokens = 0;
  int64_t output_tokens = 0;    // all output, reasoning included
  int64_t reasoning_tokens = 0; // subset of output_tokens
  bool reported = false;        // true once any upstream usage object was seen

  // The whole prompt as OpenAI and Gemini count it (cached parts included); judges price tiers.
  int64_t prompt_tokens() const {
    return input_uncached_tokens + cache_read_tokens + cache_write_5m_tokens + cache_write_1h_tokens;
  }
  int64_t total_tokens() const { return prompt_tokens() + output_tokens; }
};

} // namespace llmgw::core
