// Team mode on the real server: three gateways sharing one SQLite file enforce one cap between
// them (leased slices, store/cap_leases.hpp), and what the leases add to a request's latency.
#include "store/team_caps.hpp"
#include "tests/integration/stream_client.hpp"
#include "tests/support/test_gateway.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

using namespace llmgw;
using namespace llmgw::test;
using core::policy::Period;
using core::policy::Scope;

namespace {

constexpr int64_t k_cent = 10'000'000'000; // pico-USD
const std::string k_stream =
    R"({"model":"claude-sonnet-4-5","max_tokens":100,"stream":true,"messages":[{"role":"user","content":"hi"}]})";
const std::string k_small =
    R"({"model":"claude-sonnet-4-5","max_tokens":100,"messages":[{"role":"user","content":"hi"}]})";

// One instance: a gateway on the shared file, in team mode, its ledger's commits fed to its leases.
struct Instance {
  Instance(core::config::Config config, const std::string& db_path, int64_t cap_pico)
      : gateway(std::move(config), db_path), team(gateway.server().gateway().budget().caps(), db_path) {
    gateway.server().gateway().apply_policy({{{1, Period::day, cap_pico, Scope::global, "", 80}}, {}, {}, {}});
    gateway.ledger().set_row_observer([this](int64_t, const core::RequestRecord& row) { team.written(row); });
  }
  ~Instance() { gateway.ledger().set_row_observer(nullptr); }
  TestGateway gateway;
  store::TeamCaps team;
};

// `total` requests from `threads` client threads, spread round-robin over the instances.
struct Burst {
  std::atomic<int> ok{0}, refused{0}, other{0};
  std::vector<double> latencies_ms; // of every request, when measured
  std::mutex mutex;
  void run(const std::vector<TestGateway*>& gateways, int threads, int total, const std::string& body, bool stream) {
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&, t] {
        std::vector<std::unique_ptr<httplib::Client>> clients;
        for (auto* gateway : gateways) clients.push_back(gateway->client());
        std::vector<double> mine;
        for (int i = t; i < total; i += threads) {
          auto& client = *clients[static_cast<size_t>(i) % clients.size()];
          const auto started = std::chrono::steady_clock::now();
          const int status =
              stream ? post_streaming(client, "/v1/messages", TestGateway::anthropic_auth(), body).status
                     : client.Post("/v1/messages", TestGateway::anthropic_auth(), body, "application/json")->status;
          mine.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count());
          ++(status == 200 ? ok : status == 402 ? refused : other);
        }
        std::lock_guard lock(mutex);
        latencies_ms.insert(latencies_ms.end(), mine.begin(), mine.end());
      });
    }
    for (auto& worker : workers) worker.join();
  }
  double percentile(double p) {
    std::sort(latencies_ms.begin(), latencies_ms.end());
    return latencies_ms.empty() ? 0
                                : latencies_ms[static_cast<size_t>(p * static_cast<double>(latencies_ms.size() - 1))];
  }
};

int64_t recorded_cost(TestGateway& gateway, size_t rows) {
  int64_t total = 0;
  for (const auto& row : gateway.wait_rows(rows, 15'000)) total += row.record.cost_usd_pico;
  return total;
}

int64_t lease_growths(const std::string& db_path) {
  store::Db db(db_path);
  auto select = db.prepare("SELECT COALESCE(SUM(turns), 0) FROM cap_lease_turns");
  return select.step() ? select.column_int64(0) : 0;
}

} // namespace

TEST_CASE("team mode: 200 concurrent streams over 3 instances sharing one file never take spend past the cap") {
  FakeUpstream upstream;
  // The provider ignores max_tokens 100: 400 output tokens, ~4x what each stream reserved.
  auto stream = anthropic_stream("claude-sonnet-4-5", std::vector<std::string>(100, "abcdefghijklmnop"), 20, 0, 0, 400);
  stream.delay_between_chunks_ms = 1;
  upstream.on("POST", "/v1/messages", [&](const RecordedRequest&) { return stream; });
  auto config = fake_config(upstream);
  config.caps.hard = true;
  TempDir dir;
  const std::string db_path = dir.file("team.db");
  const int64_t cap = 5 * k_cent;
  std::vector<std::unique_ptr<Instance>> instances;
  for (int i = 0; i < 3; ++i) instances.push_back(std::make_unique<Instance>(config, db_path, cap));
  std::vector<TestGateway*> gateways;
  for (auto& instance : instances) gateways.push_back(&instance->gateway);
  Burst burst;
  burst.run(gateways, 50, 200, k_stream, true);
  CHECK(burst.other.load() == 0);
  CHECK(burst.ok.load() + burst.refused.load() == 200);
  CHECK(upstream.calls() == burst.ok.load()); // a refused request reaches no upstream
  const int64_t recorded = recorded_cost(instances[0]->gateway, 200);
  MESSAGE("team, hard mode: " << burst.ok.load() << " admitted over 3 instances, recorded " << recorded
                              << " pico-USD under a cap of " << cap);
  CHECK(recorded <= cap);
  CHECK(recorded >= cap / 2); // the cap is usable across the team, not split three ways and stranded
}

TEST_CASE("team mode: soft mode over 3 instances passes the cap by no more than one instance's bound") {
  FakeUpstream upstream;
  std::atomic<int> served{0};
  upstream.on("POST", "/v1/messages", [&](const RecordedRequest& request) {
    const auto body = nlohmann::json::parse(request.body);
    const int planned = ++served % 5 == 0 ? 900 : 300;
    return anthropic_reply("claude-sonnet-4-5", "ok", 20, 0, 0, std::min(planned, body["max_tokens"].get<int>()));
  });
  TempDir dir;
  const std::string db_path = dir.file("team.db");
  const int64_t cap = 10 * k_cent;
  std::vector<std::unique_ptr<Instance>> instances;
  for (int i = 0; i < 3; ++i) instances.push_back(std::make_unique<Instance>(fake_config(upstream), db_path, cap));
  std::vector<TestGateway*> gateways;
  for (auto& instance : instances) gateways.push_back(&instance->gateway);
  const std::string body =
      R"({"model":"claude-sonnet-4-5","max_tokens":1000,"messages":[{"role":"user","content":"hi"}]})";
  Burst burst;
  constexpr int k_threads = 50;
  burst.run(gateways, k_threads, 200, body, false);
  CHECK(burst.other.load() == 0);
  const int64_t recorded = recorded_cost(instances[0]->gateway, 200);
  // The single-instance bound (README, Caps): the requests in flight together, each at most
  // 1000 output tokens at $15 / Mtok past its reservation.
  const int64_t bound = k_threads * 1000 * 15'000'000LL;
  MESSAGE("team, soft mode: " << burst.ok.load() << " admitted, recorded " << recorded << " pico-USD under a cap of "
                              << cap << " (bound " << bound << ")");
  CHECK(recorded <= cap + bound);
  CHECK(recorded >= cap * 6 / 10);
  CHECK(burst.refused.load() > 0);
}

TEST_CASE("team mode: latency at concurrency 8 with leases against one instance alone, in one run") {
  FakeUpstream upstream;
  upstream.on("POST", "/v1/messages",
              [](const RecordedRequest&) { return anthropic_reply("claude-sonnet-4-5", "ok", 20, 0, 0, 20); });
  // ~$0.0004 a request: under a $1 cap, 800 requests spend about a third of it, so slices run out
  // and grow now and then (the only time the store is on a request's path).
  const int64_t cap = 100 * k_cent;
  constexpr int k_requests = 800;
  Burst alone;
  {
    TestGateway gateway(fake_config(upstream));
    gateway.server().gateway().apply_policy({{{1, Period::day, cap, Scope::global, "", 80}}, {}, {}, {}});
    alone.run({&gateway}, 8, k_requests, k_small, false);
  }
  TempDir dir;
  const std::string db_path = dir.file("team.db");
  Burst team;
  int64_t growths = 0;
  {
    std::vector<std::unique_ptr<Instance>> instances;
    for (int i = 0; i < 3; ++i) instances.push_back(std::make_unique<Instance>(fake_config(upstream), db_path, cap));
    team.run({&instances[0]->gateway, &instances[1]->gateway, &instances[2]->gateway}, 8, k_requests, k_small, false);
    growths = lease_growths(db_path);
  }
  CHECK(alone.ok.load() == k_requests);
  CHECK(team.ok.load() == k_requests);
  MESSAGE("concurrency 8, " << k_requests << " requests: one instance p50 " << alone.percentile(0.5) << " ms p99 "
                            << alone.percentile(0.99) << " ms; team of 3 on one SQLite file p50 "
                            << team.percentile(0.5) << " ms p99 " << team.percentile(0.99) << " ms; " << growths
                            << " lease growths");
  // Generous: the store is on the path only for a growth, a few in 800 requests.
  CHECK(growths < k_requests / 10);
  CHECK(team.percentile(0.5) < alone.percentile(0.5) * 3 + 5);
}
