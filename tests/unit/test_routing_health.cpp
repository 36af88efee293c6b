// routing::Health: cool-downs, key picking and benching, session pins.
#include "core/routing/health.hpp"

#include <doctest/doctest.h>

using namespace llmgw::core;

namespace {

config::ProviderConfig three_keys(config::KeyStrategy strategy) {
  config::ProviderConfig provider;
  provider.name = "p";
  provider.api_key_env = "A";
  provider.api_key = "a";
  provider.more_keys = {{"B", "b"}, {"C", "c"}};
  provider.key_strategy = strategy;
  return provider;
}

config::RoutingConfig cooldown(int failures, int window_seconds, int seconds) {
  config::RoutingConfig policy;
  policy.cooldown_failures = failures;
  policy.cooldown_window_seconds = window_seconds;
  policy.cooldown_seconds = seconds;
  return policy;
}

} // namespace

TEST_CASE("health: N failures within the window start a cool-down; older ones fall out of the window") {
  routing::Health health;
  const auto policy = cooldown(3, 10, 30);
  health.failed("p/m", "HTTP 503", 0, policy);
  health.failed("p/m", "HTTP 503", 5'000, policy);
  CHECK_FALSE(health.cooling("p/m", 5'500));
  health.failed("p/m", "HTTP 503", 11'500, policy); // the first is out of the 10 s window
  CHECK_FALSE(health.cooling("p/m", 11'600));
  health.failed("p/m", "HTTP 502", 11'700, policy);
  CHECK(health.cooling("p/m", 11'800));
  CHECK(health.cooling("p/m", 41'699));
  CHECK_FALSE(health.cooling("p/m", 41'700)); // over: the next request probes it
  auto state = health.snapshot(20'000);
  REQUIRE(state.size() == 1);
  CHECK(state[0].provider == "p");
  CHECK(state[0].name == "m");
  CHECK(state[0].until_ms == 41'700);
  CHECK(state[0].reason == "HTTP 502 (3 failures in 10s)");
  CHECK(health.snapshot(41'700).empty());
  health.failed("p/m", "timeout", 42'000, policy); // the probe failed: cooling again at once
  CHECK(health.cooling("p/m", 42'001));
  health.succeeded("p/m");
  CHECK_FALSE(health.cooling("p/m", 42'002));
  health.failed("p/m", "HTTP 503", 43'000, policy); // healthy again: one failure is not enough
  CHECK_FALSE(health.cooling("p/m", 43'001));
}

TEST_CASE("health: cooldown_failures = 0 never cools down") {
  routing::Health health;
  for (int i = 0; i < 10; ++i) health.failed("p/m", "HTTP 503", i, cooldown(0, 10, 30));
  CHECK_FALSE(health.cooling("p/m", 10));
}

TEST_CASE("health: round robin skips a benched key; every key benched picks the one back soonest") {
  routing::Health health;
  const auto provider = three_keys(config::KeyStrategy::round_robin);
  CHECK(health.pick_key(provider, 0) == 0);
  CHECK(health.pick_key(provider, 0) == 1);
  CHECK(health.pick_key(provider, 0) == 2);
  CHECK(health.pick_key(provider, 0) == 0);
  CHECK(health.bench_key(provider, 1, "refused (HTTP 401)", 0, 60));
  CHECK(health.pick_key(provider, 1) == 2);
  CHECK(health.pick_key(provider, 1) == 0);
  CHECK(health.pick_key(provider, 1) == 2);
  CHECK(health.bench_key(provider, 0, "out of quota (HTTP 429)", 0, 30));
  CHECK_FALSE(health.bench_key(provider, 2, "refused (HTTP 403)", 0, 90)); // none left
  CHECK(health.pick_key(provider, 10) == 0);                               // rests until 30 s, the earliest
  CHECK(health.pick_key(provider, 60'000) == 0);                           // A and B are back (C rests until 90 s)
  CHECK(health.pick_key(provider, 60'000) == 1);
  CHECK(health.pick_key(provider, 60'000) == 0);
  auto state = health.snapshot(10);
  REQUIRE(state.size() == 3);
  CHECK(state[0].kind == "key");
  CHECK(state[0].name == "A");
  CHECK(state[0].reason == "out of quota (HTTP 429)");
}

TEST_CASE("health: least_recent picks the key unused longest") {
  routing::Health health;
  const auto provider = three_keys(config::KeyStrategy::least_recent);
  CHECK(health.pick_key(provider, 100) == 0);
  CHECK(health.pick_key(provider, 200) == 1);
  CHECK(health.pick_key(provider, 300) == 2);
  CHECK(health.pick_key(provider, 400) == 0);
  health.bench_key(provider, 1, "refused (HTTP 401)", 400, 60);
  CHECK(health.pick_key(provider, 500) == 2);
  CHECK(health.pick_key(provider, 600) == 0);
}

TEST_CASE("health: a session pin is remembered until its time to live passes") {
  routing::Health health;
  health.pin("s1\nsmart", "a/m", 0, 1);
  CHECK(health.pinned("s1\nsmart", 59'999) == "a/m");
  CHECK(health.pinned("s1\nsmart", 60'000).empty());
  CHECK(health.pinned("s2\nsmart", 0).empty());
  health.pin("s1\nsmart", "b/m", 70'000, 1);
  CHECK(health.pinned("s1\nsmart", 70'001) == "b/m");
}
