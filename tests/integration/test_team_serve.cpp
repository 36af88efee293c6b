// Team mode end to end: three real `llmgw serve` processes sharing one store (a SQLite file with
// [store] shared = true; a PostgreSQL database in ctest's PostgreSQL run) enforce one hard cap
// between them, and give their leases back when they stop.
#include "store/cap_leases.hpp"
#include "store/rate_leases.hpp"
#include "store/settings.hpp"
#include "tests/integration/runtime_serve.hpp"
#include "tests/support/fake_upstream.hpp"
#include "tests/support/store_dir.hpp"

#include <httplib.h>

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <memory>
#include <thread>
#include <vector>

using namespace llmgw;
using namespace llmgw::test;

TEST_CASE("team mode: three serve processes sharing one file spend no more than one hard cap, then release") {
  FakeUpstream upstream;
  // 20 input + 300 output tokens at $3 / $15 per Mtok: $0.00456 a request, ~11 under the cap.
  upstream.on("POST", "/v1/messages",
              [](const RecordedRequest&) { return anthropic_reply("claude-sonnet-4-5", "ok", 20, 0, 0, 300); });
  TempDir dir;
  StoreDir stores; // the SQLite file, or a PostgreSQL database (ctest's PostgreSQL run)
  const std::string store_location = stores.file("llmgw.db");
  std::ofstream(dir.file("config.toml")) << "default_provider = \"anthropic\"\n[server]\nshutdown_grace_seconds = 2\n"
                                         << "[caps]\nhard = true\n[store]\nshared = true\n"
                                         << "[providers.anthropic]\nkind = \"anthropic\"\nbase_url = \""
                                         << upstream.base_url() << "\"\napi_key_env = \"LLMGW_IT_KEY\"\n";
  const int64_t cap = 5 * 10'000'000'000LL; // 5 cents
  {
    store::Db db(store_location);
    store::upsert_cap(db, {0, core::policy::Period::day, cap, core::policy::Scope::global, "", 80});
  }
  std::vector<std::unique_ptr<RuntimeServe>> serves;
  for (int i = 0; i < 3; ++i)
    serves.push_back(std::make_unique<RuntimeServe>(dir, EnvVars{{"LLMGW_IT_KEY", "fake"}}, 0, store_location));
  // (The three share one log file.)
  CHECK(serves.back()->log().find("team mode: caps shared") != std::string::npos);
  const std::string token = serves[0]->token();
  const std::string body =
      R"({"model":"claude-sonnet-4-5","max_tokens":300,"messages":[{"role":"user","content":"hi"}]})";
  std::atomic<int> ok{0}, refused{0}, other{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < 24; ++t) {
    workers.emplace_back([&, t] {
      for (int i = t; i < 200; i += 24) {
        httplib::Client client("127.0.0.1", serves[static_cast<size_t>(i) % serves.size()]->port());
        client.set_read_timeout(30, 0);
        auto reply =
            client.Post("/v1/messages", httplib::Headers{{"x-api-key", token}, {"anthropic-version", "2023-06-01"}},
                        body, "application/json");
        const int status = reply ? reply->status : 0;
        ++(status == 200 ? ok : status == 402 ? refused : other);
      }
    });
  }
  for (auto& worker : workers) worker.join();
  for (auto& serve : serves) CHECK(serve->stop(SIGTERM) == 0);
  store::Db db(store_location);
  auto select = db.prepare("SELECT COUNT(*), COALESCE(SUM(cost_usd_pico), 0) FROM requests");
  REQUIRE(select.step());
  MESSAGE("3 serve processes: " << ok.load() << " admitted, " << refused.load() << " refused, recorded "
                                << select.column_int64(1) << " pico-USD under a cap of " << cap);
  CHECK(other.load() == 0);
  CHECK(select.column_int64(0) == 200);
  CHECK(select.column_int64(1) <= cap);
  CHECK(ok.load() >= 5); // about 11 fit; slices stranded on the other instances may leave a few unused
  CHECK(upstream.calls() == ok.load());
  // Each stopped cleanly: every lease went back.
  CHECK(store::list_cap_leases(db).empty());
}

TEST_CASE("team mode: three serve processes sharing one store admit one rate limit between them") {
  FakeUpstream upstream;
  upstream.on("POST", "/v1/messages",
              [](const RecordedRequest&) { return anthropic_reply("claude-sonnet-4-5", "ok", 20, 0, 0, 5); });
  TempDir dir;
  StoreDir stores;
  const std::string store_location = stores.file("llmgw.db");
  std::ofstream(dir.file("config.toml")) << "default_provider = \"anthropic\"\n[server]\nshutdown_grace_seconds = 2\n"
                                         << "[store]\nshared = true\n"
                                         << "[providers.anthropic]\nkind = \"anthropic\"\nbase_url = \""
                                         << upstream.base_url() << "\"\napi_key_env = \"LLMGW_IT_KEY\"\n";
  {
    store::Db db(store_location);
    store::upsert_rate_limit(db, {0, core::policy::Scope::agent, "curl", 30, 0});
  }
  std::vector<std::unique_ptr<RuntimeServe>> serves;
  for (int i = 0; i < 3; ++i)
    serves.push_back(std::make_unique<RuntimeServe>(dir, EnvVars{{"LLMGW_IT_KEY", "fake"}}, 0, store_location));
  CHECK(serves.back()->log().find("team mode: rate limits counted across") != std::string::npos);
  const std::string token = serves[0]->token();
  const std::string body =
      R"({"model":"claude-sonnet-4-5","max_tokens":100,"messages":[{"role":"user","content":"hi"}]})";
  std::atomic<int> ok{0}, limited{0}, other{0}, bad_retry_after{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < 12; ++t) {
    workers.emplace_back([&, t] {
      for (int i = t; i < 120; i += 12) {
        httplib::Client client("127.0.0.1", serves[static_cast<size_t>(i) % serves.size()]->port());
        client.set_read_timeout(30, 0);
        auto reply = client.Post(
            "/v1/messages",
            httplib::Headers{{"x-api-key", token}, {"anthropic-version", "2023-06-01"}, {"User-Agent", "curl/8.0"}},
            body, "application/json");
        const int status = reply ? reply->status : 0;
        ++(status == 200 ? ok : status == 429 ? limited : other);
        if (status == 429) {
          const std::string retry_after = reply->get_header_value("retry-after");
          if (retry_after.empty() || std::stoi(retry_after) < 1 || std::stoi(retry_after) > 70) ++bad_retry_after;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    });
  }
  for (auto& worker : workers) worker.join();
  for (auto& serve : serves) CHECK(serve->stop(SIGTERM) == 0);
  MESSAGE("3 serve processes, 30 requests a minute: " << ok.load() << " of 120 admitted");
  CHECK(other.load() == 0);
  CHECK(bad_retry_after.load() == 0);
  CHECK(ok.load() + limited.load() == 120);
  CHECK(ok.load() <= 30);
  CHECK(ok.load() >= 28);
  CHECK(upstream.calls() == ok.load());
  // Each stopped cleanly: no share is held any more; the admissions stay counted for their minute.
  store::Db db(store_location);
  int64_t counted = 0;
  for (const auto& row : store::list_rate_leases(db)) {
    CHECK(row.spare_requests == 0);
    counted += row.requests;
  }
  CHECK(counted == ok.load());
}
