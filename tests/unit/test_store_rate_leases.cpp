// Team-mode rate shares in the store (rate_leases): growths against the team's count per 10-second
// sub-window, refusals with the oldest counted sub-window, expiry, reclaiming a dead instance's spare,
// beats and release. Runs on SQLite and, in ctest's PostgreSQL run, on PostgreSQL.
#include "store/rate_leases.hpp"
#include "tests/unit/store_test_support.hpp"

#include <doctest/doctest.h>

#include <memory>

using namespace llmgw;
using namespace llmgw::core::policy;

namespace {

constexpr int64_t k_now = 1'773'000'005'000; // 5 s into a sub-window
constexpr int64_t k_stale_ms = 15'000;

const RateRule k_rpm30{7, Scope::agent, "codex", 30, 0};
const RateRule k_tpm1000{8, Scope::key, "ci", 0, 1000};

// A claim of this instance: `requests` admitted in the current sub-window, and its spare.
RateClaim claim_of(const RateRule& rule, int64_t now_ms, int64_t requests, int64_t spare_requests, int64_t tokens = 0,
                   int64_t spare_tokens = 0) {
  RateClaim claim{rule, {}, spare_requests, spare_tokens};
  if (requests > 0 || tokens > 0) claim.used.push_back({rate_subwindow_start(now_ms), requests, tokens});
  return claim;
}

RateAsk ask_requests(int64_t need, int64_t want) { return RateAsk{need, want, 0, 0}; }

} // namespace

TEST_CASE("rate leases: growths share the limit out and stop at it, however many instances ask") {
  test::StoreDir dir;
  const std::string location = dir.file("llmgw.db");
  store::StoreRateLedger a(location, "a", k_stale_ms), b(location, "b", k_stale_ms), c(location, "c", k_stale_ms);
  // The first asker gets what it wants (half of the limit at most).
  auto first = a.grow(claim_of(k_rpm30, k_now, 0, 0), ask_requests(1, 15), k_now);
  CHECK(first.requests == 15);
  CHECK(first.team_requests == 15);
  CHECK(first.live_instances == 1);
  // The next get no more than half of what is left beyond their need.
  auto second = b.grow(claim_of(k_rpm30, k_now, 0, 0), ask_requests(1, 30), k_now);
  CHECK(second.requests == 8); // 1 + ceil((15 - 1) / 2)
  CHECK(second.live_instances == 2);
  auto third = c.grow(claim_of(k_rpm30, k_now, 0, 0), ask_requests(1, 30), k_now);
  CHECK(third.requests == 4); // 1 + ceil((7 - 1) / 2)
  CHECK(third.team_requests == 27);
  CHECK(third.live_instances == 3);
  // What is left is handed out one need at a time, and nothing more.
  int64_t spare_c = third.requests;
  for (int i = 0; i < 10; ++i)
    spare_c += c.grow(claim_of(k_rpm30, k_now, 0, spare_c), ask_requests(1, 1), k_now).requests;
  CHECK(first.requests + second.requests + spare_c == 30);
  // b used its 8: still nothing left.
  auto refused = b.grow(claim_of(k_rpm30, k_now, 8, 0), ask_requests(1, 1), k_now);
  CHECK(refused.requests == 0);
  CHECK(refused.team_requests == 30);
  store::Db db(location);
  int64_t total = 0;
  for (const auto& row : store::list_rate_leases(db)) total += row.requests + row.spare_requests;
  CHECK(total == 30);
}

TEST_CASE("rate leases: a refusal names the oldest counted sub-window holding requests; it stops counting a "
          "minute later") {
  test::StoreDir dir;
  const std::string location = dir.file("llmgw.db");
  store::StoreRateLedger a(location, "a", k_stale_ms), b(location, "b", k_stale_ms);
  const RateRule rule{9, Scope::agent, "codex", 10, 0};
  // a admitted 6 requests 20 s ago and 4 now: the limit is used up.
  RateClaim used = claim_of(rule, k_now, 4, 0);
  used.used.insert(used.used.begin(), RateCount{rate_subwindow_start(k_now - 20'000), 6, 0});
  a.beat({used}, k_now);
  auto refused = b.grow(claim_of(rule, k_now, 0, 0), ask_requests(1, 5), k_now);
  CHECK(refused.requests == 0);
  CHECK(refused.team_requests == 10);
  CHECK(refused.oldest_requests_ms == rate_subwindow_start(k_now - 20'000));
  // 45 s later the sub-window of the 6 has left the minute (the 4 have not): 6 fit again.
  const int64_t later = k_now + 45'000;
  auto grown = b.grow(claim_of(rule, later, 0, 0), ask_requests(1, 10), later);
  CHECK(grown.team_requests - grown.requests == 4);
  CHECK(grown.requests == 4); // 1 + ceil((6 - 1) / 2), at most the want
  CHECK(grown.oldest_requests_ms == rate_subwindow_start(k_now));
  // A minute and a sub-window after they were admitted, nothing of a's counts.
  const int64_t gone = k_now + 70'000;
  auto empty = b.grow(claim_of(rule, gone, 0, 0), ask_requests(1, 10), gone);
  CHECK(empty.team_requests == empty.requests);
  CHECK(empty.requests == 6); // 1 + ceil((10 - 1) / 2)
  CHECK(empty.oldest_requests_ms == 0);
}

TEST_CASE("rate leases: a dead instance's spare is reclaimed after the stale time, its admissions stay counted") {
  test::StoreDir dir;
  const std::string location = dir.file("llmgw.db");
  store::StoreRateLedger a(location, "a", k_stale_ms), b(location, "b", k_stale_ms);
  CHECK(a.grow(claim_of(k_rpm30, k_now, 0, 0), ask_requests(1, 20), k_now).requests == 16); // 1 + ceil(29 / 2)
  a.beat({claim_of(k_rpm30, k_now, 5, 11)}, k_now);                                         // used 5, 11 spare
  // While a beats, b gets half of the 14 nobody holds.
  auto live = b.grow(claim_of(k_rpm30, k_now + 1000, 0, 0), ask_requests(1, 30), k_now + 1000);
  CHECK(live.requests == 8);
  b.beat({claim_of(k_rpm30, k_now + 1000, 0, 0)}, k_now + 1000); // b gives its share back
  // a stops beating: 15 s later its 11 spare go back, its 5 admissions do not.
  const int64_t later = k_now + k_stale_ms + 1000;
  auto reclaimed = b.grow(claim_of(k_rpm30, later, 0, 0), ask_requests(25, 25), later);
  CHECK(reclaimed.requests == 25);
  CHECK(reclaimed.team_requests == 30);
  CHECK(reclaimed.live_instances == 1); // a is no longer live
}

TEST_CASE("rate leases: beats replace the instance's rows, forget removed rules, and release keeps admissions") {
  test::StoreDir dir;
  const std::string location = dir.file("llmgw.db");
  store::StoreRateLedger a(location, "a", k_stale_ms);
  a.grow(claim_of(k_rpm30, k_now, 0, 0), ask_requests(1, 10), k_now);
  a.grow(claim_of(k_tpm1000, k_now, 0, 0), RateAsk{0, 0, 100, 400}, k_now);
  store::Db db(location);
  CHECK(store::list_rate_leases(db).size() == 2);
  // The next beat claims only the rpm rule, with 3 used and 2 spare: the tpm rows go.
  auto grants = a.beat({claim_of(k_rpm30, k_now + 1000, 3, 2)}, k_now + 1000);
  REQUIRE(grants.size() == 1);
  CHECK(grants[0].team_requests == 5);
  CHECK(grants[0].oldest_requests_ms == rate_subwindow_start(k_now));
  auto rows = store::list_rate_leases(db);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].rule_id == k_rpm30.id);
  CHECK(rows[0].requests == 3);
  CHECK(rows[0].spare_requests == 2);
  CHECK(rows[0].instance_id == "a");
  a.release();
  rows = store::list_rate_leases(db);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].requests == 3);
  CHECK(rows[0].spare_requests == 0);
}

TEST_CASE("rate leases: tokens are granted whole or not at all; one request larger than the limit goes alone") {
  test::StoreDir dir;
  const std::string location = dir.file("llmgw.db");
  store::StoreRateLedger a(location, "a", k_stale_ms), b(location, "b", k_stale_ms);
  // An empty minute: a request of 1500 tokens under a 1000-token limit still goes through.
  auto alone = a.grow(claim_of(k_tpm1000, k_now, 0, 0), RateAsk{0, 0, 1500, 1500}, k_now);
  CHECK(alone.tokens == 1500);
  a.beat({claim_of(k_tpm1000, k_now, 1, 0, 1500, 0)}, k_now);
  auto refused = b.grow(claim_of(k_tpm1000, k_now, 0, 0), RateAsk{0, 0, 10, 100}, k_now);
  CHECK(refused.tokens == 0);
  CHECK(refused.oldest_tokens_ms == rate_subwindow_start(k_now));
  // Both dimensions asked: one refused refuses both.
  const RateRule both{10, Scope::agent, "codex", 5, 100};
  a.beat({claim_of(both, k_now, 1, 0, 90, 0)}, k_now);
  auto partial = b.grow(claim_of(both, k_now, 0, 0), RateAsk{1, 1, 50, 50}, k_now);
  CHECK(partial.requests == 0);
  CHECK(partial.tokens == 0);
  auto fits = b.grow(claim_of(both, k_now, 0, 0), RateAsk{1, 1, 10, 10}, k_now);
  CHECK(fits.requests == 1);
  CHECK(fits.tokens == 10);
}
