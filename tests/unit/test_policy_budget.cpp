// Admission as the request path sees it: rate limits, then caps, one reservation settled once.
#include "core/policy/budget.hpp"

#include <doctest/doctest.h>

#include <chrono>

using namespace llmgw::core::policy;

namespace {

constexpr int64_t k_cent = 10'000'000'000;   // pico-USD
constexpr int64_t k_now = 1'773'000'000'000; // 2026-03-08, a Sunday, 20:00 UTC

CapRule cap(int64_t id, Period period, int64_t limit, Scope scope = Scope::global, std::string value = "") {
  return CapRule{id, period, limit, scope, std::move(value), 80};
}

Estimate costing(int64_t pico, int64_t tokens = 100) { return Estimate{pico, tokens, false}; }

const Subject k_claude{"anthropic", "claude-code", "web", ""};
const Subject k_codex{"openai", "codex", "", "ci"};

} // namespace

TEST_CASE("with no cap and no limit admission is skipped and holds nothing") {
  Budget budget;
  CHECK_FALSE(budget.active());
  auto decision = budget.admit(k_claude, costing(k_cent), k_now);
  CHECK(decision.admitted());
  CHECK_FALSE(decision.reservation.caps.active);
  CHECK_FALSE(decision.reservation.rates.active);
}

TEST_CASE("a request over both a rate limit and a cap hears about the rate limit") {
  Budget budget;
  budget.set_rules({cap(1, Period::day, k_cent)}, {RateRule{1, Scope::agent, "codex", 1, 0}}, false);
  auto first = budget.admit(k_codex, costing(k_cent / 2), k_now);
  REQUIRE(first.admitted());
  auto second = budget.admit(k_codex, costing(k_cent), k_now + 1000);
  REQUIRE(second.refusal);
  CHECK(second.refusal->kind == Refusal::Kind::request_rate);
  CHECK(second.refusal->status == 429);
  CHECK(second.refusal->retry_after_seconds == 59);
  CHECK(second.refusal->scope == Scope::agent);
  CHECK(second.refusal->value == "codex");
  CHECK(second.refusal->limit_per_minute == 1);
  CHECK(budget.states(k_now)[0].reserved_pico == k_cent / 2); // the refused request held nothing
}

TEST_CASE("a request the caps refuse after the rate limiter admitted it does not use up the rate limit") {
  Budget budget;
  budget.set_rules({cap(1, Period::day, 10 * k_cent, Scope::agent, "codex")},
                   {RateRule{1, Scope::agent, "codex", 1, 0}, RateRule{2, Scope::key, "ci", 0, 1000}}, false);
  auto refused = budget.admit(k_codex, costing(11 * k_cent, 900), k_now);
  REQUIRE(refused.refusal);
  CHECK(refused.refusal->kind == Refusal::Kind::cap);
  CHECK(refused.refusal->status == 402);
  CHECK(refused.refusal->scope == Scope::agent);
  CHECK(refused.refusal->value == "codex");
  CHECK(refused.refusal->period == Period::day);
  CHECK(refused.refusal->limit_pico == 10 * k_cent);
  CHECK(refused.refusal->spent_pico == 0);
  CHECK(refused.refusal->reserved_pico == 0);
  CHECK(refused.refusal->needed_pico == 11 * k_cent);
  CHECK(refused.refusal->retry_after_seconds == 0);
  // One request a minute and 1000 tokens: the refused one counted for neither.
  auto next = budget.admit(k_codex, costing(k_cent, 900), k_now + 1000);
  REQUIRE(next.admitted());
  auto third = budget.admit(k_codex, costing(k_cent, 10), k_now + 2000);
  REQUIRE(third.refusal);
  CHECK(third.refusal->kind == Refusal::Kind::request_rate);
}

TEST_CASE("a reservation is settled once: settling again releases and counts nothing more") {
  Budget budget;
  budget.set_rules({cap(1, Period::day, 10 * k_cent)}, {RateRule{1, Scope::key, "ci", 0, 1000}}, false);
  budget.load_spent({}, k_now);
  auto decision = budget.admit(k_codex, costing(4 * k_cent, 100), k_now);
  REQUIRE(decision.admitted());
  CHECK(decision.reservation.caps.active);
  CHECK(decision.reservation.rates.active);
  budget.settle(decision.reservation, k_codex, 3 * k_cent, 500, k_now, k_now);
  CHECK_FALSE(decision.reservation.caps.active);
  CHECK_FALSE(decision.reservation.rates.active);
  budget.settle(decision.reservation, k_codex, 0, 5000, k_now, k_now);
  auto states = budget.states(k_now);
  CHECK(states[0].spent_pico == 3 * k_cent);
  CHECK(states[0].reserved_pico == 0);
  CHECK(budget.admit(k_codex, costing(k_cent, 500), k_now + 1).admitted()); // 500 + 500 tokens fit
}

TEST_CASE("a cap past its warn threshold reaches the decision") {
  Budget budget;
  budget.set_rules({cap(1, Period::day, 10 * k_cent)}, {}, false);
  auto decision = budget.admit(k_claude, costing(9 * k_cent), k_now);
  REQUIRE(decision.admitted());
  CHECK(decision.remaining_pico == k_cent);
  REQUIRE(decision.warning);
  CHECK(warning_message(*decision.warning) == "daily cap of $0.1000 overall is 90% used ($0.0100 left)");
  CHECK(budget.applies(k_codex));
}

TEST_CASE("hard mode sees the caps of a reservation") {
  Budget budget;
  budget.set_rules({cap(1, Period::day, 5 * k_cent)}, {}, false);
  auto decision = budget.admit(k_claude, costing(2 * k_cent), k_now);
  REQUIRE(decision.admitted());
  CHECK_FALSE(budget.extend_hold(decision.reservation, 5 * k_cent, 5 * k_cent));
  auto stop = budget.extend_hold(decision.reservation, 6 * k_cent, 6 * k_cent);
  REQUIRE(stop);
  CHECK(stop->kind == Refusal::Kind::stream_over_cap);
}

TEST_CASE("admission plus settlement costs about a microsecond on the request path") {
  Budget budget;
  budget.set_rules({cap(1, Period::day, 1000 * 100 * k_cent),
                    cap(2, Period::month, 1000 * 100 * k_cent, Scope::agent, "claude-code"),
                    cap(3, Period::week, 1000 * 100 * k_cent, Scope::project, "web")},
                   {RateRule{1, Scope::agent, "claude-code", 1'000'000, 0}}, false);
  budget.load_spent({}, k_now);
  constexpr int k_rounds = 20'000;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < k_rounds; ++i) {
    auto decision = budget.admit(k_claude, costing(k_cent), k_now + i);
    budget.settle(decision.reservation, k_claude, k_cent / 2, 100, k_now + i, k_now + i);
  }
  const double per_request_us =
      std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count() / k_rounds;
  MESSAGE("admit + settle with 3 caps and 1 rate limit: " << per_request_us << " us per request");
  CHECK(per_request_us < 200.0); // generous: sanitizer builds on a busy 2-core machine
}

TEST_CASE("admission plus settlement with the learned output estimate stays in microseconds") {
  Budget budget;
  budget.set_rules({cap(1, Period::day, 1000 * 100 * k_cent),
                    cap(2, Period::month, 1000 * 100 * k_cent, Scope::agent, "claude-code"),
                    cap(3, Period::week, 1000 * 100 * k_cent, Scope::project, "web")},
                   {RateRule{1, Scope::agent, "claude-code", 1'000'000, 0}}, false);
  budget.load_spent({}, k_now);
  for (int i = 0; i < 64; ++i) budget.outputs().learn("claude-code", "claude-opus-4-6", 200 + i * 7);
  constexpr int k_rounds = 20'000;
  constexpr int64_t k_output_pico = 25'000'000; // $25 / Mtok
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < k_rounds; ++i) {
    const int64_t expected = budget.outputs().expected_tokens("claude-code", "claude-opus-4-6", 128'000);
    Estimate estimate{expected * k_output_pico, 100, false, 128'000 * k_output_pico, false, 0, false};
    auto decision = budget.admit(k_claude, estimate, k_now + i);
    budget.settle(decision.reservation, k_claude, k_cent / 2, 100, k_now + i, k_now + i);
    budget.outputs().learn("claude-code", "claude-opus-4-6", 300 + i % 50);
  }
  const double per_request_ns =
      std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count() / k_rounds;
  MESSAGE("estimate + admit + settle + learn with 3 caps and 1 rate limit: " << per_request_ns << " ns per request");
  CHECK(per_request_ns < 200'000.0); // generous: sanitizer builds on a busy 2-core machine
}
