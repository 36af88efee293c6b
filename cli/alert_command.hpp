#pragma once
// Runs the [alerts] command: /bin/sh -c COMMAND in its own process group, with extra environment
// variables, stdin from /dev/null; killed (the whole group) when it outlives its timeout or the
// caller stops; always reaped.
#include <atomic>
#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace llmgw::cli {

struct AlertRun {
  bool started = false;
  bool timed_out = false; // killed after the timeout (or because the caller stopped)
  int exit_code = -1;     // -1 when it did not exit normally
};

// `environment`: the whole environment the command gets ("NAME=value" entries).
AlertRun run_alert_command(const std::string& command, const std::vector<std::string>& environment,
                           std::chrono::milliseconds timeout, const std::atomic<bool>& stop);

} // namespace llmgw::cli
