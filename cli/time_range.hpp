#pragma once
// Local-time calendar arithmetic for reports and caps: periods, date arguments, display.
#include "core/policy/periods.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace llmgw::cli {

// Half-open window [since_ms, until_ms) in unix epoch milliseconds.
struct TimeRange {
  int64_t since_ms = 0;
  int64_t until_ms = INT64_MAX;
};

// Calendar periods in local time; weeks start on Monday (core/policy/periods.hpp).
using core::policy::now_ms;
using core::policy::Period;
using core::policy::period_end_ms;
using core::policy::period_start_ms;

// [period_start_ms, period_end_ms) around `at_ms`.
TimeRange period_range(Period period, int64_t at_ms);

// Parse "YYYY-MM-DD" or "YYYYMMDD" as local midnight (with end_of_day: the next local midnight,
// so the date is included), or "YYYY-MM-DDTHH:MM[:SS]" in local time, or with "Z" / "+HH:MM" /
// "-HH:MM" as an absolute time. A space may replace the 'T'. Relative dates name a local day the
// same way: "today", "yesterday", "7d" (7 days before today), "2w" (14 days before today), as of
// `now` (default: now_ms()). Throws llmgw::Error.
int64_t parse_time_arg(std::string_view text, bool end_of_day);
int64_t parse_time_arg(std::string_view text, bool end_of_day, int64_t now);

// The window selected by --since/--until (empty strings = open ends: since the start of the
// ledger, until no limit). Throws llmgw::Error when the window is empty.
TimeRange range_from_args(const std::string& since, const std::string& until);

// Local "YYYY-MM-DD HH:MM:SS" and "YYYY-MM-DD" of a unix epoch millisecond.
std::string format_local_datetime(int64_t ms);
std::string format_local_date(int64_t ms);
// Local ISO 8601 with offset for scripts: "2025-01-06T13:04:05.123+01:00".
std::string format_local_iso(int64_t ms);

} // namespace llmgw::cli
