#pragma once
// Money as caps show and take it: integer pico-USD, never a double.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace llmgw::core::policy {

// "$12.34"; amounts under a dollar keep four decimals ("$0.0042", "$0.5000").
std::string format_usd(int64_t pico);
// Parse "5", "5.25", "$0.50" into pico-USD; nullopt when malformed or negative.
std::optional<int64_t> parse_usd(std::string_view text);

} // namespace llmgw::core::policy
