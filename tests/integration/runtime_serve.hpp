#pragma once
// A child `llmgw serve` for the runtime-file, status and loopback-API tests: its own XDG dirs
// (runtime files in DIR/run), a port of the test's choosing, and the CLI run the same way.
#include "tests/support/child_env.hpp"
#include "tests/support/shell.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <fcntl.h>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <utility>
#include <vector>

namespace llmgw::test {

using EnvVars = std::vector<std::pair<std::string, std::string>>;

// The variables every llmgw process of a test gets: its config, data and runtime dirs.
inline std::string cli_env(const TempDir& dir) {
  return "XDG_CONFIG_HOME=" + dir.file("config") + " XDG_DATA_HOME=" + dir.file("data") +
         " XDG_RUNTIME_DIR=" + dir.file("run") + " ";
}

// `llmgw --config DIR/config.toml --db DIR/llmgw.db ARGS` with extra VAR=value words first.
inline CommandResult llmgw_cli(const TempDir& dir, const std::string& arguments, const std::string& extra_env = "") {
  return run_shell(cli_env(dir) + extra_env + " " + LLMGW_BINARY + " --config " + dir.file("config.toml") + " --db " +
                   dir.file("llmgw.db") + " " + arguments);
}

class RuntimeServe {
public:
  // db: the store given with --db (by default DIR/llmgw.db); "" gives no --db, so the config's
  // [store] url (or LLMGW_DB) decides.
  RuntimeServe(const TempDir& dir, const EnvVars& environment, int port = 0,
               const std::optional<std::string>& db = std::nullopt)
      : m_log_path(dir.file("serve.log")) {
    // Built before the fork: the child of a threaded process may only make async-signal-safe
    // calls (a setenv or a malloc can wait forever on a lock another thread held at the fork).
    EnvVars overrides = {{"XDG_CONFIG_HOME", dir.file("config")},
                         {"XDG_DATA_HOME", dir.file("data")},
                         {"XDG_RUNTIME_DIR", dir.file("run")}};
    overrides.insert(overrides.end(), environment.begin(), environment.end());
    std::vector<std::string> env_text = environment_with(overrides);
    std::vector<char*> envp = null_terminated(env_text);
    std::vector<std::string> args{"llmgw", "--config", dir.file("config.toml")};
    const std::string store = db.value_or(dir.file("llmgw.db"));
    if (!store.empty()) args.insert(args.end(), {"--db", store});
    args.insert(args.end(), {"serve", "--port", std::to_string(port)});
    std::vector<char*> argv = null_terminated(args);
    const int log_fd = ::open(m_log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
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
    const std::string text(line);
    REQUIRE(text.find("listening on") != std::string::npos);
    m_port = std::stoi(text.substr(text.rfind(':') + 1));
    std::ifstream token_file(dir.file("token"));
    std::getline(token_file, m_token);
    // The runtime file is written right after the listening line: wait for it.
    const std::string runtime = dir.file("run") + "/llmgw/serve-" + std::to_string(m_pid) + ".json";
    for (int i = 0; i < 500 && ::access(runtime.c_str(), F_OK) != 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ~RuntimeServe() {
    if (m_pid > 0) {
      ::kill(m_pid, SIGKILL);
      ::waitpid(m_pid, nullptr, 0);
    }
    if (m_stdout != nullptr) std::fclose(m_stdout);
  }
  RuntimeServe(const RuntimeServe&) = delete;
  RuntimeServe& operator=(const RuntimeServe&) = delete;

  int port() const { return m_port; }
  pid_t pid() const { return m_pid; }
  const std::string& token() const { return m_token; }
  std::string log() const {
    std::ifstream in(m_log_path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
  // Send the signal and wait (up to timeout_ms) for the exit; its code, -1 on timeout.
  int stop(int signal_number, int timeout_ms = 8000) {
    ::kill(m_pid, signal_number);
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

} // namespace llmgw::test
