// `llmgw log`: recent requests one per line, optionally following new rows as they land.
#include "cli/common.hpp"
#include "cli/format.hpp"
#include "cli/report_marks.hpp"
#include "cli/table.hpp"
#include "cli/time_range.hpp"
#include "store/db.hpp"
#include "store/reports.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdio>
#include <thread>

namespace llmgw::cli {
namespace {

constexpr auto k_follow_interval = std::chrono::milliseconds(500);
constexpr int k_follow_page_rows = 1000;

struct LogArgs {
  int count = 20;
  bool follow = false;
  bool json = false;
  bool attempts = false;
  std::string since;
  store::LogFilter filter;
};

std::string model_of(const core::RequestRecord& r) {
  const std::string& model = r.model();
  if (r.provider.empty()) return model.empty() ? "-" : model;
  return r.provider + "/" + (model.empty() ? "-" : model);
}

std::string or_dash(const std::string& text) { return text.empty() ? "-" : text; }

Column fixed(std::string header, size_t width, Align align, bool compact = true) {
  Column column;
  column.header = std::move(header);
  column.fixed = width;
  column.align = align;
  column.compact = compact;
  return column;
}

// Fixed column widths, since --follow prints rows before later rows are known. The compact
// layout (under 100 columns) drops the endpoint, outcome and ttfb and shortens the time.
Table log_table(const Layout& layout) {
  Table table;
  table.add_column(fixed("time", layout.compact ? 11 : 19, Align::left));
  Column agent = fixed("agent", layout.compact ? 11 : 12, Align::left);
  agent.shrink = true;
  agent.min_width = 6;
  table.add_column(agent);
  table.add_column(fixed("endpoint", 20, Align::left, false));
  Column model = fixed("provider/model", layout.compact ? 24 : 34, Align::left);
  model.compact_header = "model";
  model.shrink = true;
  model.min_width = 10;
  table.add_column(model);
  table.add_column(fixed("st", 3, Align::right));
  table.add_column(fixed("outcome", 14, Align::left, false));
  Column in = fixed("in", layout.compact ? 7 : 9, Align::right);
  in.drop = 2;
  table.add_column(in);
  Column out = fixed("out", layout.compact ? 6 : 7, Align::right);
  out.drop = 2;
  table.add_column(out);
  table.add_column(fixed("cost", layout.compact ? 12 : 18, Align::right));
  Column took = fixed("took", 6, Align::right);
  took.drop = 1;
  table.add_column(took);
  table.add_column(fixed("ttfb", 6, Align::right, false));
  return table;
}

std::string text_line(const Table& table, const Layout& layout, const store::LoggedRequest& logged) {
  const core::RequestRecord& r = logged.record;
  const bool failed = r.outcome != core::Outcome::ok;
  const std::string time = format_local_datetime(r.started_at_ms);
  const std::vector<std::string> cells{layout.compact ? time.substr(5, 11) : time,
                                       or_dash(r.agent),
                                       or_dash(r.endpoint),
                                       model_of(r),
                                       r.http_status > 0 ? std::to_string(r.http_status) : "-",
                                       std::string(core::to_string(r.outcome)),
                                       format_count(r.usage.prompt_tokens()),
                                       format_count(r.usage.output_tokens),
                                       log_cost_cell(logged),
                                       format_duration_ms(r.duration_ms),
                                       format_duration_ms(r.ttfb_ms)};
  std::vector<Style> styles(cells.size(), Style::plain);
  if (failed) styles[4] = styles[5] = Style::red;
  return table.render_line(cells, layout, styles);
}

using AttemptMap = std::map<int64_t, std::vector<core::Attempt>>;

std::string json_line(const store::LoggedRequest& logged, const AttemptMap* attempts) {
  const core::RequestRecord& r = logged.record;
  nlohmann::ordered_json out = {
      {"id", logged.id},
      {"started_at_ms", r.started_at_ms},
      {"started_at", format_local_iso(r.started_at_ms)},
      {"duration_ms", r.duration_ms},
      {"ttfb_ms", r.ttfb_ms},
      {"agent", r.agent},
      {"session_id", r.session_id},
      {"key", r.key_name},
      {"user", r.user_name},
      {"project", r.project},
      {"endpoint", r.endpoint},
      {"provider", r.provider},
      {"requested_model", r.requested_model},
      {"served_model", r.served_model},
      {"streamed", r.streamed},
      {"http_status", r.http_status},
      {"outcome", core::to_string(r.outcome)},
      {"input_uncached_tokens", r.usage.input_uncached_tokens},
      {"cache_read_tokens", r.usage.cache_read_tokens},
      {"cache_write_5m_tokens", r.usage.cache_write_5m_tokens},
      {"cache_write_1h_tokens", r.usage.cache_write_1h_tokens},
      {"output_tokens", r.usage.output_tokens},
      {"reasoning_tokens", r.usage.reasoning_tokens},
      {"cost_usd_pico", r.cost_usd_pico},
      {"cost_usd", usd_decimal_string(r.cost_usd_pico)},
      {"price_version", r.price_version},
      {"price_basis", r.price_basis.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(r.price_basis)},
      {"usage_source", core::to_string(r.usage_source)},
      {"unpriced", r.unpriced},
      {"price_basis", logged.price_basis},
      {"marks", row_marks(logged)},
      {"billed_to_client", r.billed_to_client},
      {"upstream_request_id", r.upstream_request_id},
      {"error_message", r.error_message},
  };
  if (attempts != nullptr) {
    out["attempts"] = nlohmann::ordered_json::array();
    if (auto found = attempts->find(logged.id); found != attempts->end())
      for (const core::Attempt& a : found->second)
        out["attempts"].push_back({{"provider", a.provider},
                                   {"model", a.model},
                                   {"http_status", a.http_status},
                                   {"latency_ms", a.latency_ms},
                                   {"error", a.error}});
  }
  return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

// The upstream tries of a request that needed several, one indented line each.
std::string attempt_lines(const std::vector<core::Attempt>& attempts, size_t width) {
  std::string out;
  for (size_t i = 0; i < attempts.size(); ++i) {
    const core::Attempt& a = attempts[i];
    // The last try answers the client: "served" when it succeeded, else its failure went back.
    const std::string result = !a.error.empty()                             ? a.error
                               : a.http_status == 0 || a.http_status >= 400 ? "returned to the client as its answer"
                                                                            : "served";
    out += truncate_to_width("    try " + std::to_string(i + 1) + ": " + a.provider + "/" + a.model + "  " +
                                 (a.http_status ? "HTTP " + std::to_string(a.http_status) : std::string("no answer")) +
                                 "  " + format_duration_ms(a.latency_ms) + "  " + result,
                             width == 0 ? SIZE_MAX : width) +
           "\n";
  }
  return out;
}

// How rows print: JSON lines, or table lines for the terminal, with their tries or not.
struct Printer {
  bool json = false;
  Layout layout;
  Table table;
  store::Db* attempts_db = nullptr; // set for --attempts
};

// Print rows (with their tries for --attempts) and return the highest id seen (or `last_id` when
// there were none).
int64_t print_rows(const std::vector<store::LoggedRequest>& rows, const Printer& printer, int64_t last_id) {
  AttemptMap attempts;
  if (printer.attempts_db != nullptr) {
    std::vector<int64_t> ids;
    for (const auto& row : rows) ids.push_back(row.id);
    attempts = store::attempts_of(*printer.attempts_db, ids);
  }
  const AttemptMap* with = printer.attempts_db != nullptr ? &attempts : nullptr;
  for (const store::LoggedRequest& row : rows) {
    std::string line = printer.json ? json_line(row, with) : text_line(printer.table, printer.layout, row);
    if (!printer.json && with != nullptr)
      if (auto found = attempts.find(row.id); found != attempts.end())
        line += attempt_lines(found->second, printer.layout.width);
    std::fputs(line.c_str(), stdout);
    last_id = row.id;
  }
  std::fflush(stdout); // a pipe (`llmgw log -f | grep`) should see each row at once
  return last_id;
}

[[noreturn]] void follow(store::Db& db, const Printer& printer, const store::LogFilter& filter, int64_t last_id) {
  for (;;) {
    std::this_thread::sleep_for(k_follow_interval);
    std::vector<store::LoggedRequest> rows;
    do {
      // The page ends at the newest row whatever the filter, so a filter never stalls the poll.
      const std::vector<store::LoggedRequest> page = store::requests_after(db, last_id, k_follow_page_rows);
      if (page.empty()) break;
      rows = store::filtered_requests(db, filter, k_follow_page_rows, last_id);
      std::erase_if(rows, [&](const store::LoggedRequest& row) { return row.id > page.back().id; });
      print_rows(rows, printer, last_id);
      last_id = page.back().id;
      rows = page;
    } while (rows.size() == static_cast<size_t>(k_follow_page_rows));
  }
}

store::LogFilter resolve_filter(const LogArgs& args) {
  store::LogFilter filter = args.filter;
  if (!args.since.empty()) filter.since_ms = parse_time_arg(args.since, false);
  const std::string& status = filter.status;
  if (!status.empty() && status != "ok" && status != "error" &&
      (status.size() != 3 || status.find_first_not_of("0123456789") != std::string::npos))
    throw CLI::ValidationError("--status: '" + status + "' is not ok, error or an HTTP status such as 429");
  return filter;
}

void run_log(const LogArgs& args, const GlobalOptions& options) {
  const store::LogFilter filter = resolve_filter(args);
  store::Db db(resolve_db_path(options));
  Printer printer;
  printer.json = args.json;
  printer.layout = terminal_layout();
  printer.table = log_table(printer.layout);
  printer.attempts_db = args.attempts ? &db : nullptr;
  const std::vector<store::LoggedRequest> rows = store::filtered_requests(db, filter, args.count);
  const std::vector<store::LoggedRequest> newest = store::recent_requests(db, 1);
  const bool chatty = !args.json && !options.quiet;
  if (rows.empty() && chatty && !args.follow) {
    if (newest.empty())
      std::printf("no requests recorded yet\n");
    else if (args.count == 0)
      std::printf("-n 0 shows no rows (the ledger has requests: give -n N, or --follow for new ones)\n");
    else
      std::printf("no requests match the filters\n");
    return;
  }
  if (!args.json) std::fputs(printer.table.render_header(printer.layout).c_str(), stdout);
  print_rows(rows, printer, 0);
  if (chatty) std::fputs(log_footnote(rows).c_str(), stdout); // JSON rows carry their marks
  if (!args.follow) return;
  // Follow from the newest row of the ledger, not from the last one shown (-n 0, filters).
  follow(db, printer, filter, newest.empty() ? 0 : newest.back().id);
}

} // namespace

void register_log(CLI::App& app, GlobalOptions& options) {
  auto args = std::make_shared<LogArgs>();
  CLI::App* cmd = app.add_subcommand("log", "show recent requests, one line each");
  cmd->add_option("-n,--count", args->count, "how many recent requests (default 20)")->check(CLI::Range(0, 1'000'000));
  cmd->add_flag("-f,--follow", args->follow, "keep printing new requests as they land (Ctrl-C to stop)");
  cmd->add_flag("--json", args->json, "one JSON object per line");
  cmd->add_flag("--attempts", args->attempts, "show each upstream try of requests that were retried or fell back");
  cmd->add_option("--model", args->filter.model, "only this model (served or requested; globs like 'claude-*')");
  cmd->add_option("--agent", args->filter.agent, "only this agent (claude-code, codex, ...)");
  cmd->add_option("--provider", args->filter.provider, "only this provider");
  cmd->add_option("--status", args->filter.status, "ok, error (any failure) or an HTTP status such as 429");
  cmd->add_option("--since", args->since, "only requests from then on: YYYY-MM-DD, YYYYMMDD, today, 7d, ISO time");
  cmd->callback([args, &options] { run_log(*args, options); });
}

} // namespace llmgw::cli
