// The runtime file `llmgw serve` keeps and the CLI commands that find the server through it:
// written at start, removed on SIGTERM, stale after SIGKILL and replaced by the next start;
// `llmgw env` and `run` after `serve --port N`; `llmgw status` exit codes and content.
#include "tests/integration/runtime_serve.hpp"
#include "tests/support/fake_upstream.hpp"
#include "store/settings.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

using namespace llmgw;
using namespace llmgw::test;

namespace {

void write_config(const TempDir& dir, const FakeUpstream& upstream, const std::string& more = "") {
  std::ofstream(dir.file("config.toml")) << "default_provider = \"anthropic\"\n[server]\nshutdown_grace_seconds = 2\n"
                                         << "[providers.anthropic]\nkind = \"anthropic\"\nbase_url = \""
                                         << upstream.base_url() << "\"\napi_key_env = \"LLMGW_IT_KEY\"\n"
                                         << more;
}

const EnvVars k_server_env{{"LLMGW_IT_KEY", "fake-key-for-tests"}};

std::vector<std::string> runtime_files(const TempDir& dir) {
  std::vector<std::string> files;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir.file("run") + "/llmgw", error))
    files.push_back(entry.path().string());
  return files;
}

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

// A port nothing listens on right now (bound, read, released).
int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  socklen_t size = sizeof address;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) == 0);
  ::close(fd);
  return ntohs(address.sin_port);
}

} // namespace

TEST_CASE("serve keeps a runtime file: removed on SIGTERM, stale after SIGKILL, replaced by a restart") {
  FakeUpstream upstream;
  TempDir dir;
  write_config(dir, upstream);
  int first_pid = 0;
  {
    RuntimeServe serve(dir, k_server_env);
    first_pid = serve.pid();
    const auto files = runtime_files(dir);
    REQUIRE(files.size() == 1);
    struct stat info {};
    REQUIRE(::stat(files[0].c_str(), &info) == 0);
    CHECK((info.st_mode & 0777) == 0600);
    const auto doc = read_json(files[0]);
    CHECK(doc["pid"] == serve.pid());
    CHECK(doc["port"] == serve.port());
    CHECK(doc["host"] == "127.0.0.1");
    CHECK(doc["version"] == LLMGW_VERSION);
    CHECK(doc["db_path"] == std::filesystem::weakly_canonical(dir.file("llmgw.db")).string());
    CHECK(doc["config_path"] == std::filesystem::weakly_canonical(dir.file("config.toml")).string());
    CHECK(doc["started_at_ms"].get<int64_t>() > 0);
    auto status = llmgw_cli(dir, "status");
    INFO(status.output);
    CHECK(status.exit_code == 0);
    CHECK(status.output.find("running at http://127.0.0.1:" + std::to_string(serve.port())) != std::string::npos);
    CHECK(serve.stop(SIGTERM) == 0);
    CHECK(runtime_files(dir).empty());
    CHECK(llmgw_cli(dir, "status").exit_code == 1);
  }
  {
    RuntimeServe crashed(dir, k_server_env);
    CHECK(crashed.stop(SIGKILL) == 128 + SIGKILL);
    REQUIRE(runtime_files(dir).size() == 1); // left behind by the crash
    auto status = llmgw_cli(dir, "status --json");
    INFO(status.output);
    CHECK(status.exit_code == 1);
    CHECK(nlohmann::json::parse(status.output)["running"] == false);
    CHECK(runtime_files(dir).empty()); // the stale file was noticed and removed
  }
  RuntimeServe crashed_again(dir, k_server_env);
  const int stale_pid = crashed_again.pid();
  CHECK(crashed_again.stop(SIGKILL) == 128 + SIGKILL);
  RuntimeServe restarted(dir, k_server_env); // starts over the stale file
  CHECK(restarted.pid() != first_pid);
  const auto files = runtime_files(dir);
  REQUIRE(files.size() == 1);
  CHECK(read_json(files[0])["pid"] == restarted.pid());
  CHECK(read_json(files[0])["pid"] != stale_pid);
  auto status = llmgw_cli(dir, "status --json");
  INFO(status.output);
  CHECK(status.exit_code == 0);
  CHECK(nlohmann::json::parse(status.output)["pid"] == restarted.pid());
}

TEST_CASE("llmgw env and llmgw run find a server started with --port N, not the config's port") {
  FakeUpstream upstream;
  upstream.on("POST", "/v1/messages",
              [](const RecordedRequest&) { return anthropic_reply("claude-sonnet-4-5", "ok", 10, 0, 0, 5); });
  TempDir dir;
  write_config(dir, upstream); // no port: the config says 8787
  const int port = free_port();
  RuntimeServe serve(dir, k_server_env, port);
  REQUIRE(serve.port() == port);
  auto env = llmgw_cli(dir, "env --shell bash");
  INFO(env.output);
  CHECK(env.exit_code == 0);
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  CHECK(env.output.find("export ANTHROPIC_BASE_URL=\"" + base + "\"") != std::string::npos);
  CHECK(env.output.find("export OPENAI_BASE_URL=\"" + base + "/v1\"") != std::string::npos);
  CHECK(env.output.find("export LLMGW_API_KEY=\"" + serve.token() + "\"") != std::string::npos);
  CHECK(env.output.find("8787") == std::string::npos);
  auto run = llmgw_cli(dir, std::string("run --project demo -- ") + LLMGW_FAKE_AGENT + " 2 0");
  INFO(run.output);
  CHECK(run.exit_code == 0);
  CHECK(run.output.find("status 200\nstatus 200") != std::string::npos);
  CHECK(upstream.calls() == 2);
}

TEST_CASE("llmgw status: where, since when, version, today's requests and spend, use overrides; exit 0 / 1") {
  FakeUpstream upstream;
  upstream.on("POST", "/v1/messages",
              [](const RecordedRequest&) { return anthropic_reply("claude-sonnet-4-5", "ok", 1000, 0, 0, 100); });
  TempDir dir;
  write_config(dir, upstream,
               "[providers.backup]\nkind = \"anthropic\"\nbase_url = \"" + upstream.base_url() +
                   "\"\napi_key_env = \"LLMGW_IT_KEY\"\n");
  auto stopped = llmgw_cli(dir, "status");
  INFO(stopped.output);
  CHECK(stopped.exit_code == 1);
  CHECK(stopped.output.find("llmgw is not running") != std::string::npos);
  RuntimeServe serve(dir, k_server_env);
  REQUIRE(llmgw_cli(dir, "use backup --for 'claude-*'").exit_code == 0);
  httplib::Client client("127.0.0.1", serve.port());
  const httplib::Headers auth{{"x-api-key", serve.token()}, {"anthropic-version", "2023-06-01"}};
  REQUIRE(client
              .Post("/v1/messages", auth, R"({"model":"claude-sonnet-4-5","max_tokens":5,"messages":[]})",
                    "application/json")
              ->status == 200);
  nlohmann::json doc;
  for (int i = 0; i < 100; ++i) { // the row reaches the ledger a moment after the answer
    auto status = llmgw_cli(dir, "status --json");
    REQUIRE(status.exit_code == 0);
    doc = nlohmann::json::parse(status.output);
    if (doc["requests_today"] == 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(doc["running"] == true);
  CHECK(doc["pid"] == serve.pid());
  CHECK(doc["port"] == serve.port());
  CHECK(doc["version"] == LLMGW_VERSION);
  CHECK(doc["api_answered"] == true);
  CHECK(doc["requests_today"] == 1);
  CHECK(doc["cost_today_usd_pico"].get<int64_t>() == 4'500'000'000); // $0.003 + $0.0015
  CHECK(doc["uptime_ms"].get<int64_t>() >= 0);
  REQUIRE(doc["overrides"].size() == 1);
  CHECK(doc["overrides"][0]["target"] == "backup");
  auto text = llmgw_cli(dir, "status");
  INFO(text.output);
  CHECK(text.exit_code == 0);
  CHECK(text.output.find("pid " + std::to_string(serve.pid()) + ", version " LLMGW_VERSION) != std::string::npos);
  CHECK(text.output.find("(up ") != std::string::npos);
  CHECK(text.output.find("1 request (0 errors), $0.0045") != std::string::npos);
  CHECK(text.output.find("models matching 'claude-*' -> backup") != std::string::npos);
  CHECK(serve.stop(SIGTERM) == 0);
  auto after = llmgw_cli(dir, "status");
  CHECK(after.exit_code == 1);
  CHECK(after.output.find("models matching 'claude-*' -> backup") != std::string::npos); // survives restarts
}
