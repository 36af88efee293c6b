#pragma once
// Local-time calendar periods for caps and reports: day, week (from Monday), month.
#include <cstdint>
#include <ctime>
#include <optional>
#include <string_view>

namespace llmgw::core::policy {

// `total` has no calendar bounds: it covers all time (a `llmgw run` cap spans the run).
enum class Period { day, week, month, total };

// "day", "week", "month", "total": the TEXT stored in the caps table and the `llmgw cap` flags.
std::string_view to_string(Period period);
std::optional<Period> period_from_string(std::string_view text);

// The current time in unix epoch milliseconds.
int64_t now_ms();

// Local 00:00 that starts the day / week / month containing `at_ms` (0 for total).
int64_t period_start_ms(Period period, int64_t at_ms);
// Local 00:00 that starts the next day / week / month, the exclusive end (INT64_MAX for total).
int64_t period_end_ms(Period period, int64_t at_ms);

// Floor division (rounds toward negative infinity).
int64_t floor_div(int64_t value, int64_t divisor);
// Broken-down local time of a unix epoch millisecond (TZ honoured).
std::tm local_tm(int64_t ms);
// Local wall-clock time -> unix epoch ms, DST decided by the library (fields may overflow).
int64_t local_to_ms(std::tm tm);

} // namespace llmgw::core::policy
