// Spend caps alone: admission arithmetic, concurrency, warn thresholds, hard mode, periods in
// local time.
#include "core/policy/spend_caps.hpp"
#include "tests/unit/store_test_support.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <thread>
#include <vector>

using namespace llmgw::core::policy;

namespace {

constexpr int64_t k_cent = 10'000'000'000;   // pico-USD
constexpr int64_t k_now = 1'773'000'000'000; // 2026-03-08, a Sunday, 20:00 UTC

CapRule cap(int64_t id, Period period, int64_t limit, Scope scope = Scope::global, std::string value = "") {
  return CapRule{id, period, limit, scope, std::move(value), 80};
}

const Subject k_claude{"anthropic", "claude-code", "web", ""};
const Subject k_codex{"openai", "codex", "", "ci"};

std::string message_of(const CapAdmission& admission) {
  REQUIRE(admission.refusal);
  return refusal_message(*admission.refusal);
}

} // namespace

TEST_CASE("a cap admits while spent + reserved + this reservation fits, then refuses with 402 and the fix") {
  SpendCaps caps;
  caps.set_rules({cap(1, Period::day, 10 * k_cent)}, false);
  caps.load_spent({{Period::day, Scope::global, "", 4 * k_cent}}, k_now);
  auto first = caps.admit(k_claude, 5 * k_cent, k_now);
  REQUIRE_FALSE(first.refusal);
  auto second = caps.admit(k_claude, 2 * k_cent, k_now);
  REQUIRE(second.refusal);
  CHECK(second.refusal->status == 402);
  CHECK(message_of(second).find("daily spend cap of $0.1000 overall reached") != std::string::npos);
  CHECK(message_of(second).find("$0.0400 spent, $0.0500 reserved") != std::string::npos);
  CHECK(message_of(second).find("llmgw cap set --day") != std::string::npos);
  // Settling at the real (lower) cost releases the rest of the hold.
  caps.settle(first.holds, k_claude, 1 * k_cent, k_now, k_now);
  CHECK_FALSE(caps.admit(k_claude, 5 * k_cent, k_now).refusal);
  auto states = caps.states(k_now);
  REQUIRE(states.size() == 1);
  CHECK(states[0].spent_pico == 5 * k_cent);
  CHECK(states[0].reserved_pico == 5 * k_cent);
}

TEST_CASE("a cap refusal carries status 402, the cap, what is spent and held and what the request needed") {
  SpendCaps caps;
  caps.set_rules({cap(1, Period::day, 20 * k_cent), cap(7, Period::month, 10 * k_cent, Scope::agent, "codex")}, false);
  caps.load_spent({{Period::month, Scope::agent, "codex", 3 * k_cent}}, k_now);
  auto held = caps.admit(k_codex, 4 * k_cent, k_now);
  REQUIRE_FALSE(held.refusal);
  auto refused = caps.admit(k_codex, 5 * k_cent, k_now);
  REQUIRE(refused.refusal);
  const Refusal& refusal = *refused.refusal;
  CHECK(refusal.kind == Refusal::Kind::cap);
  CHECK(refusal.status == 402);
  CHECK(refusal.scope == Scope::agent);
  CHECK(refusal.value == "codex");
  CHECK(refusal.period == Period::month);
  CHECK(refusal.limit_pico == 10 * k_cent);
  CHECK(refusal.spent_pico == 3 * k_cent);
  CHECK(refusal.reserved_pico == 4 * k_cent);
  CHECK(refusal.needed_pico == 5 * k_cent);
  CHECK(refusal.retry_after_seconds == 0);
  CHECK_FALSE(refused.holds.active);
  // A refused request holds nothing: only the first request's 4 cents are reserved.
  CHECK(caps.states(k_now)[0].reserved_pico == 4 * k_cent);
  CHECK(caps.states(k_now)[1].reserved_pico == 4 * k_cent);
}

TEST_CASE("caps apply only to their scope") {
  SpendCaps caps;
  caps.set_rules(
      {cap(1, Period::day, 1 * k_cent, Scope::agent, "codex"), cap(2, Period::month, 3 * k_cent, Scope::key, "ci")},
      false);
  CHECK_FALSE(caps.admit(k_claude, 50 * k_cent, k_now).refusal);
  auto refused = caps.admit(k_codex, 2 * k_cent, k_now);
  CHECK(message_of(refused).find("for agent codex") != std::string::npos);
  CHECK(message_of(refused).find("--day --agent codex") != std::string::npos);
  CHECK(caps.applies(k_codex));
  CHECK_FALSE(caps.applies(k_claude));
}

TEST_CASE("200 threads racing for a small cap never overspend it") {
  SpendCaps caps;
  const int64_t limit = 10 * k_cent;
  caps.set_rules({cap(1, Period::day, limit)}, false);
  std::atomic<int64_t> settled{0};
  std::atomic<int> admitted{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 200; ++i) {
    threads.emplace_back([&, i] {
      auto admission = caps.admit(k_claude, k_cent, k_now);
      if (admission.refusal) return;
      ++admitted;
      const int64_t cost = k_cent - (i % 3); // real cost at most the reservation
      settled += cost;
      caps.settle(admission.holds, k_claude, cost, k_now, k_now);
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(settled.load() <= limit);
  CHECK(admitted.load() >= 10); // every cent that fit was used: nothing refused needlessly
  CHECK(caps.states(k_now)[0].reserved_pico == 0);
}

TEST_CASE("a model without a price is refused under a cap unless caps.unpriced allows it") {
  SpendCaps caps;
  caps.set_rules({cap(1, Period::day, k_cent)}, false);
  auto refused = caps.admit(k_claude, std::nullopt, k_now);
  REQUIRE(refused.refusal);
  CHECK(refused.refusal->kind == Refusal::Kind::unpriced);
  CHECK(refused.refusal->status == 402);
  CHECK(message_of(refused).find("no price") != std::string::npos);
  caps.set_rules({cap(1, Period::day, k_cent)}, true);
  CHECK_FALSE(caps.admit(k_claude, std::nullopt, k_now).refusal);
  caps.set_rules({cap(1, Period::day, k_cent, Scope::agent, "claude-code")}, false);
  CHECK_FALSE(caps.admit(k_codex, std::nullopt, k_now).refusal); // no cap over it: nothing to bound
}

TEST_CASE("past the warn threshold a request learns what is left, and the server warns once a period") {
  SpendCaps caps;
  caps.set_rules({cap(1, Period::day, 10 * k_cent)}, false);
  auto quiet = caps.admit(k_claude, 7 * k_cent, k_now);
  CHECK_FALSE(quiet.remaining_pico);
  caps.settle(quiet.holds, k_claude, 7 * k_cent, k_now, k_now);
  auto warned = caps.admit(k_claude, k_cent, k_now);
  REQUIRE(warned.remaining_pico);
  CHECK(*warned.remaining_pico == 2 * k_cent);
  REQUIRE(warned.warning);
  CHECK(warning_message(*warned.warning).find("80% used") != std::string::npos);
  auto again = caps.admit(k_claude, k_cent, k_now);
  CHECK(again.remaining_pico);
  CHECK_FALSE(again.warning);
}

TEST_CASE("hard mode: a stream whose cost so far would pass a cap is refused with the cap and its cost") {
  SpendCaps caps;
  caps.set_rules({cap(1, Period::week, 5 * k_cent, Scope::provider, "anthropic")}, false);
  caps.load_spent({{Period::week, Scope::provider, "anthropic", k_cent}}, k_now);
  auto admission = caps.admit(k_claude, 2 * k_cent, k_now);
  REQUIRE_FALSE(admission.refusal);
  CHECK_FALSE(caps.over_cap(admission.holds, 2 * k_cent)); // within its hold
  CHECK_FALSE(caps.over_cap(admission.holds, 4 * k_cent)); // 1 + 4 still fits under 5
  auto stop = caps.over_cap(admission.holds, 6 * k_cent);
  REQUIRE(stop);
  CHECK(stop->kind == Refusal::Kind::stream_over_cap);
  CHECK(stop->status == 402);
  CHECK(stop->scope == Scope::provider);
  CHECK(stop->value == "anthropic");
  CHECK(stop->period == Period::week);
  CHECK(stop->limit_pico == 5 * k_cent);
  CHECK(stop->needed_pico == 6 * k_cent);
  caps.settle(admission.holds, k_claude, 6 * k_cent, k_now, k_now);
  CHECK_FALSE(caps.over_cap(admission.holds, 60 * k_cent)); // settled: nothing to end
}

TEST_CASE("hard mode: concurrent streams count each other's running cost, so together they stop at the cap") {
  SpendCaps caps;
  caps.set_rules({cap(1, Period::day, 5 * k_cent)}, false);
  auto first = caps.admit(k_claude, k_cent, k_now);
  auto second = caps.admit(k_codex, k_cent, k_now);
  REQUIRE_FALSE(first.refusal);
  REQUIRE_FALSE(second.refusal);
  CHECK_FALSE(caps.over_cap(first.holds, 3 * k_cent)); // 3 + the other's hold of 1
  CHECK(caps.states(k_now).front().reserved_pico == 4 * k_cent);
  CHECK_FALSE(caps.over_cap(second.holds, 2 * k_cent)); // 3 + 2 = the cap
  CHECK(caps.admit(k_claude, k_cent, k_now).refusal);   // nothing left for a new request
  auto stop = caps.over_cap(second.holds, 3 * k_cent);  // 3 + 3 > 5: the one that grows is ended
  REQUIRE(stop);
  CHECK(stop->reserved_pico == 3 * k_cent);
  CHECK(stop->needed_pico == 3 * k_cent);
  CHECK(caps.states(k_now).front().reserved_pico == 6 * k_cent); // held at what it will be recorded at
  caps.settle(second.holds, k_codex, 3 * k_cent, k_now, k_now);
  caps.settle(first.holds, k_claude, 3 * k_cent, k_now, k_now);
  const auto state = caps.states(k_now).front();
  CHECK(state.reserved_pico == 0);
  CHECK(state.spent_pico == 6 * k_cent);
}

TEST_CASE("periods roll over at local midnight in a non-UTC zone") {
  llmgw::test::ScopedTz tz("<+0530>-5:30"); // India, no DST
  // 2026-03-10 23:59 local = 18:29 UTC.
  std::tm evening{};
  evening.tm_year = 126;
  evening.tm_mon = 2;
  evening.tm_mday = 10;
  evening.tm_hour = 23;
  evening.tm_min = 59;
  const int64_t before_midnight = local_to_ms(evening);
  CHECK(before_midnight == 1'773'167'340'000);
  const int64_t after_midnight = before_midnight + 2 * 60'000;
  SpendCaps caps;
  caps.set_rules({cap(1, Period::day, 10 * k_cent), cap(2, Period::month, 15 * k_cent)}, false);
  caps.load_spent({}, before_midnight);
  auto spend = caps.admit(k_claude, 9 * k_cent, before_midnight);
  REQUIRE_FALSE(spend.refusal);
  caps.settle(spend.holds, k_claude, 9 * k_cent, before_midnight, before_midnight);
  CHECK(caps.admit(k_claude, 2 * k_cent, before_midnight).refusal);
  // A new local day: the day cap starts from zero, the month cap remembers.
  auto next_day = caps.admit(k_claude, 2 * k_cent, after_midnight);
  CHECK_FALSE(next_day.refusal);
  auto states = caps.states(after_midnight);
  CHECK(states[0].spent_pico == 0);
  CHECK(states[1].spent_pico == 9 * k_cent);
  CHECK(caps.admit(k_claude, 5 * k_cent, after_midnight).refusal); // month: 9 + 2 + 5 > 15
}

TEST_CASE("a request that started yesterday counts toward yesterday only") {
  llmgw::test::ScopedTz tz("<-05>5");
  SpendCaps caps;
  caps.set_rules({cap(1, Period::day, 10 * k_cent)}, false);
  const int64_t today_start = period_start_ms(Period::day, k_now);
  caps.load_spent({}, k_now);
  CapHolds none;
  caps.settle(none, k_claude, 5 * k_cent, today_start - 1000, k_now);
  CHECK(caps.states(k_now)[0].spent_pico == 0);
  caps.settle(none, k_claude, 5 * k_cent, today_start + 1000, k_now);
  CHECK(caps.states(k_now)[0].spent_pico == 5 * k_cent);
}
