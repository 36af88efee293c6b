#include "cli/runtime_file.hpp"

#include "core/config/config.hpp"
#include "core/config/private_files.hpp"
#include "core/http/tcp_probe.hpp"
#include "store/connection.hpp"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace llmgw::cli {
namespace {

namespace fs = std::filesystem;

constexpr int k_runtime_probe_timeout_ms = 500;

std::string absolute_env_dir(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr && value[0] == '/' ? value : ""; // XDG: relative paths are ignored
}

std::string normal_path(const std::string& path) {
  if (path.empty()) return path;
  if (store::is_postgres_url(path)) return store::redact_url(path); // compared and stored without the password
  std::error_code error;
  fs::path normal = fs::weakly_canonical(fs::absolute(path, error), error);
  return error ? path : normal.string();
}

bool process_alive(int64_t pid) {
  if (pid <= 0) return false;
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

std::string dial_host(const std::string& host) {
  if (host.empty() || host == "0.0.0.0") return "127.0.0.1";
  if (host == "::" || host == "[::]") return "::1";
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') return host.substr(1, host.size() - 2);
  return host;
}

std::optional<RunningServer> read_runtime_file(const fs::path& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  auto server = parse_runtime_json(text.str());
  if (server) server->file_path = path.string();
  return server;
}

} // namespace

std::string RunningServer::base_url() const { return gateway_base_url(host, port); }

std::string runtime_dir() {
  if (std::string dir = absolute_env_dir("XDG_RUNTIME_DIR"); !dir.empty()) return dir + "/llmgw";
  if (std::string dir = absolute_env_dir("XDG_STATE_HOME"); !dir.empty()) return dir + "/llmgw";
  const char* home = std::getenv("HOME");
  return std::string(home != nullptr ? home : "") + "/.local/state/llmgw";
}

std::string runtime_json(const RunningServer& server) {
  nlohmann::ordered_json doc{{"pid", server.pid},
                             {"host", server.host},
                             {"port", server.port},
                             {"url", server.base_url()},
                             {"version", server.version},
                             {"started_at_ms", server.started_at_ms},
                             {"config_path", server.config_path},
                             {"db_path", server.db_path},
                             {"token_path", server.token_path}};
  return doc.dump(2) + "\n";
}

std::optional<RunningServer> parse_runtime_json(const std::string& text) {
  const auto doc = nlohmann::json::parse(text, nullptr, false);
  if (!doc.is_object()) return std::nullopt;
  try {
    RunningServer server;
    server.pid = doc.at("pid").get<int64_t>();
    server.host = doc.at("host").get<std::string>();
    server.port = doc.at("port").get<int>();
    server.version = doc.value("version", "");
    server.started_at_ms = doc.value("started_at_ms", int64_t{0});
    server.config_path = doc.value("config_path", "");
    server.db_path = doc.value("db_path", "");
    server.token_path = doc.value("token_path", "");
    if (server.pid <= 0 || server.port <= 0 || server.port > 65535) return std::nullopt;
    return server;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

bool server_alive(const RunningServer& server) {
  return process_alive(server.pid) &&
         core::http::tcp_accepts(dial_host(server.host), std::to_string(server.port), k_runtime_probe_timeout_ms);
}

std::vector<RunningServer> running_servers() {
  std::vector<RunningServer> servers;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(runtime_dir(), error)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("serve-", 0) != 0 || entry.path().extension() != ".json") continue;
    auto server = read_runtime_file(entry.path());
    if (server && server_alive(*server)) {
      servers.push_back(std::move(*server));
      continue;
    }
    // A server that crashed (or a file not ours to read): stale, out of the way of the next one.
    std::error_code ignored;
    if (!server || server->pid != ::getpid()) fs::remove(entry.path(), ignored);
  }
  return servers;
}

std::optional<RunningServer> find_running_server(const GlobalOptions& options) {
  const auto servers = running_servers();
  const std::string db = normal_path(resolve_db_path(options));
  const std::string config = normal_path(core::config::resolve_config_path({options.config_path, {}, {}}));
  const RunningServer* by_config = nullptr;
  for (const auto& server : servers) {
    if (normal_path(server.db_path) == db) return server;
    if (by_config == nullptr && normal_path(server.config_path) == config) by_config = &server;
  }
  if (by_config != nullptr) return *by_config;
  return std::nullopt;
}

RuntimeFile::RuntimeFile(RunningServer server) {
  server.config_path = normal_path(server.config_path);
  server.db_path = normal_path(server.db_path);
  server.token_path = normal_path(server.token_path);
  const std::string dir = runtime_dir();
  m_path = dir + "/serve-" + std::to_string(server.pid) + ".json";
  running_servers(); // clears files a crashed server left
  core::config::write_private_file(m_path, runtime_json(server));
}

RuntimeFile::~RuntimeFile() {
  std::error_code ignored;
  fs::remove(m_path, ignored);
}

} // namespace llmgw::cli
