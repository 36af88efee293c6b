#include "cli/time_range.hpp"

#include "core/error.hpp"

#include <charconv>
#include <cstdio>
#include <ctime>

namespace llmgw::cli {
namespace {

using core::policy::floor_div;
using core::policy::local_tm;
using core::policy::local_to_ms;

struct Fields {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  bool has_time = false;
  bool has_offset = false;
  int offset_minutes = 0; // east of UTC
};

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = floor_div(y, 400);
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

int days_in_month(int year, int month) {
  static constexpr int k_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : k_days[month - 1];
}

// Read exactly `digits` decimal digits at `pos` and advance; false when malformed.
bool read_number(std::string_view text, size_t& pos, size_t digits, int& out) {
  if (pos + digits > text.size()) return false;
  const char* begin = text.data() + pos;
  const auto [end, ec] = std::from_chars(begin, begin + digits, out);
  if (ec != std::errc() || end != begin + digits) return false;
  pos += digits;
  return true;
}

bool expect(std::string_view text, size_t& pos, char c) {
  if (pos >= text.size() || text[pos] != c) return false;
  ++pos;
  return true;
}

bool read_offset(std::string_view text, size_t& pos, Fields& f) {
  if (pos == text.size()) return true;
  f.has_offset = true;
  if (text[pos] == 'Z' || text[pos] == 'z') return ++pos == text.size();
  if (text[pos] != '+' && text[pos] != '-') return false;
  const int sign = text[pos++] == '-' ? -1 : 1;
  int hours = 0, minutes = 0;
  if (!read_number(text, pos, 2, hours) || !expect(text, pos, ':') || !read_number(text, pos, 2, minutes)) return false;
  f.offset_minutes = sign * (hours * 60 + minutes);
  return pos == text.size() && hours < 24 && minutes < 60;
}

bool read_fields(std::string_view text, Fields& f) {
  size_t pos = 0;
  if (!read_number(text, pos, 4, f.year) || !expect(text, pos, '-') || !read_number(text, pos, 2, f.month) ||
      !expect(text, pos, '-') || !read_number(text, pos, 2, f.day))
    return false;
  if (f.month < 1 || f.month > 12 || f.day < 1 || f.day > days_in_month(f.year, f.month)) return false;
  if (pos == text.size()) return true;
  if (text[pos] != 'T' && text[pos] != ' ') return false;
  ++pos;
  f.has_time = true;
  if (!read_number(text, pos, 2, f.hour) || !expect(text, pos, ':') || !read_number(text, pos, 2, f.minute))
    return false;
  if (pos < text.size() && text[pos] == ':' && !read_number(text, ++pos, 2, f.second)) return false;
  if (f.hour > 23 || f.minute > 59 || f.second > 59) return false;
  return read_offset(text, pos, f);
}

// "today", "yesterday", "7d", "2w": that local date as "YYYY-MM-DD"; "20261201" with dashes;
// anything else unchanged.
std::string normalized_date(std::string_view text, int64_t now) {
  int days_back = -1;
  if (text == "today") days_back = 0;
  if (text == "yesterday") days_back = 1;
  if (text.size() >= 2 && (text.back() == 'd' || text.back() == 'w')) {
    int count = 0;
    const char* end = text.data() + text.size() - 1;
    const auto [ptr, ec] = std::from_chars(text.data(), end, count);
    if (ec == std::errc() && ptr == end && count >= 0 && count <= 100'000)
      days_back = text.back() == 'w' ? count * 7 : count;
  }
  if (days_back >= 0) {
    std::tm tm = local_tm(now);
    tm.tm_mday -= days_back;
    tm.tm_hour = 12; // midday: clear of any daylight-saving jump
    tm.tm_min = tm.tm_sec = 0;
    const std::tm day = local_tm(local_to_ms(tm));
    char date[16];
    std::strftime(date, sizeof date, "%Y-%m-%d", &day);
    return date;
  }
  if (text.size() == 8 && text.find_first_not_of("0123456789") == std::string_view::npos)
    return std::string(text.substr(0, 4)) + "-" + std::string(text.substr(4, 2)) + "-" + std::string(text.substr(6));
  return std::string(text);
}

} // namespace

TimeRange period_range(Period period, int64_t at_ms) {
  return {period_start_ms(period, at_ms), period_end_ms(period, at_ms)};
}

int64_t parse_time_arg(std::string_view text, bool end_of_day) { return parse_time_arg(text, end_of_day, now_ms()); }

int64_t parse_time_arg(std::string_view text, bool end_of_day, int64_t now) {
  Fields f;
  if (!read_fields(normalized_date(text, now), f)) {
    throw Error(
        "invalid date '" + std::string(text) +
        "' (expected YYYY-MM-DD, YYYYMMDD, today, yesterday, 7d, 2w, YYYY-MM-DDTHH:MM[:SS] or with Z / +HH:MM)");
  }
  if (f.has_offset) {
    const int64_t seconds = days_from_civil(f.year, f.month, f.day) * 86400 + f.hour * 3600 + f.minute * 60 + f.second -
                            f.offset_minutes * 60;
    return seconds * 1000;
  }
  std::tm tm{};
  tm.tm_year = f.year - 1900;
  tm.tm_mon = f.month - 1;
  tm.tm_mday = f.day + (end_of_day && !f.has_time ? 1 : 0);
  tm.tm_hour = f.hour;
  tm.tm_min = f.minute;
  tm.tm_sec = f.second;
  return local_to_ms(tm);
}

TimeRange range_from_args(const std::string& since, const std::string& until) {
  TimeRange range;
  if (!since.empty()) range.since_ms = parse_time_arg(since, false);
  if (!until.empty()) range.until_ms = parse_time_arg(until, true);
  if (range.since_ms >= range.until_ms) {
    throw Error("empty time range: --since " + since + " is not before --until " + until);
  }
  return range;
}

std::string format_local_datetime(int64_t ms) {
  const std::tm tm = local_tm(ms);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &tm);
  return text;
}

std::string format_local_date(int64_t ms) {
  const std::tm tm = local_tm(ms);
  char text[16];
  std::strftime(text, sizeof text, "%Y-%m-%d", &tm);
  return text;
}

std::string format_local_iso(int64_t ms) {
  const std::tm tm = local_tm(ms);
  char date[32];
  char zone[8];
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
  std::strftime(zone, sizeof zone, "%z", &tm); // "+0100"
  const std::string z = zone;
  const int64_t millis = ms - floor_div(ms, 1000) * 1000;
  char fraction[8];
  std::snprintf(fraction, sizeof fraction, ".%03d", static_cast<int>(millis));
  if (z.size() != 5) return std::string(date) + fraction;
  return std::string(date) + fraction + z.substr(0, 3) + ":" + z.substr(3);
}

} // namespace llmgw::cli
