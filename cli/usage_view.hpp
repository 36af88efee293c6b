#pragma once
// How `llmgw usage` prints its report: a table that fits the terminal, JSON or CSV.
#include "cli/table.hpp"
#include "cli/time_range.hpp"
#include "store/rate_windows.hpp"
#include "store/reports.hpp"

#include <string>
#include <vector>

namespace llmgw::cli {

struct UsageReport {
  TimeRange range;
  std::string label; // "today", "this week", "since 2025-01-01"
  store::GroupBy group = store::GroupBy::none;
  // The grouped rows; without a grouping, the models (the table folds all but five into one row).
  std::vector<store::UsageRow> rows;
  // --breakdown: the models of each row (a day, week or month), in the same order as `rows`.
  bool breakdown = false;
  std::vector<std::vector<store::UsageRow>> models_of_rows;
  store::UsageRow total;
  std::vector<store::InexactModel> inexact;
  std::vector<store::ProviderWindows> windows;
};

// The table (with footnotes and plan windows unless quiet).
void print_usage_text(const UsageReport& report, const Layout& layout, bool quiet);
// {since_ms, until_ms, group_by, rows (each with `models` under --breakdown), models (without a
// grouping), total, inexact_models, rate_windows}; rows always match the table's.
void print_usage_json(const UsageReport& report);
// A header line, then one line per row (the total without a grouping; with --breakdown, a line
// per model of each period, its `model` column filled).
void print_usage_csv(const UsageReport& report);

} // namespace llmgw::cli
