// llmgw_fake_upstream: the fake provider as a process, for the e2e tests and the benchmark.
// Prints "PORT <n>" as its first stdout line, then serves until SIGTERM/SIGINT or, when stdin is
// a pipe or a terminal, until stdin reaches EOF.
#include "tests/fake_upstream/e2e_handlers.hpp"
#include "tests/support/fake_upstream.hpp"

#include <nlohmann/json.hpp>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <mutex>
#include <stdexcept>
#include <string>

namespace {

using llmgw::test::FakeUpstream;
using llmgw::test::RecordedRequest;

constexpr const char* k_usage =
    "usage: llmgw_fake_upstream [--port N] [--log FILE] [--tool-call]\n"
    "  --port N     listen on 127.0.0.1:N (default 0: an ephemeral port)\n"
    "  --log FILE   append one JSON line per request: method, path, query, headers, body\n"
    "  --tool-call  answer requests that offer tools with one shell tool call before \"E2E-OK\"\n";

volatile std::sig_atomic_t g_stop = 0;

struct Options {
  int port = 0;
  std::string log_path;
  bool tool_call = false;
};

Options parse_options(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--port" && has_value)
      options.port = std::stoi(argv[++i]);
    else if (arg == "--log" && has_value)
      options.log_path = argv[++i];
    else if (arg == "--tool-call")
      options.tool_call = true;
    else
      throw std::invalid_argument("unknown or incomplete option '" + arg + "'");
  }
  return options;
}

std::string lowercase(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// One JSON line per request; header names lowercased, repeated headers joined with ", ".
std::string log_line(const RecordedRequest& request) {
  nlohmann::json headers = nlohmann::json::object();
  for (const auto& [name, value] : request.headers) {
    auto& slot = headers[lowercase(name)];
    slot = slot.is_string() ? slot.get<std::string>() + ", " + value : value;
  }
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const nlohmann::json line = {{"time_ms", std::chrono::duration_cast<std::chrono::milliseconds>(now).count()},
                               {"method", request.method},
                               {"path", request.path},
                               {"query", request.query},
                               {"headers", headers},
                               {"body", request.body}};
  return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void install_log(FakeUpstream& upstream, const std::string& path) {
  auto file = std::make_shared<std::ofstream>(path, std::ios::app);
  if (!*file) throw std::runtime_error("cannot open log file '" + path + "'");
  auto mutex = std::make_shared<std::mutex>();
  upstream.set_request_observer([file, mutex](const RecordedRequest& request) {
    const std::string line = log_line(request);
    std::lock_guard<std::mutex> lock(*mutex);
    *file << line << '\n' << std::flush;
  });
}

// EOF on stdin only means "stop" when something holds the other end (a pipe or a terminal);
// /dev/null (a backgrounded shell job) would otherwise stop the server at once.
bool stdin_is_watched() {
  struct stat info {};
  if (fstat(STDIN_FILENO, &info) != 0) return false;
  return S_ISFIFO(info.st_mode) || S_ISSOCK(info.st_mode) || isatty(STDIN_FILENO);
}

void wait_for_stop() {
  const bool watch = stdin_is_watched();
  while (g_stop == 0) {
    pollfd in{STDIN_FILENO, POLLIN, 0};
    if (!watch) {
      poll(nullptr, 0, 100);
      continue;
    }
    if (poll(&in, 1, 100) <= 0) continue;
    char buffer[256];
    if (read(STDIN_FILENO, buffer, sizeof buffer) <= 0) return; // EOF (or a dead stdin)
  }
}

void install_signal_handlers() {
  struct sigaction action {};
  action.sa_handler = [](int) { g_stop = 1; };
  sigemptyset(&action.sa_mask);
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
}

} // namespace

int main(int argc, char** argv) {
  try {
    if (argc == 2 && (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0)) {
      std::fputs(k_usage, stdout);
      return 0;
    }
    const Options options = parse_options(argc, argv);
    install_signal_handlers();
    FakeUpstream upstream(options.port);
    llmgw::test::install_e2e_handlers(upstream, options.tool_call);
    if (!options.log_path.empty()) install_log(upstream, options.log_path);
    std::printf("PORT %d\n", upstream.port());
    std::fflush(stdout);
    wait_for_stop();
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "llmgw_fake_upstream: error: %s\n%s", e.what(), k_usage);
    return 1;
  }
}
