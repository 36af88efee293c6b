#include "tests/support/pty_run.hpp"

#include <chrono>
#include <csignal>
#include <cstring>
#include <poll.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace llmgw::test {
namespace {

constexpr auto k_timeout = std::chrono::seconds(20);

std::vector<std::string> child_environment(const std::vector<std::string>& extra) {
  std::vector<std::string> out;
  const auto named = [](const std::string& entry, const std::string& name) {
    return entry.compare(0, name.size() + 1, name + "=") == 0;
  };
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string text = *entry;
    bool drop = named(text, "COLUMNS") || named(text, "LINES");
    for (const std::string& change : extra) {
      const std::string name = change[0] == '-' ? change.substr(1) : change.substr(0, change.find('='));
      drop = drop || named(text, name);
    }
    if (!drop) out.push_back(text);
  }
  for (const std::string& change : extra)
    if (change[0] != '-') out.push_back(change);
  return out;
}

} // namespace

PtyResult run_in_pty(const std::vector<std::string>& argv, unsigned short columns,
                     const std::vector<std::string>& environment) {
  // Everything the child needs is built before fork: after it only exec.
  std::vector<std::string> env_text = child_environment(environment);
  std::vector<char*> args, envp;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  for (std::string& entry : env_text) envp.push_back(entry.data());
  envp.push_back(nullptr);
  winsize size{};
  size.ws_col = columns;
  size.ws_row = 50;
  int master = -1;
  const pid_t pid = ::forkpty(&master, nullptr, nullptr, &size);
  if (pid < 0) return {};
  if (pid == 0) {
    ::execve(args[0], args.data(), envp.data());
    ::_exit(127);
  }
  PtyResult result;
  const auto deadline = std::chrono::steady_clock::now() + k_timeout;
  char buffer[4096];
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd wait{master, POLLIN, 0};
    if (::poll(&wait, 1, 100) <= 0) continue;
    const ssize_t got = ::read(master, buffer, sizeof buffer);
    if (got <= 0) break; // EIO once the child and its terminal are gone
    result.output.append(buffer, static_cast<size_t>(got));
  }
  int status = 0;
  if (std::chrono::steady_clock::now() >= deadline) ::kill(pid, SIGKILL);
  ::waitpid(pid, &status, 0);
  ::close(master);
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  std::string clean;
  for (char c : result.output)
    if (c != '\r') clean += c;
  result.output = clean;
  return result;
}

} // namespace llmgw::test
