// The real `llmgw usage` and `llmgw log` on a real ledger: rows whose cost is not exact are
// marked in tables (with a footnote), JSON and CSV; `usage --statusline` reads Claude Code's JSON
// on stdin and shows that session; the plan windows a provider reports to the client's own
// credentials reach `llmgw usage` and the status line.
#include "store/ledger.hpp"
#include "store/settings.hpp"
#include "tests/support/fake_upstream.hpp"
#include "tests/support/shell.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_gateway.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <fstream>

using namespace llmgw;
using namespace llmgw::test;
using core::policy::Period;
using core::policy::Scope;

namespace {

constexpr int64_t k_cent = 10'000'000'000; // pico-USD

core::RequestRecord ledger_row(const std::string& model, int64_t cost_usd_pico) {
  core::RequestRecord r;
  r.started_at_ms = core::policy::now_ms() - 1000;
  r.duration_ms = 500;
  r.agent = "claude-code";
  r.session_id = "s-main";
  r.endpoint = "/v1/messages";
  r.provider = "anthropic";
  r.served_model = model;
  r.http_status = 200;
  r.usage.input_uncached_tokens = 1000;
  r.usage.output_tokens = 100;
  r.cost_usd_pico = cost_usd_pico;
  r.usage_source = core::UsageSource::reported;
  return r;
}

// Two exact rows, three estimated (a cut stream), one unpriced, one priced by a family rule.
void write_marked_ledger(const std::string& path) {
  {
    store::Ledger ledger(path);
    ledger.record(ledger_row("claude-sonnet-4-5", 3 * k_cent));
    ledger.record(ledger_row("claude-sonnet-4-5", 3 * k_cent));
    for (int i = 0; i < 3; ++i) {
      core::RequestRecord cut = ledger_row("gpt-5-mini", k_cent);
      cut.provider = "openai";
      cut.usage_source = core::UsageSource::estimated;
      cut.outcome = core::Outcome::upstream_cut;
      ledger.record(cut);
    }
    core::RequestRecord unpriced = ledger_row("mystery-model-1", 0);
    unpriced.unpriced = true;
    ledger.record(unpriced);
    ledger.record(ledger_row("claude-opus-5-5", 5 * k_cent));
  }
  // The price lookup's column; the reports read it wherever the schema has it.
  store::Db db(path);
  auto column = db.prepare("SELECT 1 FROM pragma_table_info('requests') WHERE name = 'price_basis'");
  if (!column.step()) db.exec("ALTER TABLE requests ADD COLUMN price_basis TEXT");
  db.exec("UPDATE requests SET price_basis = CASE served_model WHEN 'claude-opus-5-5' THEN 'family' ELSE 'exact' END");
}

CommandResult run_llmgw(const std::string& db_path, const std::string& args) {
  return run_shell(std::string(LLMGW_BINARY) + " --db " + db_path + " " + args);
}

void write_file(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

} // namespace

TEST_CASE("usage tables mark inexact costs with a star and explain them in a footnote, for every grouping") {
  TempDir dir;
  const std::string db = dir.file("llmgw.db");
  write_marked_ledger(db);
  const auto plain = run_llmgw(db, "usage < /dev/null");
  REQUIRE(plain.exit_code == 0);
  INFO(plain.output);
  CHECK(plain.output.find("* 3 requests estimated (stream cut before usage), 1 unpriced (no price for "
                          "mystery-model-1; not in the cost), 1 priced by a family rule (claude-opus-5-5)") !=
        std::string::npos);
  for (const char* by : {"model", "provider", "agent", "day", "session", "key", "project"}) {
    CAPTURE(by);
    const auto grouped = run_llmgw(db, std::string("usage --by ") + by + " < /dev/null");
    REQUIRE(grouped.exit_code == 0);
    CHECK(grouped.output.find("$0.1400*") != std::string::npos); // the total, starred
    CHECK(grouped.output.find("* 3 requests estimated") != std::string::npos);
  }
  const auto by_model = run_llmgw(db, "usage --by model < /dev/null").output;
  CHECK(by_model.find("claude-sonnet-4-5") != std::string::npos);
  CHECK(by_model.find("$0.0600\n") != std::string::npos); // exact rows carry no star
}

TEST_CASE("usage json and csv carry the same counts as the table") {
  TempDir dir;
  const std::string db = dir.file("llmgw.db");
  write_marked_ledger(db);
  const auto json = nlohmann::json::parse(run_llmgw(db, "usage --json < /dev/null").output);
  CHECK(json["total"]["unpriced_requests"] == 1);
  CHECK(json["total"]["estimated_requests"] == 3);
  CHECK(json["total"]["family_priced_requests"] == 1);
  CHECK(json["models"].size() == 4); // the breakdown the plain table lists
  REQUIRE(json["inexact_models"].size() == 3);
  CHECK(json["inexact_models"][0]["model"] == "claude-opus-5-5");
  CHECK(json["inexact_models"][1]["model"] == "gpt-5-mini");
  CHECK(json["inexact_models"][1]["estimated_requests"] == 3);
  const auto by_provider = nlohmann::json::parse(run_llmgw(db, "usage --by provider --json < /dev/null").output);
  for (const auto& row : by_provider["rows"])
    if (row["key"] == "openai") CHECK(row["estimated_requests"] == 3);
  const std::string csv = run_llmgw(db, "usage --by model --csv < /dev/null").output;
  CHECK(csv.find("unpriced_requests,estimated_requests,family_priced_requests") != std::string::npos);
  CHECK(csv.find("gpt-5-mini,3,") != std::string::npos);
  CHECK(csv.find(",0,3,0,") != std::string::npos); // gpt-5-mini: unpriced, estimated, family
  CHECK(csv.find(",0,0,1,") != std::string::npos); // claude-opus-5-5
  CHECK(csv.find(",1,0,0,") != std::string::npos); // mystery-model-1
}

TEST_CASE("log spells out each inexact row's marks in the table and in json") {
  TempDir dir;
  const std::string db = dir.file("llmgw.db");
  write_marked_ledger(db);
  const auto text = run_llmgw(db, "log < /dev/null");
  REQUIRE(text.exit_code == 0);
  INFO(text.output);
  CHECK(text.output.find("$0.0100 (est)") != std::string::npos);
  CHECK(text.output.find("$0.0500 (family)") != std::string::npos);
  CHECK(text.output.find("unpriced") != std::string::npos);
  CHECK(text.output.find("note: 3 requests estimated (stream cut before usage), 1 unpriced (no price for "
                         "mystery-model-1; not in the cost), 1 priced by a family rule (claude-opus-5-5)") !=
        std::string::npos);
  const auto json = run_llmgw(db, "log --json < /dev/null");
  std::vector<nlohmann::json> rows;
  size_t at = 0;
  for (size_t end; (end = json.output.find('\n', at)) != std::string::npos; at = end + 1)
    rows.push_back(nlohmann::json::parse(json.output.substr(at, end - at)));
  REQUIRE(rows.size() == 7);
  CHECK(rows[0]["marks"].empty());
  CHECK(rows[2]["marks"] == nlohmann::json::array({"estimated"}));
  CHECK(rows[5]["marks"] == nlohmann::json::array({"unpriced"}));
  CHECK(rows[6]["marks"] == nlohmann::json::array({"family"}));
  CHECK(rows[6]["price_basis"] == "family");
}

TEST_CASE("the statusline shows the session claude code names on stdin and only the caps that apply to it") {
  TempDir dir;
  const std::string db = dir.file("llmgw.db");
  {
    store::Ledger ledger(db);
    core::RequestRecord mine = ledger_row("claude-sonnet-4-5", 12 * k_cent);
    mine.key_name = "laptop";
    ledger.record(mine);
    core::RequestRecord other = ledger_row("gpt-5", 40 * k_cent);
    other.session_id = "s-codex";
    other.agent = "codex";
    other.provider = "openai";
    ledger.record(other);
  }
  {
    store::Db settings(db);
    store::insert_key(settings, {"laptop", "hash-laptop", "", "", ""}, "llmgw-vk-lap…", false);
    store::insert_key(settings, {"old", "hash-old", "", "", ""}, "llmgw-vk-old…", false);
    store::revoke_key(settings, "old");
    store::upsert_cap(settings, {0, Period::day, 500 * k_cent, Scope::global, "", 80});
    store::upsert_cap(settings, {0, Period::day, 100 * k_cent, Scope::agent, "claude-code", 80});
    store::upsert_cap(settings, {0, Period::day, 45 * k_cent, Scope::agent, "codex", 80});
    store::upsert_cap(settings, {0, Period::day, 1 * k_cent, Scope::key, "old", 80});
  }
  write_file(dir.file("status.json"),
             R"({"session_id":"s-main","model":{"id":"claude-sonnet-4-5","display_name":"Sonnet 4.5"},)"
             R"("workspace":{"current_dir":"/work"},"cost":{"total_cost_usd":0.12}})");
  const auto line = run_llmgw(db, "usage --statusline < " + dir.file("status.json"));
  REQUIRE(line.exit_code == 0);
  INFO(line.output);
  CHECK(line.output.find("Sonnet 4.5 \u00B7 session $0.1200 \u00B7 today $0.5200") == 0);
  // claude-code: $1.00 - $0.12; codex's $0.05 left and the revoked key's $0.01 are not its caps.
  CHECK(line.output.find("$0.8800 left (day cap agent claude-code)") != std::string::npos);
  CHECK(line.output.find("codex") == std::string::npos);
  CHECK(line.output.find("key old") == std::string::npos);
  // Without Claude Code's JSON: today's spend and the tightest cap of all but the revoked key's.
  const auto prompt = run_llmgw(db, "usage --statusline < /dev/null");
  INFO(prompt.output);
  CHECK(prompt.output.find("llmgw $0.5200 today | $0.0500 left (day cap agent codex) !") == 0);
}

TEST_CASE("plan windows an anthropic upstream reports to the client's own credentials reach usage and the statusline") {
  FakeUpstream upstream;
  const int64_t reset_s = core::policy::now_ms() / 1000 + 2 * 3600;
  upstream.on("POST", "/v1/messages", [reset_s](const RecordedRequest&) {
    FakeResponse reply = anthropic_reply("claude-sonnet-4-5", "hi", 10, 0, 0, 5);
    reply.headers.emplace("anthropic-ratelimit-unified-5h-utilization", "0.43");
    reply.headers.emplace("anthropic-ratelimit-unified-5h-reset", std::to_string(reset_s));
    reply.headers.emplace("anthropic-ratelimit-unified-7d-utilization", "0.12");
    reply.headers.emplace("anthropic-ratelimit-unified-7d-reset", std::to_string(reset_s + 3 * 86'400));
    reply.headers.emplace("anthropic-ratelimit-unified-status", "allowed");
    reply.headers.emplace("anthropic-organization-id", "org-should-not-be-kept");
    return reply;
  });
  auto config = fake_config(upstream);
  config.providers[1].forward_client_auth = true;
  config.providers[1].api_key.clear();
  TestGateway gateway(config);
  httplib::Headers headers{{"Authorization", "Bearer client-own-oauth-token"},
                           {"anthropic-version", "2023-06-01"},
                           {"User-Agent", "claude-cli/2.1.0 (external, cli)"},
                           {"x-claude-code-session-id", "s-plan"}};
  auto response = gateway.client()->Post(
      "/v1/messages", headers, R"({"model":"claude-sonnet-4-5","max_tokens":5,"messages":[]})", "application/json");
  REQUIRE(response);
  CHECK(response->status == 200);
  CHECK(response->get_header_value("anthropic-ratelimit-unified-5h-utilization") == "0.43"); // still relayed
  REQUIRE(gateway.rows().size() == 1);

  {
    store::Db db(gateway.db_path());
    auto names = db.prepare("SELECT name, value FROM rate_windows ORDER BY name");
    std::vector<std::string> kept;
    while (names.step()) kept.push_back(names.column_text(0));
    CHECK(kept ==
          std::vector<std::string>{"anthropic-ratelimit-unified-5h-reset", "anthropic-ratelimit-unified-5h-utilization",
                                   "anthropic-ratelimit-unified-7d-reset", "anthropic-ratelimit-unified-7d-utilization",
                                   "anthropic-ratelimit-unified-status"});
  }
  const auto usage = run_llmgw(gateway.db_path(), "usage < /dev/null");
  INFO(usage.output);
  CHECK(usage.output.find("anthropic: 5h window 43 %, resets ") != std::string::npos);
  CHECK(usage.output.find("; 7d 12 %, resets ") != std::string::npos);
  const auto json = nlohmann::json::parse(run_llmgw(gateway.db_path(), "usage --json < /dev/null").output);
  REQUIRE(json["rate_windows"].size() == 1);
  CHECK(json["rate_windows"][0]["provider"] == "anthropic");
  CHECK(json["rate_windows"][0]["headers"]["anthropic-ratelimit-unified-5h-utilization"] == "0.43");
  const std::string status_path = gateway.db_path() + ".status.json";
  write_file(status_path, R"({"session_id":"s-plan","model":{"display_name":"Sonnet"}})");
  const auto line = run_llmgw(gateway.db_path(), "usage --statusline < " + status_path);
  INFO(line.output);
  CHECK(line.output.find(" | 5h 43 % \u21BA") != std::string::npos);
}

TEST_CASE("answers to a provider's own key leave no plan windows") {
  FakeUpstream upstream;
  upstream.on("POST", "/v1/messages", [](const RecordedRequest&) {
    FakeResponse reply = anthropic_reply("claude-sonnet-4-5", "hi", 10, 0, 0, 5);
    reply.headers.emplace("anthropic-ratelimit-unified-5h-utilization", "0.43");
    return reply;
  });
  TestGateway gateway(fake_config(upstream));
  auto response =
      gateway.client()->Post("/v1/messages", TestGateway::anthropic_auth(),
                             R"({"model":"claude-sonnet-4-5","max_tokens":5,"messages":[]})", "application/json");
  REQUIRE(response);
  REQUIRE(gateway.rows().size() == 1);
  store::Db db(gateway.db_path());
  auto count = db.prepare("SELECT COUNT(*) FROM rate_windows");
  REQUIRE(count.step());
  CHECK(count.column_int64(0) == 0);
}
