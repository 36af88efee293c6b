// Tables that fit the terminal, the one money format, "did you mean", relative dates.
#include "cli/format.hpp"
#include "cli/suggest.hpp"
#include "cli/table.hpp"
#include "cli/time_range.hpp"
#include "core/policy/usd.hpp"
#include "store_test_support.hpp"

#include <doctest/doctest.h>

#include <sstream>

using namespace llmgw::cli;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

size_t widest(const std::string& text) {
  size_t width = 0;
  for (const std::string& line : lines_of(text)) width = std::max(width, display_width(line));
  return width;
}

Table sample_table() {
  Table table;
  Column name;
  name.header = "model";
  name.shrink = true;
  name.min_width = 10;
  table.add_column(name);
  Column requests;
  requests.header = "requests";
  requests.compact_header = "reqs";
  requests.align = Align::right;
  table.add_column(requests);
  Column detail;
  detail.header = "detail";
  detail.compact = false;
  table.add_column(detail);
  Column extra;
  extra.header = "extra";
  extra.align = Align::right;
  extra.drop = 1;
  table.add_column(extra);
  table.add_row({"a-very-long-model-name-that-does-not-fit-anywhere-narrow", "1,234", "some detail text", "42"});
  table.add_row({"short", "5", "x", "7"});
  return table;
}

} // namespace

TEST_SUITE("cli table") {
  TEST_CASE("money: one format, cents from a dollar, four decimals below, never $0.00 for a non-zero amount") {
    using llmgw::core::policy::format_usd;
    constexpr int64_t k_dollar = 1'000'000'000'000;
    CHECK(format_usd(0) == "$0.00");
    CHECK(format_usd(1234 * k_dollar / 100) == "$12.34");
    CHECK(format_usd(k_dollar) == "$1.00");
    CHECK(format_usd(k_dollar / 2) == "$0.5000");
    CHECK(format_usd(42 * k_dollar / 10'000) == "$0.0042");
    CHECK(format_usd(42 * k_dollar / 100'000) == "$0.00042");
    CHECK(format_usd(4'200'000) == "$0.0000042");
    CHECK(format_usd(1'000'000) == "$0.000001");
    CHECK(format_usd(1) == "$0.000000000001");
    CHECK(format_usd(-1) == "-$0.000000000001");
    CHECK(format_usd(999'960'000'000) == "$1.00"); // rounds up to a dollar: cents
    CHECK(format_usd(99'950'000) == "$0.0001");    // two significant digits, trailing zeros dropped
    for (int64_t pico = 1; pico < k_dollar; pico = pico * 3 + 1) {
      CAPTURE(pico);
      CHECK(format_usd(pico) != "$0.00");
      CHECK(format_usd(pico).find_first_of("123456789") != std::string::npos);
    }
    CHECK(llmgw::cli::format_usd(42 * k_dollar / 10'000) == "$0.0042"); // the CLI's is the same function
  }

  TEST_CASE("display width counts code points, wide characters twice, colour sequences not at all") {
    CHECK(display_width("abc") == 3);
    CHECK(display_width("caf\xC3\xA9") == 4);              // é
    CHECK(display_width("\xE2\x94\x94 x") == 3);           // └ x
    CHECK(display_width("\xE6\x97\xA5\xE6\x9C\xAC") == 4); // 日本
    CHECK(display_width("\x1b[31mred\x1b[0m") == 3);
  }

  TEST_CASE("truncation ends with an ellipsis and never splits a code point") {
    CHECK(truncate_to_width("abcdef", 6) == "abcdef");
    CHECK(truncate_to_width("abcdef", 4) == "abc\xE2\x80\xA6");
    CHECK(display_width(truncate_to_width("abcdef", 4)) == 4);
    CHECK(truncate_to_width("\xC3\xA9\xC3\xA9\xC3\xA9", 2) == "\xC3\xA9\xE2\x80\xA6");
    CHECK(truncate_to_width("\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E", 4) == "\xE6\x97\xA5\xE2\x80\xA6"); // 日…
    CHECK(truncate_to_width("abc", 0).empty());
  }

  TEST_CASE("the full layout keeps every column; an unlimited width cuts nothing") {
    const std::string text = sample_table().render(Layout{0, false, false});
    CHECK(text.find("a-very-long-model-name-that-does-not-fit-anywhere-narrow") != std::string::npos);
    CHECK(text.find("requests") != std::string::npos);
    CHECK(text.find("detail") != std::string::npos);
    CHECK(text.find("extra") != std::string::npos);
  }

  TEST_CASE("a narrow terminal gets the compact layout, truncated cells and no line wider than it") {
    for (size_t width : {30u, 40u, 60u, 80u, 99u}) {
      CAPTURE(width);
      const std::string text = sample_table().render(Layout{width, true, false});
      CHECK(widest(text) <= width);
      CHECK(text.find("detail") == std::string::npos); // not in the compact layout
      CHECK(text.find("reqs") != std::string::npos);   // the compact header
      CHECK(text.find("1,234") != std::string::npos);  // numbers are never cut
    }
    const std::string roomy = sample_table().render(Layout{30, true, false});
    CHECK(roomy.find("extra") != std::string::npos); // the model was cut to make room
    CHECK(roomy.find("\xE2\x80\xA6") != std::string::npos);
    const std::string narrow = sample_table().render(Layout{22, true, false});
    CHECK(widest(narrow) <= 22);
    CHECK(narrow.find("extra") == std::string::npos); // dropped once cutting the model is not enough
    CHECK(narrow.find("\xE2\x80\xA6") != std::string::npos);
  }

  TEST_CASE("a wide terminal fits the full layout without cutting") {
    const std::string text = sample_table().render(Layout{200, false, false});
    CHECK(text.find("a-very-long-model-name-that-does-not-fit-anywhere-narrow") != std::string::npos);
    CHECK(text.find("detail") != std::string::npos);
    CHECK(widest(text) <= 200);
  }

  TEST_CASE("colour only when the layout allows it") {
    Table table;
    table.add_column("status", Align::left);
    table.add_row({"failed"}, {Style::red});
    CHECK(table.render(Layout{0, false, false}).find('\x1b') == std::string::npos);
    const std::string coloured = table.render(Layout{0, false, true});
    CHECK(coloured.find("\x1b[31mfailed\x1b[0m") != std::string::npos);
    CHECK(coloured.find("\x1b[1mstatus") != std::string::npos);
  }

  TEST_CASE("streamed rows keep the fixed widths of their header") {
    Table table;
    Column time;
    time.header = "time";
    time.fixed = 8;
    table.add_column(time);
    Column model;
    model.header = "model";
    model.fixed = 20;
    model.shrink = true;
    model.min_width = 6;
    table.add_column(model);
    const Layout layout{20, true, false};
    const std::string header = table.render_header(layout);
    const std::string row = table.render_line({"12:00:01", "claude-sonnet-4-5-20250929"}, layout);
    CHECK(display_width(header) <= 21); // with its "\n"
    CHECK(display_width(row) <= 21);
    CHECK(row.rfind("12:00:01  claude", 0) == 0);
    CHECK(row.find("\xE2\x80\xA6") != std::string::npos);
  }

  TEST_CASE("did you mean: the nearest name within a few edits, or none") {
    const std::vector<std::string> commands{"serve", "usage", "log", "prices", "providers", "completion"};
    CHECK(nearest("usgae", commands) == "usage");
    CHECK(nearest("lgo", commands) == "log");
    CHECK(nearest("prov", commands) == "providers");
    CHECK(nearest("completin", commands) == "completion");
    CHECK(nearest("zzzzzzzz", commands).empty());
    CHECK(did_you_mean("serv", commands) == "; did you mean 'serve'?");
    CHECK(edit_distance("abc", "acb") == 1);
    CHECK(edit_distance("", "abc") == 3);
  }

  TEST_CASE("dates: YYYYMMDD and relative days name local days") {
    llmgw::test::ScopedTz utc("UTC0");
    const int64_t now = 1'796'126'400'000; // 2026-12-01T12:00:00Z, a Tuesday
    const int64_t day = 86'400'000;
    const int64_t midnight = now - day / 2;
    CHECK(parse_time_arg("20261201", false, now) == midnight);
    CHECK(parse_time_arg("2026-12-01", false, now) == midnight);
    CHECK(parse_time_arg("20261201", true, now) == midnight + day);
    CHECK(parse_time_arg("today", false, now) == midnight);
    CHECK(parse_time_arg("today", true, now) == midnight + day);
    CHECK(parse_time_arg("yesterday", false, now) == midnight - day);
    CHECK(parse_time_arg("7d", false, now) == midnight - 7 * day);
    CHECK(parse_time_arg("2w", false, now) == midnight - 14 * day);
    CHECK(parse_time_arg("0d", false, now) == midnight);
    CHECK_THROWS(parse_time_arg("2026121", false, now));
    CHECK_THROWS(parse_time_arg("20261301", false, now));
    CHECK_THROWS(parse_time_arg("7x", false, now));
    CHECK_THROWS(parse_time_arg("-3d", false, now));
  }
}
