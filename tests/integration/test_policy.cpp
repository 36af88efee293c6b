// Caps, rate limits and virtual keys on the real server: admission under concurrency, holds
// released on every outcome, settings changed in the database reaching a running server.
#include "store/settings.hpp"
#include "store/settings_watcher.hpp"
#include "tests/integration/stream_client.hpp"
#include "tests/support/test_gateway.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <thread>

using namespace llmgw;
using namespace llmgw::test;
using core::policy::Period;
using core::policy::Scope;

namespace {

constexpr int64_t k_cent = 10'000'000'000; // pico-USD
// claude-sonnet-4-5 at $3 / $15 per Mtok; ~23 estimated input tokens + up to 100 output reserved
// (the output recent requests had, 100 before there are any).
const std::string k_messages =
    R"({"model":"claude-sonnet-4-5","max_tokens":100,"messages":[{"role":"user","content":"hi"}]})";
const std::string k_stream =
    R"({"model":"claude-sonnet-4-5","max_tokens":100,"stream":true,"messages":[{"role":"user","content":"hi"}]})";

// The server's settings follow the database, as under `llmgw serve`.
struct Watched {
  explicit Watched(TestGateway& gateway)
      : watcher(
            gateway.db_path(),
            [&gateway](core::policy::PolicySettings settings) {
              gateway.server().gateway().apply_policy(std::move(settings));
            },
            [&gateway] { return gateway.server().gateway().reservations(); }, {}, std::chrono::milliseconds(100)) {}
  store::SettingsWatcher watcher;
};

void set_cap(TestGateway& gateway, int64_t limit, Scope scope = Scope::global, const std::string& value = "") {
  store::Db db(gateway.db_path());
  store::upsert_cap(db, {0, Period::day, limit, scope, value, 80});
}

// Poll until the condition holds or a second passed (the watcher polls every 100 ms here).
template <typename F> bool within_a_second(F condition) {
  for (int i = 0; i < 100; ++i) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return condition();
}

bool holds_nothing(TestGateway& gateway) {
  return within_a_second([&] { return gateway.server().gateway().reservations().empty(); });
}

} // namespace

TEST_CASE(
    "200 concurrent requests against a small cap: recorded cost never exceeds it, refused ones reach no upstream") {
  FakeUpstream upstream;
  // Real cost close to the reservation: 20 input + 100 output tokens = $0.00156 each.
  upstream.on("POST", "/v1/messages",
              [](const RecordedRequest&) { return anthropic_reply("claude-sonnet-4-5", "ok", 20, 0, 0, 100); });
  TestGateway gateway(fake_config(upstream));
  const int64_t cap = 1 * k_cent;
  gateway.server().gateway().apply_policy({{{1, Period::day, cap, Scope::global, "", 80}}, {}, {}, {}});
  std::atomic<int> ok{0}, refused{0}, other{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 50; ++t) {
    threads.emplace_back([&] {
      auto client = gateway.client();
      for (int i = 0; i < 4; ++i) {
        auto reply = client->Post("/v1/messages", TestGateway::anthropic_auth(), k_messages, "application/json");
        if (reply && reply->status == 200)
          ++ok;
        else if (reply && reply->status == 402)
          ++refused;
        else
          ++other;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(other.load() == 0);
  CHECK(ok.load() + refused.load() == 200);
  // 6 x $0.00156 fits in $0.01; a 7th reservation ($0.00157) never does.
  CHECK(ok.load() == 6);
  CHECK(upstream.calls() == ok.load());
  auto rows = gateway.wait_rows(200);
  REQUIRE(rows.size() == 200);
  int64_t recorded = 0;
  int refused_rows = 0;
  for (const auto& row : rows) {
    recorded += row.record.cost_usd_pico;
    if (row.record.outcome == core::Outcome::refused) {
      ++refused_rows;
      CHECK(row.record.http_status == 402);
    }
  }
  CHECK(recorded <= cap);
  CHECK(refused_rows == refused.load());
  CHECK(holds_nothing(gateway));
}

TEST_CASE("a refusal at the cap is in the caller's format, not retryable, and says how to raise the cap") {
  FakeUpstream upstream;
  TestGateway gateway(fake_config(upstream));
  gateway.server().gateway().apply_policy({{{3, Period::day, 1'000'000, Scope::agent, "curl", 80}}, {}, {}, {}});
  auto client = gateway.client();
  auto headers = TestGateway::anthropic_auth();
  headers.emplace("User-Agent", "curl/8.0");
  auto anthropic = client->Post("/v1/messages", headers, k_messages, "application/json");
  REQUIRE(anthropic);
  CHECK(anthropic->status == 402);
  CHECK(anthropic->get_header_value("x-should-retry") == "false");
  auto body = nlohmann::json::parse(anthropic->body);
  CHECK(body["error"]["type"] == "billing_error");
  const std::string message = body["error"]["message"];
  CHECK(message.find("would exceed the daily spend cap of $0.000001 for agent curl") != std::string::npos);
  CHECK(message.find("llmgw cap set --day --agent curl") != std::string::npos);
  auto openai_headers = TestGateway::openai_auth();
  openai_headers.emplace("User-Agent", "curl/8.0");
  auto chat = client->Post("/v1/chat/completions", openai_headers,
                           R"({"model":"gpt-4.1","max_tokens":10,"messages":[{"role":"user","content":"hi"}]})",
                           "application/json");
  REQUIRE(chat);
  CHECK(chat->status == 402);
  CHECK(nlohmann::json::parse(chat->body)["error"]["code"] == "insufficient_quota");
  CHECK(upstream.calls() == 0);
  // Another agent is not under that cap.
  CHECK(client->Post("/v1/messages", TestGateway::anthropic_auth(), k_messages, "application/json")->status == 200);
}

TEST_CASE(
    "reservations are released on every outcome: success, upstream error, client hang-up, upstream cut, unreachable") {
  FakeUpstream upstream;
  TestGateway gateway(fake_config(upstream));
  gateway.server().gateway().apply_policy({{{1, Period::day, 100 * k_cent, Scope::global, "", 80}}, {}, {}, {}});
  auto client = gateway.client();
  auto auth = TestGateway::anthropic_auth();

  SUBCASE("success") { CHECK(client->Post("/v1/messages", auth, k_messages, "application/json")->status == 200); }
  SUBCASE("upstream error") {
    upstream.on("POST", "/v1/messages",
                [](const RecordedRequest&) { return anthropic_error(500, "api_error", "boom"); });
    CHECK(client->Post("/v1/messages", auth, k_messages, "application/json")->status == 500);
  }
  SUBCASE("client hang-up mid-stream") {
    auto slow = anthropic_stream("claude-sonnet-4-5", std::vector<std::string>(50, "x"), 10, 0, 0, 50);
    slow.delay_between_chunks_ms = 50;
    upstream.on("POST", "/v1/messages", [&](const RecordedRequest&) { return slow; });
    int chunks = 0;
    post_streaming(*client, "/v1/messages", auth, k_stream, [&](const std::string&) { return ++chunks < 3; });
    auto rows = gateway.wait_rows(1);
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].record.outcome == core::Outcome::client_closed);
  }
  SUBCASE("upstream cut") {
    auto cut = anthropic_stream("claude-sonnet-4-5", {"a", "b"}, 10, 0, 0, 5);
    cut.chunks.resize(3);
    cut.cut_after_chunks = true;
    upstream.on("POST", "/v1/messages", [&](const RecordedRequest&) { return cut; });
    post_streaming(*client, "/v1/messages", auth, k_stream);
    auto rows = gateway.wait_rows(1);
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].record.outcome == core::Outcome::upstream_cut);
  }
  SUBCASE("unreachable") {
    auto config = fake_config(upstream);
    config.providers[1].base_url = "http://127.0.0.1:1";
    TestGateway down(config);
    down.server().gateway().apply_policy({{{1, Period::day, 100 * k_cent, Scope::global, "", 80}}, {}, {}, {}});
    CHECK(down.client()->Post("/v1/messages", auth, k_messages, "application/json")->status == 502);
    CHECK(holds_nothing(down));
  }
  CHECK(holds_nothing(gateway));
  auto states = gateway.server().gateway().budget().states(core::policy::now_ms());
  REQUIRE(states.size() == 1);
  int64_t recorded = 0;
  for (const auto& row : gateway.rows()) recorded += row.record.cost_usd_pico;
  CHECK(states[0].spent_pico == recorded); // what was spent is what the ledger says
}

TEST_CASE("a cap set in the database reaches the running server within a second; past warn it sends what is left") {
  FakeUpstream upstream;
  TestGateway gateway(fake_config(upstream));
  Watched watched(gateway);
  auto client = gateway.client();
  auto first = client->Post("/v1/messages", TestGateway::anthropic_auth(), k_messages, "application/json");
  REQUIRE(first->status == 200);
  CHECK_FALSE(first->has_header("x-llmgw-budget-remaining-usd"));
  // $0.00031 a day: $0.000111 spent + a $0.000144 reservation (23 input tokens estimated, the 5
  // output tokens the first answer had) is past 80 % but fits, $0.000055 left.
  set_cap(gateway, 310'000'000);
  CHECK(within_a_second([&] { return gateway.server().gateway().budget().active(); }));
  auto warned = client->Post("/v1/messages", TestGateway::anthropic_auth(), k_messages, "application/json");
  REQUIRE(warned);
  CHECK(warned->status == 200);
  CHECK(warned->get_header_value("x-llmgw-budget-remaining-usd") == "0.000055");
  // Lowered below what is spent: the next request is refused, without a restart.
  set_cap(gateway, 100'000'000);
  CHECK(within_a_second([&] {
    return client->Post("/v1/messages", TestGateway::anthropic_auth(), k_messages, "application/json")->status == 402;
  }));
  const int calls = upstream.calls();
  CHECK(client->Post("/v1/messages", TestGateway::anthropic_auth(), k_messages, "application/json")->status == 402);
  CHECK(upstream.calls() == calls); // a refused request reaches no upstream
  // The watcher publishes live reservations for `llmgw cap list` (none now).
  store::Db db(gateway.db_path());
  CHECK(store::cap_reservations(db).empty());
}

TEST_CASE("virtual keys: attribution, allowed models, and revocation effective on the next request") {
  FakeUpstream upstream;
  TestGateway gateway(fake_config(upstream));
  Watched watched(gateway);
  const std::string token = core::policy::generate_key_token();
  {
    store::Db db(gateway.db_path());
    store::insert_key(db, {"aider", core::policy::sha256_hex(token), "webshop", "aider", "claude-*"}, "hint", false);
  }
  auto client = gateway.client();
  httplib::Headers key{{"x-api-key", token}, {"anthropic-version", "2023-06-01"}};
  // GET /v1/models answers any valid credential and leaves no row: poll it until the key is known.
  CHECK(within_a_second([&] { return client->Get("/v1/models", key)->status == 200; }));
  CHECK(client->Post("/v1/messages", key, k_messages, "application/json")->status == 200);
  auto denied = client->Post("/v1/chat/completions", {{"Authorization", "Bearer " + token}},
                             R"({"model":"gpt-4.1","messages":[{"role":"user","content":"hi"}]})", "application/json");
  REQUIRE(denied);
  CHECK(denied->status == 403);
  CHECK(denied->body.find("may not use model 'gpt-4.1'") != std::string::npos);
  CHECK(upstream.calls() == 1);
  auto rows = gateway.wait_rows(2);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].record.key_name == "aider");
  CHECK(rows[0].record.project == "webshop");
  CHECK(rows[0].record.agent == "aider");
  CHECK(rows[1].record.outcome == core::Outcome::refused);
  // The token itself is never stored.
  for (const auto& row : rows) CHECK(row.record.error_message.find(token) == std::string::npos);
  {
    store::Db db(gateway.db_path());
    REQUIRE(store::revoke_key(db, "aider"));
  }
  CHECK(within_a_second([&] { return client->Get("/v1/models", key)->status == 401; }));
  CHECK(client->Post("/v1/messages", key, k_messages, "application/json")->status == 401);
  CHECK(upstream.calls() == 1);
  // Reports group by key and project.
  store::Db db(gateway.db_path());
  auto by_key = store::usage_report(db, {0, INT64_MAX, ""}, store::GroupBy::key);
  bool found = false;
  for (const auto& row : by_key) found = found || (row.key == "aider" && row.requests >= 2);
  CHECK(found);
  auto by_project = store::usage_report(db, {0, INT64_MAX, ""}, store::GroupBy::project);
  CHECK(std::any_of(by_project.begin(), by_project.end(), [](const auto& row) { return row.key == "webshop"; }));
}

TEST_CASE("a rate limit answers 429 with retry-after in the caller's format, and may be retried") {
  FakeUpstream upstream;
  TestGateway gateway(fake_config(upstream));
  gateway.server().gateway().apply_policy({{}, {{1, Scope::agent, "curl", 2, 0}}, {}, {}});
  auto client = gateway.client();
  auto headers = TestGateway::anthropic_auth();
  headers.emplace("User-Agent", "curl/8.0");
  CHECK(client->Post("/v1/messages", headers, k_messages, "application/json")->status == 200);
  CHECK(client->Post("/v1/messages", headers, k_messages, "application/json")->status == 200);
  auto limited = client->Post("/v1/messages", headers, k_messages, "application/json");
  REQUIRE(limited);
  CHECK(limited->status == 429);
  const int retry_after = std::stoi(limited->get_header_value("retry-after"));
  CHECK(retry_after >= 1);
  CHECK(retry_after <= 60);
  CHECK_FALSE(limited->has_header("x-should-retry"));
  CHECK(nlohmann::json::parse(limited->body)["error"]["type"] == "rate_limit_error");
  CHECK(upstream.calls() == 2);
}

TEST_CASE("hard mode ends a running stream cleanly once its cost crosses the cap") {
  FakeUpstream upstream;
  // Far more output than max_tokens promised (a provider ignoring it, or a low input estimate):
  // 60 pieces of 2,000 characters, ~30,000 output tokens, ~$0.45 at $15 / Mtok.
  auto long_stream =
      anthropic_stream("claude-sonnet-4-5", std::vector<std::string>(60, std::string(2000, 'x')), 10, 0, 0, 30000);
  long_stream.delay_between_chunks_ms = 5;
  upstream.on("POST", "/v1/messages", [&](const RecordedRequest&) { return long_stream; });
  auto config = fake_config(upstream);
  config.caps.hard = true;
  TestGateway gateway(config);
  gateway.server().gateway().apply_policy({{{1, Period::day, 5 * k_cent, Scope::global, "", 80}}, {}, {}, {}});
  auto client = gateway.client();
  const std::string body =
      R"({"model":"claude-sonnet-4-5","max_tokens":100,"stream":true,"messages":[{"role":"user","content":"hi"}]})";
  auto result = post_streaming(*client, "/v1/messages", TestGateway::anthropic_auth(), body);
  CHECK(result.status == 200);
  CHECK(result.body.find("event: error") != std::string::npos);
  CHECK(result.body.find("billing_error") != std::string::npos);
  CHECK(result.body.find("ended this response at the daily spend cap of $0.0500") != std::string::npos);
  CHECK(result.body.find("event: message_stop") == std::string::npos);
  auto rows = gateway.wait_rows(1);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].record.outcome == core::Outcome::capped);
  CHECK(within_a_second([&] { return upstream.saw_disconnect(); })); // the upstream was cancelled
  CHECK(holds_nothing(gateway));

  SUBCASE("without hard mode the same stream runs to its end") {
    auto soft = fake_config(upstream);
    TestGateway plain(soft);
    plain.server().gateway().apply_policy({{{1, Period::day, 5 * k_cent, Scope::global, "", 80}}, {}, {}, {}});
    auto whole = post_streaming(*plain.client(), "/v1/messages", TestGateway::anthropic_auth(), body);
    CHECK(whole.body.find("event: message_stop") != std::string::npos);
  }
}

namespace {

// Runs `total` requests from `threads` client threads at once; counts 200s, 402s and the rest.
struct Burst {
  std::atomic<int> ok{0}, refused{0}, other{0};
  void run(TestGateway& gateway, int threads, int total, const std::string& body, bool stream) {
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&, t] {
        auto client = gateway.client();
        for (int i = t; i < total; i += threads) {
          const int status =
              stream ? post_streaming(*client, "/v1/messages", TestGateway::anthropic_auth(), body).status
                     : client->Post("/v1/messages", TestGateway::anthropic_auth(), body, "application/json")->status;
          ++(status == 200 ? ok : status == 402 ? refused : other);
        }
      });
    }
    for (auto& worker : workers) worker.join();
  }
};

int64_t recorded_cost(TestGateway& gateway, size_t rows) {
  int64_t total = 0;
  for (const auto& row : gateway.wait_rows(rows)) total += row.record.cost_usd_pico;
  return total;
}

} // namespace

TEST_CASE("hard mode: 200 concurrent streams that run past their estimate never take recorded spend past the cap") {
  FakeUpstream upstream;
  // The provider ignores max_tokens 100: 100 pieces of 16 bytes (~4 tokens each), 400 output
  // tokens reported at the end: $0.00606 a stream at $3 / $15 per Mtok, ~4x what it reserved.
  auto stream = anthropic_stream("claude-sonnet-4-5", std::vector<std::string>(100, "abcdefghijklmnop"), 20, 0, 0, 400);
  stream.delay_between_chunks_ms = 1;
  upstream.on("POST", "/v1/messages", [&](const RecordedRequest&) { return stream; });
  auto config = fake_config(upstream);
  config.caps.hard = true;
  TestGateway gateway(config);
  const int64_t cap = 5 * k_cent;
  gateway.server().gateway().apply_policy({{{1, Period::day, cap, Scope::global, "", 80}}, {}, {}, {}});
  Burst burst;
  burst.run(gateway, 50, 200, k_stream, true);
  CHECK(burst.other.load() == 0);
  CHECK(burst.ok.load() + burst.refused.load() == 200);
  CHECK(upstream.calls() == burst.ok.load()); // a refused request reaches no upstream
  const int64_t recorded = recorded_cost(gateway, 200);
  MESSAGE("hard mode: " << burst.ok.load() << " admitted, recorded " << recorded << " pico-USD under a cap of " << cap);
  CHECK(recorded <= cap);
  CHECK(holds_nothing(gateway));
}

TEST_CASE("soft mode: 200 concurrent requests pass a cap by no more than the stated bound") {
  FakeUpstream upstream;
  // Outputs of 300 tokens, every fifth 900: more than the learned estimate. The provider honours
  // the output limit llmgw sends (lowered near the cap).
  std::atomic<int> served{0};
  upstream.on("POST", "/v1/messages", [&](const RecordedRequest& request) {
    const auto body = nlohmann::json::parse(request.body);
    const int planned = ++served % 5 == 0 ? 900 : 300;
    const int output = std::min(planned, body["max_tokens"].get<int>());
    return anthropic_reply("claude-sonnet-4-5", "ok", 20, 0, 0, output);
  });
  TestGateway gateway(fake_config(upstream));
  const int64_t cap = 10 * k_cent;
  gateway.server().gateway().apply_policy({{{1, Period::day, cap, Scope::global, "", 80}}, {}, {}, {}});
  const std::string body =
      R"({"model":"claude-sonnet-4-5","max_tokens":1000,"messages":[{"role":"user","content":"hi"}]})";
  Burst burst;
  constexpr int k_threads = 50;
  burst.run(gateway, k_threads, 200, body, false);
  CHECK(burst.other.load() == 0);
  CHECK(upstream.calls() == burst.ok.load());
  const int64_t recorded = recorded_cost(gateway, 200);
  // README, Caps: past the cap by at most the sum over the requests in flight together of
  // (worst case - reservation); each is at most 1000 output tokens at $15 / Mtok.
  const int64_t bound = k_threads * 1000 * 15'000'000LL;
  MESSAGE("soft mode: " << burst.ok.load() << " admitted, recorded " << recorded << " pico-USD under a cap of " << cap
                        << " (bound " << bound << ")");
  CHECK(recorded <= cap + bound);
  // And the cap is usable: refusals start once less than about one expected cost ($0.0136) is left.
  CHECK(recorded >= cap * 8 / 10);
  CHECK(burst.refused.load() > 0);
  CHECK(holds_nothing(gateway));
}

TEST_CASE("Claude-Code-shaped requests (max_tokens 128000, Opus price) under a $2 cap run until it is nearly spent") {
  FakeUpstream upstream;
  // ~2,000 tokens of prompt, ~300 tokens of answer: $0.0175 each at $5 / $25 per Mtok (llmgw
  // estimates the 8 KB prompt at ~2,020 tokens).
  upstream.on("POST", "/v1/messages",
              [](const RecordedRequest&) { return anthropic_reply("claude-opus-4-6", "ok", 2000, 0, 0, 300); });
  TestGateway gateway(fake_config(upstream));
  const int64_t cap = 200 * k_cent;
  gateway.server().gateway().apply_policy({{{1, Period::day, cap, Scope::agent, "claude-code", 80}}, {}, {}, {}});
  const std::string body = R"({"model":"claude-opus-4-6","max_tokens":128000,"messages":[{"role":"user","content":")" +
                           std::string(8000, 'x') + R"("}]})";
  auto headers = TestGateway::anthropic_auth();
  headers.emplace("User-Agent", "claude-cli/2.1.330 (external, cli)");
  auto client = gateway.client();
  int admitted = 0;
  std::string refusal;
  for (int i = 0; i < 200 && refusal.empty(); ++i) {
    auto reply = client->Post("/v1/messages", headers, body, "application/json");
    REQUIRE(reply);
    if (reply->status == 200)
      ++admitted;
    else
      refusal = nlohmann::json::parse(reply->body)["error"]["message"].get<std::string>();
  }
  const int64_t recorded = recorded_cost(gateway, static_cast<size_t>(admitted) + 1);
  MESSAGE(admitted << " requests admitted, " << recorded << " pico-USD of " << cap << " spent");
  CHECK(recorded <= cap);
  CHECK(recorded >= cap * 9 / 10);
  CHECK(refusal.find("would exceed the daily spend cap of $2.00 for agent claude-code") != std::string::npos);
  CHECK(refusal.find("if it used its whole output limit") != std::string::npos);
  // Not streamed, so not cut at the cap: its max_tokens went upstream lowered to what the cap
  // could still pay, never above 128000.
  const auto requests = upstream.requests();
  REQUIRE(!requests.empty());
  const auto first = nlohmann::json::parse(requests.front().body)["max_tokens"].get<int64_t>();
  const auto last = nlohmann::json::parse(requests.back().body)["max_tokens"].get<int64_t>();
  CHECK(first < 128000);
  CHECK(last < first);
  CHECK(last >= 300);
}
