// The real `llmgw serve` process: SIGTERM/SIGINT drain open streams within the grace period,
// flush the ledger and exit 0.
#include "tests/integration/stream_client.hpp"
#include "tests/support/fake_upstream.hpp"
#include "tests/support/shell.hpp"
#include "tests/support/temp_dir.hpp"
#include "store/reports.hpp"
#include "store/settings.hpp"

#include <nlohmann/json.hpp>

#include <csignal>
#include <doctest/doctest.h>
#include <fstream>
#include <sstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace llmgw;
using namespace llmgw::test;

namespace {

// A child `llmgw serve` with its own XDG dirs; killed (by pid) if a test leaves it running.
class ServeProcess {
public:
  ServeProcess(const TempDir& dir, const std::string& config_text) {
    std::ofstream(dir.file("config.toml")) << config_text;
    int out[2];
    REQUIRE(::pipe(out) == 0);
    m_pid = ::fork();
    REQUIRE(m_pid >= 0);
    if (m_pid == 0) {
      ::dup2(out[1], 1);
      ::close(out[0]);
      ::setenv("XDG_CONFIG_HOME", dir.file("config").c_str(), 1);
      ::setenv("XDG_DATA_HOME", dir.file("data").c_str(), 1);
      ::setenv("LLMGW_IT_KEY", "fake-key-for-tests", 1);
      std::string config = dir.file("config.toml"), db = dir.file("llmgw.db");
      ::execl(LLMGW_BINARY, "llmgw", "--config", config.c_str(), "--db", db.c_str(), "serve", "--port", "0",
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(out[1]);
    m_stdout = ::fdopen(out[0], "r");
    char line[512] = {};
    REQUIRE(std::fgets(line, sizeof line, m_stdout) != nullptr);
    std::string text(line);
    auto colon = text.rfind(':');
    REQUIRE(text.find("listening on") != std::string::npos);
    m_port = std::stoi(text.substr(colon + 1));
    std::ifstream token_file(dir.file("token")); // next to the --config file
    std::getline(token_file, m_token);
  }
  ~ServeProcess() {
    if (m_pid > 0) {
      ::kill(m_pid, SIGKILL);
      ::waitpid(m_pid, nullptr, 0);
    }
    if (m_stdout != nullptr) std::fclose(m_stdout);
  }
  int port() const { return m_port; }
  const std::string& token() const { return m_token; }
  void signal(int number) const { ::kill(m_pid, number); }
  // Exit code, or -1 when it did not exit within the timeout.
  int wait_exit(int timeout_ms) {
    for (int waited = 0; waited < timeout_ms; waited += 10) {
      int status = 0;
      if (::waitpid(m_pid, &status, WNOHANG) == m_pid) {
        m_pid = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return -1;
  }

private:
  pid_t m_pid = -1;
  FILE* m_stdout = nullptr;
  int m_port = 0;
  std::string m_token;
};

std::string config_for(const FakeUpstream& upstream, int grace_seconds) {
  std::ostringstream out;
  out << "default_provider = \"anthropic\"\n[server]\nshutdown_grace_seconds = " << grace_seconds
      << "\n[providers.anthropic]\nkind = \"anthropic\"\nbase_url = \"" << upstream.base_url()
      << "\"\napi_key_env = \"LLMGW_IT_KEY\"\n";
  return out.str();
}

const std::string k_stream_body = R"({"model":"claude-sonnet-4-5","max_tokens":5,"stream":true,"messages":[]})";

} // namespace

TEST_CASE("SIGTERM lets an open stream finish, refuses new work, flushes the ledger and exits 0") {
  FakeUpstream upstream;
  auto slow = anthropic_stream("claude-sonnet-4-5", std::vector<std::string>(10, "x"), 11, 0, 0, 10);
  slow.delay_between_chunks_ms = 100;
  upstream.on("POST", "/v1/messages", [&](const RecordedRequest&) { return slow; });
  TempDir dir;
  ServeProcess serve(dir, config_for(upstream, 10));
  httplib::Client client("127.0.0.1", serve.port());
  client.set_read_timeout(10, 0);
  httplib::Headers auth{{"x-api-key", serve.token()}, {"anthropic-version", "2023-06-01"}};
  bool signalled = false;
  auto result = post_streaming(client, "/v1/messages", auth, k_stream_body, [&](const std::string&) {
    if (!signalled) {
      serve.signal(SIGTERM);
      signalled = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      httplib::Client late("127.0.0.1", serve.port());
      auto refused = late.Post("/v1/messages", auth, k_stream_body, "application/json");
      CHECK((!refused || refused->status == 503));
    }
    return true;
  });
  CHECK(result.status == 200);
  CHECK(result.body.find("event: message_stop") != std::string::npos);
  CHECK(serve.wait_exit(8000) == 0);
  store::Db db(dir.file("llmgw.db"));
  auto rows = store::recent_requests(db, 10);
  REQUIRE(rows.size() == 2); // the stream, and the request refused while draining
  const auto& stream = rows[0].record.outcome == core::Outcome::refused ? rows[1].record : rows[0].record;
  CHECK(stream.outcome == core::Outcome::ok);
  CHECK(stream.usage.input_uncached_tokens == 11);
}

TEST_CASE("a stream longer than the grace period is ended cleanly and the process still exits 0") {
  FakeUpstream upstream;
  auto endless = anthropic_stream("claude-sonnet-4-5", std::vector<std::string>(100, "x"), 5, 0, 0, 100);
  endless.delay_between_chunks_ms = 100;
  upstream.on("POST", "/v1/messages", [&](const RecordedRequest&) { return endless; });
  TempDir dir;
  ServeProcess serve(dir, config_for(upstream, 1));
  httplib::Client client("127.0.0.1", serve.port());
  client.set_read_timeout(10, 0);
  httplib::Headers auth{{"x-api-key", serve.token()}, {"anthropic-version", "2023-06-01"}};
  bool signalled = false;
  auto started = std::chrono::steady_clock::now();
  auto result = post_streaming(client, "/v1/messages", auth, k_stream_body, [&](const std::string&) {
    if (!signalled) serve.signal(SIGINT);
    signalled = true;
    return true;
  });
  CHECK(result.status == 200);
  CHECK(result.body.find("event: error") != std::string::npos);
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(6));
  CHECK(serve.wait_exit(5000) == 0);
  store::Db db(dir.file("llmgw.db"));
  CHECK(store::recent_requests(db, 10).size() == 1);
}

namespace {

// Run the real `llmgw` with the serve process's config, database and port.
CommandResult llmgw_command(const TempDir& dir, int port, const std::string& arguments) {
  return run_shell("LLMGW_PORT=" + std::to_string(port) + " XDG_CONFIG_HOME=" + dir.file("config") +
                   " XDG_DATA_HOME=" + dir.file("data") + " LLMGW_IT_KEY=fake-key-for-tests " + LLMGW_BINARY +
                   " --config " + dir.file("config.toml") + " --db " + dir.file("llmgw.db") + " " + arguments);
}

} // namespace

TEST_CASE("llmgw run: the agent gets its own key and no provider key, its exit code passes through, the cost is printed") {
  FakeUpstream upstream;
  upstream.on("POST", "/v1/messages", [](const RecordedRequest&) {
    return anthropic_reply("claude-sonnet-4-5", "ok", 1000, 0, 0, 100); // $0.003 + $0.0015
  });
  TempDir dir;
  ServeProcess serve(dir, config_for(upstream, 5));
  auto run = llmgw_command(dir, serve.port(), std::string("run --project demo -- ") + LLMGW_FAKE_AGENT + " 3 7");
  INFO(run.output);
  CHECK(run.exit_code == 7);
  CHECK(run.output.find("status 200") != std::string::npos);
  CHECK(run.output.find("llmgw run: 3 requests (0 errors)") != std::string::npos);
  CHECK(run.output.find("$0.0135 (project demo)") != std::string::npos);
  CHECK(upstream.calls() == 3);
  store::Db db(dir.file("llmgw.db"));
  auto rows = store::recent_requests(db, 10);
  REQUIRE(rows.size() == 3);
  for (const auto& row : rows) {
    CHECK(row.record.project == "demo");
    CHECK(row.record.key_name.rfind("run-", 0) == 0);
  }
  // The run's key died with the run.
  auto keys = store::list_keys(db, true, true);
  REQUIRE(keys.size() == 1);
  CHECK(keys[0].revoked_at_ms.has_value());

  SUBCASE("--cap stops admitting the run's requests past the amount") {
    auto capped = llmgw_command(dir, serve.port(), std::string("run --cap 0.005 -- ") + LLMGW_FAKE_AGENT + " 3 0");
    INFO(capped.output);
    CHECK(capped.exit_code == 0);
    // Reservation ~$0.0015 + real $0.0045 each: the first fits, the second would pass $0.005.
    CHECK(capped.output.find("status 402") != std::string::npos);
    CHECK(capped.output.find("llmgw run: 3 requests (2 errors)") != std::string::npos);
    CHECK(upstream.calls() == 4);
  }
}

TEST_CASE("llmgw providers: key state, reachability and today's traffic per provider") {
  FakeUpstream upstream;
  TempDir dir;
  std::string config = config_for(upstream, 5) +
                       "[providers.gone]\nkind = \"anthropic\"\nbase_url = \"http://127.0.0.1:1\"\napi_key_env = \"LLMGW_UNSET_KEY\"\n";
  ServeProcess serve(dir, config);
  httplib::Client client("127.0.0.1", serve.port());
  httplib::Headers auth{{"x-api-key", serve.token()}, {"anthropic-version", "2023-06-01"}};
  REQUIRE(client.Post("/v1/messages", auth, R"({"model":"claude-sonnet-4-5","max_tokens":5,"messages":[]})",
                      "application/json")->status == 200);
  auto listed = llmgw_command(dir, serve.port(), "providers --json");
  INFO(listed.output);
  REQUIRE(listed.exit_code == 0);
  nlohmann::json providers;
  for (int i = 0; i < 50; ++i) { // the row lands in the ledger a moment after the answer
    providers = nlohmann::json::parse(llmgw_command(dir, serve.port(), "providers --json").output);
    if (providers[0]["requests_today"] == 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  REQUIRE(providers.size() == 2);
  CHECK(providers[0]["name"] == "anthropic");
  CHECK(providers[0]["default"] == true);
  CHECK(providers[0]["reachable"] == true);
  CHECK(providers[0]["key_present"] == true);
  CHECK(providers[0]["requests_today"] == 1);
  CHECK(providers[0]["cost_today_usd_pico"].get<int64_t>() > 0);
  CHECK(providers[1]["name"] == "gone");
  CHECK(providers[1]["reachable"] == false);
  CHECK(providers[1]["key_present"] == false);
  auto text = llmgw_command(dir, serve.port(), "providers");
  CHECK(text.output.find("LLMGW_UNSET_KEY NOT SET") != std::string::npos);
  CHECK(text.output.find("fake-key-for-tests") == std::string::npos); // a key is never printed
}

TEST_CASE("llmgw cap, key and usage --check / --statusline against a running server") {
  FakeUpstream upstream;
  TempDir dir;
  ServeProcess serve(dir, config_for(upstream, 5));
  auto set = llmgw_command(dir, serve.port(), "cap set --day 0.001 --warn 50");
  INFO(set.output);
  CHECK(set.exit_code == 0);
  CHECK(set.output.find("cap 1: $0.0010 a day for all requests (warn at 50%)") != std::string::npos);
  auto ok = llmgw_command(dir, serve.port(), "usage --check");
  CHECK(ok.exit_code == 0);
  httplib::Client client("127.0.0.1", serve.port());
  httplib::Headers auth{{"x-api-key", serve.token()}, {"anthropic-version", "2023-06-01"}};
  const std::string small = R"({"model":"claude-sonnet-4-5","max_tokens":10,"messages":[]})";
  auto first = client.Post("/v1/messages", auth, small, "application/json");
  REQUIRE(first);
  CHECK(first->status == 200); // $0.000111 spent; a $0.00015 reservation fits under $0.001
  bool warned = false;
  for (int i = 0; i < 20 && !warned; ++i) {
    client.Post("/v1/messages", auth, small, "application/json");
    warned = llmgw_command(dir, serve.port(), "usage --check").exit_code == 1;
  }
  CHECK(warned);
  auto line = llmgw_command(dir, serve.port(), "usage --statusline");
  CHECK(line.exit_code == 0);
  CHECK(line.output.rfind("llmgw $0.", 0) == 0);
  CHECK(line.output.find("left (day cap)") != std::string::npos);
  auto list = llmgw_command(dir, serve.port(), "cap list --json");
  auto caps = nlohmann::json::parse(list.output);
  REQUIRE(caps.size() == 1);
  CHECK(caps[0]["spent_usd_pico"].get<int64_t>() > 500'000'000);
  CHECK(llmgw_command(dir, serve.port(), "cap rm 1").exit_code == 0);
  CHECK(llmgw_command(dir, serve.port(), "cap rm 1").exit_code == 1);
  auto key = llmgw_command(dir, serve.port(), "key create ci --project web --models 'claude-*'");
  CHECK(key.exit_code == 0);
  CHECK(key.output.find("llmgw-vk-") != std::string::npos);
  auto keys = llmgw_command(dir, serve.port(), "key list");
  CHECK(keys.output.find("ci") != std::string::npos);
  CHECK(keys.output.find("web") != std::string::npos);
  CHECK(llmgw_command(dir, serve.port(), "key revoke ci").exit_code == 0);
  CHECK(llmgw_command(dir, serve.port(), "key revoke ci").exit_code == 1);
}
