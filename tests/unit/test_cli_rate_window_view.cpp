#include "cli/rate_window_view.hpp"
#include "core/accounting/rate_windows.hpp"
#include "store_test_support.hpp"

#include <doctest/doctest.h>

using namespace llmgw::cli;
using llmgw::store::ProviderWindows;
using llmgw::test::ScopedTz;

namespace {

constexpr int64_t k_2024_01_03_utc_ms = 1'704'240'000'000; // 2024-01-03T00:00:00Z, a Wednesday
constexpr int64_t k_hour_ms = 3'600'000;
constexpr int64_t k_now = k_2024_01_03_utc_ms + 10 * k_hour_ms; // Wednesday 10:00 UTC

ProviderWindows anthropic_windows() {
  return {"anthropic",
          "claude-code",
          k_now - 60'000,
          {{"anthropic-ratelimit-unified-5h-reset", std::to_string((k_2024_01_03_utc_ms + 14 * k_hour_ms) / 1000)},
           {"anthropic-ratelimit-unified-5h-utilization", "0.43"},
           {"anthropic-ratelimit-unified-7d-reset", std::to_string((k_2024_01_03_utc_ms + 129 * k_hour_ms) / 1000)},
           {"anthropic-ratelimit-unified-7d-utilization", "0.12"},
           {"anthropic-ratelimit-unified-status", "allowed"}}};
}

} // namespace

TEST_SUITE("cli rate windows") {
  TEST_CASE("only the named window headers are kept, lowercased, with short printable values") {
    using llmgw::core::is_rate_window_header;
    CHECK(is_rate_window_header("anthropic-ratelimit-unified-5h-utilization"));
    CHECK(is_rate_window_header("Anthropic-RateLimit-Unified-Overage-Status"));
    CHECK(is_rate_window_header("x-ratelimit-remaining-tokens"));
    CHECK_FALSE(is_rate_window_header("anthropic-ratelimit-unified-"));
    CHECK_FALSE(is_rate_window_header("anthropic-ratelimit-requests-limit"));
    CHECK_FALSE(is_rate_window_header("x-ratelimit-limit-images"));
    CHECK_FALSE(is_rate_window_header("authorization"));
    CHECK_FALSE(is_rate_window_header("x-api-key"));
    const auto kept =
        llmgw::core::keep_rate_window_headers({{"X-RateLimit-Limit-Requests", "10000"},
                                               {"Authorization", "Bearer sk-secret"},
                                               {"anthropic-ratelimit-unified-status", "allowed\r\nx: y"},
                                               {"anthropic-ratelimit-unified-7d-reset", std::string(65, '1')}});
    REQUIRE(kept.size() == 1);
    CHECK(kept[0] == llmgw::core::RateWindowHeader{"x-ratelimit-limit-requests", "10000"});
  }

  TEST_CASE("reset headers read as epoch seconds, ISO times or durations after they were seen") {
    CHECK(parse_reset_ms("1704290400", 0) == 1'704'290'400'000);
    CHECK(parse_reset_ms("1704290400000", 0) == 1'704'290'400'000);
    CHECK(parse_reset_ms("2024-01-03T14:00:00Z", 0) == k_2024_01_03_utc_ms + 14 * k_hour_ms);
    CHECK(parse_reset_ms("6m0s", 1000) == 361'000);
    CHECK(parse_reset_ms("1.5s", 1000) == 2500);
    CHECK(parse_reset_ms("20ms", 1000) == 1020);
    CHECK(parse_reset_ms("1h2m3s", 0) == 3'723'000);
    CHECK_FALSE(parse_reset_ms("", 0));
    CHECK_FALSE(parse_reset_ms("soon", 0));
    CHECK_FALSE(parse_reset_ms("5x", 0));
  }

  TEST_CASE("reset times within a day show the hour, later ones the weekday") {
    ScopedTz utc("UTC0");
    CHECK(format_reset(k_2024_01_03_utc_ms + 14 * k_hour_ms, k_now) == "14:00");
    CHECK(format_reset(k_2024_01_03_utc_ms + 129 * k_hour_ms, k_now) == "Mon 09:00");
  }

  TEST_CASE("anthropic's unified windows read as percent used and when they reset") {
    ScopedTz utc("UTC0");
    CHECK(describe_windows(anthropic_windows(), k_now) ==
          "anthropic: 5h window 43 %, resets 14:00; 7d 12 %, resets Mon 09:00");
    CHECK(statusline_window(anthropic_windows(), k_now) == "5h 43 % \u21BA14:00");
    ProviderWindows rejected = anthropic_windows();
    rejected.headers.back().second = "rejected";
    CHECK(describe_windows(rejected, k_now).find("(status rejected)") != std::string::npos);
  }

  TEST_CASE("a window that has reset since is not shown as current") {
    ScopedTz utc("UTC0");
    const int64_t later = k_2024_01_03_utc_ms + 15 * k_hour_ms;
    CHECK(statusline_window(anthropic_windows(), later) == "");
    CHECK(describe_windows(anthropic_windows(), later) ==
          "anthropic: 5h window 43 % (reset since 14:00); 7d 12 %, resets Mon 09:00");
  }

  TEST_CASE("openai's limits read as what is left and when it resets") {
    ScopedTz utc("UTC0");
    const ProviderWindows openai{"openai",
                                 "codex",
                                 k_now,
                                 {{"x-ratelimit-limit-requests", "10000"},
                                  {"x-ratelimit-limit-tokens", "2000000"},
                                  {"x-ratelimit-remaining-requests", "9999"},
                                  {"x-ratelimit-remaining-tokens", "1990000"},
                                  {"x-ratelimit-reset-requests", "6ms"},
                                  {"x-ratelimit-reset-tokens", "2m0s"}}};
    CHECK(describe_windows(openai, k_now - 1) ==
          "openai: requests 9,999 of 10,000 left, resets 10:00; tokens 1,990,000 of 2,000,000 left, resets 10:02");
    CHECK(statusline_window(openai, k_now) == "");
    CHECK(describe_windows({"x", "", 0, {{"x-ratelimit-limit-requests", "oops"}}}, k_now) == "");
  }
}
