// `llmgw providers`: each configured provider with its key state, whether it answers a TCP
// connection right now, what the running server knows (deployments cooling down, keys benched),
// and today's requests, errors and spend through it.
#include "cli/common.hpp"
#include "cli/fitted_table.hpp"
#include "cli/format.hpp"
#include "cli/providers_view.hpp"
#include "cli/time_range.hpp"
#include "core/config/config.hpp"
#include "core/http/proxy.hpp"
#include "core/http/tcp_probe.hpp"
#include "core/protocol/json_scan.hpp"
#include "core/http/upstream_pool.hpp"
#include "core/policy/usd.hpp"
#include "store/reports.hpp"
#include "store/settings.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <future>
#include <map>

namespace llmgw::cli {
namespace {

constexpr int k_probe_timeout_ms = 1500;

// Whether the provider's first hop accepts a connection: the https proxy when one is in force
// for its host (as `serve` would go), else the provider itself.
bool first_hop_accepts(const std::string& origin) {
  if (const auto proxy = core::http::proxy_for_origin(origin))
    return core::http::tcp_accepts(proxy->host, std::to_string(proxy->port), k_probe_timeout_ms);
  return core::http::origin_accepts(origin, k_probe_timeout_ms);
}

// What the running server published (store/settings_watcher), still in force now.
struct Trouble {
  std::string kind, name, reason;
  int64_t until_ms = 0;
};

std::map<std::string, std::vector<Trouble>> routing_trouble(store::Db& db, int64_t now) {
  std::map<std::string, std::vector<Trouble>> out;
  const auto state = core::protocol::parse_json(store::routing_state(db));
  if (!state.is_array()) return out;
  for (const auto& entry : state) {
    if (!entry.is_object() || entry.value("until_ms", int64_t{0}) <= now) continue;
    out[entry.value("provider", "")].push_back({entry.value("kind", ""), entry.value("name", ""),
                                                entry.value("reason", ""), entry.value("until_ms", int64_t{0})});
  }
  return out;
}

nlohmann::ordered_json troubles_json(const std::vector<Trouble>& troubles) {
  auto out = nlohmann::ordered_json::array();
  for (const auto& trouble : troubles)
    out.push_back(
        {{"kind", trouble.kind}, {"name", trouble.name}, {"until_ms", trouble.until_ms}, {"reason", trouble.reason}});
  return out;
}

std::vector<std::string> troubles_text(const std::vector<Trouble>& troubles) {
  std::vector<std::string> lines;
  for (const auto& trouble : troubles) {
    const std::string until = format_local_datetime(trouble.until_ms).substr(11);
    lines.push_back(trouble.kind == "key"
                        ? "key " + trouble.name + " benched until " + until + " (" + trouble.reason + ")"
                        : trouble.name + " cooling down until " + until + " (" + trouble.reason + ")");
  }
  return lines;
}

void run_providers(bool json, const GlobalOptions& options) {
  const ProvidersView view = providers_view(options);
  std::vector<std::future<bool>> probes;
  for (const auto& provider : view.providers)
    probes.push_back(std::async(std::launch::async, first_hop_accepts,
                                std::string(core::http::split_base_url(provider.base_url).origin)));
  std::map<std::string, store::UsageRow> today;
  std::map<std::string, std::vector<Trouble>> trouble;
  {
    store::Db db(view.db_path);
    trouble = routing_trouble(db, now_ms());
    const auto range = period_range(Period::day, now_ms());
    for (auto& row : store::usage_report(db, {range.since_ms, range.until_ms, ""}, store::GroupBy::provider))
      today[row.key] = row;
  }
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  std::vector<std::vector<std::string>> rows, places;
  std::vector<std::vector<std::string>> notes;
  for (size_t i = 0; i < view.providers.size(); ++i) {
    const auto& provider = view.providers[i];
    const bool up = probes[i].get();
    const store::UsageRow usage = today.count(provider.name) ? today[provider.name] : store::UsageRow{};
    if (json) {
      out.push_back({{"name", provider.name},
                     {"default", provider.is_default},
                     {"kind", provider.kind},
                     {"base_url", provider.base_url},
                     {"key", provider.key_text},
                     {"key_present", provider.key_present},
                     {"key_view", view.server ? "server" : "local"},
                     {"keys", provider.keys},
                     {"reachable", up},
                     {"requests_today", usage.requests},
                     {"errors_today", usage.errors},
                     {"cost_today_usd_pico", usage.cost_usd_pico},
                     {"trouble", troubles_json(trouble[provider.name])}});
      continue;
    }
    const std::string name = provider.name + (provider.is_default ? " (default)" : "");
    rows.push_back({name, provider.key_text, up ? "yes" : "NO", format_count(usage.requests),
                    format_count(usage.errors), core::policy::format_usd(usage.cost_usd_pico)});
    places.push_back({provider.name, provider.kind, provider.base_url});
    notes.push_back(troubles_text(trouble[provider.name]));
  }
  if (json) {
    std::printf("%s\n", out.dump(2).c_str());
    return;
  }
  std::printf("%s\n", view.source.c_str());
  if (view.providers.empty()) {
    std::printf("no providers: set OPENAI_API_KEY or ANTHROPIC_API_KEY, or run `llmgw init`\n");
    return;
  }
  const std::string table = render_fitted({{"provider", Align::left},
                                           {"key", Align::left},
                                           {"up", Align::left},
                                           {"today", Align::right},
                                           {"errors", Align::right},
                                           {"spend", Align::right}},
                                          rows, {1, 0});
  // Each provider's row, then what the running server learnt about it (cool-downs, benched keys).
  size_t line = 0, start = 0;
  for (size_t end = table.find('\n'); end != std::string::npos; start = end + 1, end = table.find('\n', start)) {
    std::printf("%s\n", table.substr(start, end - start).c_str());
    if (line >= 2 && line - 2 < notes.size())
      for (const auto& note : notes[line - 2]) std::printf("%s\n", fit_text("  " + note, k_terminal_width).c_str());
    ++line;
  }
  std::printf("\n%s",
              render_fitted({{"provider", Align::left}, {"kind", Align::left}, {"base URL", Align::left}}, places, {2})
                  .c_str());
}

} // namespace

void register_providers(CLI::App& app, GlobalOptions& options) {
  auto json = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand(
      "providers", "each provider: keys, reachable now, cool-downs and benched keys, today's requests and spend");
  cmd->add_flag("--json", *json, "print JSON");
  cmd->callback([json, &options] { run_providers(*json, options); });
}

} // namespace llmgw::cli
