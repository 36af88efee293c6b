// The dashboard's request log filtered by agent, provider, model and status: on SQLite it finds its
// rows through request_runs (migration 15) instead of indexes on requests. Whatever the batches,
// the migration of an older ledger, a prune or the page asked for, it returns exactly the rows a
// scan of requests returns, newest first.
#include "store/dashboard_data.hpp"
#include "store/db.hpp"
#include "store/ledger.hpp"
#include "store/migrations.hpp"
#include "store/prune.hpp"
#include "store/request_rows.hpp"
#include "store_test_support.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using llmgw::core::RequestRecord;
using llmgw::core::dashboard::RequestFilter;
using llmgw::store::DashboardData;
using llmgw::store::Db;
using llmgw::store::Statement;
using llmgw::test::sample_record;
using llmgw::test::StoreDir;

namespace {

constexpr int64_t k_start_ms = 1'700'000'000'000;

// Row n: agents, providers and models that change at different strides, so that every batch holds
// several combinations whose spans overlap; an error every 13th row.
RequestRecord varied_record(int n) {
  RequestRecord r = sample_record(k_start_ms + int64_t{n} * 1000);
  r.agent = n % 64 < 40 ? "claude-code" : (n % 3 == 0 ? "codex" : "aider");
  r.provider = n / 7 % 3 == 0 ? "anthropic" : n / 7 % 3 == 1 ? "openai" : "openrouter";
  r.requested_model = n % 5 == 0 ? "gpt-5" : "claude-sonnet-4-5";
  r.served_model = n % 11 == 0 ? "" : n % 5 == 0 ? "gpt-5-2025" : "claude-sonnet-4-5";
  const bool failed = n % 13 == 0;
  r.http_status = failed ? 529 : 200;
  r.outcome = failed ? llmgw::core::Outcome::upstream_error : llmgw::core::Outcome::ok;
  return r;
}

// The ids a plain scan of requests finds for the filter, newest first.
std::string scanned(Db& db, const RequestFilter& filter) {
  Statement query = db.prepare(
      "SELECT id FROM requests WHERE id < ?1 AND (?2 = '' OR agent = ?2) AND (?3 = '' OR provider = ?3) AND (?4 = '' "
      "OR "
      "COALESCE(NULLIF(served_model, ''), requested_model) = ?4) AND (?6 = '' OR (?6 = 'ok') = (outcome = 'ok')) "
      "ORDER BY id DESC LIMIT ?5");
  query.bind_int64(1, filter.before_id > 0 ? filter.before_id : INT64_MAX);
  query.bind_text(2, filter.agent);
  query.bind_text(3, filter.provider);
  query.bind_text(4, filter.model);
  query.bind_int64(5, filter.limit);
  query.bind_text(6, filter.status);
  std::string ids;
  while (query.step()) ids += std::to_string(query.column_int64(0)) + " ";
  return ids;
}

std::string logged(DashboardData& data, const RequestFilter& filter) {
  std::string ids;
  const nlohmann::json answer = data.requests(filter);
  for (const auto& row : answer.at("requests")) ids += std::to_string(row.at("id").get<int64_t>()) + " ";
  return ids;
}

// Every combination of filters, at pages that start before the first row, inside runs, and past
// the last; returns how many answers were compared.
int check_every_filter(const std::string& location, int64_t last_id) {
  DashboardData data(location);
  Db db(location);
  int compared = 0;
  for (const char* agent : {"", "claude-code", "codex", "aider", "nobody"})
    for (const char* provider : {"", "openrouter"})
      for (const char* model : {"", "gpt-5-2025", "gpt-5"})
        for (const char* status : {"", "ok", "error"})
          for (const int64_t before : {int64_t{0}, last_id / 2 + 3, int64_t{40}})
            for (const int limit : {1, 25, 1000}) {
              // Whole lists (rows as JSON are slow under ASan) only from the newest row on.
              if (limit == 1000 && (before != 0 || status[0] != '\0')) continue;
              const RequestFilter filter{limit, before, model, agent, provider, status};
              CAPTURE(filter.agent);
              CAPTURE(filter.provider);
              CAPTURE(filter.model);
              CAPTURE(filter.status);
              CAPTURE(before);
              CAPTURE(limit);
              const auto expected = scanned(db, filter);
              CHECK(logged(data, filter) == expected);
              ++compared;
            }
  return compared;
}

void record_rows(llmgw::store::Ledger& ledger, int from, int to, const std::vector<int>& flush_after) {
  for (int n = from; n < to; ++n) {
    ledger.record(varied_record(n));
    for (const int at : flush_after)
      if (n == at) ledger.flush();
  }
  ledger.flush();
}

} // namespace

TEST_SUITE("store request runs") {
  TEST_CASE("the filtered request log returns what a scan returns, across batches of every size") {
    StoreDir dir;
    const std::string path = dir.file("ledger.db");
    constexpr int k_rows = 3000;
    {
      llmgw::store::Ledger ledger(path);
      // Batches of one row, two, a few dozen, several hundred and a full 1,024.
      record_rows(ledger, 0, k_rows, {0, 2, 40, 41, 700, 1724});
      CHECK(ledger.rows_written() == k_rows);
    }
    CHECK(check_every_filter(path, k_rows) == 5 * 2 * 3 * (3 * 3 * 2 + 1));
    if (llmgw::test::postgres_under_test()) return; // the runs are SQLite's
    Db db(path);
    // A run per combination and batch: far fewer than rows.
    Statement runs = db.prepare("SELECT COUNT(*), SUM(requests), SUM(errors) FROM request_runs");
    REQUIRE(runs.step());
    CHECK(runs.column_int64(0) < k_rows / 4);
    CHECK(runs.column_int64(1) == k_rows);
    Statement errors = db.prepare("SELECT COUNT(*) FROM requests WHERE outcome <> 'ok'");
    REQUIRE(errors.step());
    CHECK(runs.column_int64(2) == errors.column_int64(0));
  }

  TEST_CASE("a trickle of rows, a batch each, grows one run per stretch of the same agent, provider and model") {
    StoreDir dir;
    const std::string path = dir.file("ledger.db");
    constexpr int k_rows = 120;
    {
      llmgw::store::Ledger ledger(path);
      for (int n = 0; n < k_rows; ++n) {
        RequestRecord r = varied_record(n);
        r.agent = n / 20 % 2 == 0 ? "claude-code" : "codex"; // stretches end at 20, 30, 40, 60, 80, 90, 100
        r.provider = "openrouter";
        r.requested_model = n / 30 % 2 == 0 ? "gpt-5" : "claude-sonnet-4-5";
        r.served_model = "";
        ledger.record(std::move(r));
        ledger.flush(); // a batch of one row
      }
      CHECK(ledger.transactions() == k_rows);
    }
    check_every_filter(path, k_rows);
    if (llmgw::test::postgres_under_test()) return;
    Db db(path);
    Statement runs = db.prepare("SELECT COUNT(*), SUM(requests) FROM request_runs");
    REQUIRE(runs.step());
    CHECK(runs.column_int64(0) == 8);
    CHECK(runs.column_int64(1) == k_rows);
  }

  TEST_CASE("a ledger from before request runs gets them when it is opened, and its three indexes go") {
    if (llmgw::test::postgres_under_test()) return; // SQLite's migration
    StoreDir dir;
    const std::string path = dir.file("ledger.db");
    constexpr int k_old_rows = 1500;
    {
      Db db(path, llmgw::store::DbOptions{5000, false});
      llmgw::store::migrate(db, llmgw::store::migrations().first(14));
      llmgw::store::Transaction transaction(db);
      Statement insert = db.prepare(llmgw::store::k_insert_request_sql);
      for (int n = 0; n < k_old_rows; ++n) {
        const RequestRecord record = varied_record(n); // bound in place: alive until the insert ran
        insert.reset();
        llmgw::store::bind_request(insert, record);
        insert.run();
      }
      transaction.commit();
    }
    {
      Db db(path); // migrates
      Statement indexes = db.prepare("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name IN "
                                     "('requests_agent', 'requests_provider', 'requests_model')");
      REQUIRE(indexes.step());
      CHECK(indexes.column_int64(0) == 0);
      // One run for each agent, provider and model in each block of 1,024 ids, within the block.
      Statement combinations =
          db.prepare("SELECT COUNT(*) FROM (SELECT 1 FROM requests GROUP BY id / 1024, agent, provider, "
                     "COALESCE(NULLIF(served_model, ''), requested_model))");
      REQUIRE(combinations.step());
      CHECK(combinations.column_int64(0) > 2);
      Statement runs = db.prepare("SELECT COUNT(*), SUM(requests) FROM request_runs WHERE batch_first = first_id / "
                                  "1024 * 1024 AND last_id / 1024 = first_id / 1024");
      REQUIRE(runs.step());
      CHECK(runs.column_int64(0) == combinations.column_int64(0));
      CHECK(runs.column_int64(1) == k_old_rows);
    }
    check_every_filter(path, k_old_rows);
    // Rows the ledger writes after them: the log reads the old runs and the new ones alike.
    {
      llmgw::store::Ledger ledger(path);
      record_rows(ledger, k_old_rows, k_old_rows + 900, {k_old_rows + 3, k_old_rows + 200});
    }
    check_every_filter(path, k_old_rows + 900);
  }

  TEST_CASE("a prune deletes the runs below the oldest row left, and the log still matches a scan") {
    if (llmgw::test::postgres_under_test()) return;
    StoreDir dir;
    const std::string path = dir.file("ledger.db");
    {
      llmgw::store::Ledger ledger(path);
      record_rows(ledger, 0, 2400, {99, 150, 1000, 1001});
    }
    Db db(path);
    // Rows are a second apart: those before the 15-minute bucket of row 1,800 go (the first 1,000).
    const auto pruned = llmgw::store::prune_ledger(db, k_start_ms + 1800 * 1000, false);
    CHECK(pruned.rows > 0);
    Statement oldest = db.prepare("SELECT MIN(id) FROM requests");
    REQUIRE(oldest.step());
    const int64_t min_id = oldest.column_int64(0);
    Statement below = db.prepare("SELECT COUNT(*) FROM request_runs WHERE last_id < ?1");
    below.bind_int64(1, min_id);
    REQUIRE(below.step());
    CHECK(below.column_int64(0) == 0);
    Statement kept = db.prepare("SELECT COUNT(*) FROM request_runs");
    REQUIRE(kept.step());
    CHECK(kept.column_int64(0) > 0);
    check_every_filter(path, 2400);
  }
}
