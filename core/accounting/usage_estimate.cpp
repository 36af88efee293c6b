#include "core/accounting/usage_estimate.hpp"

#include <algorithm>

namespace llmgw::core {

UsageReading complete_usage(const Received& received) {
  if (received.usage_final) return {received.usage, UsageSource::reported};
  Usage usage = received.usage;
  // Input is reported early (Anthropic's message_start, Gemini's first chunk) or not at all.
  if (usage.prompt_tokens() == 0) usage.input_uncached_tokens = received.input_estimate_tokens;
  // Anthropic's message_start says output_tokens: 1 whatever follows; Gemini's counts lag a chunk.
  usage.output_tokens = std::max(usage.output_tokens, estimate_tokens(received.output_bytes));
  return {usage, UsageSource::estimated};
}

} // namespace llmgw::core
