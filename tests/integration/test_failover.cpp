// Several keys per provider, cool-downs, session affinity, weights and route rules on the real
// server: which upstream and which key each request reaches, and what is recorded.
#include "store/reports.hpp"
#include "tests/support/test_gateway.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <map>
#include <thread>

using namespace llmgw;
using namespace llmgw::test;

namespace {

const std::string k_messages = R"({"model":"claude-sonnet-4-5","max_tokens":10,"messages":[]})";
const std::string k_smart = R"({"model":"smart","max_tokens":10,"messages":[]})";

FakeResponse ok_reply() { return anthropic_reply("claude-sonnet-4-5", "ok", 10, 0, 0, 5); }

std::string header(const RecordedRequest& request, const std::string& name) {
  auto it = request.headers.find(name);
  return it == request.headers.end() ? "" : it->second;
}

// An Anthropic-kind provider named `name` at the upstream.
core::config::ProviderConfig anthropic_at(const std::string& name, const FakeUpstream& upstream) {
  core::config::ProviderConfig provider;
  provider.name = name;
  provider.kind = core::config::ProviderKind::anthropic;
  provider.base_url = upstream.base_url();
  provider.api_key_env = "LLMGW_TEST_" + name + "_KEY";
  provider.api_key = "test-" + name + "-key-not-real";
  return provider;
}

httplib::Result post(TestGateway& gateway, const std::string& body, httplib::Headers extra = {}) {
  auto headers = TestGateway::anthropic_auth();
  for (auto& [name, value] : extra) headers.emplace(name, value);
  return gateway.client()->Post("/v1/messages", headers, body, "application/json");
}

} // namespace

TEST_CASE("several keys: round robin, a 401 moves to the next key at once and benches the refused one") {
  FakeUpstream upstream;
  upstream.on("POST", "/v1/messages", [](const RecordedRequest& request) {
    if (header(request, "x-api-key") == "key-one")
      return anthropic_error(401, "authentication_error", "invalid x-api-key");
    return ok_reply();
  });
  auto config = fake_config(upstream);
  auto& anthropic = config.providers[1];
  anthropic.api_key_env = "K1";
  anthropic.api_key = "key-one";
  anthropic.more_keys = {{"K2", "key-two"}, {"K3", "key-three"}};
  TestGateway gateway(config);

  auto reply = post(gateway, k_messages);
  REQUIRE(reply);
  CHECK(reply->status == 200);
  auto requests = upstream.requests();
  REQUIRE(requests.size() == 2);
  CHECK(header(requests[0], "x-api-key") == "key-one");
  CHECK(header(requests[1], "x-api-key") == "key-two");
  auto rows = gateway.wait_rows(1);
  REQUIRE(rows.size() == 1);
  auto attempts = gateway.attempts(rows[0].id);
  REQUIRE(attempts.size() == 2);
  CHECK(attempts[0].http_status == 401);
  CHECK(attempts[0].error == "key K1 refused (HTTP 401): next key");
  CHECK(attempts[1].http_status == 200);

  // key-one rests: the others take turns.
  for (int i = 0; i < 4; ++i) REQUIRE(post(gateway, k_messages)->status == 200);
  requests = upstream.requests();
  REQUIRE(requests.size() == 6);
  CHECK(header(requests[2], "x-api-key") == "key-three");
  CHECK(header(requests[3], "x-api-key") == "key-two");
  CHECK(header(requests[4], "x-api-key") == "key-three");
  CHECK(header(requests[5], "x-api-key") == "key-two");
  const auto state = nlohmann::json::parse(gateway.server().gateway().health_json());
  REQUIRE(state.size() == 1);
  CHECK(state[0]["kind"] == "key");
  CHECK(state[0]["provider"] == "anthropic");
  CHECK(state[0]["name"] == "K1");
  CHECK(state[0]["reason"] == "refused (HTTP 401)");
  CHECK(state.dump().find("key-one") == std::string::npos); // names, never values
}

TEST_CASE("an out-of-quota key is benched; when every key is refused the client gets the provider's 401") {
  SUBCASE("quota") {
    FakeUpstream upstream;
    upstream.on("POST", "/v1/messages", [](const RecordedRequest& request) {
      if (header(request, "x-api-key") == "key-one")
        return anthropic_error(400, "invalid_request_error", "Your credit balance is too low to access the API");
      return ok_reply();
    });
    auto config = fake_config(upstream);
    config.providers[1].api_key = "key-one";
    config.providers[1].more_keys = {{"K2", "key-two"}};
    TestGateway gateway(config);
    REQUIRE(post(gateway, k_messages)->status == 200);
    REQUIRE(post(gateway, k_messages)->status == 200);
    auto requests = upstream.requests();
    REQUIRE(requests.size() == 3); // key-one once, then key-two twice
    CHECK(header(requests[2], "x-api-key") == "key-two");
    CHECK(gateway.server().gateway().health_json().find("out of quota (HTTP 400)") != std::string::npos);
  }
  SUBCASE("all refused") {
    FakeUpstream upstream;
    upstream.on("POST", "/v1/messages", [](const RecordedRequest&) {
      return anthropic_error(401, "authentication_error", "invalid x-api-key");
    });
    auto config = fake_config(upstream);
    config.providers[1].api_key = "key-one";
    config.providers[1].more_keys = {{"K2", "key-two"}, {"K3", "key-three"}};
    TestGateway gateway(config);
    auto reply = post(gateway, k_messages);
    REQUIRE(reply);
    CHECK(reply->status == 401);
    CHECK(nlohmann::json::parse(reply->body)["error"]["message"] == "invalid x-api-key");
    CHECK(upstream.calls() == 3); // each key once, no retry of a refusal
  }
}

TEST_CASE("a deployment failing N times in the window cools down: skipped, then probed after the period") {
  FakeUpstream flaky, healthy;
  flaky.on("POST", "/v1/messages", [](const RecordedRequest&) { return anthropic_error(503, "api_error", "down"); });
  healthy.on("POST", "/v1/messages", [](const RecordedRequest&) { return ok_reply(); });
  auto config = fake_config(healthy);
  config.providers.push_back(anthropic_at("flaky", flaky));
  config.aliases["smart"] = {{"flaky/claude-sonnet-4-5"}, {"anthropic/claude-sonnet-4-5"}};
  config.routing.attempts = 1;
  config.routing.cooldown_failures = 2;
  config.routing.cooldown_window_seconds = 60;
  config.routing.cooldown_seconds = 1;
  TestGateway gateway(config);
  auto& health = gateway.server().gateway().health();

  REQUIRE(post(gateway, k_smart)->status == 200);
  REQUIRE(post(gateway, k_smart)->status == 200);
  CHECK(flaky.calls() == 2);
  CHECK(health.cooling("flaky/claude-sonnet-4-5", core::policy::now_ms()));
  const auto state = nlohmann::json::parse(gateway.server().gateway().health_json());
  REQUIRE(state.size() == 1);
  CHECK(state[0]["kind"] == "deployment");
  CHECK(state[0]["provider"] == "flaky");
  CHECK(state[0]["name"] == "claude-sonnet-4-5");
  CHECK(state[0]["reason"] == "HTTP 503 (2 failures in 60s)");

  // Cooling: skipped, the request goes straight to the healthy deployment.
  REQUIRE(post(gateway, k_smart)->status == 200);
  CHECK(flaky.calls() == 2);
  CHECK(healthy.calls() == 3);

  // After the period the next request probes it; the probe fails, so it cools down again at once.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  REQUIRE(post(gateway, k_smart)->status == 200);
  CHECK(flaky.calls() == 3);
  REQUIRE(post(gateway, k_smart)->status == 200);
  CHECK(flaky.calls() == 3);
  CHECK(gateway.server().gateway().health_json().find("probe after cool-down failed") != std::string::npos);

  // A single deployment is never skipped: cooling or not, it is all there is.
  REQUIRE(gateway.client()
              ->Post("/v1/messages", TestGateway::anthropic_auth(),
                     R"({"model":"flaky/claude-sonnet-4-5","max_tokens":10,"messages":[]})", "application/json")
              ->status == 503);
  CHECK(flaky.calls() == 4);

  auto rows = gateway.wait_rows(6);
  store::Db db(gateway.db_path());
  auto by_provider = store::usage_report(db, {}, store::GroupBy::provider);
  std::map<std::string, store::UsageRow> usage;
  for (auto& row : by_provider) usage[row.key] = row;
  CHECK(usage["flaky"].retried == 3);   // three failed tries that the healthy deployment followed
  CHECK(usage["flaky"].fell_back == 3); // three requests began there and were served elsewhere
  CHECK(usage["flaky"].requests == 1);  // the direct one it served (with its 503)
  CHECK(usage["anthropic"].requests == 5);
  CHECK(usage["anthropic"].retried == 0);
}

TEST_CASE("weights spread a model's requests; a session stays on its deployment until it fails") {
  FakeUpstream a, b;
  auto a_down = std::make_shared<std::atomic<bool>>(false);
  auto b_down = std::make_shared<std::atomic<bool>>(false);
  a.on("POST", "/v1/messages",
       [a_down](const RecordedRequest&) { return *a_down ? anthropic_error(503, "api_error", "down") : ok_reply(); });
  b.on("POST", "/v1/messages",
       [b_down](const RecordedRequest&) { return *b_down ? anthropic_error(503, "api_error", "down") : ok_reply(); });
  auto config = fake_config(a);
  config.providers.push_back(anthropic_at("a", a));
  config.providers.push_back(anthropic_at("b", b));
  config.aliases["smart"] = {{"a/claude-sonnet-4-5", 1}, {"b/claude-sonnet-4-5", 1}};
  config.routing.attempts = 1;
  TestGateway gateway(config);

  for (int i = 0; i < 24; ++i) REQUIRE(post(gateway, k_smart)->status == 200);
  CHECK(a.calls() > 0); // both get traffic (all 24 on one side: p = 2^-23)
  CHECK(b.calls() > 0);
  CHECK(a.calls() + b.calls() == 24);

  // One session: every request on the deployment that served its first.
  const httplib::Headers session{{"x-claude-code-session-id", "0b6d7f64-5a1e-4f3c-9a57-7a3c1e2f9d10"}};
  a.reset();
  b.reset();
  for (int i = 0; i < 12; ++i) REQUIRE(post(gateway, k_smart, session)->status == 200);
  REQUIRE((a.calls() == 12 || b.calls() == 12));
  const bool on_a = a.calls() == 12;
  FakeUpstream& pinned = on_a ? a : b;
  FakeUpstream& other = on_a ? b : a;

  // Its deployment fails: the session moves to the other one, and stays there after it recovers.
  *(on_a ? a_down : b_down) = true;
  a.reset();
  b.reset();
  REQUIRE(post(gateway, k_smart, session)->status == 200);
  CHECK(pinned.calls() == 1); // tried first, failed
  CHECK(other.calls() == 1);
  *(on_a ? a_down : b_down) = false;
  for (int i = 0; i < 6; ++i) REQUIRE(post(gateway, k_smart, session)->status == 200);
  CHECK(other.calls() == 7);
  CHECK(pinned.calls() == 1);
}

TEST_CASE("route rules send requests by trait: background calls, long prompts, thinking, tools") {
  FakeUpstream main, cheap, big, deep, tooled;
  for (auto* upstream : {&main, &cheap, &big, &deep, &tooled})
    upstream->on("POST", "/v1/messages", [](const RecordedRequest&) { return ok_reply(); });
  auto config = fake_config(main);
  config.providers.push_back(anthropic_at("cheap", cheap));
  config.providers.push_back(anthropic_at("big", big));
  config.providers.push_back(anthropic_at("deep", deep));
  config.providers.push_back(anthropic_at("tooled", tooled));
  core::config::RouteRule background;
  background.background = true;
  background.to = {{"cheap/claude-haiku-4-5"}};
  core::config::RouteRule long_prompt;
  long_prompt.min_prompt_tokens = 2000;
  long_prompt.to = {{"big"}}; // a provider name: the requested model goes there
  core::config::RouteRule thinking;
  thinking.thinking = true;
  thinking.model = "claude-*";
  thinking.to = {{"deep/claude-opus-4-1"}};
  core::config::RouteRule tools;
  tools.tools = true;
  tools.agent = "claude-code";
  tools.to = {{"tooled/claude-sonnet-4-5"}};
  config.routes = {background, long_prompt, thinking, tools};
  TestGateway gateway(config);
  const httplib::Headers claude_code{{"User-Agent", "claude-cli/2.1.330 (external, cli)"}};

  REQUIRE(
      post(gateway, R"({"model":"claude-haiku-4-5-20251001","max_tokens":10,"messages":[]})", claude_code)->status ==
      200);
  CHECK(cheap.calls() == 1);
  CHECK(nlohmann::json::parse(cheap.last_request().body)["model"] == "claude-haiku-4-5");
  // Not Claude Code: a Haiku model is not a background call.
  REQUIRE(post(gateway, R"({"model":"claude-haiku-4-5-20251001","max_tokens":10,"messages":[]})")->status == 200);
  CHECK(main.calls() == 1);

  const std::string long_body =
      R"({"model":"claude-sonnet-4-5","max_tokens":10,"messages":[{"role":"user","content":")" +
      std::string(9000, 'x') + R"("}]})";
  REQUIRE(post(gateway, long_body)->status == 200);
  CHECK(big.calls() == 1);
  CHECK(nlohmann::json::parse(big.last_request().body)["model"] == "claude-sonnet-4-5");

  REQUIRE(
      post(
          gateway,
          R"({"model":"claude-sonnet-4-5","max_tokens":2000,"thinking":{"type":"enabled","budget_tokens":1024},"messages":[]})")
          ->status == 200);
  CHECK(deep.calls() == 1);
  REQUIRE(post(gateway, R"({"model":"claude-sonnet-4-5","max_tokens":10,"thinking":{"type":"disabled"},"messages":[]})")
              ->status == 200);
  CHECK(deep.calls() == 1);
  CHECK(main.calls() == 2);

  const std::string with_tools =
      R"({"model":"claude-sonnet-4-5","max_tokens":10,"tools":[{"name":"Read","input_schema":{"type":"object"}}],"messages":[]})";
  REQUIRE(post(gateway, with_tools, claude_code)->status == 200);
  CHECK(tooled.calls() == 1);
  REQUIRE(
      post(gateway, R"({"model":"claude-sonnet-4-5","max_tokens":10,"tools":[],"messages":[]})", claude_code)->status ==
      200);
  CHECK(tooled.calls() == 1); // an empty list is no tools
  CHECK(main.calls() == 3);
}

TEST_CASE("a try that times out is retried, and the attempts say why the first did not serve") {
  FakeUpstream upstream;
  auto calls = std::make_shared<std::atomic<int>>(0);
  upstream.on("POST", "/v1/messages", [calls](const RecordedRequest&) {
    auto reply = ok_reply();
    if (++*calls == 1) reply.delay_before_headers_ms = 2500; // past the 1 s read timeout
    return reply;
  });
  auto config = fake_config(upstream);
  config.server.read_timeout_seconds = 1;
  config.routing.backoff_ms = 10;
  TestGateway gateway(config);
  auto reply = post(gateway, k_messages);
  REQUIRE(reply);
  CHECK(reply->status == 200);
  auto rows = gateway.wait_rows(1);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].record.outcome == core::Outcome::ok);
  auto attempts = gateway.attempts(rows[0].id);
  REQUIRE(attempts.size() == 2);
  CHECK(attempts[0].http_status == 0);
  CHECK(attempts[0].error.find("cannot reach provider 'anthropic'") != std::string::npos);
  CHECK(attempts[0].latency_ms >= 900);
  CHECK(attempts[1].http_status == 200);
}
