// The real `llmgw serve` process: SIGTERM/SIGINT drain open streams within the grace period,
// flush the ledger and exit 0; config.toml edits and SIGHUP reload it; `llmgw providers` sees
// what it learnt; the start-up banner names the https proxy; it refuses to listen where other
// machines reach it unless told to; its files are private.
#include "tests/integration/stream_client.hpp"
#include "tests/support/fake_upstream.hpp"
#include "tests/support/child_env.hpp"
#include "tests/support/shell.hpp"
#include "tests/support/temp_dir.hpp"
#include "store/reports.hpp"
#include "store/settings.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <fstream>
#include <map>
#include <sstream>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <utility>
#include <vector>

using namespace llmgw;
using namespace llmgw::test;

namespace {

// A child `llmgw serve` with its own XDG dirs; killed (by pid) if a test leaves it running.
class ServeProcess {
public:
  // environment: extra variables for the child (name, value); serve_args: after `serve --port 0`.
  ServeProcess(const TempDir& dir, const std::string& config_text,
               const std::vector<std::pair<std::string, std::string>>& environment = {},
               const std::vector<std::string>& serve_args = {})
      : m_log_path(dir.file("serve.log")) {
    std::ofstream(dir.file("config.toml")) << config_text;
    // Everything the child needs is built before the fork: the test process has other threads
    // (the fake provider's), so the child may only make async-signal-safe calls (a setenv or a
    // malloc there can wait forever on a lock another thread held at the fork).
    std::vector<std::pair<std::string, std::string>> overrides = {{"XDG_CONFIG_HOME", dir.file("config")},
                                                                  {"XDG_DATA_HOME", dir.file("data")},
                                                                  {"LLMGW_IT_KEY", "fake-key-for-tests"}};
    overrides.insert(overrides.end(), environment.begin(), environment.end());
    std::vector<std::string> env_text = environment_with(overrides);
    std::vector<char*> envp = null_terminated(env_text);
    std::vector<std::string> args{"llmgw",  "--config", dir.file("config.toml"), "--db", dir.file("llmgw.db"), "serve",
                                  "--port", "0"};
    args.insert(args.end(), serve_args.begin(), serve_args.end());
    std::vector<char*> argv = null_terminated(args);
    const int log_fd = ::open(dir.file("serve.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int out[2];
    REQUIRE(::pipe(out) == 0);
    m_pid = ::fork();
    REQUIRE(m_pid >= 0);
    if (m_pid == 0) {
      ::dup2(out[1], 1);
      ::close(out[0]);
      if (log_fd >= 0) ::dup2(log_fd, 2);
      ::execve(LLMGW_BINARY, argv.data(), envp.data());
      ::_exit(127);
    }
    if (log_fd >= 0) ::close(log_fd);
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
  // What the server wrote to stderr so far.
  std::string log() const {
    std::ifstream in(m_log_path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
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
  std::string m_log_path;
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
  auto rows = store::recent_requests(db, 10);
  REQUIRE(rows.size() == 1);
  // Ended by the shutdown, not delivered whole: never recorded as ok.
  CHECK(rows[0].record.outcome == core::Outcome::shutdown);
  CHECK(rows[0].record.error_message == "ended by llmgw shutting down");
}

namespace {

// Run the real `llmgw` with the serve process's config, database and port.
CommandResult llmgw_command(const TempDir& dir, int port, const std::string& arguments) {
  return run_shell("LLMGW_PORT=" + std::to_string(port) + " XDG_CONFIG_HOME=" + dir.file("config") +
                   " XDG_DATA_HOME=" + dir.file("data") + " LLMGW_IT_KEY=fake-key-for-tests " + LLMGW_BINARY +
                   " --config " + dir.file("config.toml") + " --db " + dir.file("llmgw.db") + " " + arguments);
}

} // namespace

TEST_CASE(
    "llmgw run: the agent gets its own key and no provider key, its exit code passes through, the cost is printed") {
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
  std::string config =
      config_for(upstream, 5) +
      "[providers.gone]\nkind = \"anthropic\"\nbase_url = \"http://127.0.0.1:1\"\napi_key_env = \"LLMGW_UNSET_KEY\"\n";
  ServeProcess serve(dir, config);
  httplib::Client client("127.0.0.1", serve.port());
  httplib::Headers auth{{"x-api-key", serve.token()}, {"anthropic-version", "2023-06-01"}};
  REQUIRE(client
              .Post("/v1/messages", auth, R"({"model":"claude-sonnet-4-5","max_tokens":5,"messages":[]})",
                    "application/json")
              ->status == 200);
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
  // The ledger shows the last request once its writer has flushed it: a busy machine may take a
  // moment after the server's own count (which usage --check saw) has it.
  nlohmann::json caps;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  do {
    caps = nlohmann::json::parse(llmgw_command(dir, serve.port(), "cap list --json").output);
    REQUIRE(caps.size() == 1);
  } while (caps[0]["spent_usd_pico"].get<int64_t>() <= 500'000'000 && std::chrono::steady_clock::now() < deadline);
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

TEST_CASE("config.toml edits and SIGHUP reach a running server; an invalid edit is refused and the old config stays") {
  FakeUpstream first, second;
  TempDir dir;
  ServeProcess serve(dir, config_for(first, 5));
  httplib::Client client("127.0.0.1", serve.port());
  const httplib::Headers auth{{"x-api-key", serve.token()}, {"anthropic-version", "2023-06-01"}};
  const std::string body = R"({"model":"claude-sonnet-4-5","max_tokens":5,"messages":[]})";
  REQUIRE(client.Post("/v1/messages", auth, body, "application/json")->status == 200);
  CHECK(first.calls() == 1);
  auto write_config = [&](const std::string& text) {
    const std::string temp = dir.file("config.toml.new");
    std::ofstream(temp) << text;
    std::rename(temp.c_str(), dir.file("config.toml").c_str()); // as editors save
  };
  // Wait up to 3 s for the server to say `needle` on stderr.
  auto logged = [&](const std::string& needle, size_t count = 1) {
    for (int i = 0; i < 300; ++i) {
      const std::string log = serve.log();
      size_t found = 0;
      for (size_t at = log.find(needle); at != std::string::npos; at = log.find(needle, at + 1)) ++found;
      if (found >= count) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  };

  // An edit: the model now goes to the second upstream, without a restart.
  write_config(config_for(first, 5) + "[providers.second]\nkind = \"anthropic\"\nbase_url = \"" + second.base_url() +
               "\"\napi_key_env = \"LLMGW_IT_KEY\"\n[models]\n\"claude-sonnet-4-5\" = \"second/claude-sonnet-4-5\"\n");
  REQUIRE(logged("config file changed: config reloaded"));
  REQUIRE(client.Post("/v1/messages", auth, body, "application/json")->status == 200);
  CHECK(second.calls() == 1);
  CHECK(first.calls() == 1);

  // An invalid edit: refused with the reason, the running config stays in force.
  write_config("[providers.second]\nkind = \"anthropic\"\nbase_url = \"" + second.base_url() + "\"\nbogus = 1\n");
  REQUIRE(logged("config NOT reloaded, the running config stays"));
  CHECK(serve.log().find("unknown key 'bogus'") != std::string::npos);
  REQUIRE(client.Post("/v1/messages", auth, body, "application/json")->status == 200);
  CHECK(second.calls() == 2);

  // SIGHUP rereads the file: back to the first upstream once the file is valid again. A change
  // of server.* is reported as needing a restart.
  std::ofstream(dir.file("config.toml")) << "default_provider = \"anthropic\"\n[server]\nshutdown_grace_seconds = 7\n"
                                            "[providers.anthropic]\nkind = \"anthropic\"\nbase_url = \""
                                         << first.base_url() << "\"\napi_key_env = \"LLMGW_IT_KEY\"\n";
  serve.signal(SIGHUP);
  REQUIRE(logged("config reloaded", 2));
  CHECK(logged("server.shutdown_grace_seconds changed: it takes effect after a restart"));
  REQUIRE(client.Post("/v1/messages", auth, body, "application/json")->status == 200);
  CHECK(first.calls() == 2);
  CHECK(serve.log().find("fake-key-for-tests") == std::string::npos);
  serve.signal(SIGTERM);
  CHECK(serve.wait_exit(10000) == 0);
}

TEST_CASE("llmgw providers shows a deployment cooling down and a benched key of the running server") {
  FakeUpstream flaky, healthy;
  flaky.on("POST", "/v1/messages", [](const RecordedRequest&) { return anthropic_error(503, "api_error", "down"); });
  healthy.on("POST", "/v1/messages", [](const RecordedRequest& request) {
    auto key = request.headers.find("x-api-key");
    if (key != request.headers.end() && key->second == "fake-key-for-tests")
      return anthropic_error(401, "authentication_error", "invalid x-api-key");
    return anthropic_reply("claude-sonnet-4-5", "ok", 10, 0, 0, 5);
  });
  TempDir dir;
  std::ostringstream config;
  config << "default_provider = \"anthropic\"\n[routing]\nattempts = 1\ncooldown_failures = 2\ncooldown_seconds = 60\n"
         << "[providers.anthropic]\nkind = \"anthropic\"\nbase_url = \"" << healthy.base_url()
         << "\"\napi_key_env = [\"LLMGW_IT_KEY\", \"LLMGW_IT_KEY_2\"]\n"
         << "[providers.flaky]\nkind = \"anthropic\"\nbase_url = \"" << flaky.base_url()
         << "\"\napi_key_env = \"LLMGW_IT_KEY_2\"\n[models]\nsmart = [\"flaky/claude-sonnet-4-5\", "
            "\"anthropic/claude-sonnet-4-5\"]\n";
  ::setenv("LLMGW_IT_KEY_2", "second-fake-key", 1); // inherited by the server and the CLI
  ServeProcess serve(dir, config.str());
  httplib::Client client("127.0.0.1", serve.port());
  const httplib::Headers auth{{"x-api-key", serve.token()}, {"anthropic-version", "2023-06-01"}};
  const std::string body = R"({"model":"smart","max_tokens":5,"messages":[]})";
  for (int i = 0; i < 2; ++i) REQUIRE(client.Post("/v1/messages", auth, body, "application/json")->status == 200);
  CHECK(flaky.calls() == 2);
  nlohmann::json providers;
  for (int i = 0; i < 100; ++i) { // published by the server within a poll interval
    providers = nlohmann::json::parse(llmgw_command(dir, serve.port(), "providers --json").output);
    if (providers[0]["trouble"].size() == 1 && providers[1]["trouble"].size() == 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  REQUIRE(providers.size() == 2);
  CHECK(providers[0]["key"] == "2 keys, 2 set");
  REQUIRE(providers[0]["trouble"].size() == 1);
  CHECK(providers[0]["trouble"][0]["kind"] == "key");
  CHECK(providers[0]["trouble"][0]["name"] == "LLMGW_IT_KEY");
  CHECK(providers[0]["trouble"][0]["reason"] == "refused (HTTP 401)");
  REQUIRE(providers[1]["trouble"].size() == 1);
  CHECK(providers[1]["trouble"][0]["kind"] == "deployment");
  CHECK(providers[1]["trouble"][0]["name"] == "claude-sonnet-4-5");
  CHECK(providers[1]["trouble"][0]["until_ms"].get<int64_t>() > core::policy::now_ms() + 50'000);
  auto text = llmgw_command(dir, serve.port(), "providers").output;
  INFO(text);
  CHECK(text.find("claude-sonnet-4-5 cooling down until") != std::string::npos);
  CHECK(text.find("key LLMGW_IT_KEY benched until") != std::string::npos);
  CHECK(text.find("second-fake-key") == std::string::npos);
  CHECK(text.find("fake-key-for-tests") == std::string::npos);
  ::unsetenv("LLMGW_IT_KEY_2");
}

TEST_CASE("llmgw serve names the https proxy it uses, never its credentials, and warns about one it cannot use") {
  FakeUpstream upstream;
  {
    TempDir dir;
    ServeProcess serve(dir, config_for(upstream, 1),
                       {{"https_proxy", "http://me:proxy-secret@127.0.0.1:3128"}, {"HTTPS_PROXY", ""}});
    const std::string log = serve.log();
    CHECK(log.find("https providers through proxy 127.0.0.1:3128 with credentials") != std::string::npos);
    CHECK(log.find("proxy-secret") == std::string::npos);
    CHECK(log.find("me:") == std::string::npos);
  }
  {
    TempDir dir;
    ServeProcess serve(dir, config_for(upstream, 1), {{"https_proxy", "socks5://127.0.0.1:1080"}});
    CHECK(serve.log().find("warning: https_proxy is not an http:// proxy URL") != std::string::npos);
  }
}

TEST_CASE("llmgw providers probes an https provider through the https proxy in force") {
  FakeUpstream upstream; // something that accepts connections, for the TCP probe
  TempDir dir;
  std::ofstream(dir.file("config.toml")) << "default_provider = \"tls\"\n[providers.tls]\nkind = \"openai\"\n"
                                         << "base_url = \"https://127.0.0.1:" << upstream.port() << "/v1\"\n"
                                         << "api_key_env = \"LLMGW_IT_KEY\"\n";
  auto reachable = [&](const std::string& environment) {
    auto listed =
        run_shell("env -u https_proxy -u HTTPS_PROXY -u no_proxy -u NO_PROXY " + environment +
                  " XDG_CONFIG_HOME=" + dir.file("config") + " XDG_DATA_HOME=" + dir.file("data") + " " + LLMGW_BINARY +
                  " --config " + dir.file("config.toml") + " --db " + dir.file("llmgw.db") + " providers --json");
    INFO(listed.output);
    REQUIRE(listed.exit_code == 0);
    return nlohmann::json::parse(listed.output).at(0).at("reachable").get<bool>();
  };
  CHECK(reachable(""));
  CHECK_FALSE(reachable("https_proxy=http://127.0.0.1:1")); // the proxy is down: so is the provider
  CHECK(reachable("https_proxy=http://127.0.0.1:1 no_proxy=127.0.0.1"));
}

namespace {

unsigned mode_of(const std::string& path) {
  struct stat info {};
  REQUIRE(::stat(path.c_str(), &info) == 0);
  return info.st_mode & 0777;
}

// `llmgw serve ARGS` with the test's config and database, expected to exit at once (killed after
// 30 s if it serves instead).
CommandResult serve_once(const TempDir& dir, const std::string& environment, const std::string& arguments) {
  return run_shell("timeout -s KILL 30 env -u LLMGW_HOST " + environment + " XDG_CONFIG_HOME=" + dir.file("config") +
                   " XDG_DATA_HOME=" + dir.file("data") + " LLMGW_IT_KEY=fake-key-for-tests " + LLMGW_BINARY +
                   " --config " + dir.file("config.toml") + " --db " + dir.file("llmgw.db") + " serve --port 0 " +
                   arguments);
}

} // namespace

TEST_CASE("llmgw serve refuses an address other machines reach, saying why and how to allow it") {
  FakeUpstream upstream;
  TempDir dir;
  std::ofstream(dir.file("config.toml")) << config_for(upstream, 1);
  for (const std::string host : {"0.0.0.0", "::", "192.168.1.20", "my-laptop.example.com"}) {
    auto refused = serve_once(dir, "", "--host " + host);
    INFO(refused.output);
    CHECK(refused.exit_code == 1);
    CHECK(refused.output.rfind("llmgw: error: refusing to listen on '" + host +
                                   "' (server.host from flag --host): "
                                   "it is not a loopback address",
                               0) == 0);
    CHECK(refused.output.find("server.allow_remote = true") != std::string::npos);
    CHECK(refused.output.find("--allow-remote") != std::string::npos);
  }
  auto from_env = serve_once(dir, "LLMGW_HOST=0.0.0.0", "");
  CHECK(from_env.exit_code == 1);
  CHECK(from_env.output.find("refusing to listen on '0.0.0.0' (server.host from env LLMGW_HOST)") != std::string::npos);
  // Refused before anything was created.
  CHECK_FALSE(std::filesystem::exists(dir.file("llmgw.db")));
  CHECK_FALSE(std::filesystem::exists(dir.file("token")));
}

TEST_CASE("llmgw serve listens on an address other machines reach when allowed, and warns") {
  FakeUpstream upstream;
  {
    TempDir dir;
    ServeProcess serve(dir, config_for(upstream, 1), {}, {"--host", "0.0.0.0", "--allow-remote"});
    CHECK(serve.log().find("llmgw: warning: listening on '0.0.0.0', which other machines can reach "
                           "(server.allow_remote from flag --allow-remote)") != std::string::npos);
    httplib::Client client("127.0.0.1", serve.port());
    auto models = client.Get("/v1/models", httplib::Headers{{"Authorization", "Bearer " + serve.token()}});
    REQUIRE(models);
    CHECK(models->status == 200);
  }
  {
    TempDir dir;
    std::string config = config_for(upstream, 1);
    config.replace(config.find("[server]\n"), 9, "[server]\nallow_remote = true\n");
    ServeProcess serve(dir, config, {}, {"--host", "0.0.0.0"});
    CHECK(serve.log().find("(server.allow_remote from " + dir.file("config.toml") + ":") != std::string::npos);
  }
  {
    TempDir dir;
    ServeProcess serve(dir, config_for(upstream, 1), {}, {"--host", "localhost"});
    CHECK(serve.log().find("warning: listening on") == std::string::npos);
  }
}

TEST_CASE("llmgw serve keeps its database, -wal and -shm 0600 and its data directory 0700") {
  FakeUpstream upstream;
  TempDir dir;
  ServeProcess serve(dir, config_for(upstream, 1));
  const std::string db = dir.file("llmgw.db");
  CHECK(mode_of(db) == 0600);
  CHECK(mode_of(db + "-wal") == 0600);
  CHECK(mode_of(db + "-shm") == 0600);
  CHECK(mode_of(dir.file("token")) == 0600);
  // The XDG default location: ~/.local/share/llmgw created 0700.
  auto listed =
      run_shell("env -u LLMGW_DB XDG_DATA_HOME=" + dir.file("data") + " XDG_CONFIG_HOME=" + dir.file("config") + " " +
                LLMGW_BINARY + " --config " + dir.file("config.toml") + " cap list");
  INFO(listed.output);
  CHECK(listed.exit_code == 0);
  CHECK(mode_of(dir.file("data")) == 0700);
  CHECK(mode_of(dir.file("data/llmgw")) == 0700);
  CHECK(mode_of(dir.file("data/llmgw/llmgw.db")) == 0600);
}

TEST_CASE("llmgw cap set: an agent, provider or key llmgw does not know is an error naming the known ones, unless "
          "--force") {
  FakeUpstream upstream;
  TempDir dir;
  ServeProcess serve(dir, config_for(upstream, 5));
  auto typo = llmgw_command(dir, serve.port(), "cap set --day 1 --agent claude-cod");
  INFO(typo.output);
  CHECK(typo.exit_code == 1);
  CHECK(typo.output.find("unknown agent 'claude-cod': llmgw detects ") != std::string::npos);
  CHECK(typo.output.find("claude-code, codex, curl") != std::string::npos);
  CHECK(typo.output.find("use --force") != std::string::npos);
  CHECK(llmgw_command(dir, serve.port(), "cap set --day 1 --agent claude-code").exit_code == 0);
  CHECK(llmgw_command(dir, serve.port(), "cap set --day 1 --agent claude-cod --force").exit_code == 0);

  auto provider = llmgw_command(dir, serve.port(), "cap set --day 1 --provider antropic");
  CHECK(provider.exit_code == 1);
  CHECK(provider.output.find("unknown provider 'antropic': configured providers are anthropic") != std::string::npos);
  CHECK(llmgw_command(dir, serve.port(), "cap set --day 1 --provider anthropic").exit_code == 0);

  auto key = llmgw_command(dir, serve.port(), "cap set --day 1 --key ci");
  CHECK(key.exit_code == 1);
  CHECK(key.output.find("no key named 'ci'") != std::string::npos);
  // A key makes its name and its agent known.
  auto created = llmgw_command(dir, serve.port(), "key create ci --agent nightly-bot");
  REQUIRE(created.exit_code == 0);
  CHECK(llmgw_command(dir, serve.port(), "cap set --day 1 --key ci").exit_code == 0);
  CHECK(llmgw_command(dir, serve.port(), "cap set --day 1 --agent nightly-bot").exit_code == 0);
  auto listed = nlohmann::json::parse(llmgw_command(dir, serve.port(), "cap list --json").output);
  CHECK(listed.size() == 5);

  // An agent seen in the ledger stays known after its key is revoked.
  const size_t at = created.output.find("llmgw-vk-");
  REQUIRE(at != std::string::npos);
  const std::string token = created.output.substr(at, created.output.find_first_of(" \n", at) - at);
  httplib::Client client("127.0.0.1", serve.port());
  httplib::Headers auth{{"x-api-key", token}, {"anthropic-version", "2023-06-01"}};
  REQUIRE(client
              .Post("/v1/messages", auth, R"({"model":"claude-sonnet-4-5","max_tokens":5,"messages":[]})",
                    "application/json")
              ->status == 200);
  CHECK(llmgw_command(dir, serve.port(), "key revoke ci").exit_code == 0);
  bool known = false;
  for (int i = 0; i < 50 && !known; ++i) { // the row lands in the ledger a moment after the answer
    known = llmgw_command(dir, serve.port(), "cap set --week 1 --agent nightly-bot").exit_code == 0;
    if (!known) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(known);
}

TEST_CASE("llmgw usage --check says OK, WARN or OVER for each cap and exits 0, 1 or 2") {
  FakeUpstream upstream; // answers claude-sonnet-4-5 with 12 input and 5 output tokens: $0.000111
  TempDir dir;
  ServeProcess serve(dir, config_for(upstream, 5));
  httplib::Client client("127.0.0.1", serve.port());
  httplib::Headers auth{{"x-api-key", serve.token()}, {"anthropic-version", "2023-06-01"}};
  REQUIRE(client
              .Post("/v1/messages", auth, R"({"model":"claude-sonnet-4-5","max_tokens":5,"messages":[]})",
                    "application/json")
              ->status == 200);
  REQUIRE(llmgw_command(dir, serve.port(), "cap set --day 1").exit_code == 0);
  CommandResult ok;
  for (int i = 0; i < 50; ++i) { // until the row is in the ledger
    ok = llmgw_command(dir, serve.port(), "usage --check");
    if (ok.output.find("$0.00 of") == std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  INFO(ok.output);
  CHECK(ok.exit_code == 0);
  CHECK(ok.output.rfind("OK   day cap: $0.00011", 0) == 0);
  // What was spent is past 50 % of $0.0002 but within it.
  REQUIRE(llmgw_command(dir, serve.port(), "cap set --day 0.0002 --warn 50").exit_code == 0);
  auto warn = llmgw_command(dir, serve.port(), "usage --check");
  INFO(warn.output);
  CHECK(warn.exit_code == 1);
  CHECK(warn.output.rfind("WARN day cap:", 0) == 0);
  // Past the limit: OVER, not WARN.
  REQUIRE(llmgw_command(dir, serve.port(), "cap set --day 0.0001").exit_code == 0);
  auto over = llmgw_command(dir, serve.port(), "usage --check");
  INFO(over.output);
  CHECK(over.exit_code == 2);
  CHECK(over.output.rfind("OVER day cap:", 0) == 0);
}

TEST_CASE("llmgw prices import applies to a running server within a second; prices MODEL says why") {
  FakeUpstream upstream;
  TempDir dir;
  ServeProcess serve(dir, config_for(upstream, 5));
  httplib::Client client("127.0.0.1", serve.port());
  const httplib::Headers auth{{"x-api-key", serve.token()}, {"anthropic-version", "2023-06-01"}};
  const std::string body = R"({"model":"claude-opus-9","max_tokens":5,"messages":[]})";
  REQUIRE(client.Post("/v1/messages", auth, body, "application/json")->status == 200); // unpriced

  // LiteLLM's format: a chat model at $1 / $2 per 1M tokens, an embedding model left out.
  std::ofstream(dir.file("litellm.json"))
      << R"({"sample_spec": {"mode": "chat"}, "claude-opus-9": {"input_cost_per_token": 1e-06,)"
      << R"( "output_cost_per_token": 2e-06, "litellm_provider": "anthropic", "mode": "chat"},)"
      << R"( "text-embedding-3-small": {"input_cost_per_token": 2e-08, "litellm_provider": "openai",)"
      << R"( "mode": "embedding"}})";
  const auto imported = llmgw_command(dir, serve.port(), "prices import " + dir.file("litellm.json"));
  INFO(imported.output);
  REQUIRE(imported.exit_code == 0);
  CHECK(imported.output.find("imported 1 prices from") != std::string::npos);
  struct stat info {};
  REQUIRE(::stat(dir.file("data/llmgw/prices.json").c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);
  for (int i = 0; i < 200 && serve.log().find("imported prices reloaded") == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  REQUIRE(serve.log().find("imported prices reloaded") != std::string::npos); // within 2 s of the write
  REQUIRE(client.Post("/v1/messages", auth, body, "application/json")->status == 200);
  const std::string family_body = R"({"model":"claude-opus-5-5","max_tokens":5,"messages":[]})";
  REQUIRE(client.Post("/v1/messages", auth, family_body, "application/json")->status == 200);

  const auto why = llmgw_command(dir, serve.port(), "prices claude-opus-9");
  CHECK(why.output.find("claude-opus-9: exact entry claude-opus-9 (anthropic, imported ") != std::string::npos);
  const auto family = llmgw_command(dir, serve.port(), "prices claude-opus-5-5");
  CHECK(family.output.find("family rule 'claude-opus-5-*' prices it as claude-opus-5") != std::string::npos);
  CHECK(family.output.find("no model matches") == std::string::npos);
  const auto unknown = llmgw_command(dir, serve.port(), "prices claude-opus-99");
  CHECK(unknown.output.find("claude-opus-99: no price") != std::string::npos);

  serve.signal(SIGTERM);
  REQUIRE(serve.wait_exit(10000) == 0);
  store::Db db(dir.file("llmgw.db"));
  // In the order the requests started (a row's id follows when it was settled, after its answer).
  auto rows = store::recent_requests(db, 10);
  REQUIRE(rows.size() == 3);
  std::sort(rows.begin(), rows.end(),
            [](const auto& a, const auto& b) { return a.record.started_at_ms < b.record.started_at_ms; });
  const auto& before = rows[0].record;
  const auto& priced = rows[1].record;
  const auto& by_family = rows[2].record;
  CHECK(by_family.requested_model == "claude-opus-5-5");
  CHECK(before.unpriced);
  CHECK(before.price_basis.empty());
  CHECK_FALSE(priced.unpriced);
  CHECK(priced.price_basis == "exact");
  const auto& u = priced.usage;
  CHECK(priced.cost_usd_pico ==
        (u.input_uncached_tokens + u.cache_read_tokens + u.cache_write_5m_tokens + u.cache_write_1h_tokens) *
                1'000'000 +
            u.output_tokens * 2'000'000);
  CHECK(priced.price_version.find("+import ") != std::string::npos);
  CHECK(by_family.price_basis == "family");
  CHECK_FALSE(by_family.unpriced);
  const auto log = llmgw_command(dir, serve.port(), "log --json");
  CHECK(log.output.find(R"("price_basis":"family")") != std::string::npos);
  CHECK(log.output.find(R"("price_basis":null)") != std::string::npos);
}

TEST_CASE("llmgw serve prints the stale price table warning at most once") {
  FakeUpstream upstream;
  TempDir dir;
  // Whether it appears depends on today's date against the bundled one (the 90-day rule itself is
  // tested in test_pricing_price_import.cpp); it never repeats.
  ServeProcess serve(dir, config_for(upstream, 5));
  const std::string log = serve.log();
  const size_t first = log.find("the price table in force is from");
  CHECK((first == std::string::npos || log.find("the price table in force is from", first + 1) == std::string::npos));
  serve.signal(SIGTERM);
  CHECK(serve.wait_exit(10000) == 0);
}
