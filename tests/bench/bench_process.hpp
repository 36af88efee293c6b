#pragma once
// Child processes of the benchmark (llmgw, nginx): spawned with a clean environment, watched
// through /proc, and always stopped by their pid. Children die with the benchmark (PDEATHSIG).
#include <sys/types.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace llmgw::bench {

// --pin: the benchmark (load and fake provider) runs on CPU 0 and every child it starts afterwards
// (llmgw, nginx and its workers) on CPU 1, so the proxies are compared on one core each.
// Throws std::runtime_error when the machine has fewer than two CPUs.
void pin_to_two_cores();

class ChildProcess {
public:
  ChildProcess() = default;
  // Starts argv[0] with env set on top of the inherited environment (an empty value unsets);
  // stdout is a pipe read by read_line(), stderr goes to stderr_path. Throws std::runtime_error.
  ChildProcess(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
               const std::string& stderr_path);
  // Stops the child (stop()).
  ~ChildProcess();
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;

  pid_t pid() const { return m_pid; }
  bool running() const { return m_pid > 0; }
  // True once the child has exited on its own (it is reaped then).
  bool exited();
  // The next stdout line, or "" when none arrived within timeout_ms (or stdout closed).
  std::string read_line(int timeout_ms);
  // SIGTERM, wait up to grace_ms, then SIGKILL; reaps the child. A no-op when not running.
  void stop(int grace_ms = 3000);

private:
  pid_t m_pid = -1;
  int m_stdout_fd = -1;
  std::string m_pending;
};

// VmRSS of a process in KiB, or -1 when unreadable.
long rss_kib(pid_t pid);
// User + system CPU time a process (all its threads) has used so far, in microseconds, to the
// nanosecond (its CPU clock), or -1 when unreadable.
double cpu_us(pid_t pid);
// The same summed over pid and its child processes (nginx's workers; all of them), or -1 when
// pid's own figure is unreadable.
long tree_rss_kib(pid_t pid);
double tree_cpu_us(pid_t pid);
// CPU time the threads of pid named `name` (/proc/PID/task/TID/comm; llmgw's ledger writer is
// "llmgw-ledger") have run, in microseconds, from the scheduler's nanosecond count; -1 when pid has
// no such thread.
double named_threads_cpu_us(pid_t pid, const std::string& name);
// Raises the soft limit of open files to the hard limit (256 connections need ~800 descriptors in
// the benchmark and as many in each server it starts, which inherit the limit).
void raise_fd_limit();
// A TCP port on 127.0.0.1 that was free a moment ago.
int free_port();
// True once something accepts a TCP connection on 127.0.0.1:port, polling until timeout.
bool wait_for_port(int port, std::chrono::milliseconds timeout);

// Writes text to path; throws std::runtime_error on failure.
void write_file(const std::string& path, const std::string& text);
// The whole file, or "" when unreadable.
std::string read_file(const std::string& path);

} // namespace llmgw::bench
