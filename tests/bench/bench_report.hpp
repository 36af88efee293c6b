#pragma once
// The benchmark's results and their three renderings: a plain-text table, a markdown table for
// the README, and JSON. Every gateway (llmgw, and llmgw-old with --compare) is also shown as a
// ratio to nginx measured in the same run: what issue 20's targets are stated in.
#include "tests/bench/bench_load.hpp"

#include <cstdio>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace llmgw::bench {

// One target (direct / nginx / llmgw / llmgw-old) in one scenario.
struct TargetRow {
  std::string target;
  Stats latency, first_byte, first_event;
  double requests_per_second = 0;
  double cpu_us_per_request = -1;    // -1 when the target process was not watched
  double ledger_us_per_request = -1; // of that, llmgw's ledger writer thread; -1 for other targets
  long errors = 0;
  std::string first_error;
  double connect_ms = -1; // opening all `concurrency` connections at once, before the warm-up
  long rss_kib = -1;      // resident memory after the scenario (the sweep measures it), or -1
};

// What a scenario's latency columns compare.
enum class Compare {
  latency,     // the whole exchange
  first_byte,  // the first body byte
  first_event, // the first SSE "data:" event (time to first token)
};

// One scenario at one concurrency; "added" is a target's time minus direct's.
struct ScenarioRow {
  std::string name;
  int concurrency = 1;
  Compare compare = Compare::latency;
  std::vector<TargetRow> targets;
  // The row for target, or nullptr.
  const TargetRow* find(const std::string& target) const;
  // The compared statistic of target, or nullptr (also when it has no sample).
  const Stats* compared(const std::string& target) const;
};

// target minus direct at p50 (or p99) of the compared statistic, in microseconds.
std::optional<double> added_us(const ScenarioRow& row, const std::string& target, bool p99);

enum class Metric { added_p50, added_p99, requests_per_second, cpu_per_request };
// target's metric over base's in the same scenario; nullopt when either is missing or base's is
// not above zero (an added time nginx did not add cannot be a denominator).
std::optional<double> ratio(const ScenarioRow& row, const std::string& target, const std::string& base, Metric metric);

// One target of the issue, judged met / not met.
struct Check {
  std::string group; // "issue 20" or "must not regress" (+ " [llmgw-old]" for the old binary)
  std::string name;
  double value = 0;
  double limit = 0;
  std::string unit;
  bool measured = false;
  bool at_least = false; // the value must be >= limit (a throughput ratio) instead of <=
  bool required = true;  // a run that could not measure it is incomplete (ratios are not: nginx's
                         // added time can come out at or below zero in a noisy run)
  bool pass() const { return measured && (at_least ? value >= limit : value <= limit); }
};

struct Report {
  std::string mode; // "full", "quick", "sweep", "quick sweep"
  std::vector<ScenarioRow> scenarios;
  std::vector<ScenarioRow> sweep;
  std::vector<Check> checks;
  std::vector<std::pair<std::string, std::string>> facts; // label, value
  std::vector<std::string> notes;
};

// The second llmgw of --dashboard (the same binary with a dashboard open on it) and of --team
// (the same binary on a PostgreSQL store): measured in the load scenarios only, against llmgw.
inline constexpr const char* k_dashboard_target = "llmgw+dashboard";
inline constexpr const char* k_team_target = "llmgw+team";
inline bool is_variant(const std::string& target) { return target == k_dashboard_target || target == k_team_target; }

// Targets that are gateways under test: everything but "direct" and "nginx".
bool is_gateway(const std::string& target);

void print_text(const Report& report, std::FILE* out);
void print_markdown(const Report& report, std::FILE* out);
// Writes the report as JSON to path; throws std::runtime_error when it cannot.
void write_json(const Report& report, const std::string& path);

} // namespace llmgw::bench
