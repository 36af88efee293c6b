#include "tests/bench/bench_services.hpp"

#include "tests/bench/bench_client.hpp"

#include <cstdlib>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <thread>
#include <unistd.h>

namespace llmgw::bench {
namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* k_listening_prefix = "llmgw: listening on http://127.0.0.1:";

std::map<std::string, std::string> gateway_env(const std::string& dir) {
  // A clean slate: no LLMGW_* override and no real provider key or base URL reaches the gateway.
  std::map<std::string, std::string> env{{"XDG_CONFIG_HOME", dir + "/xdg-config"},
                                         {"XDG_DATA_HOME", dir + "/xdg-data"},
                                         {"HOME", dir},
                                         {"BENCH_FAKE_KEY", "bench-fake-key"},
                                         {"LLMGW_NO_PROBE", "1"}};
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string name = std::string(*entry).substr(0, std::string(*entry).find('='));
    if (name.rfind("LLMGW_", 0) == 0 || name.find("_API_KEY") != std::string::npos ||
        name.find("_BASE_URL") != std::string::npos)
      env.emplace(name, std::string()); // an empty value unsets; the entries above win
  }
  return env;
}

// --db's value: a file in the run's directory, or a postgres:// URL as it is.
std::string db_argument(const GatewaySetup& setup, const std::string& db_name) {
  return db_name.rfind("postgres://", 0) == 0 || db_name.rfind("postgresql://", 0) == 0 ? db_name
                                                                                        : setup.dir + "/" + db_name;
}

std::vector<std::string> gateway_argv(const GatewaySetup& setup, const std::string& db_name, int port) {
  return {setup.binary, "--config", setup.dir + "/config.toml", "--db", db_argument(setup, db_name),
          "serve",      "--port",   std::to_string(port)};
}

std::string tail(const std::string& text, size_t max_chars) {
  return text.size() <= max_chars ? text : "..." + text.substr(text.size() - max_chars);
}

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  return text;
}

std::string nginx_config(const std::string& dir, int port, int upstream_port) {
  const std::string upstream = "127.0.0.1:" + std::to_string(upstream_port);
  return "daemon off;\nmaster_process off;\nworker_processes 1;\npid " + dir +
         "/nginx.pid;\n"
         "error_log " +
         dir +
         "/error.log warn;\n"
         "events { worker_connections 4096; }\n"
         "http {\n"
         "  access_log off;\n"
         "  client_body_temp_path " +
         dir + "/client_body;\n  proxy_temp_path " + dir +
         "/proxy;\n"
         "  fastcgi_temp_path " +
         dir + "/fastcgi;\n  uwsgi_temp_path " + dir +
         "/uwsgi;\n"
         "  scgi_temp_path " +
         dir +
         "/scgi;\n"
         // Keep bodies up to the sweep's 2 MB in memory (the default 16k buffer spills to a file).
         "  client_max_body_size 64m;\n  client_body_buffer_size 4m;\n"
         "  keepalive_requests 1000000;\n  keepalive_timeout 75s;\n"
         "  upstream fake {\n    server " +
         upstream +
         ";\n    keepalive 256;\n    keepalive_requests 1000000;\n  }\n"
         "  server {\n    listen 127.0.0.1:" +
         std::to_string(port) +
         ";\n"
         "    location / {\n      proxy_pass http://fake;\n      proxy_http_version 1.1;\n"
         "      proxy_set_header Connection \"\";\n      proxy_buffering off;\n"
         "      proxy_read_timeout 60s;\n    }\n  }\n}\n";
}

} // namespace

void write_gateway_config(const GatewaySetup& setup) {
  const std::string fake = "http://127.0.0.1:" + std::to_string(setup.upstream_port);
  write_file(setup.dir + "/config.toml", "default_provider = \"openai\"\n\n"
                                         "[providers.openai]\nkind = \"openai\"\nbase_url = \"" +
                                             fake +
                                             "/v1\"\napi_key_env = \"BENCH_FAKE_KEY\"\n\n"
                                             "[providers.anthropic]\nkind = \"anthropic\"\nbase_url = \"" +
                                             fake + "\"\napi_key_env = \"BENCH_FAKE_KEY\"\n");
}

// Caps and a rate limit high enough never to refuse, so admission runs on every request.
void add_caps(const GatewaySetup& setup, const std::string& db_name) {
  const std::string base =
      setup.binary + " --config " + setup.dir + "/config.toml --db '" + db_argument(setup, db_name) + "'";
  for (const char* args : {" cap set --day 1000000", " cap set --month 1000000 --provider openai",
                           " limit set --rpm 1000000 --agent unknown"}) {
    const std::string command = base + args + " >/dev/null";
    if (std::system(command.c_str()) != 0) throw std::runtime_error("failed: " + command);
  }
}

RunningGateway start_gateway(const GatewaySetup& setup, const std::string& db_name) {
  const std::string log = setup.dir + "/" + (db_name.find("://") == std::string::npos ? db_name : "team") + ".stderr";
  if (setup.caps) add_caps(setup, db_name);
  RunningGateway gateway;
  // A port picked here rather than --port 0: the listening line still reports the real one.
  gateway.process = ChildProcess(gateway_argv(setup, db_name, free_port()), gateway_env(setup.dir), log);
  const auto deadline = Clock::now() + std::chrono::seconds(15);
  while (gateway.port == 0 && Clock::now() < deadline && !gateway.process.exited()) {
    const std::string line = gateway.process.read_line(200);
    if (line.rfind(k_listening_prefix, 0) == 0)
      gateway.port = std::stoi(line.substr(std::string(k_listening_prefix).size()));
  }
  if (gateway.port == 0) {
    gateway.process.stop();
    throw std::runtime_error("llmgw did not print its listening line within 15 s; its stderr:\n" +
                             tail(read_file(log), 2000));
  }
  gateway.token = trimmed(read_file(setup.dir + "/token")); // next to the --config file
  if (gateway.token.empty()) throw std::runtime_error("llmgw started but " + setup.dir + "/token is empty");
  return gateway;
}

double time_to_first_request_ms(const GatewaySetup& setup, const std::string& db_name) {
  const int port = free_port();
  const std::string token = trimmed(read_file(setup.dir + "/token"));
  const std::string request =
      token.empty() ? make_get(port, "/healthz")
                    : make_post(port, "/v1/chat/completions", "Authorization: Bearer " + token + "\r\n",
                                R"({"model":"gpt-4.1","messages":[{"role":"user","content":"Say hello."}]})");
  const auto start = Clock::now();
  ChildProcess child(gateway_argv(setup, db_name, port), gateway_env(setup.dir), setup.dir + "/" + db_name + ".stderr");
  Connection connection(port, 1000);
  const auto deadline = start + std::chrono::seconds(5);
  while (Clock::now() < deadline && !child.exited()) {
    const Exchange result = connection.exchange(request);
    if (result.ok && result.status == 200)
      return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
  return -1;
}

RunningNginx start_nginx(const std::string& binary, const std::string& dir, int upstream_port) {
  const std::string root = dir + "/nginx";
  std::filesystem::create_directories(root);
  RunningNginx nginx;
  nginx.port = free_port();
  write_file(root + "/nginx.conf", nginx_config(root, nginx.port, upstream_port));
  nginx.process = ChildProcess({binary, "-e", root + "/error.log", "-p", root, "-c", root + "/nginx.conf"}, {},
                               root + "/stderr.log");
  if (!wait_for_port(nginx.port, std::chrono::seconds(5))) {
    nginx.process.stop();
    throw std::runtime_error("nginx did not listen within 5 s: " + tail(read_file(root + "/error.log"), 1000) +
                             tail(read_file(root + "/stderr.log"), 1000));
  }
  return nginx;
}

} // namespace llmgw::bench
