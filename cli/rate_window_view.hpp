#pragma once
// Subscription and rate-limit windows as `llmgw usage` and its status line show them, from the
// latest headers a provider sent (store/rate_windows.hpp).
#include "store/rate_windows.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace llmgw::cli {

// A reset header as unix epoch ms: epoch seconds (Anthropic), ISO 8601, or a duration after
// `seen_at_ms` such as "6m0s", "1.5s", "20ms" (OpenAI). nullopt when unreadable.
std::optional<int64_t> parse_reset_ms(std::string_view value, int64_t seen_at_ms);

// A reset time in local time: "14:00" within the next 24 hours, else "Mon 09:00".
std::string format_reset(int64_t reset_ms, int64_t now_ms);

// One line for `llmgw usage`, e.g. "anthropic: 5h window 43 %, resets 14:00; 7d 12 %, resets
// Mon 09:00" or "openai: requests 9,999 of 10,000 left, resets 14:02; tokens ...". "" when the
// headers hold no window it can read.
std::string describe_windows(const store::ProviderWindows& windows, int64_t now_ms);

// The 5-hour window for a status line, "5h 43 % ↺14:00"; "" when there is none.
std::string statusline_window(const store::ProviderWindows& windows, int64_t now_ms);

} // namespace llmgw::cli
