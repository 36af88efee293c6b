#include "store/db.hpp"
#include "store/ledger.hpp"
#include "store/rate_windows.hpp"
#include "store/reports.hpp"
#include "store_test_support.hpp"

#include <doctest/doctest.h>

#include <vector>

using llmgw::core::Outcome;
using llmgw::core::RequestRecord;
using llmgw::store::Db;
using llmgw::store::GroupBy;
using llmgw::store::UsageFilter;
using llmgw::store::UsageRow;
using llmgw::test::sample_record;
using llmgw::test::StoreDir;

namespace {

constexpr int64_t k_hour_ms = 3'600'000;
constexpr int64_t k_2024_01_02_utc_ms = 1'704'153'600'000; // 2024-01-02T00:00:00Z

RequestRecord row(int64_t at_ms, const std::string& model, int64_t cost_usd_pico) {
  RequestRecord r = sample_record(at_ms);
  r.served_model = model;
  r.cost_usd_pico = cost_usd_pico;
  return r;
}

void write_rows(const std::string& path, const std::vector<RequestRecord>& rows) {
  llmgw::store::Ledger ledger(path);
  for (const RequestRecord& r : rows) ledger.record(r);
}

const UsageFilter k_everything{0, INT64_MAX, ""};

} // namespace

TEST_SUITE("store reports") {
  TEST_CASE("an empty ledger reports one total row of zeros") {
    StoreDir dir;
    Db db(dir.file("llmgw.db"));
    const auto rows = llmgw::store::usage_report(db, k_everything, GroupBy::none);
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].key.empty());
    CHECK(rows[0].requests == 0);
    CHECK(rows[0].cost_usd_pico == 0);
    CHECK(llmgw::store::usage_report(db, k_everything, GroupBy::model).empty());
  }

  TEST_CASE("the total sums every column over a half-open window") {
    StoreDir dir;
    const int64_t since = k_2024_01_02_utc_ms;
    RequestRecord failed = row(since + 1, "m", 7);
    failed.outcome = Outcome::upstream_error;
    failed.unpriced = true;
    RequestRecord client_paid = row(since + 2, "m", 1'000);
    client_paid.billed_to_client = true;
    write_rows(dir.file("llmgw.db"), {row(since - 1, "m", 100'000), row(since, "m", 3), failed, client_paid,
                                      row(since + k_hour_ms, "m", 100'000)});
    Db db(dir.file("llmgw.db"));
    const auto rows = llmgw::store::usage_report(db, UsageFilter{since, since + k_hour_ms, ""}, GroupBy::none);
    REQUIRE(rows.size() == 1);
    const UsageRow& total = rows[0];
    CHECK(total.requests == 3);
    CHECK(total.errors == 1);
    CHECK(total.input_uncached_tokens == 300);
    CHECK(total.cache_read_tokens == 6000);
    CHECK(total.cache_write_5m_tokens == 900);
    CHECK(total.cache_write_1h_tokens == 120);
    CHECK(total.output_tokens == 150);
    CHECK(total.reasoning_tokens == 15);
    CHECK(total.cost_usd_pico == 1'010);
    CHECK(total.unpriced_requests == 1);
    CHECK(total.billed_to_client_cost_usd_pico == 1'000);
  }

  TEST_CASE("grouping by model uses the served model, else the requested one, most expensive first") {
    StoreDir dir;
    RequestRecord unserved = row(1, "", 5);
    unserved.requested_model = "gpt-5";
    write_rows(dir.file("llmgw.db"),
               {row(1, "cheap", 1), row(2, "dear", 50), row(3, "cheap", 2), unserved, row(4, "gpt-5", 5)});
    Db db(dir.file("llmgw.db"));
    const auto rows = llmgw::store::usage_report(db, k_everything, GroupBy::model);
    REQUIRE(rows.size() == 3);
    CHECK(rows[0].key == "dear");
    CHECK(rows[1].key == "gpt-5");
    CHECK(rows[1].requests == 2);
    CHECK(rows[1].cost_usd_pico == 10);
    CHECK(rows[2].key == "cheap");
    CHECK(rows[2].cost_usd_pico == 3);
  }

  TEST_CASE("grouping by provider, agent and session keys on those columns") {
    StoreDir dir;
    RequestRecord other = row(1, "m", 10);
    other.provider = "openai";
    other.agent = "codex";
    other.session_id = "";
    write_rows(dir.file("llmgw.db"), {row(1, "m", 1), other, other});
    Db db(dir.file("llmgw.db"));
    const auto providers = llmgw::store::usage_report(db, k_everything, GroupBy::provider);
    REQUIRE(providers.size() == 2);
    CHECK(providers[0].key == "openai");
    CHECK(providers[0].requests == 2);
    CHECK(providers[1].key == "anthropic");
    const auto agents = llmgw::store::usage_report(db, k_everything, GroupBy::agent);
    REQUIRE(agents.size() == 2);
    CHECK(agents[0].key == "codex");
    const auto sessions = llmgw::store::usage_report(db, k_everything, GroupBy::session);
    REQUIRE(sessions.size() == 2);
    CHECK(sessions[0].key.empty());
    CHECK(sessions[1].key == "session-1");
  }

  TEST_CASE("grouping by day uses the local time zone and orders days ascending") {
    llmgw::test::ScopedTz tz("<-05>5"); // UTC-5 all year
    StoreDir dir;
    // 03:00Z and 04:00Z on Jan 2 are still Jan 1 in UTC-5; 06:00Z is Jan 2 there. The later day
    // costs most, so cost order would put it first.
    write_rows(dir.file("llmgw.db"),
               {row(k_2024_01_02_utc_ms + 6 * k_hour_ms, "m", 1000), row(k_2024_01_02_utc_ms + 3 * k_hour_ms, "m", 100),
                row(k_2024_01_02_utc_ms + 4 * k_hour_ms, "m", 100)});
    Db db(dir.file("llmgw.db"));
    const auto days = llmgw::store::usage_report(db, k_everything, GroupBy::day);
    REQUIRE(days.size() == 2);
    CHECK(days[0].key == "2024-01-01");
    CHECK(days[0].requests == 2);
    CHECK(days[1].key == "2024-01-02");
    CHECK(days[1].requests == 1);
  }

  TEST_CASE("recent requests are the newest rows, oldest first, with their ids") {
    StoreDir dir;
    std::vector<RequestRecord> rows;
    for (int i = 1; i <= 10; ++i) rows.push_back(row(i, "m", i));
    write_rows(dir.file("llmgw.db"), rows);
    Db db(dir.file("llmgw.db"));
    const auto recent = llmgw::store::recent_requests(db, 3);
    REQUIRE(recent.size() == 3);
    CHECK(recent[0].id == 8);
    CHECK(recent[2].id == 10);
    CHECK(recent[2].record.cost_usd_pico == 10);
  }

  TEST_CASE("requests after an id page forward in id order") {
    StoreDir dir;
    std::vector<RequestRecord> rows;
    for (int i = 1; i <= 10; ++i) rows.push_back(row(i, "m", i));
    write_rows(dir.file("llmgw.db"), rows);
    Db db(dir.file("llmgw.db"));
    const auto first = llmgw::store::requests_after(db, 0, 4);
    REQUIRE(first.size() == 4);
    CHECK(first.front().id == 1);
    const auto next = llmgw::store::recent_requests(db, 4, first.back().id);
    REQUIRE(next.size() == 4);
    CHECK(next.front().id == 5);
    CHECK(next.back().id == 8);
    CHECK(llmgw::store::requests_after(db, 10, 4).empty());
  }

  TEST_CASE("estimated and unpriced requests are counted per group and named per model") {
    StoreDir dir;
    RequestRecord estimated = row(1, "gpt-5-mini", 40);
    estimated.usage_source = llmgw::core::UsageSource::estimated;
    estimated.provider = "openai";
    RequestRecord unpriced = row(2, "gpt-x", 0);
    unpriced.unpriced = true;
    unpriced.provider = "openai";
    write_rows(dir.file("llmgw.db"), {row(1, "m", 10), estimated, estimated, unpriced});
    Db db(dir.file("llmgw.db"));
    const auto providers = llmgw::store::usage_report(db, k_everything, GroupBy::provider);
    REQUIRE(providers.size() == 2);
    CHECK(providers[0].key == "openai");
    CHECK(providers[0].estimated_requests == 2);
    CHECK(providers[0].unpriced_requests == 1);
    CHECK(providers[0].family_priced_requests == 0);
    CHECK(providers[0].inexact());
    CHECK_FALSE(providers[1].inexact());
    const auto models = llmgw::store::inexact_models(db, k_everything);
    REQUIRE(models.size() == 2);
    CHECK(models[0].model == "gpt-5-mini");
    CHECK(models[0].estimated_requests == 2);
    CHECK(models[1].model == "gpt-x");
    CHECK(models[1].unpriced_requests == 1);
  }

  TEST_CASE("family-priced rows are counted and their price basis is logged") {
    StoreDir dir;
    write_rows(dir.file("llmgw.db"), {row(1, "claude-opus-5-5", 10), row(2, "claude-opus-5", 10)});
    Db db(dir.file("llmgw.db"));
    db.exec(
        "UPDATE requests SET price_basis = CASE served_model WHEN 'claude-opus-5-5' THEN 'family' ELSE 'exact' END");
    const auto total = llmgw::store::usage_report(db, k_everything, GroupBy::none);
    REQUIRE(total.size() == 1);
    CHECK(total[0].family_priced_requests == 1);
    const auto models = llmgw::store::inexact_models(db, k_everything);
    REQUIRE(models.size() == 1);
    CHECK(models[0].model == "claude-opus-5-5");
    CHECK(models[0].family_priced_requests == 1);
    const auto logged = llmgw::store::recent_requests(db, 10);
    REQUIRE(logged.size() == 2);
    CHECK(logged[0].price_basis == "family");
    CHECK(logged[1].price_basis == "exact");
  }

  TEST_CASE("a session's cost sums its rows and names its latest agent, key, project and provider") {
    StoreDir dir;
    RequestRecord first = row(1, "m", 100);
    RequestRecord latest = row(2, "m", 20);
    latest.key_name = "laptop";
    latest.project = "web";
    RequestRecord other = row(3, "m", 5000);
    other.session_id = "session-2";
    write_rows(dir.file("llmgw.db"), {first, latest, other});
    Db db(dir.file("llmgw.db"));
    const auto spend = llmgw::store::session_spend(db, "session-1");
    CHECK(spend.requests == 2);
    CHECK(spend.cost_usd_pico == 120);
    CHECK(spend.agent == "claude-code");
    CHECK(spend.key_name == "laptop");
    CHECK(spend.project == "web");
    CHECK(spend.provider == "anthropic");
    CHECK(llmgw::store::session_spend(db, "nobody").requests == 0);
    CHECK(llmgw::store::session_spend(db, "").requests == 0);
  }

  TEST_CASE("the ledger keeps the latest window headers per provider") {
    StoreDir dir;
    RequestRecord early = row(1'000, "m", 1);
    early.rate_windows = {{"anthropic-ratelimit-unified-5h-utilization", "0.10"},
                          {"anthropic-ratelimit-unified-overage-status", "allowed"}};
    RequestRecord late = row(2'000, "m", 1);
    late.rate_windows = {{"anthropic-ratelimit-unified-5h-utilization", "0.43"}};
    RequestRecord codex = row(1'500, "m", 1);
    codex.agent = "codex";
    codex.provider = "openai";
    codex.rate_windows = {{"x-ratelimit-remaining-requests", "9"}};
    RequestRecord none = row(3'000, "m", 1); // no headers: what was kept stays
    write_rows(dir.file("llmgw.db"), {early, codex, late, none});
    Db db(dir.file("llmgw.db"));
    const auto windows = llmgw::store::latest_rate_windows(db);
    REQUIRE(windows.size() == 2);
    CHECK(windows[0].provider == "anthropic");
    CHECK(windows[0].agent == "claude-code");
    CHECK(windows[0].updated_at_ms == 2'000 + 1234);
    REQUIRE(windows[0].headers.size() == 1); // the overage header of the older answer is gone
    CHECK(windows[0].headers[0].second == "0.43");
    CHECK(windows[1].provider == "openai");
    CHECK(windows[1].headers[0] == llmgw::core::RateWindowHeader{"x-ratelimit-remaining-requests", "9"});
  }
}
