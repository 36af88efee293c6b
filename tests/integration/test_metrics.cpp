// GET /metrics on the real server: auth, promtool's verdict on a real scrape, and counters that
// equal the ledger's sums after a known load of mixed outcomes through the fake upstream.
#include "cli/serve_metrics.hpp"
#include "core/metrics/request_metrics.hpp"
#include "core/pipeline/gateway_server.hpp"
#include "core/policy/keys.hpp"
#include "store/db.hpp"
#include "store/settings.hpp"
#include "store/settings_watcher.hpp"
#include "store/ledger.hpp"
#include "tests/support/fake_upstream.hpp"
#include "tests/support/shell.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_gateway.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <thread>

using namespace llmgw;
using namespace llmgw::test;

namespace {

// The real server as `llmgw serve` composes it: counters in front of the ledger, /metrics on.
struct MetricsGateway {
  explicit MetricsGateway(core::config::Config config)
      : db_path(dir.file("llmgw.db")), ledger(db_path), metrics(ledger) {
    cli::add_ledger_metrics(metrics, ledger);
    core::pipeline::GatewayOptions options{k_test_token};
    options.metrics = &metrics;
    auto prices = core::pricing::PriceTable::with_overrides(config.price_overrides);
    server = std::make_unique<core::pipeline::GatewayServer>(std::move(config), std::move(prices), metrics, options);
    cli::seed_metric_names(metrics, server->gateway());
    port = server->bind();
    server->start();
  }
  // Every answered request's row written: rows are recorded after the answer is sent.
  void settle() {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (server->gateway().in_flight() > 0 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    ledger.flush();
  }
  ~MetricsGateway() {
    server->drain_and_stop(5);
    ledger.stop();
  }
  std::unique_ptr<httplib::Client> client() const {
    auto client = std::make_unique<httplib::Client>("127.0.0.1", port);
    client->set_read_timeout(30, 0);
    return client;
  }

  TempDir dir;
  std::string db_path;
  store::Ledger ledger;
  core::metrics::RequestMetrics metrics;
  std::unique_ptr<core::pipeline::GatewayServer> server;
  int port = 0;
};

// Samples of a scrape by their full series text: `name{labels}` -> value.
std::map<std::string, double> parse_samples(const std::string& text) {
  std::map<std::string, double> samples;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t space = line.rfind(' ');
    samples[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return samples;
}

// The samples of one family (name exactly, labels any), keyed by their labels text.
std::map<std::string, double> family(const std::map<std::string, double>& samples, const std::string& name) {
  std::map<std::string, double> out;
  for (const auto& [series, value] : samples)
    if (series.rfind(name + "{", 0) == 0) out[series.substr(name.size())] = value;
  return out;
}

std::string scrape(const MetricsGateway& gateway) {
  auto response = gateway.client()->Get("/metrics", TestGateway::openai_auth());
  REQUIRE(response);
  REQUIRE(response->status == 200);
  CHECK(response->get_header_value("Content-Type") == core::metrics::k_exposition_content_type);
  return response->body;
}

const std::string k_chat = R"({"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]})";
const std::string k_chat_stream =
    R"({"model":"gpt-4o-mini","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]})";
const std::string k_fail = R"({"model":"gpt-4o-mini","messages":[{"role":"user","content":"fail-400"}]})";
const std::string k_flaky = R"({"model":"gpt-4o-mini","messages":[{"role":"user","content":"flaky"}]})";
const std::string k_messages =
    R"({"model":"claude-haiku-4-5","max_tokens":50,"messages":[{"role":"user","content":"hi"}]})";
const std::string k_messages_stream =
    R"({"model":"claude-haiku-4-5","max_tokens":50,"stream":true,"messages":[{"role":"user","content":"hi"}]})";

// 20 requests: 10 chat (2 streamed), 4 messages (2 streamed), 3 upstream 400s, 2 without a token
// (refused), 1 that fails with a 500 and succeeds on its retry.
void send_known_load(const MetricsGateway& gateway) {
  auto client = gateway.client();
  auto post = [&](const char* path, const std::string& body, const httplib::Headers& headers, int status) {
    auto response = client->Post(path, headers, body, "application/json");
    REQUIRE(response);
    CHECK(response->status == status);
  };
  for (int i = 0; i < 8; ++i) post("/v1/chat/completions", k_chat, TestGateway::openai_auth(), 200);
  for (int i = 0; i < 2; ++i) post("/v1/chat/completions", k_chat_stream, TestGateway::openai_auth(), 200);
  for (int i = 0; i < 2; ++i) post("/v1/messages", k_messages, TestGateway::anthropic_auth(), 200);
  for (int i = 0; i < 2; ++i) post("/v1/messages", k_messages_stream, TestGateway::anthropic_auth(), 200);
  for (int i = 0; i < 3; ++i) post("/v1/chat/completions", k_fail, TestGateway::openai_auth(), 400);
  for (int i = 0; i < 2; ++i) post("/v1/chat/completions", k_chat, {}, 401);
  post("/v1/chat/completions", k_flaky, TestGateway::openai_auth(), 200);
}

void install_failing_chat(FakeUpstream& upstream) {
  auto flaky_calls = std::make_shared<std::atomic<int>>(0);
  upstream.on("POST", "/v1/chat/completions", [flaky_calls](const RecordedRequest& request) {
    if (request.body.find("fail-400") != std::string::npos)
      return openai_error(400, "invalid_request_error", "bad request", "");
    if (request.body.find("flaky") != std::string::npos && flaky_calls->fetch_add(1) == 0)
      return openai_error(500, "server_error", "try again", "");
    if (request.body.find("\"stream\":true") != std::string::npos)
      return openai_chat_stream("gpt-4o-mini", {"Hel", "lo"}, true, 12, 4, 7);
    return openai_chat_reply("gpt-4o-mini", "Hello", 12, 4, 7);
  });
}

std::string status_class_sql() {
  return "CASE WHEN http_status BETWEEN 100 AND 599 THEN (http_status / 100) || 'xx' ELSE 'none' END";
}

std::string label_or_none(const std::string& value) { return value.empty() ? "none" : value; }

} // namespace

TEST_CASE("GET /metrics asks for the gateway token, unless metrics.auth is none on loopback") {
  FakeUpstream upstream;
  MetricsGateway gateway(fake_config(upstream));
  auto client = gateway.client();
  auto anonymous = client->Get("/metrics");
  REQUIRE(anonymous);
  CHECK(anonymous->status == 401);
  CHECK(anonymous->body.find(k_test_token) == std::string::npos);
  auto wrong = client->Get("/metrics", {{"Authorization", "Bearer not-the-token"}});
  REQUIRE(wrong);
  CHECK(wrong->status == 401);
  auto bearer = client->Get("/metrics", TestGateway::openai_auth());
  REQUIRE(bearer);
  CHECK(bearer->status == 200);
  auto api_key = client->Get("/metrics", TestGateway::anthropic_auth());
  REQUIRE(api_key);
  CHECK(api_key->status == 200);

  auto open_config = fake_config(upstream);
  open_config.metrics.auth_none = true;
  MetricsGateway open(open_config);
  auto open_scrape = open.client()->Get("/metrics");
  REQUIRE(open_scrape);
  CHECK(open_scrape->status == 200);
  CHECK(open_scrape->body.find("# TYPE llmgw_requests_total counter") != std::string::npos);
}

TEST_CASE("GET /metrics refuses a virtual key that the agents' routes accept: scrapes take the gateway token") {
  FakeUpstream upstream;
  MetricsGateway gateway(fake_config(upstream));
  const std::string token = core::policy::generate_key_token();
  {
    store::Db db(gateway.db_path);
    store::insert_key(db, {"ci", core::policy::sha256_hex(token), "", "", ""}, "hint", false);
  }
  store::SettingsWatcher watcher(
      gateway.db_path,
      [&gateway](core::policy::PolicySettings settings) {
        gateway.server->gateway().apply_policy(std::move(settings));
      },
      [&gateway] { return gateway.server->gateway().reservations(); }, {}, std::chrono::milliseconds(100));
  auto client = gateway.client();
  const httplib::Headers bearer{{"Authorization", "Bearer " + token}};
  const httplib::Headers api_key{{"x-api-key", token}};
  auto models = client->Get("/v1/models", bearer);
  REQUIRE(models);
  CHECK(models->status == 200); // the key is valid for the agents' routes
  for (const auto& headers : {bearer, api_key}) {
    auto scrape = client->Get("/metrics", headers);
    REQUIRE(scrape);
    CHECK(scrape->status == 401);
    CHECK(scrape->body.find("llmgw_requests_total") == std::string::npos);
    CHECK(scrape->body.find(token) == std::string::npos);
  }
}

TEST_CASE("GET /metrics passes promtool and its counters equal the ledger's sums after a mixed load") {
  FakeUpstream upstream;
  install_failing_chat(upstream);
  MetricsGateway gateway(fake_config(upstream));
  send_known_load(gateway);
  gateway.settle();
  const std::string text = scrape(gateway);
  const auto samples = parse_samples(text);

  store::Db db(gateway.db_path);
  auto count = db.prepare("SELECT COUNT(*) FROM requests");
  REQUIRE(count.step());
  REQUIRE(count.column_int64(0) == 20);

  // Requests by provider, model, agent, status class and outcome.
  std::map<std::string, double> expected_requests;
  auto requests = db.prepare("SELECT provider, COALESCE(NULLIF(served_model, ''), requested_model), agent, " +
                             status_class_sql() + ", outcome, COUNT(*) FROM requests GROUP BY 1, 2, 3, 4, 5");
  while (requests.step())
    expected_requests["{provider=\"" + label_or_none(requests.column_text(0)) + "\",model=\"" +
                      label_or_none(requests.column_text(1)) + "\",agent=\"" + requests.column_text(2) +
                      "\",status=\"" + requests.column_text(3) + "\",outcome=\"" + requests.column_text(4) + "\"}"] =
        static_cast<double>(requests.column_int64(5));
  CHECK(family(samples, "llmgw_requests_total") == expected_requests);
  CHECK(expected_requests.size() >= 4); // 200 ok, 400 upstream_error, 401 refused, by provider

  // Tokens by kind and cost, by provider, model and agent.
  std::map<std::string, double> expected_tokens, expected_cost;
  auto sums = db.prepare("SELECT provider, COALESCE(NULLIF(served_model, ''), requested_model), agent, "
                         "SUM(input_uncached_tokens), SUM(output_tokens), SUM(cache_read_tokens), "
                         "SUM(cache_write_5m_tokens + cache_write_1h_tokens), SUM(reasoning_tokens), "
                         "SUM(cost_usd_pico) FROM requests GROUP BY 1, 2, 3");
  int64_t total_cost = 0;
  while (sums.step()) {
    const std::string labels = "provider=\"" + label_or_none(sums.column_text(0)) + "\",model=\"" +
                               label_or_none(sums.column_text(1)) + "\",agent=\"" + sums.column_text(2) + "\"";
    const char* kinds[] = {"input", "output", "cache_read", "cache_write", "reasoning"};
    for (int kind = 0; kind < 5; ++kind)
      expected_tokens["{" + labels + ",kind=\"" + kinds[kind] + "\"}"] =
          static_cast<double>(sums.column_int64(3 + kind));
    expected_cost["{" + labels + "}"] = static_cast<double>(sums.column_int64(8)) / 1e12;
    total_cost += sums.column_int64(8);
  }
  CHECK(family(samples, "llmgw_tokens_total") == expected_tokens);
  CHECK(family(samples, "llmgw_cost_usd_total") == expected_cost);
  CHECK(total_cost > 0);

  // Tries: every attempts row, and one for each single-try request that reached an upstream.
  auto tries = db.prepare("SELECT (SELECT COUNT(*) FROM attempts) + (SELECT COUNT(*) FROM requests r WHERE "
                          "provider <> '' AND outcome NOT IN ('refused', 'bad_request', 'internal_error') AND NOT "
                          "EXISTS (SELECT 1 FROM attempts a WHERE a.request_id = r.id))");
  REQUIRE(tries.step());
  double tries_scraped = 0;
  for (const auto& [labels, value] : family(samples, "llmgw_upstream_tries_total")) tries_scraped += value;
  CHECK(tries_scraped == static_cast<double>(tries.column_int64(0)));
  CHECK(tries_scraped == 19); // 18 that reached the fake, one of them twice; the 2 refused never did
  CHECK(samples.at("llmgw_upstream_failures_total{provider=\"openai\",reason=\"server_error\"}") == 1);
  CHECK(samples.at("llmgw_upstream_failures_total{provider=\"openai\",reason=\"client_error\"}") == 3);
  CHECK(samples.at("llmgw_request_duration_seconds_count{provider=\"openai\"}") == 14);
  CHECK(samples.at("llmgw_ledger_rows_written_total") == 20);
  CHECK(samples.at("llmgw_ledger_queue_depth") == 0);
  CHECK(samples.at("llmgw_requests_in_flight") == 0); // a scrape is not an API request

  TempDir dir;
  const std::string path = dir.file("scrape.txt");
  std::ofstream(path) << text;
  if (run_shell("command -v promtool").exit_code != 0) {
    MESSAGE("promtool not installed (Debian package prometheus; packaging/setup-deps.sh --test): skipped its check");
    return;
  }
  const CommandResult checked = run_shell("promtool check metrics < " + path);
  INFO(checked.output);
  CHECK(checked.exit_code == 0);
}
