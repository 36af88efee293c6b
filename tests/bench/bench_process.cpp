#include "tests/bench/bench_process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace llmgw::bench {
namespace {

using Clock = std::chrono::steady_clock;

// The child's environment: ours with env applied on top (an empty value removes the variable).
std::vector<std::string> child_environment(const std::map<std::string, std::string>& env) {
  std::vector<std::string> result;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string text = *entry;
    if (env.count(text.substr(0, text.find('='))) == 0) result.push_back(text);
  }
  for (const auto& [name, value] : env)
    if (!value.empty()) result.push_back(name + "=" + value);
  return result;
}

std::vector<char*> pointers(std::vector<std::string>& texts) {
  std::vector<char*> result;
  for (auto& text : texts) result.push_back(text.data());
  result.push_back(nullptr);
  return result;
}

int g_child_cpu = -1; // the CPU children are pinned to; -1: not pinned

// Runs in the forked child of a multithreaded parent: async-signal-safe calls only.
[[noreturn]] void exec_child(char* const* argv, char* const* envp, int stdout_fd, int stderr_fd, pid_t parent) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (g_child_cpu >= 0) {
    cpu_set_t cpus;
    CPU_ZERO(&cpus);
    CPU_SET(g_child_cpu, &cpus);
    ::sched_setaffinity(0, sizeof cpus, &cpus);
  }
  if (::getppid() != parent) ::_exit(127); // the parent died before prctl took effect
  ::dup2(stdout_fd, STDOUT_FILENO);
  ::dup2(stderr_fd, STDERR_FILENO);
  const int null_fd = ::open("/dev/null", O_RDONLY);
  ::dup2(null_fd, STDIN_FILENO);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::execve(argv[0], argv, envp);
  ::_exit(127);
}

} // namespace

void pin_to_two_cores() {
  if (::sysconf(_SC_NPROCESSORS_ONLN) < 2) throw std::runtime_error("--pin needs two CPUs");
  cpu_set_t cpus;
  CPU_ZERO(&cpus);
  CPU_SET(0, &cpus);
  if (::sched_setaffinity(0, sizeof cpus, &cpus) != 0)
    throw std::runtime_error("sched_setaffinity: " + std::string(std::strerror(errno)));
  g_child_cpu = 1;
}

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                           const std::string& stderr_path) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe: " + std::string(std::strerror(errno)));
  const int stderr_fd = ::open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (stderr_fd < 0) throw std::runtime_error("cannot open " + stderr_path);
  std::vector<std::string> args = argv, environment = child_environment(env);
  const std::vector<char*> arg_pointers = pointers(args), env_pointers = pointers(environment);
  const pid_t parent = ::getpid();
  m_pid = ::fork();
  if (m_pid == 0) exec_child(arg_pointers.data(), env_pointers.data(), pipe_fds[1], stderr_fd, parent);
  ::close(pipe_fds[1]);
  ::close(stderr_fd);
  if (m_pid < 0) {
    ::close(pipe_fds[0]);
    throw std::runtime_error("fork: " + std::string(std::strerror(errno)));
  }
  m_stdout_fd = pipe_fds[0];
}

ChildProcess::~ChildProcess() { stop(); }

ChildProcess::ChildProcess(ChildProcess&& other) noexcept { *this = std::move(other); }

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this == &other) return *this;
  stop();
  m_pid = other.m_pid;
  m_stdout_fd = other.m_stdout_fd;
  m_pending = std::move(other.m_pending);
  other.m_pid = -1;
  other.m_stdout_fd = -1;
  return *this;
}

std::string ChildProcess::read_line(int timeout_ms) {
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    const size_t newline = m_pending.find('\n');
    if (newline != std::string::npos) {
      std::string line = m_pending.substr(0, newline);
      m_pending.erase(0, newline + 1);
      return line;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (m_stdout_fd < 0 || left <= 0) return "";
    pollfd watch{m_stdout_fd, POLLIN, 0};
    if (::poll(&watch, 1, static_cast<int>(left)) <= 0) continue;
    char buffer[4096];
    const ssize_t n = ::read(m_stdout_fd, buffer, sizeof buffer);
    if (n <= 0) return "";
    m_pending.append(buffer, static_cast<size_t>(n));
  }
}

bool ChildProcess::exited() {
  if (m_pid <= 0) return true;
  int status = 0;
  if (::waitpid(m_pid, &status, WNOHANG) != m_pid) return false;
  m_pid = -1;
  return true;
}

void ChildProcess::stop(int grace_ms) {
  if (m_pid > 0) {
    ::kill(m_pid, SIGTERM);
    const auto deadline = Clock::now() + std::chrono::milliseconds(grace_ms);
    int status = 0;
    pid_t reaped = 0;
    while ((reaped = ::waitpid(m_pid, &status, WNOHANG)) == 0 && Clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    if (reaped == 0) {
      ::kill(m_pid, SIGKILL);
      ::waitpid(m_pid, &status, 0);
    }
    m_pid = -1;
  }
  if (m_stdout_fd >= 0) ::close(m_stdout_fd);
  m_stdout_fd = -1;
}

long rss_kib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  return -1;
}

double cpu_us(pid_t pid) {
  // The process's CPU clock counts nanoseconds over all its threads, the finished ones included;
  // /proc/PID/stat (10 ms ticks) is the fallback.
  clockid_t clock = 0;
  timespec now{};
  if (::clock_getcpuclockid(pid, &clock) == 0 && ::clock_gettime(clock, &now) == 0)
    return static_cast<double>(now.tv_sec) * 1e6 + static_cast<double>(now.tv_nsec) / 1e3;
  const std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  const size_t paren = stat.rfind(')');
  if (paren == std::string::npos) return -1;
  std::istringstream fields(stat.substr(paren + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  // After the command come state (3rd field of the line) ... utime is field 14, stime 15.
  for (int index = 3; index <= 15 && fields >> field; ++index) {
    if (index == 14) utime = std::strtoull(field.c_str(), nullptr, 10);
    if (index == 15) stime = std::strtoull(field.c_str(), nullptr, 10);
  }
  return static_cast<double>(utime + stime) * 1e6 / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

namespace {

// The direct children of pid, from /proc/PID/task/*/children (each thread's own list).
std::vector<pid_t> children_of(pid_t pid) {
  std::vector<pid_t> result;
  std::error_code error;
  const std::string tasks = "/proc/" + std::to_string(pid) + "/task";
  for (const auto& task : std::filesystem::directory_iterator(tasks, error)) {
    std::istringstream list(read_file(task.path().string() + "/children"));
    for (pid_t child = 0; list >> child;) result.push_back(child);
  }
  return result;
}

} // namespace

long tree_rss_kib(pid_t pid) {
  long total = rss_kib(pid);
  if (total < 0) return -1;
  for (const pid_t child : children_of(pid)) total += std::max(0L, rss_kib(child));
  return total;
}

double named_threads_cpu_us(pid_t pid, const std::string& name) {
  double total = -1;
  std::error_code error;
  for (const auto& task : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", error)) {
    std::string comm = read_file(task.path().string() + "/comm");
    if (!comm.empty() && comm.back() == '\n') comm.pop_back();
    if (comm != name) continue;
    // schedstat: time on the CPU (ns), time waiting to run (ns), timeslices.
    const double ran_ns = std::strtod(read_file(task.path().string() + "/schedstat").c_str(), nullptr);
    total = std::max(0.0, total) + ran_ns / 1000;
  }
  return total;
}

double tree_cpu_us(pid_t pid) {
  double total = cpu_us(pid);
  if (total < 0) return -1;
  for (const pid_t child : children_of(pid)) total += std::max(0.0, cpu_us(child));
  return total;
}

void raise_fd_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
}

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof addr;
  int port = -1;
  if (fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length) == 0)
    port = ntohs(addr.sin_port);
  if (fd >= 0) ::close(fd);
  if (port <= 0) throw std::runtime_error("cannot find a free port on 127.0.0.1");
  return port;
}

bool wait_for_port(int port, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  while (Clock::now() < deadline) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const bool up = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    if (up) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return false;
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

} // namespace llmgw::bench
