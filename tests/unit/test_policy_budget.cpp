// Spend caps and rate limits: admission arithmetic, concurrency, periods in local time.
#include "core/policy/budget.hpp"
#include "core/policy/keys.hpp"
#include "tests/unit/store_test_support.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

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

TEST_CASE("money: format and parse USD exactly") {
  CHECK(format_usd(0) == "$0.0000");
  CHECK(format_usd(50 * k_cent) == "$0.5000");
  CHECK(format_usd(5 * 100 * k_cent) == "$5.00");
  CHECK(format_usd(1234 * k_cent) == "$12.34");
  CHECK(format_usd(42'000'000'000) == "$0.0420");
  CHECK(format_usd(4'200'000) == "$0.0000");
  CHECK(parse_usd("5") == 500 * k_cent);
  CHECK(parse_usd("$12.50") == 1250 * k_cent);
  CHECK(parse_usd("0.000001") == 1'000'000);
  CHECK_FALSE(parse_usd("-1"));
  CHECK_FALSE(parse_usd("abc"));
  CHECK_FALSE(parse_usd("1.2.3"));
  CHECK_FALSE(parse_usd(""));
}

TEST_CASE("a cap admits while spent + reserved + this reservation fits, then refuses with 402 and the fix") {
  Budget budget;
  budget.set_rules({cap(1, Period::day, 10 * k_cent)}, {}, false);
  budget.load_spent({{Period::day, Scope::global, "", 4 * k_cent}}, k_now);
  auto first = budget.admit(k_claude, costing(5 * k_cent), k_now);
  REQUIRE(first.admitted);
  auto second = budget.admit(k_claude, costing(2 * k_cent), k_now);
  CHECK_FALSE(second.admitted);
  CHECK(second.status == 402);
  CHECK(second.message.find("daily spend cap of $0.1000 overall reached") != std::string::npos);
  CHECK(second.message.find("$0.0400 spent, $0.0500 reserved") != std::string::npos);
  CHECK(second.message.find("llmgw cap set --day") != std::string::npos);
  // Settling at the real (lower) cost releases the rest of the hold.
  budget.settle(first.reservation, k_claude, 1 * k_cent, 50, k_now, k_now);
  CHECK(budget.admit(k_claude, costing(5 * k_cent), k_now).admitted);
  auto states = budget.states(k_now);
  REQUIRE(states.size() == 1);
  CHECK(states[0].spent_pico == 5 * k_cent);
  CHECK(states[0].reserved_pico == 5 * k_cent);
}

TEST_CASE("caps apply only to their scope") {
  Budget budget;
  budget.set_rules(
      {cap(1, Period::day, 1 * k_cent, Scope::agent, "codex"), cap(2, Period::month, 3 * k_cent, Scope::key, "ci")}, {},
      false);
  CHECK(budget.admit(k_claude, costing(50 * k_cent), k_now).admitted);
  auto refused = budget.admit(k_codex, costing(2 * k_cent), k_now);
  CHECK_FALSE(refused.admitted);
  CHECK(refused.message.find("for agent codex") != std::string::npos);
  CHECK(refused.message.find("--day --agent codex") != std::string::npos);
  CHECK(budget.applies(k_codex));
  CHECK_FALSE(budget.applies(k_claude));
}

TEST_CASE("200 threads racing for a small cap never overspend it") {
  Budget budget;
  const int64_t limit = 10 * k_cent;
  budget.set_rules({cap(1, Period::day, limit)}, {}, false);
  std::atomic<int64_t> settled{0};
  std::atomic<int> admitted{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 200; ++i) {
    threads.emplace_back([&, i] {
      auto decision = budget.admit(k_claude, costing(k_cent), k_now);
      if (!decision.admitted) return;
      ++admitted;
      const int64_t cost = k_cent - (i % 3); // real cost at most the reservation
      settled += cost;
      budget.settle(decision.reservation, k_claude, cost, 10, k_now, k_now);
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(settled.load() <= limit);
  CHECK(admitted.load() >= 10); // every cent that fit was used: nothing refused needlessly
  CHECK(budget.states(k_now)[0].reserved_pico == 0);
}

TEST_CASE("a model without a price is refused under a cap unless caps.unpriced allows it") {
  Budget budget;
  budget.set_rules({cap(1, Period::day, k_cent)}, {}, false);
  Estimate unpriced{0, 100, true};
  auto refused = budget.admit(k_claude, unpriced, k_now);
  CHECK_FALSE(refused.admitted);
  CHECK(refused.status == 402);
  CHECK(refused.message.find("no price") != std::string::npos);
  budget.set_rules({cap(1, Period::day, k_cent)}, {}, true);
  CHECK(budget.admit(k_claude, unpriced, k_now).admitted);
}

TEST_CASE("past the warn threshold a request learns what is left, and the server warns once a period") {
  Budget budget;
  budget.set_rules({cap(1, Period::day, 10 * k_cent)}, {}, false);
  auto quiet = budget.admit(k_claude, costing(7 * k_cent), k_now);
  CHECK_FALSE(quiet.remaining_pico);
  budget.settle(quiet.reservation, k_claude, 7 * k_cent, 10, k_now, k_now);
  auto warned = budget.admit(k_claude, costing(k_cent), k_now);
  REQUIRE(warned.remaining_pico);
  CHECK(*warned.remaining_pico == 2 * k_cent);
  CHECK(warned.warning.find("80% used") != std::string::npos);
  auto again = budget.admit(k_claude, costing(k_cent), k_now);
  CHECK(again.remaining_pico);
  CHECK(again.warning.empty());
}

TEST_CASE("rate limits answer 429 with retry-after and recover after the minute") {
  Budget budget;
  budget.set_rules({}, {RateRule{1, Scope::agent, "codex", 2, 0}}, false);
  auto a = budget.admit(k_codex, costing(0), k_now);
  auto b = budget.admit(k_codex, costing(0), k_now + 10'000);
  REQUIRE(a.admitted);
  REQUIRE(b.admitted);
  auto c = budget.admit(k_codex, costing(0), k_now + 20'000);
  CHECK_FALSE(c.admitted);
  CHECK(c.status == 429);
  CHECK(c.retry_after_seconds == 40);
  CHECK(c.message.find("2 requests per minute") != std::string::npos);
  CHECK(budget.admit(k_claude, costing(0), k_now + 20'000).admitted); // another agent
  CHECK(budget.admit(k_codex, costing(0), k_now + 60'001).admitted);

  Budget tokens;
  tokens.set_rules({}, {RateRule{2, Scope::key, "ci", 0, 1000}}, false);
  auto big = tokens.admit(k_codex, costing(0, 900), k_now);
  REQUIRE(big.admitted);
  tokens.settle(big.reservation, k_codex, 0, 1200, k_now, k_now + 1000); // real usage counts
  auto over = tokens.admit(k_codex, costing(0, 10), k_now + 2000);
  CHECK_FALSE(over.admitted);
  CHECK(over.message.find("1000 tokens per minute") != std::string::npos);
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
  Budget budget;
  budget.set_rules({cap(1, Period::day, 10 * k_cent), cap(2, Period::month, 15 * k_cent)}, {}, false);
  budget.load_spent({}, before_midnight);
  auto spend = budget.admit(k_claude, costing(9 * k_cent), before_midnight);
  REQUIRE(spend.admitted);
  budget.settle(spend.reservation, k_claude, 9 * k_cent, 10, before_midnight, before_midnight);
  CHECK_FALSE(budget.admit(k_claude, costing(2 * k_cent), before_midnight).admitted);
  // A new local day: the day cap starts from zero, the month cap remembers.
  auto next_day = budget.admit(k_claude, costing(2 * k_cent), after_midnight);
  CHECK(next_day.admitted);
  auto states = budget.states(after_midnight);
  CHECK(states[0].spent_pico == 0);
  CHECK(states[1].spent_pico == 9 * k_cent);
  CHECK_FALSE(budget.admit(k_claude, costing(5 * k_cent), after_midnight).admitted); // month: 9 + 2 + 5 > 15
}

TEST_CASE("a request that started yesterday counts toward yesterday only") {
  llmgw::test::ScopedTz tz("<-05>5");
  Budget budget;
  budget.set_rules({cap(1, Period::day, 10 * k_cent)}, {}, false);
  const int64_t today_start = period_start_ms(Period::day, k_now);
  budget.load_spent({}, k_now);
  Reservation none;
  budget.settle(none, k_claude, 5 * k_cent, 10, today_start - 1000, k_now);
  CHECK(budget.states(k_now)[0].spent_pico == 0);
  budget.settle(none, k_claude, 5 * k_cent, 10, today_start + 1000, k_now);
  CHECK(budget.states(k_now)[0].spent_pico == 5 * k_cent);
}

TEST_CASE("virtual keys: SHA-256, globs and lookup by token") {
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const std::string token = generate_key_token();
  CHECK(token.rfind("llmgw-vk-", 0) == 0);
  CHECK(token.size() == 9 + 48);
  CHECK(generate_key_token() != token);
  CHECK(glob_match("claude-*", "claude-sonnet-4-5"));
  CHECK(glob_match("gpt-?", "gpt-5"));
  CHECK(glob_match("*", ""));
  CHECK_FALSE(glob_match("claude-*", "gpt-5"));
  CHECK(glob_match("*-mini", "gpt-5-mini"));
  CHECK(models_allow("", "anything"));
  CHECK(models_allow("claude-*, gpt-5*", "gpt-5.1"));
  CHECK_FALSE(models_allow("claude-*,gpt-5*", "gemini-2.5-pro"));
  KeyRing ring({VirtualKey{"aider", sha256_hex(token), "proj", "", ""}});
  const VirtualKey* found = ring.find(token);
  REQUIRE(found != nullptr);
  CHECK(found->name == "aider");
  CHECK(ring.find("llmgw-vk-wrong") == nullptr);
  CHECK(ring.find("llmgw-test-token") == nullptr);
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
