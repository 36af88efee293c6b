#pragma once
// Money as caps show and take it: integer pico-USD, never a double.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace llmgw::core::policy {

// The one money format of every command: "$12.34" from a dollar up; four decimals below
// ("$0.5000", "$0.0042"); under a tenth of a cent two significant digits ("$0.00042",
// "$0.0000031", "$0.000001": trailing zeros past the fourth dropped; at most twelve decimals), so no amount but zero
// prints as zero; zero is "$0.00". Rounded half away from zero.
std::string format_usd(int64_t pico);
// Parse "5", "5.25", "$0.50" into pico-USD; nullopt when malformed or negative.
std::optional<int64_t> parse_usd(std::string_view text);

} // namespace llmgw::core::policy
