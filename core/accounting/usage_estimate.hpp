#pragma once
// Usage when the provider's own count is missing or partial: a stream cut before its final
// usage (by the provider, the client hanging up, a hard cap or shutdown), or an answer without
// usage. What is missing is estimated at ~4 bytes a token: input from the request body llmgw
// sent, output from the text, thinking and tool arguments it received.
#include "core/accounting/request_record.hpp"
#include "core/accounting/usage.hpp"

#include <cstdint>

namespace llmgw::core {

// Tokens in `bytes` of text or JSON, rounded up: the ~4 bytes a token llmgw estimates with.
constexpr int64_t estimate_tokens(int64_t bytes) { return bytes > 0 ? (bytes + 3) / 4 : 0; }

// Usage and where it came from, as the ledger records them.
struct UsageReading {
  Usage usage;
  UsageSource source = UsageSource::missing;
};

// What was received, for complete_usage.
struct Received {
  Usage usage;                       // what the provider reported so far (usage.reported: anything)
  bool usage_final = false;          // its final usage arrived: nothing to estimate
  int64_t input_estimate_tokens = 0; // of the request body sent upstream
  int64_t output_bytes = 0;          // text, thinking and tool arguments received
};

// The provider's final usage as reported; otherwise its reported input parts (or, with none, the
// input estimate as uncached input) and the larger of its reported and the estimated output,
// marked estimated.
UsageReading complete_usage(const Received& received);

} // namespace llmgw::core
