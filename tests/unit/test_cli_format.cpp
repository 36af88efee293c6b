#include "cli/format.hpp"
#include "cli/time_range.hpp"
#include "core/error.hpp"
#include "store_test_support.hpp"

#include <doctest/doctest.h>

#include <climits>

using namespace llmgw::cli;
using llmgw::test::ScopedTz;

namespace {
constexpr int64_t k_hour_ms = 3'600'000;
constexpr int64_t k_day_ms = 24 * k_hour_ms;
constexpr int64_t k_2024_01_03_utc_ms = 1'704'240'000'000; // 2024-01-03T00:00:00Z, a Wednesday
constexpr const char* k_utc_minus_5 = "<-05>5";
constexpr const char* k_berlin = "CET-1CEST,M3.5.0,M10.5.0/3";
} // namespace

TEST_SUITE("cli format") {
  TEST_CASE("money prints in the one format, rounded half away from zero, including at the int64 limits") {
    CHECK(format_usd(54'399'000'000) == "$0.0544");
    CHECK(format_usd(0) == "$0.00");
    CHECK(format_usd(12'345'678'901'234'567) == "$12345.68");
    CHECK(format_usd(1'500'000'000'000) == "$1.50");
    CHECK(format_usd(1) == "$0.000000000001");
    CHECK(format_usd(7'000'000'000'000) == "$7.00");
    CHECK(format_usd(500'000) == "$0.0000005");
    CHECK(format_usd(-500'000) == "-$0.0000005");
    CHECK(format_usd(INT64_MAX) == "$9223372.04");
    CHECK(format_usd(INT64_MIN) == "-$9223372.04");
    CHECK(format_usd(995'000'000'000) == "$0.9950");
    CHECK(format_usd(999'950'000'000) == "$1.00");
  }

  TEST_CASE("the decimal cost string for scripts is exact with at least two decimals") {
    CHECK(usd_decimal_string(54'399'123'456) == "0.054399123456");
    CHECK(usd_decimal_string(54'399'000'000) == "0.054399");
    CHECK(usd_decimal_string(12'000'000'000'000) == "12.00");
    CHECK(usd_decimal_string(0) == "0.00");
    CHECK(usd_decimal_string(-1) == "-0.000000000001");
  }

  TEST_CASE("counts get thousands separators") {
    CHECK(format_count(0) == "0");
    CHECK(format_count(999) == "999");
    CHECK(format_count(1000) == "1,000");
    CHECK(format_count(1234567) == "1,234,567");
    CHECK(format_count(-1234) == "-1,234");
  }

  TEST_CASE("durations read as ms, seconds, minutes or hours") {
    CHECK(format_duration_ms(-1) == "-");
    CHECK(format_duration_ms(850) == "850ms");
    CHECK(format_duration_ms(12'345) == "12.3s");
    CHECK(format_duration_ms(59'960) == "60.0s");
    CHECK(format_duration_ms(125'000) == "2m05s");
    CHECK(format_duration_ms(3'720'000) == "1h02m");
  }

  TEST_CASE("tables align columns by display width and draw separators") {
    Table table;
    table.add_column("model", Align::left);
    table.add_column("cost", Align::right);
    table.add_row({"gpt-5", "$1.00"});
    table.add_row({"héllo", "$10.00"});
    table.add_separator();
    table.add_row({"total", "$11.00"});
    CHECK(table.render(Layout{}) == "model    cost\n"
                                    "-------------\n"
                                    "gpt-5   $1.00\n"
                                    "héllo  $10.00\n"
                                    "-------------\n"
                                    "total  $11.00\n");
  }

  TEST_CASE("csv fields are quoted only when needed") {
    CHECK(csv_field("plain") == "plain");
    CHECK(csv_field("a,b") == "\"a,b\"");
    CHECK(csv_field("say \"hi\"") == "\"say \"\"hi\"\"\"");
    CHECK(csv_line({"a", "b,c", ""}) == "a,\"b,c\",\n");
  }
}

TEST_SUITE("cli time range") {
  TEST_CASE("day, week and month start at local midnight, weeks on monday") {
    ScopedTz tz(k_utc_minus_5);
    const int64_t at = k_2024_01_03_utc_ms + 2 * k_hour_ms; // Tue 2024-01-02 21:00 local
    CHECK(period_start_ms(Period::day, at) == k_2024_01_03_utc_ms - 19 * k_hour_ms);
    CHECK(period_end_ms(Period::day, at) == k_2024_01_03_utc_ms + 5 * k_hour_ms);
    CHECK(period_start_ms(Period::week, at) == k_2024_01_03_utc_ms - 2 * k_day_ms + 5 * k_hour_ms);
    CHECK(period_end_ms(Period::week, at) == k_2024_01_03_utc_ms + 5 * k_day_ms + 5 * k_hour_ms);
    CHECK(period_start_ms(Period::month, at) == k_2024_01_03_utc_ms - 2 * k_day_ms + 5 * k_hour_ms);
    CHECK(period_end_ms(Period::month, at) == k_2024_01_03_utc_ms + 29 * k_day_ms + 5 * k_hour_ms);
  }

  TEST_CASE("a day that starts summer time is 23 hours long") {
    ScopedTz tz(k_berlin);
    const int64_t noon = parse_time_arg("2024-03-31T12:00", false);
    const TimeRange day = period_range(Period::day, noon);
    CHECK(day.until_ms - day.since_ms == 23 * k_hour_ms);
    CHECK(format_local_datetime(day.since_ms) == "2024-03-31 00:00:00");
    CHECK(format_local_datetime(day.until_ms) == "2024-04-01 00:00:00");
  }

  TEST_CASE("dates parse as local midnight and --until includes its whole day") {
    ScopedTz tz(k_utc_minus_5);
    CHECK(parse_time_arg("2024-01-03", false) == k_2024_01_03_utc_ms + 5 * k_hour_ms);
    CHECK(parse_time_arg("2024-01-03", true) == k_2024_01_03_utc_ms + 29 * k_hour_ms);
    CHECK(parse_time_arg("2024-01-03T10:30", true) == k_2024_01_03_utc_ms + 15 * k_hour_ms + 30 * 60'000);
    CHECK(parse_time_arg("2024-01-03 10:30:15", false) == k_2024_01_03_utc_ms + 15 * k_hour_ms + 30 * 60'000 + 15'000);
  }

  TEST_CASE("datetimes with z or an offset are absolute") {
    ScopedTz tz(k_utc_minus_5);
    CHECK(parse_time_arg("2024-01-03T00:00:00Z", false) == k_2024_01_03_utc_ms);
    CHECK(parse_time_arg("2024-01-03T01:30:00+01:30", false) == k_2024_01_03_utc_ms);
    CHECK(parse_time_arg("2024-01-02T19:00-05:00", false) == k_2024_01_03_utc_ms);
  }

  TEST_CASE("malformed dates are rejected with the text and the expected forms") {
    for (const char* bad : {"tomorrow", "2024-13-01", "2024-02-30", "2024-1-3", "2024-01-03T25:00",
                            "2024-01-03T10:00+5", "2024-01-03x"}) {
      CAPTURE(bad);
      CHECK_THROWS_AS(parse_time_arg(bad, false), llmgw::Error);
    }
    CHECK(parse_time_arg("2024-02-29", false) > 0);
    CHECK_THROWS_WITH(parse_time_arg("soon", false),
                      "invalid date 'soon' (expected YYYY-MM-DD, YYYYMMDD, today, yesterday, 7d, 2w, "
                      "YYYY-MM-DDTHH:MM[:SS] or with Z / +HH:MM)");
  }

  TEST_CASE("since and until arguments make a half-open range and refuse an empty one") {
    ScopedTz tz(k_utc_minus_5);
    const TimeRange range = range_from_args("2024-01-03", "2024-01-03");
    CHECK(range.until_ms - range.since_ms == k_day_ms);
    const TimeRange open = range_from_args("", "");
    CHECK(open.since_ms == 0);
    CHECK(open.until_ms == INT64_MAX);
    CHECK_THROWS_AS(range_from_args("2024-01-04", "2024-01-03"), llmgw::Error);
  }

  TEST_CASE("local times format with the zone's offset") {
    ScopedTz tz(k_utc_minus_5);
    CHECK(format_local_datetime(k_2024_01_03_utc_ms) == "2024-01-02 19:00:00");
    CHECK(format_local_date(k_2024_01_03_utc_ms) == "2024-01-02");
    CHECK(format_local_iso(k_2024_01_03_utc_ms + 5) == "2024-01-02T19:00:00.005-05:00");
  }
}
