// OpenTelemetry traces from the real gateway: a fake OTLP/HTTP collector (httplib on 127.0.0.1)
// receives what llmgw exports after requests through the fake upstream; the spans are compared
// with the ledger rows. A dead or stalled collector must not slow requests.
#include "core/telemetry/tracing_sink.hpp"
#include "store/reports.hpp"
#include "tests/support/test_gateway.hpp"
#include "tests/support/telemetry_collector.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <functional>
#include <map>
#include <optional>
#include <thread>

using namespace llmgw;
using namespace llmgw::test;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

const std::string k_parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
const std::string k_messages = R"({"model":"claude-sonnet-4-5","max_tokens":10,"messages":[]})";

// The gateway with a TracingSink in front of its ledger, as `llmgw serve` wires it.
class TracedGateway {
public:
  TracedGateway(core::config::Config config, core::telemetry::ExporterOptions options)
      : m_ledger(m_dir.file("llmgw.db")), m_exporter(std::move(options)),
        m_sink(m_ledger, &m_exporter, core::telemetry::SpanBuilder(core::telemetry::provider_systems(config))),
        m_server(config, core::pricing::PriceTable::with_overrides(config.price_overrides), m_sink,
                 core::pipeline::GatewayOptions{k_test_token}) {
    m_port = m_server.bind();
    m_server.start();
  }
  ~TracedGateway() {
    m_server.drain_and_stop(5);
    m_exporter.stop(std::chrono::seconds(5));
    m_ledger.stop();
  }

  httplib::Result post(const std::string& session, httplib::Headers extra = {}) {
    httplib::Client client("127.0.0.1", m_port);
    client.set_read_timeout(30, 0);
    auto headers = TestGateway::anthropic_auth();
    headers.emplace("x-claude-code-session-id", session);
    for (auto& [name, value] : extra) headers.emplace(name, value);
    return client.Post("/v1/messages", headers, k_messages, "application/json");
  }
  // Ledger rows by session id (the ledger flushed first).
  std::map<std::string, store::LoggedRequest> rows() {
    const auto deadline = Clock::now() + std::chrono::seconds(5);
    while (m_server.gateway().in_flight() > 0 && Clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    m_ledger.flush();
    store::Db db(m_dir.file("llmgw.db"));
    std::map<std::string, store::LoggedRequest> by_session;
    for (auto& row : store::recent_requests(db, 1000)) by_session[row.record.session_id] = row;
    return by_session;
  }
  std::vector<core::Attempt> attempts(int64_t id) {
    store::Db db(m_dir.file("llmgw.db"));
    auto found = store::attempts_of(db, {id});
    return found.count(id) ? found.at(id) : std::vector<core::Attempt>{};
  }
  core::telemetry::Exporter& exporter() { return m_exporter; }

private:
  TempDir m_dir;
  store::Ledger m_ledger;
  core::telemetry::Exporter m_exporter;
  core::telemetry::TracingSink m_sink;
  core::pipeline::GatewayServer m_server;
  int m_port = 0;
};

core::telemetry::ExporterOptions options_for(const std::string& url) {
  core::config::TelemetryConfig telemetry;
  telemetry.endpoint = url;
  telemetry.headers = {{"Authorization", "Basic ZmFrZS1wdWJsaWM6ZmFrZS1zZWNyZXQ="}}; // fake-public:fake-secret
  auto options = *core::telemetry::exporter_options(telemetry);
  options.flush_interval = std::chrono::milliseconds(50);
  return options;
}

// Waits (at most 10 s) until `done` holds; returns whether it did.
bool eventually(const std::function<bool()>& done) {
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (!done() && Clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  return done();
}

// The attribute `key` of a span (OTLP/JSON), null when absent.
json attribute(const json& span, const std::string& key) {
  for (const auto& item : span["attributes"])
    if (item["key"] == key) return item["value"];
  return nullptr;
}
std::string text(const json& span, const std::string& key) {
  auto value = attribute(span, key);
  return value.is_null() ? "" : value["stringValue"].get<std::string>();
}
int64_t integer(const json& span, const std::string& key) {
  auto value = attribute(span, key);
  return value.is_null() ? -1 : std::stoll(value["intValue"].get<std::string>());
}

// The server span whose gen_ai.conversation.id is `session`, and its children.
struct Trace {
  json server;
  std::vector<json> clients;
};
Trace trace_of(const std::vector<json>& spans, const std::string& session) {
  Trace trace;
  for (const auto& span : spans)
    if (span["kind"] == 2 && text(span, "gen_ai.conversation.id") == session) trace.server = span;
  REQUIRE_MESSAGE(!trace.server.is_null(), "no server span for " << session);
  for (const auto& span : spans)
    if (span.value("parentSpanId", "") == trace.server["spanId"]) trace.clients.push_back(span);
  return trace;
}

} // namespace

TEST_CASE("traces: each request exports a server span and a client span per try, with the ledger's values") {
  FakeUpstream upstream;
  std::atomic<int> calls{0};
  upstream.on("POST", "/v1/messages", [&calls](const RecordedRequest&) {
    // The third request (the only one that retries) meets one 503 first.
    if (++calls == 3) return anthropic_error(503, "overloaded_error", "busy");
    return anthropic_reply("claude-sonnet-4-5", "ok", 100, 40, 0, 7);
  });
  FakeCollector collector;
  auto config = fake_config(upstream);
  config.routing.backoff_ms = 0;
  TracedGateway gateway(config, options_for(collector.base_url()));

  REQUIRE(
      gateway.post("session-with-parent", {{"traceparent", k_parent}, {"tracestate", "congo=t61rcWkgMzE"}})->status ==
      200);
  REQUIRE(gateway.post("session-without-parent")->status == 200);
  REQUIRE(gateway.post("session-retried")->status == 200);
  const auto spans = collector.wait_spans(7);
  REQUIRE(spans.size() == 7);
  auto rows = gateway.rows();
  REQUIRE(rows.size() == 3);

  // The client's trace continues: same trace id, the client's span is the parent.
  auto continued = trace_of(spans, "session-with-parent");
  CHECK(continued.server["traceId"] == "0af7651916cd43dd8448eb211c80319c");
  CHECK(continued.server["parentSpanId"] == "b7ad6b7169203331");
  CHECK(continued.server["traceState"] == "congo=t61rcWkgMzE");
  CHECK(continued.server["name"] == "POST /v1/messages");
  REQUIRE(continued.clients.size() == 1);
  const json& tried = continued.clients[0];
  CHECK(tried["kind"] == 3);
  CHECK(tried["name"] == "chat claude-sonnet-4-5");
  CHECK(tried["traceId"] == continued.server["traceId"]);

  // Values equal the ledger row's.
  const auto& row = rows.at("session-with-parent").record;
  const json& server = continued.server;
  CHECK(text(server, "gen_ai.provider.name") == "anthropic");
  CHECK(text(server, "gen_ai.system") == "anthropic");
  CHECK(text(server, "gen_ai.operation.name") == "chat");
  CHECK(text(server, "gen_ai.request.model") == row.requested_model);
  CHECK(text(server, "gen_ai.response.model") == row.served_model);
  CHECK(text(server, "llmgw.agent") == row.agent);
  CHECK(text(server, "llmgw.agent") == "claude-code");
  CHECK(text(server, "llmgw.outcome") == "ok");
  CHECK(text(server, "llmgw.provider") == row.provider);
  CHECK(integer(server, "http.response.status_code") == row.http_status);
  CHECK(row.cost_usd_pico > 0);
  CHECK(attribute(server, "llmgw.cost_usd")["doubleValue"].get<double>() ==
        doctest::Approx(static_cast<double>(row.cost_usd_pico) / 1e12));
  CHECK(integer(tried, "gen_ai.usage.input_tokens") == row.usage.prompt_tokens());
  CHECK(integer(tried, "gen_ai.usage.input_tokens") == 140);
  CHECK(integer(tried, "gen_ai.usage.cache_read.input_tokens") == 40);
  CHECK(integer(tried, "gen_ai.usage.output_tokens") == row.usage.output_tokens);
  CHECK(integer(tried, "gen_ai.usage.output_tokens") == 7);
  CHECK(integer(server, "gen_ai.usage.input_tokens") == -1); // counted once per trace
  CHECK(server["status"].value("code", 0) == 0);
  const int64_t start_ns = std::stoll(server["startTimeUnixNano"].get<std::string>());
  CHECK(start_ns == row.started_at_ms * 1'000'000);
  CHECK(std::stoll(server["endTimeUnixNano"].get<std::string>()) - start_ns == row.duration_ms * 1'000'000);

  // Without a traceparent: a new trace, the server span its root.
  auto fresh = trace_of(spans, "session-without-parent");
  CHECK(fresh.server["traceId"] != "0af7651916cd43dd8448eb211c80319c");
  CHECK(fresh.server["traceId"].get<std::string>().size() == 32);
  CHECK_FALSE(fresh.server.contains("parentSpanId"));
  CHECK(fresh.clients.size() == 1);

  // A retried request: one client span per try, the failed one in error.
  auto retried = trace_of(spans, "session-retried");
  REQUIRE(retried.clients.size() == 2);
  REQUIRE(gateway.attempts(rows.at("session-retried").id).size() == 2);
  std::sort(retried.clients.begin(), retried.clients.end(),
            [](const json& a, const json& b) { return a["startTimeUnixNano"] < b["startTimeUnixNano"]; });
  CHECK(integer(retried.clients[0], "http.response.status_code") == 503);
  CHECK(retried.clients[0]["status"]["code"] == 2);
  CHECK(integer(retried.clients[0], "gen_ai.usage.output_tokens") == -1);
  CHECK(integer(retried.clients[1], "http.response.status_code") == 200);
  CHECK(integer(retried.clients[1], "gen_ai.usage.output_tokens") == 7);

  // The export itself: the resource, the configured headers, the JSON content type.
  const auto exports = collector.exports();
  REQUIRE(!exports.empty());
  CHECK(exports[0].content_type == "application/json");
  CHECK(exports[0].authorization == "Basic ZmFrZS1wdWJsaWM6ZmFrZS1zZWNyZXQ=");
  const json& resource = exports[0].body["resourceSpans"][0]["resource"];
  CHECK(resource["attributes"][0]["key"] == "service.name");
  CHECK(resource["attributes"][0]["value"]["stringValue"] == "llmgw");
  const auto stats = gateway.exporter().stats();
  CHECK(stats.spans_exported == 7);
  CHECK(stats.spans_dropped == 0);
}

TEST_CASE("traces: a failed request's server span is in error and carries the outcome") {
  FakeUpstream upstream;
  upstream.on("POST", "/v1/messages",
              [](const RecordedRequest&) { return anthropic_error(400, "invalid_request_error", "bad"); });
  FakeCollector collector;
  TracedGateway gateway(fake_config(upstream), options_for(collector.base_url()));
  REQUIRE(gateway.post("session-failed")->status == 400);
  auto trace = trace_of(collector.wait_spans(2), "session-failed");
  const auto row = gateway.rows().at("session-failed").record;
  CHECK(trace.server["status"]["code"] == 2);
  CHECK(text(trace.server, "llmgw.outcome") == std::string(core::to_string(row.outcome)));
  CHECK(text(trace.server, "llmgw.outcome") == "upstream_error");
  CHECK(integer(trace.server, "http.response.status_code") == 400);
  REQUIRE(trace.clients.size() == 1);
  CHECK(trace.clients[0]["status"]["code"] == 2);
}

TEST_CASE("traces: a dead collector does not slow requests; its spans are dropped and counted") {
  FakeUpstream upstream;
  upstream.on("POST", "/v1/messages",
              [](const RecordedRequest&) { return anthropic_reply("claude-sonnet-4-5", "ok", 10, 0, 0, 5); });
  const int closed_port = FakeCollector::closed_port();
  auto options = options_for("http://127.0.0.1:" + std::to_string(closed_port));
  options.max_queue_spans = 4;
  options.max_tries = 2;
  options.backoff = std::chrono::milliseconds(20);
  TracedGateway gateway(fake_config(upstream), options);

  const auto started = Clock::now();
  for (int i = 0; i < 10; ++i) REQUIRE(gateway.post("session-" + std::to_string(i))->status == 200);
  CHECK(Clock::now() - started < std::chrono::seconds(3));
  // Every span is accounted for: 10 requests, 2 spans each, none exported.
  CHECK(eventually([&] { return gateway.exporter().stats().spans_dropped >= 20; }));
  const auto stats = gateway.exporter().stats();
  CHECK(stats.spans_dropped == 20);
  CHECK(stats.spans_exported == 0);
  CHECK(stats.exports_failed >= 1);
  CHECK(!stats.last_error.empty());
  CHECK(stats.last_error.find("ZmFrZS") == std::string::npos); // never a header value
}

TEST_CASE("traces: a stalled collector does not slow requests, the overflow is counted and stop() is bounded") {
  FakeUpstream upstream;
  upstream.on("POST", "/v1/messages",
              [](const RecordedRequest&) { return anthropic_reply("claude-sonnet-4-5", "ok", 10, 0, 0, 5); });
  FakeCollector collector;
  collector.stall();
  auto options = options_for(collector.base_url());
  options.max_queue_spans = 4;
  options.batch_spans = 2;
  options.timeout = std::chrono::seconds(30); // only stop() ends the stalled export
  std::optional<TracedGateway> gateway(std::in_place, fake_config(upstream), options);

  const auto started = Clock::now();
  for (int i = 0; i < 10; ++i) REQUIRE(gateway->post("session-" + std::to_string(i))->status == 200);
  CHECK(Clock::now() - started < std::chrono::seconds(3));
  REQUIRE(collector.wait_stalled());
  // Everything beyond the queue and the stalled batch is dropped.
  CHECK(eventually([&] { return gateway->exporter().stats().spans_dropped >= 20 - 4 - 2; }));

  const auto stopping = Clock::now();
  gateway->exporter().stop(std::chrono::milliseconds(200));
  CHECK(Clock::now() - stopping < std::chrono::seconds(3));
  const auto stats = gateway->exporter().stats();
  CHECK(stats.spans_exported == 0);
  CHECK(stats.spans_dropped == 20);
  collector.release();
  gateway.reset();
}
