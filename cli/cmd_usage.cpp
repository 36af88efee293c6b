// `llmgw usage`: token and cost totals over a local-time window, as a table, JSON or CSV.
#include "cli/cap_status.hpp"
#include "cli/common.hpp"
#include "cli/format.hpp"
#include "cli/rate_window_view.hpp"
#include "cli/report_marks.hpp"
#include "cli/statusline.hpp"
#include "cli/time_range.hpp"
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

constexpr size_t k_breakdown_rows = 5; // models listed under the plain total
// Claude Code writes its JSON at once; a pipe nobody writes to must not stall a shell prompt.
constexpr std::chrono::milliseconds k_stdin_timeout{200};

struct UsageArgs {
  bool today = false;
  bool week = false;
  bool month = false;
  std::string since;
  std::string until;
  std::string by = "none";
  bool json = false;
  bool csv = false;
  bool check = false;
  bool statusline = false;
};

const std::map<std::string, store::GroupBy> k_group_names{
    {"none", store::GroupBy::none},   {"model", store::GroupBy::model},     {"provider", store::GroupBy::provider},
    {"agent", store::GroupBy::agent}, {"day", store::GroupBy::day},         {"session", store::GroupBy::session},
    {"key", store::GroupBy::key},     {"project", store::GroupBy::project},
};

struct Window {
  TimeRange range;
  std::string label; // "today", "this week", "since 2025-01-01"
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

// Minutes are precise enough for a heading ("2025-01-06 00:00"); an open end reads as a word.
std::string heading_time(int64_t ms, int64_t open_end, const char* word) {
  return ms == open_end ? word : format_local_datetime(ms).substr(0, 16);
}

std::string empty_as_none(const std::string& key) { return key.empty() ? "(none)" : key; }

std::vector<std::string> table_cells(const std::string& key, const store::UsageRow& row, bool tries) {
  std::string cost = format_usd(row.cost_usd_pico);
  if (row.inexact()) cost += "*"; // explained by the footnote under the table
  std::vector<std::string> cells{key,
                                 format_count(row.requests),
                                 format_count(row.errors),
                                 format_count(row.input_uncached_tokens),
                                 format_count(row.cache_read_tokens),
                                 format_count(row.cache_write_5m_tokens + row.cache_write_1h_tokens),
                                 format_count(row.output_tokens),
                                 format_count(row.reasoning_tokens),
                                 cost};
  if (tries) {
    cells.push_back(format_count(row.retried));
    cells.push_back(format_count(row.fell_back));
  }
  return cells;
}

// By session: the share of the prompt read from a cache, cache_read / (input + cache_read +
// cache_write) ("-" with no prompt): a session that keeps missing its cache pays full price.
std::string cache_read_percent(const store::UsageRow& row) {
  const int64_t prompt =
      row.input_uncached_tokens + row.cache_read_tokens + row.cache_write_5m_tokens + row.cache_write_1h_tokens;
  if (prompt == 0) return "-";
  char text[16];
  std::snprintf(text, sizeof text, "%.0f%%",
                100.0 * static_cast<double>(row.cache_read_tokens) / static_cast<double>(prompt));
  return text;
}

// By provider, two more columns: failed tries that were tried again, requests that fell back.
Table usage_table(const std::string& key_header, bool tries) {
  Table table;
  table.add_column(key_header, Align::left);
  for (const char* header : {"requests", "errors", "input", "cache read", "cache write", "output", "reasoning"})
    table.add_column(header, Align::right);
  table.add_column("cost", Align::right);
  if (tries) {
    table.add_column("retried", Align::right);
    table.add_column("fell back", Align::right);
  }
  return table;
}

// Keep the first `limit` rows and fold the rest into one "(N others)" row.
std::vector<store::UsageRow> shorten(std::vector<store::UsageRow> rows, size_t limit) {
  if (rows.size() <= limit + 1) return rows;
  store::UsageRow others;
  for (size_t i = limit; i < rows.size(); ++i) others.add(rows[i]);
  others.key = "(" + std::to_string(rows.size() - limit) + " others)";
  rows.resize(limit);
  rows.push_back(others);
  return rows;
}

// What is not exact, the share the client's plan paid, and the plan windows providers reported.
void print_footnotes(const store::UsageRow& total, const std::vector<store::InexactModel>& inexact) {
  std::fputs(inexact_footnote(total, inexact).c_str(), stdout);
  if (total.billed_to_client_cost_usd_pico > 0) {
    std::printf("of the cost, %s was billed to the client's own key or plan (API-equivalent)\n",
                format_usd(total.billed_to_client_cost_usd_pico).c_str());
  }
}

void print_windows(const std::vector<store::ProviderWindows>& windows) {
  std::string lines;
  for (const store::ProviderWindows& provider : windows)
    if (std::string line = describe_windows(provider, now_ms()); !line.empty()) lines += line + "\n";
  if (!lines.empty()) std::printf("\nsubscription windows (latest the provider reported):\n%s", lines.c_str());
}

void print_text(const Window& window, const std::vector<store::UsageRow>& rows, const store::UsageRow& total,
                store::GroupBy group, const std::vector<store::InexactModel>& inexact) {
  const std::string since = heading_time(window.range.since_ms, 0, "start");
  const std::string until = heading_time(window.range.until_ms, INT64_MAX, "now");
  std::printf("usage %s (%s to %s, local time)\n\n", window.label.c_str(), since.c_str(), until.c_str());
  if (total.requests == 0) {
    std::printf("no requests\n");
    return;
  }
  const bool breakdown = group == store::GroupBy::none;
  const bool tries = group == store::GroupBy::provider;
  Table table = usage_table(breakdown ? "model" : std::string(store::to_string(group)), tries);
  const bool cache_share = group == store::GroupBy::session;
  if (cache_share) table.add_column("cache read %", Align::right);
  auto cells = [&](const std::string& key, const store::UsageRow& row) {
    auto out = table_cells(key, row, tries);
    if (cache_share) out.push_back(cache_read_percent(row));
    return out;
  };
  for (const store::UsageRow& row : breakdown ? shorten(rows, k_breakdown_rows) : rows)
    table.add_row(cells(empty_as_none(row.key), row));
  table.add_separator();
  table.add_row(cells("total", total));
  std::fputs(table.render().c_str(), stdout);
  print_footnotes(total, inexact);
  if (tries && total.retried > 0)
    std::printf("retried: failed tries followed by another (retry or fallback); fell back: requests served by "
                "another provider (llmgw log --attempts shows each)\n");
}

nlohmann::ordered_json row_json(const store::UsageRow& row, store::GroupBy group) {
  nlohmann::ordered_json out = {{"requests", row.requests},
                                {"errors", row.errors},
                                {"input_uncached_tokens", row.input_uncached_tokens},
                                {"cache_read_tokens", row.cache_read_tokens},
                                {"cache_write_5m_tokens", row.cache_write_5m_tokens},
                                {"cache_write_1h_tokens", row.cache_write_1h_tokens},
                                {"output_tokens", row.output_tokens},
                                {"reasoning_tokens", row.reasoning_tokens},
                                {"cost_usd_pico", row.cost_usd_pico},
                                {"cost_usd", usd_decimal_string(row.cost_usd_pico)},
                                {"unpriced_requests", row.unpriced_requests},
                                {"estimated_requests", row.estimated_requests},
                                {"family_priced_requests", row.family_priced_requests},
                                {"billed_to_client_cost_usd_pico", row.billed_to_client_cost_usd_pico}};
  if (group == store::GroupBy::session) {
    const int64_t prompt =
        row.input_uncached_tokens + row.cache_read_tokens + row.cache_write_5m_tokens + row.cache_write_1h_tokens;
    out["cache_read_share"] = prompt ? static_cast<double>(row.cache_read_tokens) / static_cast<double>(prompt) : 0.0;
  }
  if (group == store::GroupBy::provider) {
    out["retried"] = row.retried;
    out["fell_back"] = row.fell_back;
  }
  return out;
}

nlohmann::ordered_json inexact_json(const std::vector<store::InexactModel>& inexact) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const store::InexactModel& model : inexact)
    out.push_back({{"model", model.model},
                   {"unpriced_requests", model.unpriced_requests},
                   {"estimated_requests", model.estimated_requests},
                   {"family_priced_requests", model.family_priced_requests}});
  return out;
}

nlohmann::ordered_json windows_json(const std::vector<store::ProviderWindows>& windows) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const store::ProviderWindows& provider : windows) {
    nlohmann::ordered_json headers = nlohmann::ordered_json::object();
    for (const auto& [name, value] : provider.headers) headers[name] = value;
    out.push_back({{"provider", provider.provider},
                   {"agent", provider.agent},
                   {"updated_at_ms", provider.updated_at_ms},
                   {"summary", describe_windows(provider, now_ms())},
                   {"headers", headers}});
  }
  return out;
}

// The table's data: rows (or the model breakdown of the plain total), total, the inexact
// requests per model behind the footnote, and the plan windows.
void print_json(const Window& window, const std::vector<store::UsageRow>& rows, const store::UsageRow& total,
                store::GroupBy group, const std::vector<store::InexactModel>& inexact,
                const std::vector<store::ProviderWindows>& windows) {
  nlohmann::ordered_json out;
  out["since_ms"] = window.range.since_ms;
  out["until_ms"] = nullptr; // open-ended window
  if (window.range.until_ms != INT64_MAX) out["until_ms"] = window.range.until_ms;
  out["group_by"] = store::to_string(group);
  out["rows"] = nlohmann::ordered_json::array();
  for (const store::UsageRow& row : group == store::GroupBy::none ? std::vector<store::UsageRow>{} : rows) {
    nlohmann::ordered_json item = {{"key", row.key}};
    item.update(row_json(row, group));
    out["rows"].push_back(item);
  }
  if (group == store::GroupBy::none) { // the models the plain table lists under its total
    out["models"] = nlohmann::ordered_json::array();
    for (const store::UsageRow& row : rows) {
      nlohmann::ordered_json item = {{"model", row.key}};
      item.update(row_json(row, group));
      out["models"].push_back(item);
    }
  }
  out["total"] = row_json(total, group);
  out["inexact_models"] = inexact_json(inexact);
  out["rate_windows"] = windows_json(windows);
  std::printf("%s\n", out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
}

void print_csv(const std::vector<store::UsageRow>& rows, const store::UsageRow& total, store::GroupBy group) {
  const bool tries = group == store::GroupBy::provider;
  std::vector<std::string> header{"key",
                                  "requests",
                                  "errors",
                                  "input_uncached_tokens",
                                  "cache_read_tokens",
                                  "cache_write_5m_tokens",
                                  "cache_write_1h_tokens",
                                  "output_tokens",
                                  "reasoning_tokens",
                                  "cost_usd_pico",
                                  "cost_usd",
                                  "unpriced_requests",
                                  "estimated_requests",
                                  "family_priced_requests",
                                  "billed_to_client_cost_usd_pico"};
  if (tries) header.insert(header.end(), {"retried", "fell_back"});
  std::string out = csv_line(header);
  const std::vector<store::UsageRow> lines = group == store::GroupBy::none ? std::vector{total} : rows;
  for (const store::UsageRow& r : lines) {
    std::vector<std::string> fields{group == store::GroupBy::none ? "total" : r.key,
                                    std::to_string(r.requests),
                                    std::to_string(r.errors),
                                    std::to_string(r.input_uncached_tokens),
                                    std::to_string(r.cache_read_tokens),
                                    std::to_string(r.cache_write_5m_tokens),
                                    std::to_string(r.cache_write_1h_tokens),
                                    std::to_string(r.output_tokens),
                                    std::to_string(r.reasoning_tokens),
                                    std::to_string(r.cost_usd_pico),
                                    usd_decimal_string(r.cost_usd_pico),
                                    std::to_string(r.unpriced_requests),
                                    std::to_string(r.estimated_requests),
                                    std::to_string(r.family_priced_requests),
                                    std::to_string(r.billed_to_client_cost_usd_pico)};
    if (tries) fields.insert(fields.end(), {std::to_string(r.retried), std::to_string(r.fell_back)});
    out += csv_line(fields);
  }
  std::fputs(out.c_str(), stdout);
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

void run_usage(const UsageArgs& args, const GlobalOptions& options) {
  if (args.check || args.statusline) {
    store::Db db(resolve_db_path(options));
    return args.check ? run_check(db) : run_statusline(db);
  }
  const Window window = resolve_window(args, now_ms());
  const store::GroupBy group = k_group_names.at(args.by);
  store::Db db(resolve_db_path(options));
  const store::UsageFilter filter{window.range.since_ms, window.range.until_ms, ""};
  // The plain total still lists models (shortened in the table); JSON/CSV then carry totals only.
  const std::vector<store::UsageRow> rows =
      store::usage_report(db, filter, group == store::GroupBy::none ? store::GroupBy::model : group);
  store::UsageRow total;
  for (const store::UsageRow& row : rows) total.add(row);
  const auto inexact = total.inexact() ? store::inexact_models(db, filter) : std::vector<store::InexactModel>{};
  const auto windows = store::latest_rate_windows(db);
  if (args.json) return print_json(window, rows, total, group, inexact, windows);
  if (args.csv) return print_csv(rows, total, group);
  print_text(window, rows, total, group, inexact);
  print_windows(windows);
}

} // namespace

void register_usage(CLI::App& app, GlobalOptions& options) {
  auto args = std::make_shared<UsageArgs>();
  CLI::App* cmd = app.add_subcommand("usage", "show requests, tokens and cost over a period (local time)");
  auto* today = cmd->add_flag("--today", args->today, "since local midnight (the default)");
  auto* week = cmd->add_flag("--week", args->week, "since local Monday 00:00");
  auto* month = cmd->add_flag("--month", args->month, "since the 1st of this month 00:00");
  auto* since = cmd->add_option("--since", args->since, "start: YYYY-MM-DD (local) or ISO datetime");
  auto* until = cmd->add_option("--until", args->until, "end: YYYY-MM-DD (inclusive day) or ISO datetime");
  today->excludes(week, month, since, until);
  week->excludes(month, since, until);
  month->excludes(since, until);
  cmd->add_option("--by", args->by, "group by model|provider|agent|day|session|key|project")
      ->check(CLI::IsMember({"none", "model", "provider", "agent", "day", "session", "key", "project"}));
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
