// `llmgw log`: recent requests one per line, optionally following new rows as they land.
#include "cli/common.hpp"
#include "cli/format.hpp"
#include "cli/report_marks.hpp"
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
  bool attempts = false;
};

std::string model_of(const core::RequestRecord& r) {
  const std::string& model = r.served_model.empty() ? r.requested_model : r.served_model;
  if (r.provider.empty()) return model.empty() ? "-" : model;
  return r.provider + "/" + (model.empty() ? "-" : model);
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
  line += "  " + pad(log_cost_cell(logged), 16, Align::right);
  line += "  " + pad(format_duration_ms(r.duration_ms), 6, Align::right);
  line += "  ttfb " + format_duration_ms(r.ttfb_ms);
  return line + "\n";
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
std::string attempt_lines(const std::vector<core::Attempt>& attempts) {
  std::string out;
  for (size_t i = 0; i < attempts.size(); ++i) {
    const core::Attempt& a = attempts[i];
    out += "    try " + std::to_string(i + 1) + ": " + a.provider + "/" + a.model + "  " +
           (a.http_status ? "HTTP " + std::to_string(a.http_status) : std::string("no answer")) + "  " +
           format_duration_ms(a.latency_ms) + (a.error.empty() ? "  served" : "  " + a.error) + "\n";
  }
  return out;
}

// Print rows (with their tries when `db` is given) and return the highest id seen (or `last_id`
// when there were none).
int64_t print_rows(const std::vector<store::LoggedRequest>& rows, bool json, int64_t last_id, store::Db* db = nullptr) {
  AttemptMap attempts;
  if (db != nullptr) {
    std::vector<int64_t> ids;
    for (const auto& row : rows) ids.push_back(row.id);
    attempts = store::attempts_of(*db, ids);
  }
  const AttemptMap* with = db != nullptr ? &attempts : nullptr;
  for (const store::LoggedRequest& row : rows) {
    std::string line = json ? json_line(row, with) : text_line(row);
    if (!json && with != nullptr)
      if (auto found = attempts.find(row.id); found != attempts.end()) line += attempt_lines(found->second);
    std::fputs(line.c_str(), stdout);
    last_id = row.id;
  }
  std::fflush(stdout); // a pipe (`llmgw log -f | grep`) should see each row at once
  return last_id;
}

[[noreturn]] void follow(store::Db& db, bool json, int64_t last_id, bool attempts) {
  for (;;) {
    std::this_thread::sleep_for(k_follow_interval);
    std::vector<store::LoggedRequest> rows;
    do {
      rows = store::requests_after(db, last_id, k_follow_page_rows);
      last_id = print_rows(rows, json, last_id, attempts ? &db : nullptr);
    } while (rows.size() == static_cast<size_t>(k_follow_page_rows));
  }
}

void run_log(const LogArgs& args, const GlobalOptions& options) {
  store::Db db(resolve_db_path(options));
  const std::vector<store::LoggedRequest> rows = store::recent_requests(db, args.count);
  if (rows.empty() && !args.json && !args.follow) std::printf("no requests recorded yet\n");
  int64_t last_id = print_rows(rows, args.json, 0, args.attempts ? &db : nullptr);
  if (!args.json) std::fputs(log_footnote(rows).c_str(), stdout); // JSON rows carry their marks
  if (!args.follow) return;
  if (rows.empty()) { // -n 0: follow from the newest row, not from the start of the ledger
    const std::vector<store::LoggedRequest> newest = store::recent_requests(db, 1);
    last_id = newest.empty() ? 0 : newest.back().id;
  }
  follow(db, args.json, last_id, args.attempts);
}

} // namespace

void register_log(CLI::App& app, GlobalOptions& options) {
  auto args = std::make_shared<LogArgs>();
  CLI::App* cmd = app.add_subcommand("log", "show recent requests, one line each");
  cmd->add_option("-n,--count", args->count, "how many recent requests (default 20)")->check(CLI::Range(0, 1'000'000));
  cmd->add_flag("-f,--follow", args->follow, "keep printing new requests as they land (Ctrl-C to stop)");
  cmd->add_flag("--json", args->json, "one JSON object per line");
  cmd->add_flag("--attempts", args->attempts, "show each upstream try of requests that were retried or fell back");
  cmd->callback([args, &options] { run_log(*args, options); });
}

} // namespace llmgw::cli
