#include "core/policy/periods.hpp"

#include <chrono>
#include <cstdint>

namespace llmgw::core::policy {

std::string_view to_string(Period period) {
  switch (period) {
  case Period::day: return "day";
  case Period::week: return "week";
  case Period::month: return "month";
  case Period::total: return "total";
  }
  return "day";
}

std::optional<Period> period_from_string(std::string_view text) {
  for (Period period : {Period::day, Period::week, Period::month, Period::total})
    if (to_string(period) == text) return period;
  return std::nullopt;
}

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

int64_t floor_div(int64_t value, int64_t divisor) {
  return value / divisor - (value % divisor != 0 && (value < 0) != (divisor < 0) ? 1 : 0);
}

std::tm local_tm(int64_t ms) {
  const std::time_t seconds = static_cast<std::time_t>(floor_div(ms, 1000));
  std::tm tm{};
  localtime_r(&seconds, &tm);
  return tm;
}

int64_t local_to_ms(std::tm tm) {
  tm.tm_isdst = -1;
  return static_cast<int64_t>(std::mktime(&tm)) * 1000;
}

int64_t period_start_ms(Period period, int64_t at_ms) {
  if (period == Period::total) return 0;
  std::tm tm = local_tm(at_ms);
  tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
  if (period == Period::week) tm.tm_mday -= (tm.tm_wday + 6) % 7; // days since Monday
  if (period == Period::month) tm.tm_mday = 1;
  return local_to_ms(tm);
}

int64_t period_end_ms(Period period, int64_t at_ms) {
  if (period == Period::total) return INT64_MAX;
  std::tm tm = local_tm(period_start_ms(period, at_ms));
  tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
  if (period == Period::day) tm.tm_mday += 1;
  if (period == Period::week) tm.tm_mday += 7;
  if (period == Period::month) tm.tm_mon += 1;
  return local_to_ms(tm);
}

} // namespace llmgw::core::policy
