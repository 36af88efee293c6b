#pragma once
// The benchmark's results and their three renderings: a plain-text table, a markdown table for
// the README, and JSON.
#include "tests/bench/bench_load.hpp"

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

namespace llmgw::bench {

// One target (direct / nginx / llmgw) in one scenario.
struct TargetRow {
  std::string target;
  Stats latency, first_byte;
  double requests_per_second = 0;
  double cpu_us_per_request = -1; // -1 when the target process was not watched
  long errors = 0;
  std::string first_error;
  double connect_ms = -1; // opening all `concurrency` connections at once, before the warm-up
};

// One scenario at one concurrency; "added" compares llmgw with direct.
struct ScenarioRow {
  std::string name;
  int concurrency = 1;
  bool time_to_first_byte = false; // compare first-byte times instead of full latency
  std::vector<TargetRow> targets;
  // The row for target, or nullptr.
  const TargetRow* find(const std::string& target) const;
  // The compared statistic of target, or nullptr.
  const Stats* compared(const std::string& target) const;
};

// One target from the brief, judged PASS/FAIL.
struct Check {
  std::string name;
  double value = 0;
  double limit = 0;
  std::string unit;
  bool measured = false;
  bool pass() const { return measured && value <= limit; }
};

struct Report {
  std::string mode; // "full" or "quick"
  std::vector<ScenarioRow> scenarios;
  std::vector<Check> checks;
  std::vector<std::pair<std::string, std::string>> facts; // label, value
  std::vector<std::string> notes;
};

void print_text(const Report& report, std::FILE* out);
void print_markdown(const Report& report, std::FILE* out);
// Writes the report as JSON to path; throws std::runtime_error when it cannot.
void write_json(const Report& report, const std::string& path);

} // namespace llmgw::bench
