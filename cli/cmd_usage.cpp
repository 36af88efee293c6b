// `llmgw usage`: token and cost totals over a local-time window, as a table, JSON or CSV.
#include "cli/cap_status.hpp"
#include "cli/common.hpp"
#include "cli/format.hpp"
#include "cli/statusline.hpp"
#include "cli/time_range.hpp"
#include "cli/usage_view.hpp"
#include "core/policy/usd.hpp"
#include "store/db.hpp"
#include "store/rate_windows.hpp"
#include "store/reports.hpp"
#include "store/settings.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <unistd.h>

namespace llmgw::cli {
namespace {

// Claude Code writes its JSON at once; a pipe nobody writes to must not stall a shell prompt.
constexpr std::chrono::milliseconds k_stdin_timeout{200};

struct UsageArgs {
  bool today = false;
  bool week = false;
  bool month = false;
  std::string since;
  std::string until;
  std::string by = "none";
  bool breakdown = false;
  std::string order; // "" = by date for periods, by cost (highest first) otherwise
  bool json = false;
  bool csv = false;
  bool check = false;
  bool statusline = false;
};

const std::map<std::string, store::GroupBy> k_group_names{
    {"none", store::GroupBy::none},   {"model", store::GroupBy::model},     {"provider", store::GroupBy::provider},
    {"agent", store::GroupBy::agent}, {"day", store::GroupBy::day},         {"session", store::GroupBy::session},
    {"key", store::GroupBy::key},     {"project", store::GroupBy::project}, {"week", store::GroupBy::week},
    {"month", store::GroupBy::month}, {"user", store::GroupBy::user},
};

struct Window {
  TimeRange range;
  std::string label;
};

Window resolve_window(const UsageArgs& args, int64_t now) {
  if (!args.since.empty() || !args.until.empty()) {
    std::string label = args.since.empty() ? "" : "since " + args.since;
    if (!args.until.empty()) label += std::string(label.empty() ? "" : " ") + "through " + args.until;
    return {range_from_args(args.since, args.until), label};
  }
  if (args.week) return {period_range(Period::week, now), "this week"};
  if (args.month) return {period_range(Period::month, now), "this month"};
  return {period_range(Period::day, now), "today"};
}

// How a cap stands, in words and as `usage --check`'s exit code.
enum class CapLevel { ok = 0, warn = 1, over = 2 };

// OVER once spending reached the limit (nothing more is admitted); WARN past the warn threshold
// (requests in flight included); OK below.
CapLevel cap_level(const CapStatus& status) {
  if (status.spent >= status.rule.limit_pico) return CapLevel::over;
  return status.warning() ? CapLevel::warn : CapLevel::ok;
}

// One line per cap; exit 0 when every cap is OK, 1 when one is past its warn threshold, 2 when
// one is at or past its limit.
void run_check(store::Db& db) {
  CapLevel worst = CapLevel::ok;
  for (const CapStatus& status : cap_statuses(db)) {
    const CapLevel level = cap_level(status);
    worst = std::max(worst, level);
    const char* word = level == CapLevel::over ? "OVER" : level == CapLevel::warn ? "WARN" : "OK  ";
    std::printf("%s %s: %s of %s used (%d%%, warn at %d%%)\n", word, cap_label(status.rule).c_str(),
                core::policy::format_usd(status.spent + status.reserved).c_str(),
                core::policy::format_usd(status.rule.limit_pico).c_str(), status.used_percent(),
                status.rule.warn_percent);
  }
  if (worst != CapLevel::ok) throw ExitCode{static_cast<int>(worst)};
}

// One short line for Claude Code's status line (its JSON on stdin names the session) or a shell
// prompt. Reads spend_buckets, caps and one session's index range, never scans requests.
void run_statusline(store::Db& db) {
  const auto input = parse_statusline_input(read_piped_stdin(STDIN_FILENO, k_stdin_timeout));
  std::printf("%s\n", statusline(db, input, now_ms()).c_str());
}

// The models of each period row, from the period's start (or the window's) to its end.
std::vector<std::vector<store::UsageRow>> models_of_periods(store::Db& db, const UsageReport& report) {
  std::vector<std::vector<store::UsageRow>> models;
  for (const store::UsageRow& row : report.rows) {
    const Period period = report.group == store::GroupBy::month  ? Period::month
                          : report.group == store::GroupBy::week ? Period::week
                                                                 : Period::day;
    const int64_t start = parse_time_arg(row.key.size() == 7 ? row.key + "-01" : row.key, false);
    const store::UsageFilter filter{std::max(start, report.range.since_ms),
                                    std::min(period_end_ms(period, start), report.range.until_ms), ""};
    models.push_back(store::usage_report(db, filter, store::GroupBy::model));
  }
  return models;
}

void run_usage(const UsageArgs& args, const GlobalOptions& options) {
  if (args.check || args.statusline) {
    store::Db db(resolve_db_path(options));
    return args.check ? run_check(db) : run_statusline(db);
  }
  UsageReport report;
  const Window window = resolve_window(args, now_ms());
  report.range = window.range;
  report.label = window.label;
  report.group = k_group_names.at(args.by);
  if (args.breakdown && !store::is_period(report.group))
    throw CLI::ValidationError("--breakdown lists the models of each day, week or month: add --by day|week|month");
  store::Db db(resolve_db_path(options));
  const store::UsageFilter filter{window.range.since_ms, window.range.until_ms, ""};
  // The plain total still lists models (shortened in the table).
  report.rows =
      store::usage_report(db, filter, report.group == store::GroupBy::none ? store::GroupBy::model : report.group);
  if (!args.order.empty()) {
    const bool ascending = args.order == "asc";
    std::stable_sort(report.rows.begin(), report.rows.end(), [&](const store::UsageRow& a, const store::UsageRow& b) {
      if (store::is_period(report.group)) return ascending ? a.key < b.key : a.key > b.key;
      return ascending ? a.cost_usd_pico < b.cost_usd_pico : a.cost_usd_pico > b.cost_usd_pico;
    });
  }
  for (const store::UsageRow& row : report.rows) report.total.add(row);
  report.breakdown = args.breakdown;
  if (args.breakdown) report.models_of_rows = models_of_periods(db, report);
  if (report.total.inexact()) report.inexact = store::inexact_models(db, filter);
  report.windows = store::latest_rate_windows(db);
  if (args.json) return print_usage_json(report);
  if (args.csv) return print_usage_csv(report);
  print_usage_text(report, terminal_layout(), options.quiet);
}

} // namespace

void register_usage(CLI::App& app, GlobalOptions& options) {
  auto args = std::make_shared<UsageArgs>();
  CLI::App* cmd = app.add_subcommand("usage", "show requests, tokens and cost over a period (local time)");
  auto* today = cmd->add_flag("--today", args->today, "since local midnight (the default)");
  auto* week = cmd->add_flag("--week", args->week, "since local Monday 00:00");
  auto* month = cmd->add_flag("--month", args->month, "since the 1st of this month 00:00");
  auto* since = cmd->add_option("--since", args->since,
                                "start: YYYY-MM-DD, YYYYMMDD, today, yesterday, 7d, 2w (local) or ISO datetime");
  auto* until = cmd->add_option("--until", args->until, "end (that day included): the same forms as --since");
  today->excludes(week, month, since, until);
  week->excludes(month, since, until);
  month->excludes(since, until);
  cmd->add_option("--by", args->by, "group by model|provider|agent|day|week|month|session|key|project|user")
      ->check(CLI::IsMember(
          {"none", "model", "provider", "agent", "day", "week", "month", "session", "key", "project", "user"}));
  cmd->add_flag("--breakdown", args->breakdown, "with --by day|week|month: the models within each period");
  cmd->add_option("--order", args->order, "asc or desc: by date for day|week|month (default asc), else by cost")
      ->check(CLI::IsMember({"asc", "desc"}));
  auto* json = cmd->add_flag("--json", args->json, "print JSON (integers; cost also as a decimal string)");
  cmd->add_flag("--csv", args->csv, "print CSV with a header line")->excludes(json);
  auto* check = cmd->add_flag("--check", args->check,
                              "each cap as OK, WARN (past its warn threshold) or OVER (at its limit); exit 0, 1 or 2");
  cmd->add_flag(
         "--statusline", args->statusline,
         "one short line: the session's cost (Claude Code's JSON on stdin), today's, the budget left, the 5h window")
      ->excludes(check);
  cmd->callback([args, &options] { run_usage(*args, options); });
}

} // namespace llmgw::cli
