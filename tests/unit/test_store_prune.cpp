// `llmgw ledger prune` and retention: old rows folded into usage_rollup and deleted, `usage`
// totals unchanged to the pico-dollar, the file smaller afterwards.
#include "store/db.hpp"
#include "store/prune.hpp"
#include "store/reports.hpp"
#include "store/request_rows.hpp"
#include "store_test_support.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <tuple>
#include <vector>

using llmgw::core::Outcome;
using llmgw::core::RequestRecord;
using llmgw::store::Db;
using llmgw::store::GroupBy;
using llmgw::store::UsageFilter;
using llmgw::store::UsageRow;
using llmgw::test::sample_record;
using llmgw::test::ScopedTz;
using llmgw::test::TempDir;

namespace {

constexpr int64_t k_day_ms = 86'400'000;
constexpr int64_t k_2024_01_01_utc_ms = 1'704'067'200'000;

// n rows spread evenly over `days` days from 2024-01-01 UTC, written in one transaction (as
// the ledger writes them: every column bound); every 19th took two tries (the first elsewhere).
void generate_ledger(Db& db, int64_t rows, int days) {
  const char* models[] = {"claude-sonnet-4-5", "claude-haiku-4-5", "gpt-5", "gpt-4o-mini"};
  const char* agents[] = {"claude-code", "codex", "aider"};
  llmgw::store::Transaction transaction(db);
  auto insert = db.prepare(llmgw::store::k_insert_request_sql);
  auto attempt = db.prepare(llmgw::store::k_insert_attempt_sql);
  const int64_t step_ms = static_cast<int64_t>(days) * k_day_ms / rows;
  for (int64_t i = 0; i < rows; ++i) {
    RequestRecord r = sample_record(k_2024_01_01_utc_ms + i * step_ms + i % 7);
    // Who sends what changes every few hundred requests (a session at a time), as in real use.
    r.requested_model = models[i / 300 % 4];
    r.served_model = i / 300 % 5 == 0 ? "" : r.requested_model + "-2025";
    r.provider = i / 300 % 4 < 2 ? "anthropic" : "openai";
    r.agent = agents[i / 1000 % 3];
    r.key_name = i / 500 % 6 == 0 ? "ci" : "";
    r.user_name = i / 400 % 5 == 0 ? "alice" : i / 400 % 5 == 1 ? "bob" : "";
    r.project = i / 700 % 10 < 3 ? "web" : "";
    r.session_id = "session-" + std::to_string(i / 40);
    r.outcome = i % 17 == 0 ? Outcome::upstream_error : Outcome::ok;
    r.unpriced = i % 31 == 0;
    r.cost_usd_pico = r.unpriced ? 0 : 1'000'003 * (i % 97 + 1);
    r.usage.input_uncached_tokens = i % 1000;
    r.usage.output_tokens = i % 333;
    r.usage.reasoning_tokens = i % 3;
    r.usage_source = i % 13 == 0 ? llmgw::core::UsageSource::estimated : llmgw::core::UsageSource::reported;
    r.price_basis = i % 11 == 0 ? "family" : "exact";
    r.billed_to_client = i % 7 == 0;
    insert.reset();
    llmgw::store::bind_request(insert, r);
    REQUIRE(insert.step()); // RETURNING id
    const int64_t id = insert.column_int64(0);
    insert.run();
    if (i % 19 != 0) continue;
    for (int n = 1; n <= 2; ++n) {
      attempt.reset();
      attempt.bind_int64(1, id);
      attempt.bind_int64(2, n);
      attempt.bind_text(3, n == 1 ? (r.provider == "openai" ? "anthropic" : "openai") : r.provider);
      attempt.bind_text(4, r.requested_model);
      attempt.bind_int64(5, n == 1 ? 529 : 200);
      attempt.bind_int64(6, 100);
      attempt.bind_text(7, n == 1 ? "overloaded" : "");
      attempt.run();
    }
  }
  transaction.commit();
}

auto fields(const UsageRow& r) {
  return std::make_tuple(r.key, r.requests, r.errors, r.input_uncached_tokens, r.cache_read_tokens,
                         r.cache_write_5m_tokens, r.cache_write_1h_tokens, r.output_tokens, r.reasoning_tokens,
                         r.cost_usd_pico, r.unpriced_requests, r.estimated_requests, r.family_priced_requests,
                         r.billed_to_client_cost_usd_pico, r.retried, r.fell_back);
}

using Report = std::vector<decltype(fields(UsageRow{}))>;
using Inexact = std::vector<std::tuple<std::string, int64_t, int64_t, int64_t>>;

// Every report `usage` can make over the windows a user asks for (whole local days and hours),
// all in one value to compare.
std::pair<std::vector<Report>, std::vector<Inexact>> every_report(Db& db) {
  const std::vector<UsageFilter> windows{
      {0, INT64_MAX, ""},
      {0, INT64_MAX, "ci"},
      {k_2024_01_01_utc_ms + 10 * k_day_ms, k_2024_01_01_utc_ms + 40 * k_day_ms, ""},
      {k_2024_01_01_utc_ms + 25 * k_day_ms + 5 * 3'600'000, k_2024_01_01_utc_ms + 70 * k_day_ms, ""},
  };
  std::vector<Report> reports;
  std::vector<Inexact> inexact;
  for (const auto& window : windows) {
    for (GroupBy group : {GroupBy::none, GroupBy::model, GroupBy::provider, GroupBy::agent, GroupBy::day, GroupBy::key,
                          GroupBy::project, GroupBy::user}) {
      Report report;
      for (const auto& row : llmgw::store::usage_report(db, window, group)) report.push_back(fields(row));
      reports.push_back(report);
    }
    Inexact models;
    for (const auto& m : llmgw::store::inexact_models(db, window))
      models.emplace_back(m.model, m.unpriced_requests, m.estimated_requests, m.family_priced_requests);
    inexact.push_back(models);
  }
  return {reports, inexact};
}

int64_t count(Db& db, const char* sql) {
  auto query = db.prepare(sql);
  return query.step() ? query.column_int64(0) : -1;
}

int64_t file_size(const std::string& path) { return static_cast<int64_t>(std::filesystem::file_size(path)); }

} // namespace

TEST_CASE("ledger prune: usage totals are identical before and after, and the file shrinks (200,000 rows)") {
  if (llmgw::test::postgres_under_test()) return; // SQLite's file and vacuum; PostgreSQL: the next test
  TempDir dir;
  const std::string path = dir.file("llmgw.db");
  Db db(path);
  generate_ledger(db, 200'000, 100);
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  const int64_t rows_before = count(db, "SELECT COUNT(*) FROM requests");
  REQUIRE(rows_before == 200'000);
  const int64_t bytes_before = file_size(path);
  ScopedTz zone("<-0530>-5:30"); // local days start at 18:30 UTC
  const auto before = every_report(db);

  // Rows before day 60 (60 % of them) go.
  const int64_t cutoff = k_2024_01_01_utc_ms + 60 * k_day_ms;
  const auto dry = llmgw::store::prune_ledger(db, cutoff, true);
  CHECK(dry.rows == 120'000);
  CHECK(count(db, "SELECT COUNT(*) FROM requests") == rows_before); // a dry run deletes nothing
  const auto pruned = llmgw::store::prune_ledger(db, cutoff, false);
  CHECK(pruned.rows == dry.rows);
  CHECK(pruned.attempts == dry.attempts);
  CHECK(pruned.attempts > 0);
  CHECK_FALSE(pruned.vacuumed); // a new file is incremental from the start
  CHECK(count(db, "SELECT COUNT(*) FROM requests") == rows_before - pruned.rows);
  CHECK(count(db, "SELECT COUNT(*) FROM attempts WHERE request_id NOT IN (SELECT id FROM requests)") == 0);
  CHECK(pruned.bytes_after < pruned.bytes_before);
  CHECK(file_size(path) < bytes_before * 6 / 10);
  CHECK(every_report(db) == before);
}

TEST_CASE("ledger prune: reports match in every zone, a second prune adds to the sums, an older file is converted") {
  if (llmgw::test::postgres_under_test()) return; // SQLite's auto-vacuum; PostgreSQL: the next test
  TempDir dir;
  const std::string path = dir.file("llmgw.db");
  {
    // A file made before auto-vacuum was turned on.
    Db old_file(path);
    old_file.exec("PRAGMA auto_vacuum=NONE; VACUUM");
    REQUIRE(count(old_file, "PRAGMA auto_vacuum") == 0);
    generate_ledger(old_file, 20'000, 60);
  }
  Db db(path);
  std::vector<std::pair<std::vector<Report>, std::vector<Inexact>>> before;
  const char* zones[] = {"UTC0", "<-0530>-5:30", "<+0945>-9:45", "CET-1CEST,M3.5.0,M10.5.0/3"};
  for (const char* tz : zones) {
    ScopedTz zone(tz);
    before.push_back(every_report(db));
  }
  const auto first = llmgw::store::prune_ledger(db, k_2024_01_01_utc_ms + 20 * k_day_ms + 123'456, false);
  CHECK(first.vacuumed);
  CHECK(first.cutoff_ms % 900'000 == 0);
  CHECK(count(db, "PRAGMA auto_vacuum") == 2);
  const auto second = llmgw::store::prune_ledger(db, k_2024_01_01_utc_ms + 45 * k_day_ms, false);
  CHECK_FALSE(second.vacuumed);
  CHECK(second.rows > 0);
  for (size_t i = 0; i < std::size(zones); ++i) {
    ScopedTz zone(zones[i]);
    INFO(zones[i]);
    CHECK(every_report(db) == before[i]);
  }
  CHECK(llmgw::store::prune_ledger(db, k_2024_01_01_utc_ms, false).rows == 0);
}

TEST_CASE("ledger prune (SQLite and PostgreSQL): reports match in every zone after two prunes") {
  llmgw::test::StoreDir dir;
  Db db(dir.file("llmgw.db"));
  generate_ledger(db, 8'000, 60);
  std::vector<std::pair<std::vector<Report>, std::vector<Inexact>>> before;
  const char* zones[] = {"UTC0", "<-0530>-5:30", "CET-1CEST,M3.5.0,M10.5.0/3"};
  for (const char* tz : zones) {
    ScopedTz zone(tz);
    before.push_back(every_report(db));
  }
  const auto first = llmgw::store::prune_ledger(db, k_2024_01_01_utc_ms + 20 * k_day_ms + 123'456, false);
  CHECK(first.rows > 0);
  CHECK(first.attempts > 0);
  const auto second = llmgw::store::prune_ledger(db, k_2024_01_01_utc_ms + 45 * k_day_ms, false);
  CHECK(second.rows > 0);
  CHECK(first.rows + second.rows == 8'000 * 45 / 60);
  CHECK(count(db, "SELECT COUNT(*) FROM attempts WHERE request_id NOT IN (SELECT id FROM requests)") == 0);
  for (size_t i = 0; i < std::size(zones); ++i) {
    ScopedTz zone(zones[i]);
    INFO(zones[i]);
    CHECK(every_report(db) == before[i]);
  }
}

TEST_CASE("ledger retention: 0 days keeps everything, else the cut-off is that many days back") {
  CHECK(llmgw::store::retention_cutoff_ms(0, 1'000 * k_day_ms) == 0);
  CHECK(llmgw::store::retention_cutoff_ms(90, 1'000 * k_day_ms) == 910 * k_day_ms);
}

// The README's size figures: `build-dev/tests/llmgw_unit_tests -tc='ledger size*' --no-skip`.
TEST_CASE("ledger size: bytes per row of a 1,000,000-row ledger" * doctest::skip()) {
  TempDir dir;
  const std::string path = dir.file("llmgw.db");
  Db db(path);
  const int64_t empty = file_size(path);
  const auto started = std::chrono::steady_clock::now();
  generate_ledger(db, 1'000'000, 365);
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const int64_t bytes = file_size(path);
  MESSAGE("1,000,000 rows: " << bytes << " bytes (" << (bytes - empty) / 1'000'000 << " bytes a row), generated in "
                             << seconds << " s");
  const auto pruned = llmgw::store::prune_ledger(db, k_2024_01_01_utc_ms + 275 * k_day_ms, false);
  MESSAGE("pruned " << pruned.rows << " rows (all but the last 90 days): " << pruned.bytes_before << " -> "
                    << pruned.bytes_after << " bytes; rollup rows: " << count(db, "SELECT COUNT(*) FROM usage_rollup"));
  CHECK(pruned.bytes_after < bytes);
}
