// The dashboard's JSON API against the ledger after a known load through the fake upstream: the
// sums equal the ledger's own report, the request log and a row's detail match the rows, the
// caps and providers views say what the config and caps say.
#include "store/reports.hpp"
#include "store/settings.hpp"
#include "tests/integration/dashboard_fixture.hpp"
#include "tests/support/fake_upstream.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <map>

using namespace llmgw;
using namespace llmgw::test;

namespace {

double usd(int64_t pico) { return static_cast<double>(pico) / 1e12; }

nlohmann::json get_json(DashboardGateway& gateway, const std::string& session, const std::string& path) {
  auto reply = gateway.get(path, session);
  REQUIRE(reply);
  REQUIRE(reply->status == 200);
  CHECK(reply->get_header_value("Content-Type") == "application/json");
  return nlohmann::json::parse(reply->body);
}

// A known load: OpenAI chat and Anthropic messages from two agents, two sessions, one failure.
void send_load(DashboardGateway& gateway, FakeUpstream& upstream) {
  auto client = gateway.client();
  for (int i = 0; i < 6; ++i) {
    httplib::Headers headers = TestGateway::openai_auth();
    headers.emplace("User-Agent", "codex_cli_rs/0.40");
    REQUIRE(client
                ->Post("/v1/chat/completions", headers,
                       R"({"model":"gpt-4.1","messages":[{"role":"user","content":"hi"}]})", "application/json")
                ->status == 200);
  }
  for (int i = 0; i < 4; ++i) {
    httplib::Headers headers = TestGateway::anthropic_auth();
    headers.emplace("User-Agent", "claude-cli/2.0.0 (external, cli)");
    headers.emplace("x-claude-code-session-id", i < 2 ? "session-a" : "session-b");
    REQUIRE(client
                ->Post("/v1/messages", headers,
                       R"({"model":"claude-sonnet-4-5","max_tokens":10,"messages":[{"role":"user","content":"x"}]})",
                       "application/json")
                ->status == 200);
  }
  upstream.on("POST", "/v1/chat/completions", [](const RecordedRequest&) {
    FakeResponse refusal;
    refusal.status = 400;
    refusal.body = R"({"error":{"message":"bad","type":"invalid_request_error"}})";
    return refusal;
  });
  CHECK(client
            ->Post("/v1/chat/completions", TestGateway::openai_auth(),
                   R"({"model":"gpt-4.1","messages":[{"role":"user","content":"hi"}]})", "application/json")
            ->status == 400);
  gateway.settle();
}

} // namespace

TEST_CASE("dashboard: summary and breakdown equal the ledger after a known load") {
  FakeUpstream upstream;
  DashboardGateway gateway(fake_config(upstream));
  send_load(gateway, upstream);
  const std::string session = gateway.login();
  store::Db db(gateway.db_path());
  const int64_t now = core::policy::now_ms();
  store::UsageFilter today{core::policy::period_start_ms(core::policy::Period::day, now), INT64_MAX, ""};
  const auto total = store::usage_report(db, today, store::GroupBy::none).at(0);
  REQUIRE(total.requests == 11);
  REQUIRE(total.cost_usd_pico > 0);

  const auto summary = get_json(gateway, session, "/dashboard/api/summary");
  for (const char* period : {"today", "month"}) {
    CAPTURE(period);
    const auto& sums = summary.at(period);
    CHECK(sums.at("requests") == total.requests);
    CHECK(sums.at("errors") == total.errors);
    CHECK(sums.at("errors") == 1);
    CHECK(sums.at("input_tokens") == total.input_uncached_tokens);
    CHECK(sums.at("output_tokens") == total.output_tokens);
    CHECK(sums.at("cost_usd").get<double>() == usd(total.cost_usd_pico));
  }
  CHECK(std::llabs(summary.at("generated_at_ms").get<int64_t>() - now) < 60'000);

  const std::map<std::string, store::GroupBy> groups{
      {"model", store::GroupBy::model},       {"agent", store::GroupBy::agent},
      {"provider", store::GroupBy::provider}, {"session", store::GroupBy::session},
      {"project", store::GroupBy::project},   {"key", store::GroupBy::key}};
  for (const auto& [by, group] : groups) {
    CAPTURE(by);
    const auto expected = store::usage_report(db, today, group);
    for (const char* range : {"today", "7d", "30d", "month"}) {
      CAPTURE(range);
      const auto rows = get_json(gateway, session, "/dashboard/api/breakdown?by=" + by + "&range=" + range).at("rows");
      std::map<std::string, nlohmann::json> by_name;
      for (const auto& row : rows) by_name[row.at("name").get<std::string>()] = row;
      size_t with_requests = 0;
      for (const auto& want : expected) {
        if (want.requests == 0) continue; // a provider row made only of fallbacks
        ++with_requests;
        CAPTURE(want.key);
        REQUIRE(by_name.count(want.key));
        const auto& row = by_name[want.key];
        CHECK(row.at("requests") == want.requests);
        CHECK(row.at("cost_usd").get<double>() == usd(want.cost_usd_pico));
        CHECK(row.at("input_tokens") == want.input_uncached_tokens);
        CHECK(row.at("output_tokens") == want.output_tokens);
        CHECK(row.at("cache_read_tokens") == want.cache_read_tokens);
        CHECK(row.at("cache_write_tokens") == want.cache_write_5m_tokens + want.cache_write_1h_tokens);
      }
      CHECK(rows.size() == with_requests);
    }
  }
  // Spend per day: today's column sums to today's cost; models ranked by cost.
  const auto spend = get_json(gateway, session, "/dashboard/api/spend?days=30&by=model");
  REQUIRE(spend.at("days").size() == 30);
  double today_cost = 0;
  for (const auto& series : spend.at("series")) {
    REQUIRE(series.at("values").size() == 30);
    today_cost += series.at("values").back().get<double>();
    for (size_t d = 0; d + 1 < 30; ++d) CHECK(series.at("values")[d].get<double>() == 0.0);
  }
  CHECK(std::fabs(today_cost - usd(total.cost_usd_pico)) < 1e-12);
}

TEST_CASE("dashboard: the request log is newest first, filters, pages, and a row's detail matches the ledger") {
  FakeUpstream upstream;
  DashboardGateway gateway(fake_config(upstream));
  send_load(gateway, upstream);
  const std::string session = gateway.login();
  store::Db db(gateway.db_path());
  const auto ledger = store::recent_requests(db, 100); // oldest first
  REQUIRE(ledger.size() == 11);

  const auto all = get_json(gateway, session, "/dashboard/api/requests?limit=100").at("requests");
  REQUIRE(all.size() == 11);
  for (size_t i = 0; i < all.size(); ++i) {
    const auto& want = ledger[ledger.size() - 1 - i];
    CHECK(all[i].at("id") == want.id);
    CHECK(all[i].at("model") ==
          (want.record.served_model.empty() ? want.record.requested_model : want.record.served_model));
    CHECK(all[i].at("agent") == want.record.agent);
    CHECK(all[i].at("cost_usd").get<double>() == usd(want.record.cost_usd_pico));
    CHECK(all[i].at("started_at_ms") == want.record.started_at_ms);
  }
  const auto page = get_json(gateway, session, "/dashboard/api/requests?limit=4").at("requests");
  REQUIRE(page.size() == 4);
  const auto next =
      get_json(gateway, session,
               "/dashboard/api/requests?limit=4&before_id=" + std::to_string(page[3].at("id").get<int64_t>()))
          .at("requests");
  REQUIRE(next.size() == 4);
  CHECK(next[0].at("id") == page[3].at("id").get<int64_t>() - 1);

  const auto errors = get_json(gateway, session, "/dashboard/api/requests?status=error").at("requests");
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].at("http_status") == 400);
  CHECK(get_json(gateway, session, "/dashboard/api/requests?status=ok").at("requests").size() == 10);
  CHECK(get_json(gateway, session, "/dashboard/api/requests?model=claude-sonnet-4-5").at("requests").size() == 4);
  CHECK(get_json(gateway, session, "/dashboard/api/requests?provider=openai").at("requests").size() == 7);
  CHECK(get_json(gateway, session, "/dashboard/api/requests?agent=claude-code&model=gpt-4.1").at("requests").empty());
  CHECK(gateway.get("/dashboard/api/requests?status=maybe", session)->status == 400);
  CHECK(gateway.get("/dashboard/api/requests?limit=x", session)->status == 400);

  const auto& last = ledger.back();
  const auto detail = get_json(gateway, session, "/dashboard/api/requests/" + std::to_string(last.id));
  CHECK(detail.at("id") == last.id);
  CHECK(detail.at("http_status") == 400);
  CHECK(detail.at("usage").at("input") == last.record.usage.input_uncached_tokens);
  CHECK(detail.at("cost").at("usage_source") == core::to_string(last.record.usage_source));
  CHECK(detail.at("timings").at("duration_ms") == last.record.duration_ms);
  CHECK(detail.at("error") == last.record.error_message);
  CHECK(detail.at("attempts").is_array());
  CHECK(gateway.get("/dashboard/api/requests/999999", session)->status == 404);

  // A priced request's cost by part, at the prices in force: the parts add up to its total.
  for (const auto& row : ledger) {
    if (row.record.cost_usd_pico == 0) continue;
    const auto priced = get_json(gateway, session, "/dashboard/api/requests/" + std::to_string(row.id));
    const auto& parts = priced.at("cost").at("parts");
    REQUIRE_FALSE(parts.empty());
    double sum = 0;
    for (const auto& part : parts) sum += part.at("usd").get<double>();
    CHECK(sum == doctest::Approx(priced.at("cost").at("total_usd").get<double>()).epsilon(1e-9));
    break;
  }
}

TEST_CASE("dashboard: caps, providers and cache health say what the config, caps and ledger say") {
  FakeUpstream upstream;
  DashboardGateway gateway(fake_config(upstream));
  {
    store::Db db(gateway.db_path());
    core::policy::CapRule cap;
    cap.period = core::policy::Period::day;
    cap.limit_pico = 5'000'000'000'000; // $5
    cap.scope = core::policy::Scope::agent;
    cap.value = "codex";
    cap.warn_percent = 75;
    store::upsert_cap(db, cap);
  }
  send_load(gateway, upstream);
  const std::string session = gateway.login();
  const auto caps = get_json(gateway, session, "/dashboard/api/caps").at("caps");
  REQUIRE(caps.size() == 1);
  CHECK(caps[0].at("scope") == "agent");
  CHECK(caps[0].at("name") == "codex");
  CHECK(caps[0].at("period") == "day");
  CHECK(caps[0].at("limit_usd").get<double>() == 5.0);
  CHECK(caps[0].at("warn_ratio").get<double>() == doctest::Approx(0.75));
  CHECK(caps[0].at("hard") == false);
  store::Db db(gateway.db_path());
  CHECK(caps[0].at("spent_usd").get<double>() ==
        usd(store::cap_spent(db, store::list_caps(db).at(0), core::policy::now_ms())));

  const auto providers = get_json(gateway, session, "/dashboard/api/providers").at("providers");
  REQUIRE(providers.size() == 2);
  CHECK(providers[0].at("name") == "openai");
  CHECK(providers[0].at("kind") == "openai");
  CHECK(providers[0].at("reachable") == true);
  REQUIRE(providers[0].at("keys").size() == 1);
  CHECK(providers[0].at("keys")[0].at("label") == "LLMGW_TEST_OPENAI_KEY");
  CHECK(providers[0].at("keys")[0].at("benched_until_ms") == 0);

  const auto health = get_json(gateway, session, "/dashboard/api/cache_health?range=7d");
  REQUIRE(health.at("sessions").size() == 2);
  for (const auto& row : health.at("sessions")) {
    CHECK(row.at("agent") == "claude-code");
    CHECK(row.at("requests") == 2);
    const double prompt = row.at("input_tokens").get<double>() + row.at("cache_read_tokens").get<double>() +
                          row.at("cache_write_tokens").get<double>();
    CHECK(row.at("cache_read_share").get<double>() ==
          doctest::Approx(prompt > 0 ? row.at("cache_read_tokens").get<double>() / prompt : 0.0));
  }
  bool codex = false;
  for (const auto& row : health.at("agents")) codex |= row.at("agent") == "codex" && row.at("requests") == 6;
  CHECK(codex);
  CHECK(gateway.get("/dashboard/api/cache_health?range=year", session)->status == 400);
  CHECK(gateway.get("/dashboard/api/breakdown?by=color", session)->status == 400);
  CHECK(gateway.get("/dashboard/api/spend?days=0", session)->status == 400);
}
