// Retries and fallbacks on the real server: which statuses are retried, retry-after honoured,
// the next deployment tried, nothing retried once bytes reached the client, every try recorded.
#include "store/reports.hpp"
#include "store/settings_watcher.hpp"
#include "tests/integration/stream_client.hpp"
#include "tests/support/shell.hpp"
#include "tests/support/test_gateway.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <thread>
#include <cstdio>

using namespace llmgw;
using namespace llmgw::test;

namespace {

const std::string k_messages = R"({"model":"claude-sonnet-4-5","max_tokens":10,"messages":[]})";
const std::string k_stream = R"({"model":"claude-sonnet-4-5","max_tokens":10,"stream":true,"messages":[]})";

core::config::Config fast_retry_config(const FakeUpstream& upstream) {
  auto config = fake_config(upstream);
  config.routing.backoff_ms = 10;
  return config;
}

// Fails the first `failures` requests with `failure`, then answers normally.
FakeHandler failing_first(int failures, FakeResponse failure, FakeResponse success) {
  auto count = std::make_shared<std::atomic<int>>(0);
  return [=](const RecordedRequest&) { return ++*count <= failures ? failure : success; };
}

} // namespace

TEST_CASE("a 503 is retried with backoff and the client sees only the success; both tries are recorded") {
  FakeUpstream upstream;
  upstream.on("POST", "/v1/messages",
              failing_first(1, anthropic_error(503, "api_error", "try later"),
                            anthropic_reply("claude-sonnet-4-5", "ok", 10, 0, 0, 5)));
  TestGateway gateway(fast_retry_config(upstream));
  auto reply = gateway.client()->Post("/v1/messages", TestGateway::anthropic_auth(), k_messages, "application/json");
  REQUIRE(reply);
  CHECK(reply->status == 200);
  CHECK(upstream.calls() == 2);
  auto rows = gateway.wait_rows(1);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].record.outcome == core::Outcome::ok);
  CHECK(rows[0].record.usage.output_tokens == 5);
  auto attempts = gateway.attempts(rows[0].id);
  REQUIRE(attempts.size() == 2);
  CHECK(attempts[0].http_status == 503);
  CHECK(attempts[0].error == "HTTP 503");
  CHECK(attempts[1].http_status == 200);
  CHECK(attempts[1].error.empty());
}

TEST_CASE("400, 404, 413 and 422 are not retried") {
  for (int status : {400, 404, 413, 422}) {
    FakeUpstream upstream;
    upstream.on("POST", "/v1/messages",
                [=](const RecordedRequest&) { return anthropic_error(status, "invalid_request_error", "no"); });
    TestGateway gateway(fast_retry_config(upstream));
    auto reply = gateway.client()->Post("/v1/messages", TestGateway::anthropic_auth(), k_messages, "application/json");
    REQUIRE(reply);
    CHECK(reply->status == status);
    CHECK(upstream.calls() == 1);
  }
}

TEST_CASE("a 429 with retry-after waits as told before the retry") {
  FakeUpstream upstream;
  auto limited = anthropic_error(429, "rate_limit_error", "slow down");
  limited.headers.emplace("retry-after", "1");
  upstream.on("POST", "/v1/messages",
              failing_first(1, limited, anthropic_reply("claude-sonnet-4-5", "ok", 10, 0, 0, 5)));
  TestGateway gateway(fast_retry_config(upstream));
  const auto started = std::chrono::steady_clock::now();
  auto reply = gateway.client()->Post("/v1/messages", TestGateway::anthropic_auth(), k_messages, "application/json");
  const auto waited = std::chrono::steady_clock::now() - started;
  REQUIRE(reply);
  CHECK(reply->status == 200);
  CHECK(waited >= std::chrono::milliseconds(1000));
  CHECK(upstream.calls() == 2);
}

TEST_CASE("when every try fails the client gets the last upstream answer, status and body intact") {
  FakeUpstream upstream;
  upstream.on("POST", "/v1/messages",
              [](const RecordedRequest&) { return anthropic_error(529, "overloaded_error", "Overloaded"); });
  auto config = fast_retry_config(upstream);
  config.routing.attempts = 3;
  TestGateway gateway(config);
  auto reply = gateway.client()->Post("/v1/messages", TestGateway::anthropic_auth(), k_messages, "application/json");
  REQUIRE(reply);
  CHECK(reply->status == 529);
  CHECK(nlohmann::json::parse(reply->body)["error"]["message"] == "Overloaded");
  CHECK(upstream.calls() == 3);
  auto rows = gateway.wait_rows(1);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].record.outcome == core::Outcome::upstream_error);
  CHECK(gateway.attempts(rows[0].id).size() == 3);
}

TEST_CASE("a model with fallbacks moves to the next deployment, of another API too, when the first is unreachable") {
  FakeUpstream upstream;
  auto config = fast_retry_config(upstream);
  core::config::ProviderConfig dead = config.providers[1]; // anthropic kind
  dead.name = "dead";
  dead.base_url = "http://127.0.0.1:1";
  config.providers.push_back(dead);
  config.aliases["smart"] = {
      {"dead/claude-sonnet-4-5"}, {"openai/gpt-4.1"}, {"anthropic/claude-sonnet-4-5"}}; // openai: translated
  TestGateway gateway(config);
  const std::string body = R"({"model":"smart","max_tokens":10,"messages":[]})";
  auto reply = gateway.client()->Post("/v1/messages", TestGateway::anthropic_auth(), body, "application/json");
  REQUIRE(reply);
  CHECK(reply->status == 200);
  CHECK(nlohmann::json::parse(reply->body)["type"] == "message"); // the Chat answer, translated back
  CHECK(upstream.calls() == 1);
  CHECK(upstream.last_request().path == "/v1/chat/completions");
  auto rows = gateway.wait_rows(1);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].record.provider == "openai");
  CHECK(rows[0].record.requested_model == "smart");
  auto attempts = gateway.attempts(rows[0].id);
  REQUIRE(attempts.size() == 3); // dead twice (attempts = 2), then openai
  CHECK(attempts[0].provider == "dead");
  CHECK(attempts[0].http_status == 0);
  CHECK(attempts[0].error.find("cannot reach provider 'dead'") == 0);
  CHECK(attempts[2].provider == "openai");
  CHECK(attempts[2].http_status == 200);
  // `llmgw log --attempts` shows them under the request.
  const auto [exit_code, output] =
      run_shell(std::string(LLMGW_BINARY) + " --db " + gateway.db_path() + " log --attempts");
  CHECK(exit_code == 0);
  CHECK(output.find("try 1: dead/claude-sonnet-4-5  no answer") != std::string::npos);
  CHECK(output.find("try 3: openai/gpt-4.1  HTTP 200") != std::string::npos);
  CHECK(output.find("served") != std::string::npos);

  SUBCASE("a retry-after longer than the limit moves on at once") {
    FakeUpstream slow;
    auto busy = anthropic_error(429, "rate_limit_error", "later");
    busy.headers.emplace("retry-after", "600");
    slow.on("POST", "/v1/messages", [&](const RecordedRequest&) { return busy; });
    auto two = fast_retry_config(upstream);
    core::config::ProviderConfig first = two.providers[1];
    first.name = "first";
    first.base_url = slow.base_url();
    two.providers.push_back(first);
    two.aliases["smart"] = {{"first/claude-sonnet-4-5"}, {"anthropic/claude-sonnet-4-5"}};
    TestGateway moved(two);
    const auto started = std::chrono::steady_clock::now();
    auto ok = moved.client()->Post("/v1/messages", TestGateway::anthropic_auth(), body, "application/json");
    REQUIRE(ok);
    CHECK(ok->status == 200);
    CHECK(slow.calls() == 1);
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(5));
  }
}

TEST_CASE("a stream is retried before its first byte, and never after") {
  FakeUpstream upstream;
  SUBCASE("an overloaded answer before the stream starts is retried") {
    upstream.on("POST", "/v1/messages",
                failing_first(1, anthropic_error(529, "overloaded_error", "Overloaded"),
                              anthropic_stream("claude-sonnet-4-5", {"a", "b"}, 10, 0, 0, 2)));
    TestGateway gateway(fast_retry_config(upstream));
    auto result = post_streaming(*gateway.client(), "/v1/messages", TestGateway::anthropic_auth(), k_stream);
    CHECK(result.status == 200);
    CHECK(result.body.find("event: message_stop") != std::string::npos);
    CHECK(upstream.calls() == 2);
  }
  SUBCASE("a stream cut after its first event ends in the client's format, with no second try") {
    auto cut = anthropic_stream("claude-sonnet-4-5", {"a", "b"}, 10, 0, 0, 2);
    cut.chunks.resize(2);
    cut.cut_after_chunks = true;
    upstream.on("POST", "/v1/messages", [&](const RecordedRequest&) { return cut; });
    TestGateway gateway(fast_retry_config(upstream));
    auto result = post_streaming(*gateway.client(), "/v1/messages", TestGateway::anthropic_auth(), k_stream);
    CHECK(result.status == 200);
    CHECK(result.body.find("event: error") != std::string::npos);
    CHECK(upstream.calls() == 1);
    auto rows = gateway.wait_rows(1);
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].record.outcome == core::Outcome::upstream_cut);
  }
}

TEST_CASE("llmgw use switches a running server's routing on its next request, and --clear switches back") {
  FakeUpstream main_upstream, other_upstream;
  auto config = fast_retry_config(main_upstream);
  core::config::ProviderConfig other = config.providers[1]; // anthropic kind
  other.name = "other";
  other.base_url = other_upstream.base_url();
  config.providers.push_back(other);
  TestGateway gateway(config);
  store::SettingsWatcher watcher(
      gateway.db_path(),
      [&](core::policy::PolicySettings settings) { gateway.server().gateway().apply_policy(std::move(settings)); },
      [&] { return gateway.server().gateway().reservations(); }, {}, std::chrono::milliseconds(100));
  auto client = gateway.client();
  auto send = [&] {
    return client->Post("/v1/messages", TestGateway::anthropic_auth(), k_messages, "application/json");
  };
  REQUIRE(send()->status == 200);
  CHECK(main_upstream.calls() == 1);
  auto use = [&](const std::string& args) {
    const auto result = run_shell(std::string(LLMGW_BINARY) + " --db " + gateway.db_path() + " " + args);
    return std::make_pair(result.exit_code, result.output);
  };
  // The CLI checks targets against a config: give it one naming the same providers.
  const std::string config_path = gateway.db_path() + ".toml";
  std::FILE* file = std::fopen(config_path.c_str(), "w");
  std::fprintf(file,
               "[providers.anthropic]\nbase_url = \"%s\"\n[providers.other]\nkind = \"anthropic\"\nbase_url = \"%s\"\n",
               main_upstream.base_url().c_str(), other_upstream.base_url().c_str());
  std::fclose(file);
  auto bad = use("--config " + config_path + " use nowhere");
  CHECK(bad.first != 0);
  CHECK(bad.second.find("neither a provider") != std::string::npos);
  auto set = use("--config " + config_path + " use other --for 'claude-*'");
  INFO(set.second);
  CHECK(set.first == 0);
  CHECK(set.second.find("models matching 'claude-*' -> other") != std::string::npos);
  const auto changed = std::chrono::steady_clock::now();
  bool switched = false;
  while (!switched && std::chrono::steady_clock::now() - changed < std::chrono::seconds(1)) {
    REQUIRE(send()->status == 200);
    switched = other_upstream.calls() > 0;
  }
  CHECK(switched); // within a second, without a restart
  CHECK(use("--config " + config_path + " use --show").second.find("-> other") != std::string::npos);
  CHECK(use("--config " + config_path + " use --clear").first == 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  const int before = main_upstream.calls();
  REQUIRE(send()->status == 200);
  CHECK(main_upstream.calls() == before + 1);
  auto rows = gateway.rows();
  CHECK(std::any_of(rows.begin(), rows.end(), [](const auto& row) { return row.record.provider == "other"; }));
}
