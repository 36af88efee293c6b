#include "tests/bench/bench_report.hpp"

#include "tests/bench/bench_process.hpp"

#include <nlohmann/json.hpp>

namespace llmgw::bench {
namespace {

std::string ms(double us) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3f", us / 1000.0);
  return text;
}

std::string signed_ms(double us) {
  char text[32];
  std::snprintf(text, sizeof text, "%+.3f", us / 1000.0);
  return text;
}

std::string number(double value, const char* format) {
  char text[32];
  std::snprintf(text, sizeof text, format, value);
  return text;
}

std::string verdict(const Check& check) { return !check.measured ? "n/a" : check.pass() ? "PASS" : "FAIL"; }

std::string what(const ScenarioRow& row) { return row.name + (row.time_to_first_byte ? " (TTFB)" : ""); }

// "+0.123 / +0.456" (llmgw minus direct, p50 / p99) or "-".
std::string added(const ScenarioRow& row) {
  const Stats* direct = row.compared("direct");
  const Stats* gateway = row.compared("llmgw");
  if (direct == nullptr || gateway == nullptr || direct->count == 0 || gateway->count == 0) return "-";
  return signed_ms(gateway->p50_us - direct->p50_us) + " / " + signed_ms(gateway->p99_us - direct->p99_us);
}

std::string p50_p99(const ScenarioRow& row, const std::string& target) {
  const Stats* stats = row.compared(target);
  return stats == nullptr || stats->count == 0 ? "-" : ms(stats->p50_us) + " / " + ms(stats->p99_us);
}

nlohmann::json stats_json(const Stats& stats) {
  return {{"count", stats.count},
          {"p50_ms", stats.p50_us / 1000},
          {"p99_ms", stats.p99_us / 1000},
          {"mean_ms", stats.mean_us / 1000},
          {"max_ms", stats.max_us / 1000}};
}

} // namespace

const TargetRow* ScenarioRow::find(const std::string& target) const {
  for (const auto& row : targets)
    if (row.target == target) return &row;
  return nullptr;
}

const Stats* ScenarioRow::compared(const std::string& target) const {
  const TargetRow* row = find(target);
  if (row == nullptr) return nullptr;
  return time_to_first_byte ? &row->first_byte : &row->latency;
}

void print_text(const Report& report, std::FILE* out) {
  std::fprintf(out, "\nllmgw benchmark (%s): latencies in ms, p50 / p99; added = llmgw - direct\n\n",
               report.mode.c_str());
  std::fprintf(out, "%-30s %4s  %-7s %10s %18s %11s %7s\n", "scenario", "conc", "target", "req/s", "p50 / p99 ms",
               "cpu us/req", "errors");
  for (const auto& row : report.scenarios) {
    bool first = true;
    for (const auto& target : row.targets) {
      const Stats& stats = row.time_to_first_byte ? target.first_byte : target.latency;
      std::fprintf(out, "%-30s %4s  %-7s %10.0f %18s %11s %7ld\n", first ? what(row).c_str() : "",
                   first ? std::to_string(row.concurrency).c_str() : "", target.target.c_str(),
                   target.requests_per_second, (ms(stats.p50_us) + " / " + ms(stats.p99_us)).c_str(),
                   target.cpu_us_per_request < 0 ? "-" : number(target.cpu_us_per_request, "%.0f").c_str(),
                   target.errors);
      first = false;
    }
    std::fprintf(out, "%-30s %4s  %-7s %10s %18s\n", "", "", "added", "", added(row).c_str());
  }
  std::fprintf(out, "\n");
  for (const auto& [label, value] : report.facts) std::fprintf(out, "%-46s %s\n", label.c_str(), value.c_str());
  std::fprintf(out, "\ntargets:\n");
  for (const auto& check : report.checks)
    std::fprintf(out, "  %-52s %10s %-3s (limit %s) %s\n", check.name.c_str(),
                 check.measured ? number(check.value, "%.3f").c_str() : "-", check.unit.c_str(),
                 number(check.limit, "%g").c_str(), verdict(check).c_str());
  for (const auto& note : report.notes) std::fprintf(out, "note: %s\n", note.c_str());
}

void print_markdown(const Report& report, std::FILE* out) {
  std::fprintf(out, "\n| scenario | conc | direct p50 / p99 ms | nginx p50 / p99 ms | llmgw p50 / p99 ms | added p50 / "
                    "p99 ms | llmgw req/s | llmgw CPU µs/req |\n");
  std::fprintf(out, "|---|---:|---:|---:|---:|---:|---:|---:|\n");
  for (const auto& row : report.scenarios) {
    const TargetRow* gateway = row.find("llmgw");
    std::fprintf(out, "| %s | %d | %s | %s | %s | %s | %s | %s |\n", what(row).c_str(), row.concurrency,
                 p50_p99(row, "direct").c_str(), p50_p99(row, "nginx").c_str(), p50_p99(row, "llmgw").c_str(),
                 added(row).c_str(), gateway == nullptr ? "-" : number(gateway->requests_per_second, "%.0f").c_str(),
                 gateway == nullptr || gateway->cpu_us_per_request < 0
                     ? "-"
                     : number(gateway->cpu_us_per_request, "%.0f").c_str());
  }
  std::fprintf(out, "\n| target | measured | limit | result |\n|---|---:|---:|---|\n");
  for (const auto& check : report.checks)
    std::fprintf(out, "| %s | %s %s | %s %s | %s |\n", check.name.c_str(),
                 check.measured ? number(check.value, "%.3f").c_str() : "-", check.unit.c_str(),
                 number(check.limit, "%g").c_str(), check.unit.c_str(), verdict(check).c_str());
  std::fprintf(out, "\n");
  for (const auto& [label, value] : report.facts) std::fprintf(out, "- %s: %s\n", label.c_str(), value.c_str());
}

void write_json(const Report& report, const std::string& path) {
  nlohmann::json root{{"mode", report.mode},
                      {"scenarios", nlohmann::json::array()},
                      {"checks", nlohmann::json::array()},
                      {"facts", nlohmann::json::object()},
                      {"notes", report.notes}};
  for (const auto& row : report.scenarios) {
    nlohmann::json scenario{{"name", row.name},
                            {"concurrency", row.concurrency},
                            {"compares", row.time_to_first_byte ? "first_byte" : "latency"},
                            {"targets", nlohmann::json::array()}};
    for (const auto& target : row.targets)
      scenario["targets"].push_back({{"target", target.target},
                                     {"latency", stats_json(target.latency)},
                                     {"first_byte", stats_json(target.first_byte)},
                                     {"requests_per_second", target.requests_per_second},
                                     {"cpu_us_per_request", target.cpu_us_per_request},
                                     {"errors", target.errors},
                                     {"connect_all_ms", target.connect_ms},
                                     {"first_error", target.first_error}});
    const Stats* direct = row.compared("direct");
    const Stats* gateway = row.compared("llmgw");
    if (direct != nullptr && gateway != nullptr)
      scenario["added"] = {{"p50_ms", (gateway->p50_us - direct->p50_us) / 1000},
                           {"p99_ms", (gateway->p99_us - direct->p99_us) / 1000}};
    root["scenarios"].push_back(scenario);
  }
  for (const auto& check : report.checks)
    root["checks"].push_back({{"name", check.name},
                              {"value", check.measured ? nlohmann::json(check.value) : nlohmann::json()},
                              {"limit", check.limit},
                              {"unit", check.unit},
                              {"result", verdict(check)}});
  for (const auto& [label, value] : report.facts) root["facts"][label] = value;
  write_file(path, root.dump(2) + "\n");
}

} // namespace llmgw::bench
