// [alerts] command on the real server: run at a cap's warn threshold and when it is reached, with
// the cap in its environment (never a provider key), once per cap and period across restarts;
// a hanging command is killed and reaped.
#include "cli/alert_command.hpp"
#include "cli/cap_alerts.hpp"
#include "core/pipeline/gateway_server.hpp"
#include "store/ledger.hpp"
#include "tests/support/fake_upstream.hpp"
#include "tests/support/scoped_env.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_gateway.hpp"

#include <doctest/doctest.h>

#include <sys/wait.h>

#include <cerrno>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

using namespace llmgw;
using namespace llmgw::test;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Waits (bounded) until `done` holds; the alert thread works on its own time.
template <class Condition> bool await(Condition done, std::chrono::seconds limit = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

size_t occurrences(const std::string& text, const std::string& word) {
  size_t count = 0;
  for (size_t at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) ++count;
  return count;
}

struct NullSink : core::UsageSink {
  using core::UsageSink::record;
  void record(core::RequestRecord&&) override {}
};

const std::string k_chat = R"({"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]})";

} // namespace

TEST_CASE("cap alerts: the command runs at warn and at the cap with the cap in its environment, once per period") {
  ScopedEnv env;
  env.set("LLMGW_TEST_OPENAI_KEY", "test-openai-key-not-real");
  FakeUpstream upstream;
  TempDir dir;
  const std::string out = dir.file("alerts.txt");
  auto config = fake_config(upstream);
  config.alerts.command =
      "env | grep -E '^(LLMGW_|LLMGW_TEST_OPENAI_KEY)' | sort >> '" + out + "'; echo --- >> '" + out + "'";
  const std::string db_path = dir.file("llmgw.db");
  store::Ledger ledger(db_path);
  cli::CapAlerts alerts(ledger, db_path);
  auto prices = core::pricing::PriceTable::with_overrides(config.price_overrides);
  core::pipeline::GatewayServer server(config, std::move(prices), alerts, core::pipeline::GatewayOptions{k_test_token});
  const int port = server.bind();
  server.start();
  alerts.start(server.gateway());
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(30, 0);

  auto first = client.Post("/v1/chat/completions", TestGateway::openai_auth(), k_chat, "application/json");
  REQUIRE(first);
  REQUIRE(first->status == 200);
  // The row is recorded once the answer is sent: it may reach the ledger after the client has it.
  const int64_t cost = [&] {
    store::Db db(db_path);
    auto query = db.prepare("SELECT cost_usd_pico FROM requests");
    for (int i = 0; i < 200 && !query.step(); ++i) {
      query.reset();
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      ledger.flush();
    }
    return query.column_int64(0);
  }();
  REQUIRE(cost > 2);

  using core::policy::CapRule;
  using core::policy::Period;
  using core::policy::Scope;
  core::policy::PolicySettings settings;
  settings.caps = {CapRule{1, Period::day, 100 * cost, Scope::global, "", 1},              // past its warn: 1 %
                   CapRule{2, Period::month, cost / 2, Scope::provider, "openai", 80},     // reached
                   CapRule{3, Period::day, 100 * cost, Scope::provider, "anthropic", 80}}; // neither
  server.gateway().apply_policy(settings);
  auto refused = client.Post("/v1/chat/completions", TestGateway::openai_auth(), k_chat, "application/json");
  REQUIRE(refused);
  CHECK(refused->status == 402);
  REQUIRE(await([&] { return occurrences(read_file(out), "---") >= 2; }));
  // More requests in the same period: nothing new.
  for (int i = 0; i < 3; ++i)
    client.Post("/v1/chat/completions", TestGateway::openai_auth(), k_chat, "application/json");
  const int checks = alerts.checks();
  REQUIRE(await([&] { return alerts.checks() > checks; }));
  CHECK(alerts.runs() == 2);

  const std::string text = read_file(out);
  INFO(text);
  CHECK(occurrences(text, "---") == 2);
  CHECK(text.find("LLMGW_ALERT_KIND=warn\nLLMGW_ALERT_MESSAGE=llmgw: daily cap of") != std::string::npos);
  CHECK(text.find("LLMGW_CAP_SCOPE=global\n") != std::string::npos);
  CHECK(text.find("LLMGW_THRESHOLD=1\n") != std::string::npos);
  CHECK(text.find("LLMGW_ALERT_KIND=reached\n") != std::string::npos);
  CHECK(text.find("LLMGW_CAP_NAME=openai\n") != std::string::npos);
  CHECK(text.find("LLMGW_CAP_PERIOD=month\n") != std::string::npos);
  CHECK(text.find("LLMGW_THRESHOLD=100\n") != std::string::npos);
  CHECK(text.find("LLMGW_CAP_ID=3") == std::string::npos);
  CHECK(text.find("LLMGW_SPENT_USD=0.") != std::string::npos);
  CHECK(text.find("LLMGW_CAP_LIMIT_USD=") != std::string::npos);
  CHECK(text.find("test-openai-key-not-real") == std::string::npos); // provider keys are not passed on

  // A restart (a new watcher on the same database) remembers what went out this period.
  alerts.stop();
  NullSink nowhere;
  cli::CapAlerts restarted(nowhere, db_path);
  restarted.start(server.gateway());
  REQUIRE(await([&] { return restarted.checks() >= 1; }));
  CHECK(restarted.runs() == 0);
  restarted.stop();
  server.drain_and_stop(5);
  ledger.stop();
  CHECK(occurrences(read_file(out), "---") == 2);
}

TEST_CASE("cap alerts: a command that hangs is killed with what it started at its timeout, and reaped") {
  std::atomic<bool> stop{false};
  const auto started = std::chrono::steady_clock::now();
  const auto run =
      cli::run_alert_command("sleep 30 & sleep 30", {"PATH=/usr/bin:/bin"}, std::chrono::milliseconds(300), stop);
  CHECK(run.started);
  CHECK(run.timed_out);
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(5));
  errno = 0;
  CHECK(::waitpid(-1, nullptr, WNOHANG) == -1); // no child left, not even a zombie
  CHECK(errno == ECHILD);
  TempDir dir;
  const auto quick = cli::run_alert_command("echo \"$LLMGW_ALERT_KIND\" > '" + dir.file("x") + "'",
                                            {"LLMGW_ALERT_KIND=warn"}, std::chrono::seconds(5), stop);
  CHECK(quick.exit_code == 0);
  CHECK(read_file(dir.file("x")) == "warn\n");
}
