// Rate limits alone: the sliding minute, retry-after, real token counts and taking a request back.
#include "core/policy/rate_limiter.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <thread>
#include <vector>

using namespace llmgw::core::policy;

namespace {

constexpr int64_t k_now = 1'773'000'000'000;

const Subject k_claude{"anthropic", "claude-code", "web", ""};
const Subject k_codex{"openai", "codex", "", "ci"};

std::string message_of(const RateAdmission& admission) {
  REQUIRE(admission.refusal);
  return refusal_message(*admission.refusal);
}

} // namespace

TEST_CASE("rate limits answer 429 with retry-after and recover after the minute") {
  RateLimiter limiter;
  limiter.set_rules({RateRule{1, Scope::agent, "codex", 2, 0}});
  auto a = limiter.admit(k_codex, 100, k_now);
  auto b = limiter.admit(k_codex, 100, k_now + 10'000);
  REQUIRE_FALSE(a.refusal);
  REQUIRE_FALSE(b.refusal);
  auto c = limiter.admit(k_codex, 100, k_now + 20'000);
  REQUIRE(c.refusal);
  CHECK(c.refusal->status == 429);
  CHECK(c.refusal->retry_after_seconds == 40);
  CHECK(message_of(c).find("2 requests per minute") != std::string::npos);
  CHECK_FALSE(limiter.admit(k_claude, 100, k_now + 20'000).refusal); // another agent
  CHECK_FALSE(limiter.admit(k_codex, 100, k_now + 60'001).refusal);

  RateLimiter tokens;
  tokens.set_rules({RateRule{2, Scope::key, "ci", 0, 1000}});
  auto big = tokens.admit(k_codex, 900, k_now);
  REQUIRE_FALSE(big.refusal);
  tokens.settle(big.ticket, 1200); // real usage counts
  auto over = tokens.admit(k_codex, 10, k_now + 2000);
  CHECK(message_of(over).find("1000 tokens per minute") != std::string::npos);
}

TEST_CASE("a rate refusal carries status 429, the limit, its scope and when to retry") {
  RateLimiter limiter;
  limiter.set_rules({RateRule{1, Scope::agent, "codex", 5, 0}, RateRule{2, Scope::key, "ci", 0, 1000}});
  REQUIRE_FALSE(limiter.admit(k_codex, 600, k_now).refusal);
  auto refused = limiter.admit(k_codex, 600, k_now + 1500);
  REQUIRE(refused.refusal);
  const Refusal& refusal = *refused.refusal;
  CHECK(refusal.kind == Refusal::Kind::token_rate);
  CHECK(refusal.status == 429);
  CHECK(refusal.scope == Scope::key);
  CHECK(refusal.value == "ci");
  CHECK(refusal.limit_per_minute == 1000);
  CHECK(refusal.retry_after_seconds == 59); // 58.5 s until the first request leaves, rounded up
  CHECK_FALSE(refusal.period);
  CHECK_FALSE(refused.ticket.active);
}

TEST_CASE("a request larger than the token limit goes through alone in an empty window") {
  RateLimiter limiter;
  limiter.set_rules({RateRule{1, Scope::key, "ci", 0, 1000}});
  CHECK_FALSE(limiter.admit(k_codex, 5000, k_now).refusal);
  CHECK(limiter.admit(k_codex, 1, k_now + 1).refusal);
}

TEST_CASE("a cancelled request leaves the window as if it had never been admitted") {
  RateLimiter limiter;
  limiter.set_rules({RateRule{1, Scope::agent, "codex", 1, 0}, RateRule{2, Scope::key, "ci", 0, 1000}});
  auto taken_back = limiter.admit(k_codex, 900, k_now);
  REQUIRE_FALSE(taken_back.refusal);
  CHECK(taken_back.ticket.rules.size() == 2);
  limiter.cancel(taken_back.ticket);
  CHECK_FALSE(taken_back.ticket.active);
  auto next = limiter.admit(k_codex, 900, k_now + 1);
  CHECK_FALSE(next.refusal);         // neither the request nor its 900 tokens count any more
  limiter.cancel(taken_back.ticket); // twice: nothing more is taken out
  CHECK(limiter.admit(k_codex, 1, k_now + 2).refusal);
}

TEST_CASE("a settled ticket is not settled or cancelled again") {
  RateLimiter limiter;
  limiter.set_rules({RateRule{1, Scope::key, "ci", 0, 1000}});
  auto admitted = limiter.admit(k_codex, 100, k_now);
  limiter.settle(admitted.ticket, 400);
  limiter.settle(admitted.ticket, 5000);                       // ignored: already settled
  limiter.cancel(admitted.ticket);                             // ignored too: the request ran
  CHECK_FALSE(limiter.admit(k_codex, 600, k_now + 1).refusal); // 400 + 600 = 1000 fits
}

TEST_CASE("removing a limit drops its window; the windows of limits that stay are kept") {
  RateLimiter limiter;
  limiter.set_rules({RateRule{1, Scope::agent, "codex", 1, 0}, RateRule{2, Scope::key, "ci", 1, 0}});
  auto admitted = limiter.admit(k_codex, 10, k_now);
  REQUIRE_FALSE(admitted.refusal);
  limiter.set_rules({RateRule{2, Scope::key, "ci", 1, 0}});
  CHECK(limiter.admit(k_codex, 10, k_now + 1).refusal); // rule 2 still counts the first request
  limiter.settle(admitted.ticket, 10);                  // rule 1's window is gone: skipped
  limiter.set_rules({});
  CHECK_FALSE(limiter.active());
  CHECK_FALSE(limiter.admit(k_codex, 10, k_now + 2).refusal);
}

TEST_CASE("200 threads racing for a request limit never pass it") {
  RateLimiter limiter;
  limiter.set_rules({RateRule{1, Scope::agent, "codex", 10, 0}});
  std::atomic<int> admitted{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 200; ++i)
    threads.emplace_back([&] {
      if (!limiter.admit(k_codex, 1, k_now).refusal) ++admitted;
    });
  for (auto& thread : threads) thread.join();
  CHECK(admitted.load() == 10);
}
