// `llmgw log`: recent requests one per line, optionally following new rows as they land.
#include "cli/common.hpp"
#include "cli/format.hpp"
#include "cli/time_range.hpp"
#include "store/db.hpp"
#include "store/reports.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
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
};

std::string model_of(const core::RequestRecord& r) {
  const std::string& model = r.served_model.empty() ? r.requested_model : r.served_model;
  if (r.provider.empty()) return model.empty() ? "-" : model;
  return r.provider + "/" + (model.empty() ? "-" : model);
}

std::string cost_of(const core::RequestRecord& r) {
  if (r.unpriced) return "unpriced";
  return format_usd(r.cost_usd_pico) + (r.billed_to_client ? " (plan)" : "");
}

std::string or_dash(const std::string& text) { return text.empty() ? "-" : text; }

// Fixed column widths, since --follow prints rows before later rows are known.
std::string text_line(const store::LoggedRequest& logged) {
  const core::RequestRecord& r = logged.record;
  std::string line = format_local_datetime(r.started_at_ms);
  line += "  " + pad(or_dash(r.agent), 12, Align::left);
  line += "  " + pad(or_dash(r.endpoint), 20, Align::left);
  line += "  " + pad(model_of(r), 34, Align::left);
  line += "  " + pad(r.http_status > 0 ? std::to_string(r.http_status) : "-", 3, Align::right);
  line += " " + pad(core::to_string(r.outcome), 14, Align::left);
  line += "  in " + pad(format_count(r.usage.prompt_tokens()), 9, Align::right);
  line += " out " + pad(format_count(r.usage.output_tokens), 7, Align::right);
  line += "  " + pad(cost_of(r), 16, Align::right);
  line += "  " + pad(format_duration_ms(r.duration_ms), 6, Align::right);
  line += "  ttfb " + format_duration_ms(r.ttfb_ms);
  return line + "\n";
}

std::string json_line(const store::LoggedRequest& logged) {
  const core::RequestRecord& r = logged.record;
  const nlohmann::ordered_json out = {
      {"id", logged.id},
      {"started_at_ms", r.started_at_ms},
      {"started_at", format_local_iso(r.started_at_ms)},
      {"duration_ms", r.duration_ms},
      {"ttfb_ms", r.ttfb_ms},
      {"agent", r.agent},
      {"session_id", r.session_id},
      {"key", r.key_name},
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
      {"usage_source", core::to_string(r.usage_source)},
      {"unpriced", r.unpriced},
      {"billed_to_client", r.billed_to_client},
      {"upstream_request_id", r.upstream_request_id},
      {"error_message", r.error_message},
  };
  return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

// Print rows and return the highest id seen (or `last_id` when there were none).
int64_t print_rows(const std::vector<store::LoggedRequest>& rows, bool json, int64_t last_id) {
  for (const store::LoggedRequest& row : rows) {
    std::fputs((json ? json_line(row) : text_line(row)).c_str(), stdout);
    last_id = row.id;
  }
  std::fflush(stdout); // a pipe (`llmgw log -f | grep`) should see each row at once
  return last_id;
}

[[noreturn]] void follow(store::Db& db, bool json, int64_t last_id) {
  for (;;) {
    std::this_thread::sleep_for(k_follow_interval);
    std::vector<store::LoggedRequest> rows;
    do {
      rows = store::requests_after(db, last_id, k_follow_page_rows);
      last_id = print_rows(rows, json, last_id);
    } while (rows.size() == static_cast<size_t>(k_follow_page_rows));
  }
}

void run_log(const LogArgs& args, const GlobalOptions& options) {
  store::Db db(resolve_db_path(options));
  const std::vector<store::LoggedRequest> rows = store::recent_requests(db, args.count);
  if (rows.empty() && !args.json && !args.follow) std::printf("no requests recorded yet\n");
  int64_t last_id = print_rows(rows, args.json, 0);
  if (!args.follow) return;
  if (rows.empty()) { // -n 0: follow from the newest row, not from the start of the ledger
    const std::vector<store::LoggedRequest> newest = store::recent_requests(db, 1);
    last_id = newest.empty() ? 0 : newest.back().id;
  }
  follow(db, args.json, last_id);
}

} // namespace

void register_log(CLI::App& app, GlobalOptions& options) {
  auto args = std::make_shared<LogArgs>();
  CLI::App* cmd = app.add_subcommand("log", "show recent requests, one line each");
  cmd->add_option("-n,--count", args->count, "how many recent requests (default 20)")
      ->check(CLI::Range(0, 1'000'000));
  cmd->add_flag("-f,--follow", args->follow, "keep printing new requests as they land (Ctrl-C to stop)");
  cmd->add_flag("--json", args->json, "one JSON object per line");
  cmd->callback([args, &options] { run_log(*args, options); });
}

} // namespace llmgw::cli
