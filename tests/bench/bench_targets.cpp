#include "tests/bench/bench_targets.hpp"

#include "tests/bench/bench_plan.hpp"

#include <algorithm>
#include <optional>

namespace llmgw::bench {
namespace {

constexpr const char* k_issue = "issue 20";
constexpr const char* k_keep = "must not regress";
constexpr int k_open_streams = 64;

const ScenarioRow* find_row(const Report& report, const std::string& name, int concurrency) {
  for (const auto& row : report.scenarios)
    if (row.name == name && row.concurrency == concurrency) return &row;
  return nullptr;
}

std::optional<double> row_ratio(const Report& report, const std::string& name, int concurrency,
                                const std::string& gateway, Metric metric) {
  const ScenarioRow* row = find_row(report, name, concurrency);
  return row == nullptr ? std::nullopt : ratio(*row, gateway, "nginx", metric);
}

std::optional<double> added_ms(const Report& report, const std::string& name, int concurrency,
                               const std::string& gateway) {
  const ScenarioRow* row = find_row(report, name, concurrency);
  if (row == nullptr) return std::nullopt;
  const auto added = added_us(*row, gateway, false);
  return added ? std::optional<double>(*added / 1000) : std::nullopt;
}

// The higher of a per-request figure of small requests at concurrency 8 and 64: CPU per request
// (ledger writes included: the CPU is read once the process settled after each slice), or the
// ledger writer thread's share (issue 20 bounds it at 5 µs a row). Concurrency 1 is shown but not
// judged: there the pinned core idles between requests and each request pays its wake-ups,
// nginx's ~4x its concurrency-8 figure on the development machine.
std::optional<double> worst_small(const Report& report, const std::string& gateway, double TargetRow::*per_request) {
  std::optional<double> worst;
  for (int concurrency : {8, 64}) {
    const ScenarioRow* row = find_row(report, k_small, concurrency);
    const TargetRow* target = row == nullptr ? nullptr : row->find(gateway);
    if (target == nullptr || target->*per_request < 0) return std::nullopt;
    worst = std::max(worst.value_or(0), target->*per_request);
  }
  return worst;
}

std::optional<double> if_measured(double value) { return value >= 0 ? std::optional<double>(value) : std::nullopt; }

std::optional<double> in_mb(long kib) {
  return kib < 0 ? std::nullopt : std::optional<double>(static_cast<double>(kib) / 1024.0);
}

} // namespace

double median_ms(std::vector<double> samples) {
  if (samples.empty() || std::count(samples.begin(), samples.end(), -1.0) > 0) return -1;
  std::sort(samples.begin(), samples.end());
  return samples[samples.size() / 2];
}

std::vector<Check> target_checks(const Report& report, const std::string& gateway, const Probes& probes) {
  const std::string suffix = gateway == "llmgw" ? "" : " [" + gateway + "]";
  std::vector<Check> checks;
  const auto add = [&](const char* group, const std::string& name, std::optional<double> value, double limit,
                       const std::string& unit, bool at_least = false) {
    checks.push_back(Check{group + suffix, name + suffix, value.value_or(0), limit, unit, value.has_value(), at_least});
  };
  for (int concurrency : {1, 8, 64})
    add(k_issue, "added p50 / nginx's, small requests, concurrency " + std::to_string(concurrency),
        row_ratio(report, k_small, concurrency, gateway, Metric::added_p50), 1.5, "x");
  add(k_issue, "added p99 / nginx's, small requests, concurrency 64",
      row_ratio(report, k_small, 64, gateway, Metric::added_p99), 2.0, "x");
  add(k_issue, "req/s / nginx's, small requests, concurrency 64",
      row_ratio(report, k_small, 64, gateway, Metric::requests_per_second), 0.6, "x", true);
  add(k_issue, "CPU per small request incl. ledger, worst of concurrency 8/64",
      worst_small(report, gateway, &TargetRow::cpu_us_per_request), 40, "us");
  add(k_issue, "ledger writer thread's CPU per row in llmgw serve, worst of concurrency 8/64",
      worst_small(report, gateway, &TargetRow::ledger_us_per_request), 5, "us");
  add(k_issue, "added time to first token p50, paced stream, concurrency 32", added_ms(report, k_paced, 32, gateway),
      0.2, "ms");
  add(k_issue, "CPU per paced stream / nginx's, concurrency 32",
      row_ratio(report, k_paced, 32, gateway, Metric::cpu_per_request), 1.2, "x");
  add(k_issue, "RSS with 64 open streams",
      probes.streams.opened == k_open_streams ? in_mb(probes.streams.rss_kib) : std::nullopt, 40, "MB");
  add(k_issue, "spawn to first served request, existing ledger (median)",
      if_measured(median_ms(probes.startup_existing_ms)), 50, "ms");
  add(k_issue, "spawn to first served request, new ledger (median)", if_measured(median_ms(probes.startup_new_ms)), 50,
      "ms");
  add(k_keep, "added p50, 500 KB request body", added_ms(report, k_large_body, 1, gateway), 2.0, "ms");
  add(k_keep, "idle RSS after start", in_mb(probes.idle_rss_kib), 15, "MB");
  // 0.5 % of a core over the 2 s window is one clock tick: anything more is a busy loop.
  add(k_keep, "idle CPU with 64 keep-alive connections", if_measured(probes.idle_cpu_percent), 0.5, "% core");
  return checks;
}

} // namespace llmgw::bench
