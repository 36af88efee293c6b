#pragma once
// Closed-loop load: a fixed set of keep-alive connections, one worker thread each, sending the
// same request back to back (or paced) until a request budget or a time limit runs out.
#include "tests/bench/bench_client.hpp"

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

namespace llmgw::bench {

// Percentiles of one set of samples, in microseconds.
struct Stats {
  long count = 0;
  double p50_us = 0, p99_us = 0, mean_us = 0, max_us = 0;
};
// Nearest-rank percentiles; all zero when values is empty.
Stats summarize(std::vector<double> values);

// Everything measured against one target in one scenario, merged over its slices.
struct Measurement {
  std::vector<double> total_us, first_byte_us, first_event_us;
  long errors = 0;
  std::string first_error;
  double seconds = 0;        // wall time spent in measured slices
  double cpu_us = -1;        // CPU the target process used during them; -1 when not watched
  double ledger_cpu_us = -1; // of that, its ledger writer thread's ("llmgw-ledger"); -1 when none
  // Successful requests per second of measured wall time.
  double requests_per_second() const;
  // Target CPU per successful request in microseconds, or -1.
  double cpu_us_per_request() const;
  // The ledger writer's CPU per successful request (one row each) in microseconds, or -1.
  double ledger_us_per_request() const;
};

// How long one slice runs: whichever limit comes first.
struct SliceLimits {
  long max_requests = 1000;
  double max_seconds = 1.0;
  int pause_ms = 0; // idle time between a worker's requests (0 = back to back)
  // Worker i of n starts i * stagger_ms / n after the slice begins, so long requests (paced
  // streams) arrive spread out as independent clients' would, not all in the same millisecond.
  int stagger_ms = 0;
};

class LoadGroup {
public:
  // concurrency connections to 127.0.0.1:port, opened lazily; watched_pid (when > 0) is the
  // process whose CPU time (with its children's, see tree_cpu_us) is charged to the measurement.
  LoadGroup(int port, int concurrency, pid_t watched_pid, int timeout_ms = 10000);
  // Opens every connection at once (a burst, as a pool of clients starting together would) and
  // returns the milliseconds until the last was established; -1 when one failed.
  double connect_all();
  // Runs one slice of request on every connection and appends the samples to into. The watched
  // process's CPU is read before and, once it has settled (work left behind by the slice, such as
  // ledger writes, is charged to it), after the slice.
  void run(const std::string& request, const SliceLimits& limits, Measurement& into);

private:
  std::vector<std::unique_ptr<Connection>> m_connections;
  pid_t m_watched_pid;
};

} // namespace llmgw::bench
