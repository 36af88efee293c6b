// Team-mode rate limits in memory: the shares one instance admits from (RateShares), and RateLimiter
// instances sharing a real store file (store/rate_leases.hpp) on a clock the tests move.
#include "core/error.hpp"
#include "core/policy/rate_limiter.hpp"
#include "store/rate_leases.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <memory>
#include <vector>

using namespace llmgw;
using namespace llmgw::core::policy;

namespace {

constexpr int64_t k_now = 1'773'000'005'000; // 5 s into a sub-window
const RateRule k_rpm30{1, Scope::agent, "codex", 30, 0};
const Subject k_codex{"openai", "codex", "", "ci"};
const Subject k_claude{"anthropic", "claude-code", "", ""};

RateGrant granted(int64_t requests, int64_t tokens = 0) {
  RateGrant grant;
  grant.requests = requests;
  grant.tokens = tokens;
  return grant;
}

// The real store, or an unreachable one while `down` is set.
struct SwitchableLedger : RateLedger {
  explicit SwitchableLedger(std::unique_ptr<store::StoreRateLedger> store) : real(std::move(store)) {}
  RateGrant grow(const RateClaim& claim, const RateAsk& ask, int64_t now_ms) override {
    if (down) throw Error("store unreachable");
    ++grows;
    return real->grow(claim, ask, now_ms);
  }
  std::vector<RateGrant> beat(const std::vector<RateClaim>& claims, int64_t now_ms) override {
    if (down) throw Error("store unreachable");
    return real->beat(claims, now_ms);
  }
  void release() override { real->release(); }
  std::unique_ptr<store::StoreRateLedger> real;
  bool down = false;
  int grows = 0;
};

// `count` gateways' rate limiters sharing one SQLite file.
struct Team {
  Team(int count, std::vector<RateRule> rules, RateShareOptions options = {}) {
    for (int i = 0; i < count; ++i) {
      ledgers.push_back(std::make_unique<SwitchableLedger>(std::make_unique<store::StoreRateLedger>(
          dir.file("team.db"), "instance-" + std::to_string(i), options.stale_ms)));
      limiters.push_back(std::make_unique<RateLimiter>());
      limiters.back()->set_rules(rules);
      limiters.back()->share(*ledgers.back(), options);
    }
  }
  void beat(int64_t now_ms) {
    for (auto& limiter : limiters) limiter->upkeep(now_ms);
  }
  test::TempDir dir;
  std::vector<std::unique_ptr<SwitchableLedger>> ledgers;
  std::vector<std::unique_ptr<RateLimiter>> limiters;
};

} // namespace

TEST_CASE("rate shares: a grant is admitted from memory one request at a time, then a growth is asked") {
  RateShares shares({});
  shares.grown(k_rpm30, granted(3), k_now);
  for (int i = 0; i < 3; ++i) {
    REQUIRE(shares.fits(k_rpm30, 100, k_now));
    shares.take(k_rpm30, 100, k_now);
  }
  CHECK_FALSE(shares.fits(k_rpm30, 100, k_now));
  const RateAsk ask = shares.ask(k_rpm30, 100, k_now);
  CHECK(ask.need_requests == 1);
  CHECK(ask.want_requests == 1 + 15); // a first target of limit / (2 x 1 live instance)
  CHECK(ask.need_tokens == 0);        // the rule limits no tokens
  const RateClaim claim = shares.claim(k_rpm30, k_now);
  REQUIRE(claim.used.size() == 1);
  CHECK(claim.used[0].window_start_ms == rate_subwindow_start(k_now));
  CHECK(claim.used[0].requests == 3);
  CHECK(claim.used[0].tokens == 300);
  CHECK(claim.spare_requests == 0);
}

TEST_CASE("rate shares: a beat keeps no more spare than twice what was admitted since the last one") {
  RateShares shares({});
  shares.grown(k_rpm30, granted(10), k_now);
  shares.take(k_rpm30, 0, k_now);
  shares.take(k_rpm30, 0, k_now);
  shares.shrink(k_rpm30, k_now + 1000);
  CHECK(shares.claim(k_rpm30, k_now + 1000).spare_requests == 4);
  shares.shrink(k_rpm30, k_now + 2000); // idle: all of it goes back
  CHECK(shares.claim(k_rpm30, k_now + 2000).spare_requests == 0);
  CHECK(shares.claim(k_rpm30, k_now + 2000).used[0].requests == 2); // admissions stay counted
}

TEST_CASE("rate shares: a refusal retries when the team's oldest sub-window with requests leaves the minute") {
  RateShares shares({});
  RateGrant none;
  none.team_requests = 30;
  none.oldest_requests_ms = rate_subwindow_start(k_now - 20'000);
  shares.grown(k_rpm30, none, k_now);
  // Admissions alone fill the limit: nothing changes until the oldest sub-window leaves the minute.
  CHECK_FALSE(shares.worth_asking(k_rpm30, k_now + 1000));
  CHECK(shares.worth_asking(k_rpm30, k_now + 45'000));
  const Refusal refused = shares.refusal(k_rpm30, 0, k_now);
  CHECK(refused.status == 429);
  CHECK(refused.kind == Refusal::Kind::request_rate);
  CHECK(refused.limit_per_minute == 30);
  CHECK(refused.value == "codex");
  // Admitted 25 s ago at the earliest (the sub-window began 25 s ago): counted until 70 s after it began.
  CHECK(refused.retry_after_seconds == 45);
  // Nothing admitted anywhere, only others' spares: they go back at their next beat.
  shares.grown(k_rpm30, RateGrant{}, k_now);
  CHECK(shares.refusal(k_rpm30, 0, k_now).retry_after_seconds == 1);
}

TEST_CASE("rate shares: a spare is not used once the store has been silent for the trust time") {
  RateShares shares({});
  shares.grown(k_rpm30, granted(10), k_now);
  CHECK(shares.fits(k_rpm30, 0, k_now + 9'000));
  CHECK_FALSE(shares.fits(k_rpm30, 0, k_now + 10'001));
  // Alone, an instance keeps to its part of the limit: 30 / 3 live instances.
  RateGrant three;
  three.live_instances = 3;
  shares.stored(k_rpm30, three, k_now + 20'000);
  shares.limit_changed(k_rpm30); // drops the spare
  int alone = 0;
  while (alone < 100 && shares.fits_alone(k_rpm30, 0, k_now + 20'000)) {
    shares.take(k_rpm30, 0, k_now + 20'000);
    ++alone;
  }
  CHECK(alone == 10);
}

TEST_CASE("team rate limits: three instances admit the limit between them in a minute, then again in the next") {
  Team team(3, {k_rpm30});
  int admitted = 0, refused = 0;
  std::vector<int> retry_after;
  // 120 requests spread over 12 s, round-robin; every instance beats each second.
  for (int i = 0; i < 120; ++i) {
    const int64_t now = k_now + i * 100;
    if (i % 10 == 0) team.beat(now);
    auto admission = team.limiters[static_cast<size_t>(i) % 3]->admit(k_codex, 50, now);
    if (admission.refusal) {
      ++refused;
      retry_after.push_back(admission.refusal->retry_after_seconds);
      CHECK(admission.refusal->status == 429);
    } else {
      ++admitted;
    }
  }
  CHECK(admitted == 30);
  CHECK(refused == 90);
  for (int seconds : retry_after) CHECK((seconds >= 1 && seconds <= 70));
  int growths = 0;
  for (auto& ledger : team.ledgers) growths += ledger->grows;
  MESSAGE("3 instances, rpm 30, 120 requests: " << admitted << " admitted, " << growths << " store growths");
  // A minute later the whole limit is there again; other agents were never limited.
  const int64_t later = k_now + 85'000; // past the sub-windows of the last admissions above
  team.beat(later);
  int again = 0;
  for (int i = 0; i < 60; ++i) // 20 each: a share granted is used before the requests stop
    again += team.limiters[static_cast<size_t>(i) % 3]->admit(k_codex, 50, later).refusal ? 0 : 1;
  CHECK(again == 30);
  CHECK_FALSE(team.limiters[0]->admit(k_claude, 50, later).refusal);
}

TEST_CASE("team rate limits: a cancelled request stops counting; real tokens past the estimate count") {
  Team team(2, {RateRule{2, Scope::key, "ci", 0, 1000}});
  auto& a = *team.limiters[0];
  auto& b = *team.limiters[1];
  auto first = a.admit(k_codex, 400, k_now);
  REQUIRE_FALSE(first.refusal);
  a.settle(first.ticket, 900); // 500 more than estimated
  team.beat(k_now + 50);       // the store learns of them
  auto second = b.admit(k_codex, 400, k_now + 100);
  REQUIRE(second.refusal); // 900 + 400 > 1000
  CHECK(second.refusal->kind == Refusal::Kind::token_rate);
  CHECK(second.refusal->retry_after_seconds == 70 - 5); // a's sub-window began 5 s before k_now
  auto small = a.admit(k_codex, 50, k_now + 2000);
  REQUIRE_FALSE(small.refusal);
  a.cancel(small.ticket); // refused by a cap after all
  team.beat(k_now + 3000);
  // 900 counted and a's 25 spare: 70 fit, as they would not had the cancelled 50 stayed counted.
  auto fits = b.admit(k_codex, 70, k_now + 3100);
  CHECK_FALSE(fits.refusal);
}

TEST_CASE("team rate limits: a dead instance's share is reclaimed; with the store away each keeps to its part") {
  RateShareOptions options;
  options.stale_ms = 3'000;
  Team team(3, {k_rpm30}, options);
  // Instance 0 takes a share, admits one request, beats once and dies (no more beats).
  REQUIRE_FALSE(team.limiters[0]->admit(k_codex, 0, k_now).refusal);
  team.limiters[0]->upkeep(k_now + 100);
  auto count = [&](size_t from, int requests, int64_t now) {
    int admitted = 0;
    for (int i = 0; i < requests; ++i)
      admitted += team.limiters[from + static_cast<size_t>(i) % 2]->admit(k_codex, 0, now).refusal ? 0 : 1;
    return admitted;
  };
  const int before = count(1, 40, k_now + 500);
  CHECK(before < 29); // the dead instance still holds its spare
  // 3 s after its last contact, the others reclaim its spare: 29 in all besides its one request.
  team.limiters[1]->upkeep(k_now + 4'000);
  team.limiters[2]->upkeep(k_now + 4'000);
  const int after = count(1, 40, k_now + 4'100);
  CHECK(before + after == 29);
  // The store goes away; the spares go untrusted after 10 s and then each instance admits on its own.
  const int64_t cut = k_now + 20'000;
  for (auto& ledger : team.ledgers) ledger->down = true;
  team.beat(cut);
  int alone = 0;
  for (int i = 0; i < 50; ++i) alone += team.limiters[1]->admit(k_claude, 0, cut).refusal ? 0 : 1;
  CHECK(alone == 50);                   // another agent, no rule
  const int64_t later = k_now + 75'000; // the minute of the earlier admissions is over
  int own = 0;
  for (int i = 0; i < 50; ++i) own += team.limiters[1]->admit(k_codex, 0, later).refusal ? 0 : 1;
  CHECK(own == 15); // 30 / 2 live instances at its last contact
}
