// The attempt plan alone: which try follows which outcome, and how long it waits.
#include "core/dispatch/attempt_plan.hpp"

#include <doctest/doctest.h>

using namespace llmgw::core;
using dispatch::AttemptPlan;
using dispatch::Step;
using dispatch::TryOutcome;

namespace {

config::RoutingConfig policy(int attempts, int backoff_ms = 100, int max_retry_after = 30) {
  config::RoutingConfig rules;
  rules.attempts = attempts;
  rules.backoff_ms = backoff_ms;
  rules.max_retry_after_seconds = max_retry_after;
  return rules;
}

TryOutcome answered(int status, int retry_after = 0) { return TryOutcome{true, status, retry_after, false}; }

} // namespace

TEST_CASE("a success or a client error is delivered at once") {
  for (int status : {200, 400, 401, 404, 413, 422}) {
    AttemptPlan plan(2, policy(3), [] { return 0.5; });
    CHECK(plan.next(answered(status)).kind == Step::Kind::deliver);
  }
}

TEST_CASE("retryable statuses retry the same deployment with exponential backoff, then fall back") {
  AttemptPlan plan(2, policy(3, 100), [] { return 0.5; });
  auto step = plan.next(answered(503));
  CHECK(step.kind == Step::Kind::send);
  CHECK(step.deployment == 0);
  CHECK(step.wait.count() == 100); // base 100, jitter at the middle
  step = plan.next(answered(529));
  CHECK(step.deployment == 0);
  CHECK(step.wait.count() == 200);
  step = plan.next(answered(500));
  CHECK(step.kind == Step::Kind::send);
  CHECK(step.deployment == 1); // attempts used up: the next deployment, at once
  CHECK(step.wait.count() == 0);
  plan.next(answered(502));
  plan.next(answered(502));
  CHECK(plan.next(answered(502)).kind == Step::Kind::deliver); // the last answer goes back
}

TEST_CASE("jitter stays within half the backoff either way") {
  AttemptPlan low(1, policy(2, 1000), [] { return 0.0; });
  CHECK(low.next(answered(429)).wait.count() == 500);
  AttemptPlan high(1, policy(2, 1000), [] { return 0.999; });
  CHECK(high.next(answered(429)).wait.count() == 1499);
}

TEST_CASE("retry-after is honoured, and one longer than allowed moves to the next deployment") {
  AttemptPlan plan(2, policy(3, 100, 10), [] { return 0.5; });
  auto step = plan.next(answered(429, 7));
  CHECK(step.deployment == 0);
  CHECK(step.wait.count() == 7000);
  step = plan.next(answered(429, 60));
  CHECK(step.deployment == 1);
  CHECK(step.wait.count() == 0);
  // The last deployment asking for too long a wait: its answer goes back.
  CHECK(plan.next(answered(429, 60)).kind == Step::Kind::deliver);
}

TEST_CASE("an unreachable deployment counts as a failed try") {
  AttemptPlan plan(2, policy(1), [] { return 0.5; });
  auto step = plan.next(TryOutcome{});
  CHECK(step.kind == Step::Kind::send);
  CHECK(step.deployment == 1);
  CHECK(plan.next(TryOutcome{}).kind == Step::Kind::deliver);
}

TEST_CASE("switching to another key is not a try, and is bounded") {
  AttemptPlan plan(1, policy(1), [] { return 0.5; });
  TryOutcome key_refused{true, 401, 0, true};
  for (int i = 0; i < 16; ++i) {
    auto step = plan.next(key_refused);
    REQUIRE(step.kind == Step::Kind::send);
    CHECK(step.deployment == 0);
    CHECK(step.wait.count() == 0);
  }
  CHECK(plan.next(key_refused).kind == Step::Kind::deliver); // 401 is not retryable
}

TEST_CASE("zero backoff retries without waiting") {
  AttemptPlan plan(1, policy(2, 0), [] { return 0.5; });
  auto step = plan.next(answered(500));
  CHECK(step.kind == Step::Kind::send);
  CHECK(step.wait.count() == 0);
}
