#include "cli/usage_view.hpp"

#include "cli/format.hpp"
#include "cli/rate_window_view.hpp"
#include "cli/report_marks.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include <cstdio>

namespace llmgw::cli {
namespace {

constexpr size_t k_breakdown_rows = 5; // models listed under the plain total

// Minutes are precise enough for a heading ("2025-01-06 00:00"); an open end reads as a word.
std::string heading_time(int64_t ms, int64_t open_end, const char* word) {
  return ms == open_end ? word : format_local_datetime(ms).substr(0, 16);
}

std::string empty_as_none(const std::string& key) { return key.empty() ? "(none)" : key; }

// By session: the share of the prompt read from a cache, cache_read / (input + cache_read +
// cache_write): a session that keeps missing its cache pays full price. Negative with no prompt.
double cache_read_share(const store::UsageRow& row) {
  const int64_t prompt =
      row.input_uncached_tokens + row.cache_read_tokens + row.cache_write_5m_tokens + row.cache_write_1h_tokens;
  return prompt == 0 ? -1.0 : static_cast<double>(row.cache_read_tokens) / static_cast<double>(prompt);
}

std::string cache_read_percent(const store::UsageRow& row) {
  const double share = cache_read_share(row);
  if (share < 0) return "-";
  char text[16];
  std::snprintf(text, sizeof text, "%.0f%%", 100.0 * share);
  return text;
}

// The cells of usage_table(group): by provider the tries, by session the cache read share.
std::vector<std::string> table_cells(const std::string& key, const store::UsageRow& row, store::GroupBy group) {
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
  if (group == store::GroupBy::provider) {
    cells.push_back(format_count(row.retried));
    cells.push_back(format_count(row.fell_back));
  }
  if (group == store::GroupBy::session) cells.push_back(cache_read_percent(row));
  return cells;
}

Column number(const char* header, const char* compact_header, bool compact, int drop) {
  Column column;
  column.header = header;
  column.compact_header = compact_header;
  column.align = Align::right;
  column.compact = compact;
  column.drop = drop;
  return column;
}

// The full layout has every token kind; the compact one (under 100 columns) requests, errors,
// input, cache reads, output and cost, with short headers. By provider, two more columns: failed
// tries that were tried again, requests that fell back.
Table usage_table(const std::string& key_header, store::GroupBy group) {
  const bool tries = group == store::GroupBy::provider;
  Table table;
  Column key;
  key.header = key_header;
  key.shrink = true;
  key.min_width = 10;
  table.add_column(key);
  table.add_column(number("requests", "reqs", true, 0));
  table.add_column(number("errors", "errs", true, 3));
  table.add_column(number("input", "in", true, 0));
  table.add_column(number("cache read", "cached", true, 2));
  table.add_column(number("cache write", "", false, 4));
  table.add_column(number("output", "out", true, 0));
  table.add_column(number("reasoning", "", false, 4));
  table.add_column(number("cost", "", true, 0));
  if (tries) {
    table.add_column(number("retried", "", false, 5));
    table.add_column(number("fell back", "", false, 5));
  }
  if (group == store::GroupBy::session) table.add_column(number("cache read %", "cache %", true, 1));
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
  if (group == store::GroupBy::session) out["cache_read_share"] = std::max(0.0, cache_read_share(row));
  if (group == store::GroupBy::provider) {
    out["retried"] = row.retried;
    out["fell_back"] = row.fell_back;
  }
  return out;
}

nlohmann::ordered_json keyed_json(const char* name, const store::UsageRow& row, store::GroupBy group) {
  nlohmann::ordered_json item = {{name, row.key}};
  item.update(row_json(row, group));
  return item;
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

std::vector<std::string> csv_fields(const std::string& key, const std::string& model, const store::UsageRow& r,
                                    bool tries, bool breakdown) {
  std::vector<std::string> fields{key};
  if (breakdown) fields.push_back(model);
  fields.insert(fields.end(),
                {std::to_string(r.requests), std::to_string(r.errors), std::to_string(r.input_uncached_tokens),
                 std::to_string(r.cache_read_tokens), std::to_string(r.cache_write_5m_tokens),
                 std::to_string(r.cache_write_1h_tokens), std::to_string(r.output_tokens),
                 std::to_string(r.reasoning_tokens), std::to_string(r.cost_usd_pico),
                 usd_decimal_string(r.cost_usd_pico), std::to_string(r.unpriced_requests),
                 std::to_string(r.estimated_requests), std::to_string(r.family_priced_requests),
                 std::to_string(r.billed_to_client_cost_usd_pico)});
  if (tries) fields.insert(fields.end(), {std::to_string(r.retried), std::to_string(r.fell_back)});
  return fields;
}

} // namespace

void print_usage_text(const UsageReport& report, const Layout& layout, bool quiet) {
  const std::string since = heading_time(report.range.since_ms, 0, "start");
  const std::string until = heading_time(report.range.until_ms, INT64_MAX, "now");
  const std::string title = "usage " + report.label;
  const std::string span = "(" + since + " to " + until + ", local time)";
  const bool one_line = layout.width == 0 || display_width(title) + 1 + display_width(span) <= layout.width;
  const auto fit = [&](const std::string& text) {
    return layout.width == 0 ? text : truncate_to_width(text, layout.width);
  };
  if (one_line)
    std::printf("%s %s\n\n", title.c_str(), span.c_str());
  else
    std::printf("%s\n%s\n\n", fit(title).c_str(), fit(span).c_str());
  if (report.total.requests == 0) {
    std::printf("no requests\n");
    return;
  }
  const bool plain = report.group == store::GroupBy::none;
  const bool tries = report.group == store::GroupBy::provider;
  Table table = usage_table(plain ? "model" : std::string(store::to_string(report.group)), report.group);
  const std::vector<store::UsageRow> rows = plain ? shorten(report.rows, k_breakdown_rows) : report.rows;
  for (size_t i = 0; i < rows.size(); ++i) {
    table.add_row(table_cells(empty_as_none(rows[i].key), rows[i], report.group));
    if (!report.breakdown || i >= report.models_of_rows.size()) continue;
    for (const store::UsageRow& model : report.models_of_rows[i]) {
      const std::vector<std::string> cells =
          table_cells("  \xE2\x94\x94 " + empty_as_none(model.key), model, report.group);
      table.add_row(cells, std::vector<Style>(cells.size(), Style::dim));
    }
  }
  table.add_separator();
  const std::vector<std::string> total = table_cells("total", report.total, report.group);
  table.add_row(total, std::vector<Style>(total.size(), Style::bold));
  std::fputs(table.render(layout).c_str(), stdout);
  if (quiet) return;
  print_footnotes(report.total, report.inexact);
  if (tries && report.total.retried > 0)
    std::printf("retried: failed tries followed by another (retry or fallback); fell back: requests served by "
                "another provider (llmgw log --attempts shows each)\n");
  print_windows(report.windows);
}

void print_usage_json(const UsageReport& report) {
  nlohmann::ordered_json out;
  out["since_ms"] = report.range.since_ms;
  out["until_ms"] = nullptr; // open-ended window
  if (report.range.until_ms != INT64_MAX) out["until_ms"] = report.range.until_ms;
  out["group_by"] = store::to_string(report.group);
  out["rows"] = nlohmann::ordered_json::array();
  for (size_t i = 0; i < report.rows.size(); ++i) {
    nlohmann::ordered_json item = keyed_json("key", report.rows[i], report.group);
    if (report.breakdown && i < report.models_of_rows.size()) {
      item["models"] = nlohmann::ordered_json::array();
      for (const store::UsageRow& model : report.models_of_rows[i])
        item["models"].push_back(keyed_json("model", model, report.group));
    }
    out["rows"].push_back(item);
  }
  if (report.group == store::GroupBy::none) { // the models the plain table lists under its total
    out["models"] = nlohmann::ordered_json::array();
    for (const store::UsageRow& row : report.rows) out["models"].push_back(keyed_json("model", row, report.group));
  }
  out["total"] = row_json(report.total, report.group);
  out["inexact_models"] = inexact_json(report.inexact);
  out["rate_windows"] = windows_json(report.windows);
  std::printf("%s\n", out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
}

void print_usage_csv(const UsageReport& report) {
  const bool tries = report.group == store::GroupBy::provider;
  std::vector<std::string> header{"key"};
  if (report.breakdown) header.push_back("model");
  header.insert(header.end(), {"requests", "errors", "input_uncached_tokens", "cache_read_tokens",
                               "cache_write_5m_tokens", "cache_write_1h_tokens", "output_tokens", "reasoning_tokens",
                               "cost_usd_pico", "cost_usd", "unpriced_requests", "estimated_requests",
                               "family_priced_requests", "billed_to_client_cost_usd_pico"});
  if (tries) header.insert(header.end(), {"retried", "fell_back"});
  std::string out = csv_line(header);
  if (report.group == store::GroupBy::none) {
    out += csv_line(csv_fields("total", "", report.total, tries, false));
  } else {
    for (size_t i = 0; i < report.rows.size(); ++i) {
      const store::UsageRow& row = report.rows[i];
      if (!report.breakdown) {
        out += csv_line(csv_fields(row.key, "", row, tries, false));
        continue;
      }
      for (const store::UsageRow& model : report.models_of_rows[i])
        out += csv_line(csv_fields(row.key, model.key, model, tries, true));
    }
  }
  std::fputs(out.c_str(), stdout);
}

} // namespace llmgw::cli
