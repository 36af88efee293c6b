#include "tests/bench/bench_report.hpp"

#include "tests/bench/bench_process.hpp"

#include <nlohmann/json.hpp>

namespace llmgw::bench {
namespace {

std::string number(double value, const char* format) {
  char text[32];
  std::snprintf(text, sizeof text, format, value);
  return text;
}

std::string ms(double us) { return number(us / 1000.0, "%.3f"); }
std::string signed_ms(double us) { return number(us / 1000.0, "%+.3f"); }
std::string times(std::optional<double> value) { return value ? number(*value, "%.2fx") : "-"; }
std::string mb(long kib) { return kib < 0 ? "-" : number(static_cast<double>(kib) / 1024.0, "%.1f"); }

std::string verdict(const Check& check) { return !check.measured ? "n/a" : check.pass() ? "met" : "NOT MET"; }

std::string what(const ScenarioRow& row) {
  switch (row.compare) {
  case Compare::first_byte: return row.name + " (TTFB)";
  case Compare::first_event: return row.name + " (TTFT)";
  case Compare::latency: break;
  }
  return row.name;
}

const Stats& compared_stats(const ScenarioRow& row, const TargetRow& target) {
  switch (row.compare) {
  case Compare::first_byte: return target.first_byte;
  case Compare::first_event: return target.first_event;
  case Compare::latency: break;
  }
  return target.latency;
}

// "+0.123 / +0.456" (target minus direct, p50 / p99) or "-".
std::string added(const ScenarioRow& row, const std::string& target) {
  const auto p50 = added_us(row, target, false), p99 = added_us(row, target, true);
  return p50 && p99 ? signed_ms(*p50) + " / " + signed_ms(*p99) : "-";
}

std::string p50_p99(const ScenarioRow& row, const std::string& target) {
  const Stats* stats = row.compared(target);
  return stats == nullptr ? "-" : ms(stats->p50_us) + " / " + ms(stats->p99_us);
}

std::string cpu(const TargetRow* target) {
  return target == nullptr || target->cpu_us_per_request < 0 ? "-" : number(target->cpu_us_per_request, "%.0f");
}

// The (target, base) pairs shown as ratios: every gateway over nginx, and the new llmgw over the
// old one when --compare measured both.
std::vector<std::pair<std::string, std::string>> ratio_pairs(const ScenarioRow& row) {
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const auto& target : row.targets)
    if (is_gateway(target.target) && row.find("nginx") != nullptr) pairs.emplace_back(target.target, "nginx");
  if (row.find("llmgw") != nullptr && row.find("llmgw-old") != nullptr) pairs.emplace_back("llmgw", "llmgw-old");
  for (const char* variant : {k_dashboard_target, k_team_target})
    if (row.find("llmgw") != nullptr && row.find(variant) != nullptr) pairs.emplace_back(variant, "llmgw");
  return pairs;
}

// Appends " text |" (built piecewise: g++ 12 -O2 warns falsely on " " + std::string chains).
void cell(std::string& line, const std::string& text) {
  line += ' ';
  line += text;
  line += " |";
}

nlohmann::json stats_json(const Stats& stats) {
  return {{"count", stats.count},
          {"p50_ms", stats.p50_us / 1000},
          {"p99_ms", stats.p99_us / 1000},
          {"mean_ms", stats.mean_us / 1000},
          {"max_ms", stats.max_us / 1000}};
}

nlohmann::json optional_json(std::optional<double> value) { return value ? nlohmann::json(*value) : nlohmann::json(); }

void print_text_rows(const std::vector<ScenarioRow>& rows, bool show_rss, std::FILE* out) {
  std::fprintf(out, "%-36s %4s  %-16s %10s %18s %11s %7s%s\n", "scenario", "conc", "target", "req/s", "p50 / p99 ms",
               "cpu us/req", "errors", show_rss ? "   RSS MB" : "");
  for (const auto& row : rows) {
    bool first = true;
    for (const auto& target : row.targets) {
      const Stats& stats = compared_stats(row, target);
      std::fprintf(out, "%-36s %4s  %-16s %10.0f %18s %11s %7ld", first ? what(row).c_str() : "",
                   first ? std::to_string(row.concurrency).c_str() : "", target.target.c_str(),
                   target.requests_per_second, (ms(stats.p50_us) + " / " + ms(stats.p99_us)).c_str(),
                   cpu(&target).c_str(), target.errors);
      if (show_rss) std::fprintf(out, " %8s", mb(target.rss_kib).c_str());
      std::fprintf(out, "\n");
      first = false;
    }
    for (const auto& target : row.targets)
      if (target.target != "direct")
        std::fprintf(out, "%-36s %4s  %-16s %10s %18s\n", "", "", ("added " + target.target).c_str(), "",
                     added(row, target.target).c_str());
    for (const auto& [target, base] : ratio_pairs(row))
      std::fprintf(out, "%-36s %4s  %-16s %10s %18s %11s\n", "", "", (target + "/" + base).c_str(),
                   times(ratio(row, target, base, Metric::requests_per_second)).c_str(),
                   (times(ratio(row, target, base, Metric::added_p50)) + " / " +
                    times(ratio(row, target, base, Metric::added_p99)))
                       .c_str(),
                   times(ratio(row, target, base, Metric::cpu_per_request)).c_str());
  }
}

void print_markdown_rows(const std::vector<ScenarioRow>& rows, bool show_rss, std::FILE* out) {
  if (rows.empty()) return;
  const ScenarioRow& shape = rows.front();
  std::string header = "| scenario | conc |", rule = "|---|---:|";
  for (const auto& target : shape.targets) {
    header += " " + target.target + " p50 / p99 ms |";
    rule += "---:|";
  }
  for (const auto& target : shape.targets)
    if (target.target != "direct") {
      header += " added by " + target.target + " p50 / p99 ms |";
      rule += "---:|";
    }
  for (const auto& target : shape.targets)
    if (target.target != "direct") {
      header += " " + target.target + " req/s | " + target.target + " CPU µs/req |";
      rule += "---:|---:|";
      if (show_rss && is_gateway(target.target)) {
        header += " " + target.target + " RSS MB after |";
        rule += "---:|";
      }
    }
  for (const auto& [target, base] : ratio_pairs(shape)) {
    header += " " + target + " ÷ " + base + ": added p50 · p99 · req/s · CPU |";
    rule += "---:|";
  }
  std::fprintf(out, "\n%s\n%s\n", header.c_str(), rule.c_str());
  for (const auto& row : rows) {
    std::string line = "| " + what(row) + " |";
    cell(line, std::to_string(row.concurrency));
    for (const auto& target : row.targets) cell(line, p50_p99(row, target.target));
    for (const auto& target : row.targets)
      if (target.target != "direct") cell(line, added(row, target.target));
    for (const auto& target : row.targets)
      if (target.target != "direct") {
        cell(line, number(target.requests_per_second, "%.0f"));
        cell(line, cpu(&target));
        if (show_rss && is_gateway(target.target)) cell(line, mb(target.rss_kib));
      }
    for (const auto& [target, base] : ratio_pairs(row)) {
      std::string ratios = times(ratio(row, target, base, Metric::added_p50));
      for (const Metric metric : {Metric::added_p99, Metric::requests_per_second, Metric::cpu_per_request}) {
        ratios += " · ";
        ratios += times(ratio(row, target, base, metric));
      }
      cell(line, ratios);
    }
    std::fprintf(out, "%s\n", line.c_str());
  }
}

nlohmann::json rows_json(const std::vector<ScenarioRow>& rows) {
  nlohmann::json result = nlohmann::json::array();
  for (const auto& row : rows) {
    static const char* const k_compares[] = {"latency", "first_byte", "first_event"};
    nlohmann::json scenario{{"name", row.name},
                            {"concurrency", row.concurrency},
                            {"compares", k_compares[static_cast<int>(row.compare)]},
                            {"targets", nlohmann::json::array()},
                            {"added_by", nlohmann::json::object()},
                            {"ratios", nlohmann::json::object()}};
    for (const auto& target : row.targets) {
      scenario["targets"].push_back({{"target", target.target},
                                     {"latency", stats_json(target.latency)},
                                     {"first_byte", stats_json(target.first_byte)},
                                     {"first_event", stats_json(target.first_event)},
                                     {"requests_per_second", target.requests_per_second},
                                     {"cpu_us_per_request", target.cpu_us_per_request},
                                     {"ledger_us_per_request", target.ledger_us_per_request},
                                     {"errors", target.errors},
                                     {"connect_all_ms", target.connect_ms},
                                     {"rss_kib_after", target.rss_kib},
                                     {"first_error", target.first_error}});
      const auto p50 = added_us(row, target.target, false), p99 = added_us(row, target.target, true);
      if (target.target != "direct" && p50 && p99)
        scenario["added_by"][target.target] = {{"p50_ms", *p50 / 1000}, {"p99_ms", *p99 / 1000}};
    }
    if (scenario["added_by"].contains("llmgw")) scenario["added"] = scenario["added_by"]["llmgw"];
    for (const auto& [target, base] : ratio_pairs(row))
      scenario["ratios"][target + "/" + base] = {
          {"added_p50", optional_json(ratio(row, target, base, Metric::added_p50))},
          {"added_p99", optional_json(ratio(row, target, base, Metric::added_p99))},
          {"requests_per_second", optional_json(ratio(row, target, base, Metric::requests_per_second))},
          {"cpu_us_per_request", optional_json(ratio(row, target, base, Metric::cpu_per_request))}};
    result.push_back(scenario);
  }
  return result;
}

} // namespace

bool is_gateway(const std::string& target) { return target != "direct" && target != "nginx"; }

const TargetRow* ScenarioRow::find(const std::string& target) const {
  for (const auto& row : targets)
    if (row.target == target) return &row;
  return nullptr;
}

const Stats* ScenarioRow::compared(const std::string& target) const {
  const TargetRow* row = find(target);
  if (row == nullptr) return nullptr;
  const Stats& stats = compared_stats(*this, *row);
  return stats.count == 0 ? nullptr : &stats;
}

std::optional<double> added_us(const ScenarioRow& row, const std::string& target, bool p99) {
  const Stats *direct = row.compared("direct"), *other = row.compared(target);
  if (direct == nullptr || other == nullptr) return std::nullopt;
  return p99 ? other->p99_us - direct->p99_us : other->p50_us - direct->p50_us;
}

std::optional<double> ratio(const ScenarioRow& row, const std::string& target, const std::string& base, Metric metric) {
  std::optional<double> top, bottom;
  const TargetRow *top_row = row.find(target), *base_row = row.find(base);
  if (top_row == nullptr || base_row == nullptr) return std::nullopt;
  switch (metric) {
  case Metric::added_p50:
  case Metric::added_p99:
    top = added_us(row, target, metric == Metric::added_p99);
    bottom = added_us(row, base, metric == Metric::added_p99);
    break;
  case Metric::requests_per_second:
    top = top_row->requests_per_second;
    bottom = base_row->requests_per_second;
    break;
  case Metric::cpu_per_request:
    if (top_row->cpu_us_per_request >= 0) top = top_row->cpu_us_per_request;
    bottom = base_row->cpu_us_per_request;
    break;
  }
  if (!top || !bottom || *bottom <= 0) return std::nullopt;
  return *top / *bottom;
}

void print_text(const Report& report, std::FILE* out) {
  std::fprintf(out,
               "\nllmgw benchmark (%s): latencies in ms, p50 / p99; added = target - direct; a/b = ratios of "
               "req/s, added p50 / p99 and CPU per request\n\n",
               report.mode.c_str());
  if (!report.scenarios.empty()) print_text_rows(report.scenarios, false, out);
  if (!report.sweep.empty()) {
    std::fprintf(out, "\nsweep:\n");
    print_text_rows(report.sweep, true, out);
  }
  std::fprintf(out, "\n");
  for (const auto& [label, value] : report.facts) std::fprintf(out, "%-58s %s\n", label.c_str(), value.c_str());
  std::string group;
  for (const auto& check : report.checks) {
    if (check.group != group) std::fprintf(out, "\ntargets (%s):\n", (group = check.group).c_str());
    std::fprintf(out, "  %-74s %9s %-8s (limit %s %s) %s\n", check.name.c_str(),
                 check.measured ? number(check.value, "%.3f").c_str() : "-", check.unit.c_str(),
                 check.at_least ? ">=" : "<=", number(check.limit, "%g").c_str(), verdict(check).c_str());
  }
  for (const auto& note : report.notes) std::fprintf(out, "note: %s\n", note.c_str());
}

void print_markdown(const Report& report, std::FILE* out) {
  print_markdown_rows(report.scenarios, false, out);
  print_markdown_rows(report.sweep, true, out);
  if (!report.checks.empty()) std::fprintf(out, "\n| target | measured | limit | result |\n|---|---:|---:|---|\n");
  for (const auto& check : report.checks)
    std::fprintf(
        out, "| %s%s | %s %s | %s %s %s | %s |\n", check.group.rfind("issue 20", 0) == 0 ? "" : "(must not regress) ",
        check.name.c_str(), check.measured ? number(check.value, "%.3f").c_str() : "-", check.unit.c_str(),
        check.at_least ? "≥" : "≤", number(check.limit, "%g").c_str(), check.unit.c_str(), verdict(check).c_str());
  std::fprintf(out, "\n");
  for (const auto& [label, value] : report.facts) std::fprintf(out, "- %s: %s\n", label.c_str(), value.c_str());
}

void write_json(const Report& report, const std::string& path) {
  nlohmann::json root{{"mode", report.mode},
                      {"scenarios", rows_json(report.scenarios)},
                      {"sweep", rows_json(report.sweep)},
                      {"checks", nlohmann::json::array()},
                      {"facts", nlohmann::json::object()},
                      {"notes", report.notes}};
  for (const auto& check : report.checks)
    root["checks"].push_back({{"group", check.group},
                              {"name", check.name},
                              {"value", check.measured ? nlohmann::json(check.value) : nlohmann::json()},
                              {"limit", check.limit},
                              {"at_least", check.at_least},
                              {"unit", check.unit},
                              {"result", verdict(check)}});
  for (const auto& [label, value] : report.facts) root["facts"][label] = value;
  write_file(path, root.dump(2) + "\n");
}

} // namespace llmgw::bench
