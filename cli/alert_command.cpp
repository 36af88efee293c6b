#include "cli/alert_command.hpp"

#include <cerrno>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

namespace llmgw::cli {
namespace {

// How often a running command is checked on (this thread does nothing else meanwhile).
constexpr auto k_poll = std::chrono::milliseconds(20);

AlertRun finished(int status) {
  AlertRun run;
  run.started = true;
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

} // namespace

AlertRun run_alert_command(const std::string& command, const std::vector<std::string>& environment,
                           std::chrono::milliseconds timeout, const std::atomic<bool>& stop) {
  // Everything the child needs is built before the spawn: posix_spawn is safe in a threaded
  // process, unlike running code between fork and exec.
  std::vector<char*> envp;
  for (const auto& entry : environment) envp.push_back(const_cast<char*>(entry.c_str()));
  envp.push_back(nullptr);
  std::string shell = "/bin/sh", dash_c = "-c", text = command;
  char* argv[] = {shell.data(), dash_c.data(), text.data(), nullptr};

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  // Its own process group, so a timeout kills what it started too (a hanging curl, a sleep).
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&attributes, 0);
  // The server blocks SIGINT/SIGTERM/SIGHUP for sigwait and ignores SIGPIPE: the command gets
  // the defaults back.
  sigset_t none, defaults;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attributes, &none);
  sigemptyset(&defaults);
  for (int signal_number : {SIGINT, SIGTERM, SIGHUP, SIGPIPE}) sigaddset(&defaults, signal_number);
  posix_spawnattr_setsigdefault(&attributes, &defaults);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, "/bin/sh", &actions, &attributes, argv, envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (rc != 0) return AlertRun{};

  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline && !stop.load()) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) return finished(status);
    if (done < 0 && errno != EINTR) return AlertRun{true, false, -1}; // reaped elsewhere: nothing to wait for
    std::this_thread::sleep_for(k_poll);
  }
  ::kill(-pid, SIGKILL); // the group: sh and whatever it started
  ::waitpid(pid, &status, 0);
  AlertRun run = finished(status);
  run.timed_out = true;
  return run;
}

} // namespace llmgw::cli
