#pragma once
// The measurements: one scenario runs the same request against every target in alternating
// slices (so drift and noise hit all targets alike) after a discarded warm-up slice each.
#include "tests/bench/bench_report.hpp"
#include "tests/bench/bench_upstream.hpp"

#include <sys/types.h>

#include <string>
#include <vector>

namespace llmgw::bench {

// A server under test.
struct Target {
  std::string name; // "direct", "nginx", "llmgw", "llmgw-old" (--compare)
  int port = 0;
  pid_t pid = -1;      // whose CPU (with its children's) is charged; -1 = not watched
  std::string headers; // extra request header lines ("Name: value\r\n")
};

struct ScenarioSpec {
  std::string name;
  int concurrency = 1;
  std::string path = "/v1/chat/completions";
  std::string body;
  Compare compare = Compare::latency;
  int rounds = 4; // measured slices per target
  SliceLimits warmup, slice;
  std::string headers = {}; // more "Name: value\r\n" lines, after the target's own (its token)
};

// Runs spec against every target and returns the merged results. With measure_rss, each watched
// target's resident memory (with its children's) is read after the scenario.
ScenarioRow run_scenario(const std::vector<Target>& targets, const ScenarioSpec& spec, bool measure_rss = false);

// The chat request body: "messages" holding one user message of text; stream adds "stream":true.
std::string chat_body(const std::string& text, bool stream);

// CPU the target process burns in percent of one core over seconds while count keep-alive
// connections (each used once) sit idle; -1 when the target's CPU cannot be read.
double idle_cpu_percent(const Target& target, int count, double seconds);

// What holding many open streams through the gateway looked like.
struct StreamHold {
  int opened = 0;          // streams that delivered their first byte
  long rss_kib = -1;       // VmRSS of the target (with its children) while they were all open (max of a few samples)
  double cancel_ms = -1;   // client close -> upstream streams all gone; -1 = not within the limit
  double open_ms = 0;      // from the first request to the last first byte
  std::string first_error; // why a stream did not open
};

// Opens count stalled streams through target, samples the RSS of target.pid, then closes them,
// times how long the upstream takes to see every stream cancelled (stalled_streams() == 0), and
// ends the stalls (upstream.end_stalls()).
StreamHold hold_streams(const Target& target, int count, BenchUpstream& upstream);

} // namespace llmgw::bench
