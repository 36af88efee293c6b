#pragma once
// Text formatting shared by subcommands: money, counts, durations, CSV (tables: cli/table.hpp).
#include "cli/table.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace llmgw::cli {

// Money as every command prints it (core::policy::format_usd): "$12.34", "$0.5000", "$0.0042",
// "$0.00042"; only zero prints as "$0.00".
std::string format_usd(int64_t usd_pico);
// Exact decimal USD without '$' for scripts: "0.054399123", "12.00" (at least two decimals).
std::string usd_decimal_string(int64_t usd_pico);
// Thousands separators: 1234567 -> "1,234,567".
std::string format_count(int64_t value);
// Human duration: "850ms", "12.3s", "2m05s", "1h02m"; negative -> "-".
std::string format_duration_ms(int64_t ms);

// Text padded with spaces to a display width (UTF-8 aware) on the given side.
std::string pad(std::string_view text, size_t width, Align align);

// One CSV field quoted when needed (RFC 4180), and a full line with "\n".
std::string csv_field(std::string_view text);
std::string csv_line(const std::vector<std::string>& fields);

} // namespace llmgw::cli
