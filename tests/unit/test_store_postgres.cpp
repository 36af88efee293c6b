// The PostgreSQL backend: pieces checked without a server (placeholders, redaction, globs), then,
// against the test cluster (suite "store postgres", skipped unless run with --no-skip by ctest's
// "unit (PostgreSQL): store" entry), the same reports as SQLite from the same rows, migrations of
// instances starting together, and reconnecting after the server drops the connection.
#include "store/dashboard_data.hpp"
#include "store/db.hpp"
#include "store/ledger.hpp"
#include "store/pg_connection.hpp"
#include "store/pg_migrations.hpp"
#include "store/reports.hpp"
#include "store/settings.hpp"
#include "store_test_support.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <regex>
#include <thread>
#include <tuple>
#include <vector>

using llmgw::core::RequestRecord;
using llmgw::store::BusyError;
using llmgw::store::Db;
using llmgw::store::GroupBy;
using llmgw::store::Statement;
using llmgw::test::postgres_test_url;
using llmgw::test::sample_record;
using llmgw::test::ScopedTz;
using llmgw::test::StoreDir;

namespace {

int64_t scalar(Db& db, const std::string& sql) {
  Statement stmt = db.prepare(sql);
  REQUIRE(stmt.step());
  return stmt.column_int64(0);
}

// 400 rows over ~40 days around a DST change, in several models, agents, keys and sessions.
std::vector<RequestRecord> varied_rows() {
  std::vector<RequestRecord> rows;
  const char* models[] = {"claude-sonnet-4-5", "gpt-5", "gpt-4o-mini"};
  for (int i = 0; i < 400; ++i) {
    RequestRecord r = sample_record(1'711'000'000'000 + int64_t{i} * 8'640'000 + i * 7'919);
    r.served_model = i % 5 == 0 ? "" : models[i % 3];
    r.requested_model = models[(i + 1) % 3];
    r.agent = i % 2 ? "codex" : "claude-code";
    r.provider = i % 3 ? "openai" : "anthropic";
    r.key_name = i % 4 ? "" : "ci";
    r.project = i % 6 ? "web" : "";
    r.session_id = "s" + std::to_string(i % 9);
    r.cost_usd_pico = 1'000'003 * (i % 17);
    r.outcome = i % 11 ? llmgw::core::Outcome::ok : llmgw::core::Outcome::upstream_error;
    r.http_status = i % 11 ? 200 : 529;
    r.unpriced = i % 23 == 0;
    r.billed_to_client = i % 7 == 0;
    r.usage_source = i % 13 ? llmgw::core::UsageSource::reported : llmgw::core::UsageSource::estimated;
    r.price_basis = i % 10 == 0 ? "family" : "exact";
    if (i % 19 == 0) r.attempts = {{"anthropic", "m", 529, 10, "overloaded"}, {r.provider, "m", 200, 20, ""}};
    rows.push_back(r);
  }
  return rows;
}

auto fields(const llmgw::store::UsageRow& r) {
  return std::make_tuple(r.key, r.requests, r.errors, r.input_uncached_tokens, r.cache_read_tokens,
                         r.cache_write_5m_tokens, r.cache_write_1h_tokens, r.output_tokens, r.reasoning_tokens,
                         r.cost_usd_pico, r.unpriced_requests, r.estimated_requests, r.family_priced_requests,
                         r.billed_to_client_cost_usd_pico, r.retried, r.fell_back);
}

// Every report over a few windows, as comparable values.
std::vector<std::string> every_report(Db& db) {
  std::vector<std::string> out;
  const std::vector<llmgw::store::UsageFilter> windows{
      {0, INT64_MAX, ""}, {0, INT64_MAX, "ci"}, {1'712'000'000'000, 1'713'500'000'000, ""}};
  for (const auto& window : windows) {
    for (GroupBy group : {GroupBy::none, GroupBy::model, GroupBy::provider, GroupBy::agent, GroupBy::day,
                          GroupBy::session, GroupBy::key, GroupBy::project, GroupBy::week, GroupBy::month}) {
      for (const auto& row : llmgw::store::usage_report(db, window, group)) {
        const auto f = fields(row);
        std::string line = std::string(llmgw::store::to_string(group)) + " " + std::get<0>(f);
        std::apply([&](const auto&, const auto&... n) { ((line += " " + std::to_string(n)), ...); }, f);
        out.push_back(line);
      }
    }
    for (const auto& m : llmgw::store::inexact_models(db, window))
      out.push_back("inexact " + m.model + " " + std::to_string(m.unpriced_requests) + " " +
                    std::to_string(m.estimated_requests) + " " + std::to_string(m.family_priced_requests));
  }
  for (const char* glob : {"gpt-*", "claude-?onnet*", "gpt-[45]*", ""})
    for (const char* status : {"", "ok", "error", "529"})
      for (const auto& logged : llmgw::store::filtered_requests(db, {glob, "", "", status, 0}, 50))
        out.push_back(std::string("log ") + glob + " " + status + " " + std::to_string(logged.id));
  for (int s = 0; s < 9; ++s) {
    const auto spend = llmgw::store::session_spend(db, "s" + std::to_string(s));
    out.push_back("session " + std::to_string(spend.requests) + " " + std::to_string(spend.cost_usd_pico) + " " +
                  spend.agent + " " + spend.provider);
  }
  // Spent rows come in no particular order (GROUP BY without ORDER BY).
  std::vector<std::string> spent;
  for (const auto& row : llmgw::store::spent_rows(db, 1'712'500'000'000))
    spent.push_back("spent " + std::to_string(static_cast<int>(row.period)) + " " +
                    std::to_string(static_cast<int>(row.scope)) + " " + row.value + " " +
                    std::to_string(row.cost_pico));
  std::sort(spent.begin(), spent.end());
  out.insert(out.end(), spent.begin(), spent.end());
  return out;
}

// Every dashboard answer over the rows, as one JSON document.
nlohmann::json every_dashboard_answer(const std::string& location) {
  llmgw::store::DashboardData data(location);
  const int64_t now = 1'712'500'000'000;
  using llmgw::core::dashboard::Range;
  nlohmann::json out = nlohmann::json::array();
  out.push_back(data.summary(now));
  for (const char* by : {"model", "agent", "provider", "project", "key"}) out.push_back(data.spend(30, by, now));
  for (Range range : {Range::today, Range::days7, Range::days30, Range::month}) {
    for (const char* by : {"agent", "model", "provider", "project", "key", "session"})
      out.push_back(data.breakdown(by, range, now));
    out.push_back(data.cache_health(range, now));
  }
  out.push_back(data.requests({20, 0, "", "", "", ""}));
  out.push_back(data.requests({20, 300, "", "codex", "", "error"}));
  out.push_back(data.requests({20, 0, "gpt-5", "", "openai", "ok"}));
  out.push_back(data.request(7).value_or(nullptr));
  out.push_back(data.caps(true, now));
  return out;
}

} // namespace

TEST_SUITE("store postgres pieces") {
  TEST_CASE("SQLite placeholders become PostgreSQL's, outside quotes and comments") {
    int count = 0;
    CHECK(llmgw::store::postgres_placeholders("SELECT ?1, ?12 FROM t WHERE a = ?2", count) ==
          "SELECT $1, $12 FROM t WHERE a = $2");
    CHECK(count == 12);
    CHECK(llmgw::store::postgres_placeholders("VALUES (?, ?, '?', \"a?\") -- ?\n, ?", count) ==
          "VALUES ($1, $2, '?', \"a?\") -- ?\n, $3");
    CHECK(count == 3);
    CHECK(llmgw::store::postgres_placeholders("SELECT 'it''s ?1', ?1", count) == "SELECT 'it''s ?1', $1");
    CHECK(count == 1);
  }

  TEST_CASE("a URL's password never reaches a message") {
    CHECK(llmgw::store::redact_url("postgres://team:s3cret@db.example:5432/llmgw") ==
          "postgres://team:***@db.example:5432/llmgw");
    CHECK(llmgw::store::redact_url("postgresql://db/llmgw?user=a&password=s3cret&sslmode=require") ==
          "postgresql://db/llmgw?user=a&password=***&sslmode=require");
    CHECK(llmgw::store::redact_url("postgres://team@db/llmgw") == "postgres://team@db/llmgw");
    // Nothing listens on port 1: the error names the database without the password.
    try {
      Db db("postgres://team:s3cret@127.0.0.1:1/llmgw");
      FAIL("connecting should fail");
    } catch (const llmgw::Error& e) {
      const std::string message = e.what();
      CHECK(message.find("s3cret") == std::string::npos);
      CHECK(message.find("postgres://team:***@127.0.0.1:1/llmgw: cannot connect") == 0);
    }
  }

  TEST_CASE("globs as regexes match what SQLite's GLOB matches") {
    const std::vector<std::string> names{"gpt-5", "gpt-4o-mini", "claude-sonnet-4-5", "a.b", "a+b", "gpt-"};
    for (const char* glob : {"gpt-*", "gpt-?", "*4*", "a.b", "a+b", "gpt-[45]*", "gpt-[^4]*", "*"}) {
      const std::regex regex(llmgw::store::glob_to_regex(glob), std::regex::extended);
      std::string matched;
      for (const auto& name : names)
        if (std::regex_search(name, regex)) matched += name + " ";
      CAPTURE(glob);
      CAPTURE(matched);
      const std::string g = glob;
      if (g == "gpt-*") CHECK(matched == "gpt-5 gpt-4o-mini gpt- ");
      if (g == "gpt-?") CHECK(matched == "gpt-5 ");
      if (g == "*4*") CHECK(matched == "gpt-4o-mini claude-sonnet-4-5 ");
      if (g == "a.b") CHECK(matched == "a.b ");
      if (g == "a+b") CHECK(matched == "a+b ");
      if (g == "gpt-[45]*") CHECK(matched == "gpt-5 gpt-4o-mini ");
      if (g == "gpt-[^4]*") CHECK(matched == "gpt-5 ");
      if (g == "*") CHECK(matched == "gpt-5 gpt-4o-mini claude-sonnet-4-5 a.b a+b gpt- ");
    }
  }
}

TEST_SUITE("store postgres" * doctest::skip()) {
  TEST_CASE("the same rows give the same reports on SQLite and PostgreSQL, in every zone and grouping") {
    StoreDir dir;
    const std::string sqlite_path = dir.plain_file("llmgw.db");
    const std::string pg_url = dir.file("llmgw.db");
    REQUIRE(llmgw::store::is_postgres_url(pg_url));
    for (const std::string& location : {sqlite_path, pg_url}) {
      llmgw::store::Ledger ledger(location);
      for (const RequestRecord& r : varied_rows()) ledger.record(r);
      ledger.flush();
      CHECK(ledger.rows_written() == 400);
    }
    Db sqlite(sqlite_path);
    Db pg(pg_url);
    CHECK(pg.dialect() == llmgw::store::Dialect::postgres);
    for (const char* tz : {"UTC0", "<-0530>-5:30", "CET-1CEST,M3.5.0,M10.5.0/3", "<+10>-10"}) {
      ScopedTz zone(tz);
      INFO(tz);
      const auto expected = every_report(sqlite);
      CHECK(expected.size() > 100);
      CHECK(every_report(pg) == expected);
      const nlohmann::json sqlite_answers = every_dashboard_answer(sqlite_path);
      const nlohmann::json pg_answers = every_dashboard_answer(pg_url);
      REQUIRE(pg_answers.size() == sqlite_answers.size());
      for (size_t i = 0; i < pg_answers.size(); ++i) {
        CAPTURE(i);
        CHECK(pg_answers[i].dump() == sqlite_answers[i].dump());
      }
    }
  }

  TEST_CASE("instances opening one new database at once migrate it once") {
    StoreDir dir;
    const std::string url = dir.file("llmgw.db");
    std::vector<std::thread> threads;
    std::atomic<int> opened{0};
    for (int i = 0; i < 4; ++i)
      threads.emplace_back([&] {
        Db db(url);
        if (db.user_version() == llmgw::store::pg_migrations().back().version) ++opened;
      });
    for (auto& thread : threads) thread.join();
    CHECK(opened == 4);
    Db db(url);
    CHECK(scalar(db, "SELECT COUNT(*) FROM schema_version") == 1);
    CHECK(scalar(db, "SELECT revision FROM settings_revision") == 0);
    db.exec("UPDATE schema_version SET version = 99");
    CHECK_THROWS_WITH_AS(Db{url}, doctest::Contains("database schema version 99 is newer than this llmgw"),
                         llmgw::Error);
  }

  TEST_CASE("booleans and numeric sums read as integers; a finished statement runs again") {
    StoreDir dir;
    Db db(dir.file("llmgw.db"));
    Statement select = db.prepare("SELECT 1 = 1, 1 = 2, SUM(x), NULL FROM (VALUES (9000000000000), (5)) AS t(x)");
    for (int run = 0; run < 2; ++run) {
      REQUIRE(select.step());
      CHECK(select.column_int64(0) == 1);
      CHECK(select.column_int64(1) == 0);
      CHECK(select.column_int64(2) == 9'000'000'000'005);
      CHECK(select.column_is_null(3));
      CHECK(select.column_text(3).empty());
      CHECK_FALSE(select.step());
    }
    Statement by = db.prepare("SELECT CAST(? AS BIGINT) + 1, ?2 || 'x'");
    by.bind_int64(1, 41);
    by.bind_text(2, "a");
    REQUIRE(by.step());
    CHECK(by.column_int64(0) == 42);
    CHECK(by.column_text(1) == "ax");
    CHECK_THROWS_AS(by.bind_int64(3, 1), llmgw::Error);
  }

  TEST_CASE("a dropped connection is a BusyError, then the next use reconnects; the ledger loses no row") {
    StoreDir dir;
    const std::string url = dir.file("llmgw.db");
    Db admin(url);
    Db db(url);
    llmgw::store::Ledger ledger(url);
    ledger.record(sample_record());
    ledger.flush();
    const auto drop_others = [&] {
      admin.exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND "
                 "pid <> pg_backend_pid()");
    };
    drop_others();
    Statement select = db.prepare("SELECT COUNT(*) FROM requests");
    CHECK_THROWS_AS(select.step(), BusyError);
    REQUIRE(select.step()); // reconnected
    CHECK(select.column_int64(0) == 1);
    CHECK(db.in_autocommit());
    drop_others();
    for (int i = 0; i < 20; ++i) ledger.record(sample_record());
    ledger.flush();
    CHECK(ledger.rows_written() == 21);
    CHECK(ledger.rows_dropped() == 0);
    CHECK(scalar(admin, "SELECT COUNT(*) FROM requests") == 21);
  }

  TEST_CASE("every settings change bumps the revision in the database") {
    StoreDir dir;
    Db db(dir.file("llmgw.db"));
    const int64_t before = llmgw::store::settings_revision(db);
    llmgw::core::policy::CapRule cap;
    cap.period = llmgw::core::policy::Period::day;
    cap.limit_pico = 5;
    const int64_t id = llmgw::store::upsert_cap(db, cap);
    CHECK(llmgw::store::settings_revision(db) == before + 1);
    CHECK(llmgw::store::remove_cap(db, id));
    CHECK(llmgw::store::settings_revision(db) == before + 2);
    // Each bump is announced on channel llmgw_settings (instances LISTEN on it).
    CHECK(scalar(db, "SELECT COUNT(*) FROM pg_proc WHERE proname = 'llmgw_bump_settings' AND prosrc LIKE "
                     "'%pg_notify(''llmgw_settings''%'") == 1);
  }
}
