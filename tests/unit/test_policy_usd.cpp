// Money as caps show and take it: exact integer pico-USD.
#include "core/policy/usd.hpp"

#include <doctest/doctest.h>

using namespace llmgw::core::policy;

namespace {

constexpr int64_t k_cent = 10'000'000'000; // pico-USD

} // namespace

TEST_CASE("money: format and parse USD exactly") {
  CHECK(format_usd(0) == "$0.00");
  CHECK(format_usd(50 * k_cent) == "$0.5000");
  CHECK(format_usd(5 * 100 * k_cent) == "$5.00");
  CHECK(format_usd(1234 * k_cent) == "$12.34");
  CHECK(format_usd(42'000'000'000) == "$0.0420");
  CHECK(format_usd(4'200'000) == "$0.0000042");
  CHECK(parse_usd("5") == 500 * k_cent);
  CHECK(parse_usd("$12.50") == 1250 * k_cent);
  CHECK(parse_usd("0.000001") == 1'000'000);
  CHECK_FALSE(parse_usd("-1"));
  CHECK_FALSE(parse_usd("abc"));
  CHECK_FALSE(parse_usd("1.2.3"));
  CHECK_FALSE(parse_usd(""));
}
