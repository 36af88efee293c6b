#pragma once
// Issue 20's targets, judged on a finished run: llmgw against nginx in the same run (pinned, one
// core each), plus the older absolute limits that must not regress.
#include "tests/bench/bench_report.hpp"
#include "tests/bench/bench_scenarios.hpp"

#include <string>
#include <vector>

namespace llmgw::bench {

// What the probes outside the load scenarios measured for one gateway.
struct Probes {
  std::vector<double> startup_existing_ms, startup_new_ms; // spawn -> first 200 of a real request
  long idle_rss_kib = -1;                                  // after start and one request
  long after_load_rss_kib = -1;                            // after the load scenarios
  double idle_cpu_percent = -1;                            // 64 idle keep-alive connections
  StreamHold streams;                                      // 64 open streams
};

// The median of samples, or -1 when one of them failed (-1) or there are none.
double median_ms(std::vector<double> samples);

// The checks for gateway ("llmgw" or "llmgw-old"); a suffix names the gateway when it is not
// "llmgw". Ratios are to nginx in the same run; a check whose inputs are missing is "n/a".
std::vector<Check> target_checks(const Report& report, const std::string& gateway, const Probes& probes);

} // namespace llmgw::bench
