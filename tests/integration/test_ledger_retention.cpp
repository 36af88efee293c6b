// `llmgw serve`'s retention thread (cli/ledger_retention.*): at start it folds rows older than
// ledger.retention_days into the daily sums and deletes them, off the request path, while the
// gateway serves; usage totals stay the same; 0 days keeps everything; stop() is prompt although
// the next run is a day away.
#include "cli/ledger_retention.hpp"
#include "core/policy/periods.hpp"
#include "store/db.hpp"
#include "store/reports.hpp"
#include "tests/support/fake_upstream.hpp"
#include "tests/support/test_gateway.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <thread>

using namespace llmgw;
using namespace llmgw::test;

namespace {

constexpr int64_t k_day_ms = 86'400'000;
constexpr const char* k_chat = R"({"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]})";

// A request row that started `days_ago` days before now, costing `cost` pico-dollars.
core::RequestRecord row_from(int days_ago, int64_t cost) {
  core::RequestRecord r;
  r.started_at_ms = core::policy::now_ms() - days_ago * k_day_ms;
  r.duration_ms = 100;
  r.agent = "aider";
  r.provider = "openai";
  r.requested_model = "gpt-4o-mini";
  r.http_status = 200;
  r.outcome = core::Outcome::ok;
  r.usage.input_uncached_tokens = 10;
  r.usage.output_tokens = 5;
  r.cost_usd_pico = cost;
  return r;
}

int64_t request_rows(const std::string& db_path) {
  store::Db db(db_path);
  auto query = db.prepare("SELECT COUNT(*) FROM requests");
  return query.step() ? query.column_int64(0) : -1;
}

store::UsageRow total(const std::string& db_path) {
  store::Db db(db_path);
  const auto rows = store::usage_report(db, {0, INT64_MAX, ""}, store::GroupBy::none);
  return rows.empty() ? store::UsageRow{} : rows.front();
}

// 30 rows from 40 to 69 days ago and 5 from the last 4 days, written through the gateway's ledger.
void seed(TestGateway& gateway) {
  for (int i = 0; i < 30; ++i) gateway.ledger().record(row_from(40 + i, 1'000'000 * (i + 1)));
  for (int i = 0; i < 5; ++i) gateway.ledger().record(row_from(i, 7'000'000));
  gateway.ledger().flush();
}

} // namespace

TEST_CASE("serve's retention thread prunes rows past ledger.retention_days at start, keeping usage totals") {
  FakeUpstream upstream;
  auto config = fake_config(upstream);
  config.ledger.retention_days = 30;
  TestGateway gateway(config);
  seed(gateway);
  REQUIRE(request_rows(gateway.db_path()) == 35);
  const auto before = total(gateway.db_path());
  CHECK(before.requests == 35);

  cli::LedgerRetention retention(gateway.server().gateway(), gateway.db_path());
  // Requests are served while it prunes (its own connection and thread).
  auto client = gateway.client();
  auto answer = client->Post("/v1/chat/completions", TestGateway::openai_auth(), k_chat, "application/json");
  REQUIRE(answer);
  CHECK(answer->status == 200);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (request_rows(gateway.db_path()) > 6 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  gateway.wait_rows(6);
  CHECK(request_rows(gateway.db_path()) == 6); // the 5 recent rows and the request just served

  const auto after = total(gateway.db_path());
  CHECK(after.requests == before.requests + 1);
  CHECK(after.cost_usd_pico == before.cost_usd_pico + gateway.rows().back().record.cost_usd_pico);
  CHECK(after.input_uncached_tokens ==
        before.input_uncached_tokens + gateway.rows().back().record.usage.input_uncached_tokens);

  // The next run is a day away: stop() wakes the thread and returns at once.
  const auto stop_started = std::chrono::steady_clock::now();
  retention.stop();
  CHECK(std::chrono::steady_clock::now() - stop_started < std::chrono::seconds(1));
  retention.stop(); // idempotent
}

TEST_CASE("serve's retention thread keeps every row when ledger.retention_days is 0") {
  FakeUpstream upstream;
  auto config = fake_config(upstream);
  config.ledger.retention_days = 0;
  TestGateway gateway(config);
  seed(gateway);
  {
    cli::LedgerRetention retention(gateway.server().gateway(), gateway.db_path());
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  } // the destructor stops it
  CHECK(request_rows(gateway.db_path()) == 35);
}
