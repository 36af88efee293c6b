// The dispatcher with a scripted upstream and a fake clock: retries, waits, fallbacks, key
// rotation, cool-downs and session pins, with no sockets and no sleeps.
#include "core/dispatch/dispatcher.hpp"
#include "tests/support/fake_dispatch.hpp"

#include <doctest/doctest.h>

using namespace llmgw;
using namespace llmgw::core;
using llmgw::test::answer;
using llmgw::test::FakeClock;
using llmgw::test::ScriptedUpstream;

namespace {

config::ProviderConfig provider(const std::string& name, const std::string& url) {
  config::ProviderConfig out;
  out.name = name;
  out.kind = config::ProviderKind::openai;
  out.base_url = url;
  out.api_key_env = "KEY_" + name;
  out.api_key = "secret-" + name;
  return out;
}

struct Setup {
  config::ProviderConfig first = provider("first", "http://first.test/v1");
  config::ProviderConfig second = provider("second", "http://second.test/v1");
  std::vector<routing::RouteResult> deployments;
  config::RoutingConfig policy;
  ScriptedUpstream upstream;
  FakeClock clock;
  routing::Health health;
  std::vector<size_t> keys_used;

  Setup() {
    deployments.push_back(routing::RouteResult{&first, "model-a", {}, 0, {}, {}});
    deployments.push_back(routing::RouteResult{&second, "model-b", {}, 0, {}, {}});
    policy.attempts = 2;
    policy.backoff_ms = 100;
    policy.cooldown_failures = 2;
  }

  dispatch::Dispatched run(const std::string& pin = "") {
    dispatch::Dispatcher dispatcher(upstream, clock, health);
    return dispatcher.run(deployments, policy, pin, [&](const routing::RouteResult& deployment) {
      dispatch::PreparedTry prepared;
      prepared.exchange.origin = deployment.provider->base_url;
      prepared.exchange.request.path = "/chat/completions";
      prepared.exchange.request.body = deployment.upstream_model;
      if (deployment.provider->key_count() > 1) {
        prepared.key_index = health.pick_key(*deployment.provider, clock.now_ms());
        keys_used.push_back(prepared.key_index);
      }
      return prepared;
    });
  }
};

} // namespace

TEST_CASE("a retryable answer is retried after a backoff, then served") {
  Setup setup;
  setup.upstream.then(answer(503));
  setup.upstream.then(answer(200, R"({"ok":true})"));
  auto result = setup.run();
  CHECK(result.answer.status == 200);
  CHECK(result.deployment == 0);
  REQUIRE(setup.clock.waits().size() == 1);
  CHECK(setup.clock.waits()[0] >= 50);
  CHECK(setup.clock.waits()[0] <= 150);
  REQUIRE(result.attempts.size() == 2);
  CHECK(result.attempts[0].http_status == 503);
  CHECK(result.attempts[0].error == "HTTP 503");
  CHECK(result.attempts[1].error.empty());
}

TEST_CASE("a deployment out of tries falls back to the next one, which serves") {
  Setup setup;
  setup.upstream.then(core::dispatch::Answer(llmgw::test::unreachable()));
  setup.upstream.then(llmgw::test::unreachable());
  setup.upstream.then(answer(200));
  auto result = setup.run();
  CHECK(result.answer.status == 200);
  CHECK(result.deployment == 1);
  auto sent = setup.upstream.sent();
  REQUIRE(sent.size() == 3);
  CHECK(sent[0].origin == "http://first.test/v1");
  CHECK(sent[1].origin == "http://first.test/v1");
  CHECK(sent[2].origin == "http://second.test/v1");
  CHECK(sent[2].body == "model-b");
  CHECK(result.attempts[0].error.find("cannot reach provider 'first'") == 0);
  // Two failures within the window: the first deployment cools down.
  CHECK(setup.health.cooling("first/model-a", setup.clock.now_ms()));
  CHECK_FALSE(setup.health.cooling("second/model-b", setup.clock.now_ms()));
}

TEST_CASE("the provider's retry-after is the wait, on the fake clock") {
  Setup setup;
  setup.upstream.then(answer(429, "{}", {{"retry-after", "7"}}));
  setup.upstream.then(answer(200));
  auto result = setup.run();
  CHECK(result.answer.status == 200);
  CHECK(setup.clock.waits() == std::vector<int64_t>{7000});
}

TEST_CASE("when every try fails the last answer is delivered as it is") {
  Setup setup;
  setup.upstream.then(answer(500, R"({"error":"down"})"));
  auto result = setup.run();
  CHECK(result.answer.status == 500);
  CHECK(result.answer.body == R"({"error":"down"})");
  CHECK(result.deployment == 1);
  CHECK(result.attempts.size() == 4);
  CHECK(setup.upstream.sent().size() == 4);
}

TEST_CASE("a refused key is benched and the next key goes at once, without a try or a cool-down") {
  Setup setup;
  setup.first.more_keys = {{"KEY_first_2", "secret-first-2"}};
  setup.upstream.then(answer(401, R"({"error":{"message":"bad key"}})"));
  setup.upstream.then(answer(200));
  auto result = setup.run();
  CHECK(result.answer.status == 200);
  CHECK(result.deployment == 0);
  CHECK(setup.keys_used == std::vector<size_t>{0, 1});
  CHECK(setup.clock.waits().empty());
  REQUIRE(result.attempts.size() == 2);
  CHECK(result.attempts[0].error == "key KEY_first refused (HTTP 401): next key");
  const auto state = setup.health.snapshot(setup.clock.now_ms());
  REQUIRE(state.size() == 1);
  CHECK(state[0].kind == "key");
  CHECK(state[0].name == "KEY_first");
  CHECK_FALSE(setup.health.cooling("first/model-a", setup.clock.now_ms()));
}

TEST_CASE("a success pins the session to its deployment") {
  Setup setup;
  setup.upstream.then(llmgw::test::unreachable());
  setup.upstream.then(llmgw::test::unreachable());
  setup.upstream.then(answer(200));
  setup.run("session-1\nmodel");
  CHECK(setup.health.pinned("session-1\nmodel", setup.clock.now_ms()) == "second/model-b");
}

TEST_CASE("an upstream that throws lets the exception through to the pipeline") {
  Setup setup;
  setup.upstream.then(
      [](const core::dispatch::Exchange&) -> core::dispatch::Answer { throw std::runtime_error("upstream blew up"); });
  CHECK_THROWS_WITH(setup.run(), "upstream blew up");
}
