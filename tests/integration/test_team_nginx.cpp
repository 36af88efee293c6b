// Team mode end to end through a real nginx: three `llmgw serve --port 0` processes in team mode
// share one SQLite file behind an nginx round-robin (plain HTTP, the streaming settings of
// packaging/nginx-team.conf); clients with virtual keys go through nginx.
#include "tests/integration/runtime_serve.hpp"
#include "tests/support/fake_upstream.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <thread>
#include <unistd.h>

using namespace llmgw;
using namespace llmgw::test;

namespace {

const std::string k_host = "llm.team.example";
const char* const k_nginx = "/usr/sbin/nginx";

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

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// nginx round-robin over the ports: one process (no workers switching to another user), which
// daemonises and leaves its pid in ROOT/nginx.pid; stopped by that pid.
class Nginx {
public:
  Nginx(const std::string& root, const std::vector<int>& ports) : m_root(root), m_port(free_port()) {
    std::filesystem::create_directories(root);
    std::string servers;
    for (int port : ports) servers += "    server 127.0.0.1:" + std::to_string(port) + ";\n";
    std::string temp;
    for (const char* kind : {"client_body", "proxy", "fastcgi", "uwsgi", "scgi"})
      temp += "  " + std::string(kind) + "_temp_path " + root + "/" + kind + ";\n";
    std::ofstream(root + "/nginx.conf")
        << "master_process off;\npid " << root << "/nginx.pid;\nerror_log " << root << "/error.log warn;\n"
        << "events { worker_connections 256; }\nhttp {\n  access_log off;\n"
        << temp << "  client_max_body_size 32m;\n  upstream llmgw {\n"
        << servers << "    keepalive 16;\n  }\n"
        << "  server {\n    listen 127.0.0.1:" << m_port << ";\n    location / {\n"
        << "      proxy_pass http://llmgw;\n      proxy_http_version 1.1;\n"
        << "      proxy_set_header Connection \"\";\n      proxy_set_header Host $host;\n"
        << "      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n"
        << "      proxy_buffering off;\n      proxy_request_buffering off;\n      proxy_read_timeout 60s;\n"
        << "    }\n  }\n}\n";
    const auto started =
        run_shell(std::string(k_nginx) + " -p " + root + " -e " + root + "/error.log -c " + root + "/nginx.conf 2>&1");
    REQUIRE_MESSAGE(started.exit_code == 0, started.output);
    for (int i = 0; i < 500 && !listening(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (listening()) return;
    stop(); // the constructor fails: no destructor will run
    FAIL("nginx did not listen within 5 s: " << read_text(root + "/error.log"));
  }
  ~Nginx() { stop(); }
  Nginx(const Nginx&) = delete;
  Nginx& operator=(const Nginx&) = delete;

  int port() const { return m_port; }

private:
  void stop() {
    std::ifstream pid_file(m_root + "/nginx.pid");
    pid_t pid = 0;
    if (pid_file >> pid && pid > 0) ::kill(pid, SIGTERM);
  }
  bool listening() const {
    httplib::Client client("127.0.0.1", m_port);
    client.set_connection_timeout(0, 200'000);
    return static_cast<bool>(client.Get("/healthz"));
  }

  std::string m_root;
  int m_port;
};

std::string create_key(const TempDir& dir, const std::string& name, const std::string& user) {
  const auto created = llmgw_cli(dir, "key create " + name + " --user " + user);
  REQUIRE_MESSAGE(created.exit_code == 0, created.output);
  const size_t at = created.output.find("llmgw-vk-");
  REQUIRE(at != std::string::npos);
  return created.output.substr(at, created.output.find('\n', at) - at);
}

// The requests an instance counted (llmgw_requests_total summed), read from it directly.
int64_t requests_counted(const RuntimeServe& serve) {
  httplib::Client client("127.0.0.1", serve.port());
  const auto reply =
      client.Get("/metrics", httplib::Headers{{"Host", k_host}, {"Authorization", "Bearer " + serve.token()}});
  REQUIRE(reply);
  REQUIRE(reply->status == 200);
  int64_t total = 0;
  std::istringstream lines(reply->body);
  for (std::string line; std::getline(lines, line);)
    if (line.rfind("llmgw_requests_total{", 0) == 0) total += std::stoll(line.substr(line.rfind(' ') + 1));
  return total;
}

} // namespace

TEST_CASE("team mode through nginx: three instances on one SQLite file share the work, keys and the ledger") {
  REQUIRE_MESSAGE(::access(k_nginx, X_OK) == 0, "nginx missing: packaging/setup-deps.sh --test installs it");
  FakeUpstream upstream;
  upstream.on("POST", "/v1/messages",
              [](const RecordedRequest&) { return anthropic_reply("claude-sonnet-4-5", "ok", 1000, 0, 0, 500); });
  TempDir dir;
  std::ofstream(dir.file("config.toml")) << "default_provider = \"anthropic\"\n[server]\nshutdown_grace_seconds = 2\n"
                                         << "public = true\nhosts = [\"" << k_host << "\"]\n"
                                         << "[providers.anthropic]\nkind = \"anthropic\"\nbase_url = \""
                                         << upstream.base_url() << "\"\napi_key_env = \"LLMGW_IT_KEY\"\n";
  const std::map<std::string, std::string> keys{{"alice", create_key(dir, "alice-laptop", "alice")},
                                                {"bob", create_key(dir, "bob-laptop", "bob")}};
  std::vector<std::unique_ptr<RuntimeServe>> instances;
  std::vector<int> ports;
  for (int i = 0; i < 3; ++i) {
    instances.push_back(std::make_unique<RuntimeServe>(dir, EnvVars{{"LLMGW_IT_KEY", "fake-key-for-tests"}}));
    ports.push_back(instances.back()->port());
  }
  Nginx nginx(dir.file("nginx"), ports);
  httplib::Client client("127.0.0.1", nginx.port());
  client.set_read_timeout(10, 0);
  const std::string body = R"({"model":"claude-sonnet-4-5","max_tokens":5,"messages":[]})";
  auto send = [&](const std::string& key) {
    const auto reply =
        client.Post("/v1/messages", httplib::Headers{{"x-api-key", key}, {"anthropic-version", "2023-06-01"}}, body,
                    "application/json");
    return reply ? reply->status : 0;
  };
  client.set_default_headers({{"Host", k_host}});
  for (int i = 0; i < 9; ++i) CHECK(send(keys.at(i % 3 == 2 ? "bob" : "alice")) == 200);
  CHECK(send(instances[0]->token()) == 401); // the gateway token, through the proxy: refused
  CHECK(upstream.calls() == 9);
  int64_t counted = 0;
  for (const auto& serve : instances) {
    const int64_t served = requests_counted(*serve);
    CHECK(served >= 1); // round robin: every instance took some
    counted += served;
  }
  CHECK(counted == 10);
  // The loopback API is not reachable through the proxy (X-Forwarded-For), even with the token.
  const auto api =
      client.Get("/llmgw/api/status", httplib::Headers{{"Authorization", "Bearer " + instances[0]->token()}});
  REQUIRE(api);
  CHECK(api->status == 403);
  for (auto& serve : instances) CHECK(serve->stop(SIGTERM) == 0); // each flushes its rows
  const auto usage = nlohmann::json::parse(llmgw_cli(dir, "usage --by user --json").output, nullptr, false);
  REQUIRE(usage.is_object());
  std::map<std::string, int64_t> requests;
  for (const auto& row : usage["rows"]) requests[row["key"].get<std::string>()] = row["requests"].get<int64_t>();
  CHECK(requests["alice"] == 6);
  CHECK(requests["bob"] == 3);
  CHECK(requests[""] == 1); // the refused gateway-token request, with no user
}
