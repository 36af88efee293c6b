// The real `llmgw` binary under a pseudo-terminal of 80 and 200 columns and through pipes, on a
// real ledger with known rows: tables fit the terminal (compact below 100 columns, full above),
// colour only on a tty and never with NO_COLOR, usage by week / month with a model breakdown and
// every date form, --json shapes, help, "did you mean", exit codes and completion scripts.
#include "cli/table.hpp"
#include "store/ledger.hpp"
#include "store/settings.hpp"
#include "tests/support/pty_run.hpp"
#include "tests/support/shell.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <sstream>

using namespace llmgw;
using namespace llmgw::test;

namespace {

constexpr int64_t k_cent = 10'000'000'000;               // pico-USD
constexpr int64_t k_2026_10_30_noon = 1'793'361'600'000; // a Friday, UTC
constexpr int64_t k_2026_11_02_noon = 1'793'620'800'000; // a Monday, UTC
constexpr int64_t k_2026_11_09_noon = 1'794'225'600'000; // a Monday, UTC
constexpr int64_t k_day_ms = 86'400'000;
const std::string k_long_model = "an-extremely-long-model-name-for-the-truncation-test-2026-preview";

core::RequestRecord row(int64_t at, const std::string& model, int64_t cost, int status = 200) {
  core::RequestRecord r;
  r.started_at_ms = at;
  r.duration_ms = 1500;
  r.ttfb_ms = 300;
  r.agent = "claude-code";
  r.session_id = "s-1";
  r.endpoint = "/v1/messages";
  r.provider = "anthropic";
  r.served_model = model;
  r.requested_model = model;
  r.http_status = status;
  r.outcome = status == 200 ? core::Outcome::ok : core::Outcome::upstream_error;
  r.usage.input_uncached_tokens = 1200;
  r.usage.output_tokens = 340;
  r.cost_usd_pico = cost;
  r.usage_source = core::UsageSource::reported;
  return r;
}

// Weeks (Monday): 2026-10-26 one request, 2026-11-02 two (two models), 2026-11-09 one.
// Months: 2026-10 one, 2026-11 three. One tiny cost, one failure.
void write_ledger(const std::string& path) {
  store::Ledger ledger(path);
  ledger.record(row(k_2026_10_30_noon, "claude-sonnet-4-5", 3 * k_cent));
  ledger.record(row(k_2026_11_02_noon, "claude-sonnet-4-5", 3 * k_cent));
  ledger.record(row(k_2026_11_02_noon + k_day_ms, k_long_model, 4'200'000));
  ledger.record(row(k_2026_11_09_noon, "claude-opus-4-1", 150 * k_cent, 529));
}

// Rows relative to now: one yesterday, one ten days ago.
void write_recent_ledger(const std::string& path) {
  store::Ledger ledger(path);
  const int64_t now = core::policy::now_ms();
  ledger.record(row(now - k_day_ms, "claude-sonnet-4-5", 3 * k_cent));
  ledger.record(row(now - 10 * k_day_ms, "claude-opus-4-1", 7 * k_cent));
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

size_t widest(const std::string& text) {
  size_t width = 0;
  for (const std::string& line : lines_of(text)) width = std::max(width, cli::display_width(line));
  return width;
}

PtyResult in_terminal(const std::string& db, std::vector<std::string> args, unsigned short columns,
                      std::vector<std::string> environment = {}) {
  args.insert(args.begin(), {LLMGW_BINARY, "--db", db});
  environment.push_back("TZ=UTC0");
  environment.push_back("-NO_COLOR");
  return run_in_pty(args, columns, environment);
}

CommandResult piped(const std::string& db, const std::string& args) {
  return run_shell("env -u COLUMNS TZ=UTC0 " + std::string(LLMGW_BINARY) + " --db " + db + " " + args + " < /dev/null");
}

const std::string k_november = "--since 2026-10-26 --until 2026-11-15";

} // namespace

TEST_CASE("usage, log, prices and lists fit an 80-column terminal in their compact layout") {
  TempDir dir;
  const std::string db = dir.file("llmgw.db");
  write_ledger(db);
  {
    store::Db settings(db);
    store::upsert_cap(settings, {0, core::policy::Period::day, 5 * 100 * k_cent, core::policy::Scope::agent,
                                 "a-long-agent-name-that-someone-made-up-for-their-own-scripts", 80});
  }
  const std::vector<std::vector<std::string>> commands{
      {"usage", "--since", "2026-10-26", "--until", "2026-11-15", "--by", "model"},
      {"usage", "--since", "20261026", "--until", "20261115", "--by", "provider"},
      {"usage", "--since", "2026-10-26", "--until", "2026-11-15", "--by", "week", "--breakdown"},
      {"usage", "--since", "2026-10-26", "--until", "2026-11-15"},
      {"log"},
      {"log", "--attempts"},
      {"prices"},
      {"cap", "list"}};
  for (const auto& command : commands) {
    CAPTURE(command[0]);
    CAPTURE(command.size());
    const PtyResult narrow = in_terminal(db, command, 80);
    INFO(narrow.output);
    CHECK(narrow.exit_code == 0);
    CHECK(widest(narrow.output) <= 80);
  }
  const PtyResult usage =
      in_terminal(db, {"usage", "--since", "2026-10-26", "--until", "2026-11-15", "--by", "model"}, 80);
  CHECK(usage.output.find("reqs") != std::string::npos);         // compact headers
  CHECK(usage.output.find("reasoning") == std::string::npos);    // a column only the full layout has
  CHECK(usage.output.find("\xE2\x80\xA6") != std::string::npos); // the long model name, truncated
  const PtyResult log = in_terminal(db, {"log"}, 80);
  CHECK(log.output.find("endpoint") == std::string::npos);
  CHECK(log.output.find("model") != std::string::npos); // the header row
}

TEST_CASE("at 200 columns, with --wide, or through a pipe, tables use the full layout") {
  TempDir dir;
  const std::string db = dir.file("llmgw.db");
  write_ledger(db);
  const PtyResult wide =
      in_terminal(db, {"usage", "--since", "2026-10-26", "--until", "2026-11-15", "--by", "model"}, 200);
  INFO(wide.output);
  CHECK(widest(wide.output) <= 200);
  CHECK(wide.output.find("reasoning") != std::string::npos);
  CHECK(wide.output.find(k_long_model) != std::string::npos); // nothing cut
  const PtyResult log = in_terminal(db, {"log"}, 200);
  CHECK(widest(log.output) <= 200);
  CHECK(log.output.find("endpoint") != std::string::npos);
  CHECK(log.output.find("/v1/messages") != std::string::npos);
  const PtyResult forced =
      in_terminal(db, {"--wide", "usage", "--since", "2026-10-26", "--until", "2026-11-15", "--by", "model"}, 80);
  CHECK(forced.output.find("reasoning") != std::string::npos);
  CHECK(forced.output.find(k_long_model) != std::string::npos);
  const auto pipe = piped(db, "usage " + k_november + " --by model");
  CHECK(pipe.output.find("reasoning") != std::string::npos);
  CHECK(pipe.output.find(k_long_model) != std::string::npos);
  const auto columns = run_shell("COLUMNS=80 TZ=UTC0 " + std::string(LLMGW_BINARY) + " --db " + db + " usage " +
                                 k_november + " --by model < /dev/null");
  CHECK(widest(columns.output) <= 80); // $COLUMNS is honoured without a tty
  CHECK(columns.output.find("reasoning") == std::string::npos);
}

TEST_CASE("colour only on a terminal, and never with NO_COLOR or --no-color") {
  TempDir dir;
  const std::string db = dir.file("llmgw.db");
  write_ledger(db);
  const std::vector<std::string> log{"log"};
  CHECK(in_terminal(db, log, 200).output.find("\x1b[") != std::string::npos);
  CHECK(in_terminal(db, log, 200, {"NO_COLOR=1"}).output.find("\x1b[") == std::string::npos);
  CHECK(in_terminal(db, {"--no-color", "log"}, 200).output.find("\x1b[") == std::string::npos);
  CHECK(in_terminal(db, {"log", "--no-color"}, 200).output.find("\x1b[") == std::string::npos);
  CHECK(piped(db, "log").output.find("\x1b[") == std::string::npos);
}

TEST_CASE("usage groups by week (from Monday) and month, with a model breakdown, in either order") {
  TempDir dir;
  const std::string db = dir.file("llmgw.db");
  write_ledger(db);
  const auto weeks = nlohmann::json::parse(piped(db, "usage " + k_november + " --by week --breakdown --json").output);
  REQUIRE(weeks["rows"].size() == 3);
  CHECK(weeks["rows"][0]["key"] == "2026-10-26");
  CHECK(weeks["rows"][0]["requests"] == 1);
  CHECK(weeks["rows"][1]["key"] == "2026-11-02");
  CHECK(weeks["rows"][1]["requests"] == 2);
  REQUIRE(weeks["rows"][1]["models"].size() == 2);
  CHECK(weeks["rows"][1]["models"][0]["model"] == "claude-sonnet-4-5"); // by cost within the week
  CHECK(weeks["rows"][1]["models"][1]["model"] == k_long_model);
  CHECK(weeks["rows"][2]["key"] == "2026-11-09");
  const auto months =
      nlohmann::json::parse(piped(db, "usage " + k_november + " --by month --order desc --json").output);
  REQUIRE(months["rows"].size() == 2);
  CHECK(months["rows"][0]["key"] == "2026-11");
  CHECK(months["rows"][0]["requests"] == 3);
  CHECK(months["rows"][1]["key"] == "2026-10");
  const auto text = piped(db, "usage " + k_november + " --by week --breakdown").output;
  INFO(text);
  CHECK(text.find("2026-11-02") != std::string::npos);
  CHECK(text.find("\xE2\x94\x94 claude-sonnet-4-5") != std::string::npos);
  CHECK(text.find("$0.0000042") != std::string::npos); // a tiny cost keeps its digits
  CHECK(text.find("$1.56") != std::string::npos);      // the total: 3 + 3 + 150 cents and a bit
  const auto csv = piped(db, "usage " + k_november + " --by month --breakdown --csv").output;
  CHECK(csv.rfind("key,model,requests,", 0) == 0);
  CHECK(csv.find("2026-11,claude-opus-4-1,1,1,") != std::string::npos);
  const auto refused = piped(db, "usage --by model --breakdown");
  CHECK(refused.exit_code == 2);
  CHECK(refused.output.find("--by day|week|month") != std::string::npos);
}

TEST_CASE("usage takes dates as YYYY-MM-DD, YYYYMMDD and relative days") {
  TempDir dir;
  const std::string db = dir.file("llmgw.db");
  write_ledger(db);
  const auto dashed = nlohmann::json::parse(piped(db, "usage --since 2026-11-02 --until 2026-11-03 --json").output);
  const auto compact = nlohmann::json::parse(piped(db, "usage --since 20261102 --until 20261103 --json").output);
  CHECK(dashed["total"]["requests"] == 2);
  CHECK(compact["total"] == dashed["total"]);
  CHECK(piped(db, "usage --since 2026-13-01").exit_code == 1);
  TempDir recent_dir;
  const std::string recent = recent_dir.file("llmgw.db");
  write_recent_ledger(recent);
  const auto week = nlohmann::json::parse(piped(recent, "usage --since 7d --json").output);
  CHECK(week["total"]["requests"] == 1);
  const auto fortnight = nlohmann::json::parse(piped(recent, "usage --since 2w --json").output);
  CHECK(fortnight["total"]["requests"] == 2);
  const auto yesterday =
      nlohmann::json::parse(piped(recent, "usage --since yesterday --until yesterday --json").output);
  CHECK(yesterday["total"]["requests"] == 1);
  const auto today = nlohmann::json::parse(piped(recent, "usage --since today --json").output);
  CHECK(today["total"]["requests"] == 0);
}

TEST_CASE("usage --json rows match the table's rows with and without --by") {
  TempDir dir;
  const std::string db = dir.file("llmgw.db");
  write_ledger(db);
  const auto plain = nlohmann::json::parse(piped(db, "usage " + k_november + " --json").output);
  REQUIRE(plain["rows"].size() == 3); // the models the table lists
  CHECK(plain["rows"][0]["key"] == "claude-opus-4-1");
  CHECK(plain["models"].size() == 3);
  CHECK(plain["total"]["requests"] == 4);
  const std::string table = piped(db, "usage " + k_november).output;
  for (const auto& item : plain["rows"]) CHECK(table.find(item["key"].get<std::string>()) != std::string::npos);
}

TEST_CASE("log has a header, filters, and says what -n 0 means") {
  TempDir dir;
  const std::string db = dir.file("llmgw.db");
  write_ledger(db);
  const auto all = piped(db, "log");
  INFO(all.output);
  CHECK(lines_of(all.output).at(0).rfind("time", 0) == 0);
  CHECK(lines_of(all.output).size() == 5);
  CHECK(lines_of(piped(db, "log --model 'claude-*'").output).size() == 4);
  CHECK(lines_of(piped(db, "log --model claude-opus-4-1").output).size() == 2);
  CHECK(lines_of(piped(db, "log --status error").output).size() == 2);
  CHECK(lines_of(piped(db, "log --status 529").output).size() == 2);
  CHECK(lines_of(piped(db, "log --status ok").output).size() == 4);
  CHECK(lines_of(piped(db, "log --agent claude-code --provider anthropic").output).size() == 5);
  CHECK(lines_of(piped(db, "log --since 2026-11-03").output).size() == 3);
  CHECK(piped(db, "log --agent codex").output == "no requests match the filters\n");
  CHECK(piped(db, "log --status maybe").exit_code == 2);
  const auto none = piped(db, "log -n 0");
  CHECK(none.exit_code == 0);
  CHECK(none.output.find("-n 0 shows no rows") != std::string::npos);
  CHECK(none.output.find("no requests recorded yet") == std::string::npos);
  const auto json = piped(db, "log --json --status error").output;
  CHECK(nlohmann::json::parse(json)["http_status"] == 529);
}

TEST_CASE("lists print JSON: key list, limit list, cap list, use --show, prices") {
  TempDir dir;
  const std::string db = dir.file("llmgw.db");
  write_ledger(db);
  REQUIRE(piped(db, "key create aider --project demo").exit_code == 0);
  REQUIRE(piped(db, "limit set --rpm 60 --agent codex").exit_code == 0);
  REQUIRE(piped(db, "cap set --day 5 --force --agent codex").exit_code == 0);
  const auto keys = nlohmann::json::parse(piped(db, "key list --json").output);
  REQUIRE(keys.size() == 1);
  CHECK(keys[0]["name"] == "aider");
  CHECK(keys[0]["project"] == "demo");
  CHECK(keys[0]["revoked_at_ms"].is_null());
  const auto limits = nlohmann::json::parse(piped(db, "limit list --json").output);
  REQUIRE(limits.size() == 1);
  CHECK(limits[0]["requests_per_minute"] == 60);
  CHECK(limits[0]["value"] == "codex");
  const auto caps = nlohmann::json::parse(piped(db, "cap list --json").output);
  CHECK(caps.size() == 1);
  const auto routes = nlohmann::json::parse(piped(db, "use --show --json").output);
  CHECK(routes.is_array());
  CHECK(routes.empty());
  const auto prices = nlohmann::json::parse(piped(db, "prices --json").output);
  CHECK(prices["models"].size() > 0);
  CHECK(piped(db, "--quiet cap rm 1").output.empty());
  CHECK(piped(db, "limit rm 1 -q").output.empty());
}
