// `llmgw providers`: each configured provider with its key state, whether it answers a TCP
// connection right now, what the running server knows (deployments cooling down, keys benched),
// and today's requests, errors and spend through it.
#include "cli/common.hpp"
#include "cli/format.hpp"
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

std::string key_state(const core::config::ProviderConfig& provider) {
  if (provider.forward_client_auth) return "client's own";
  if (provider.api_key_env.empty()) return "none needed";
  if (provider.key_count() == 1) return provider.api_key_env + (provider.api_key.empty() ? " NOT SET" : " set");
  size_t set = 0;
  for (size_t i = 0; i < provider.key_count(); ++i) set += provider.key_value(i).empty() ? 0 : 1;
  return std::to_string(provider.key_count()) + " keys, " + std::to_string(set) + " set";
}

bool key_present(const core::config::ProviderConfig& provider) {
  if (provider.forward_client_auth || provider.api_key_env.empty()) return true;
  for (size_t i = 0; i < provider.key_count(); ++i)
    if (!provider.key_value(i).empty()) return true;
  return false;
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

std::string describe(const std::vector<Trouble>& troubles) {
  if (troubles.empty()) return "ok";
  std::string text;
  for (const auto& trouble : troubles) {
    if (!text.empty()) text += "; ";
    const std::string until = format_local_datetime(trouble.until_ms).substr(11);
    text += trouble.kind == "key" ? "key " + trouble.name + " benched until " + until + " (" + trouble.reason + ")"
                                  : trouble.name + " cooling down until " + until + " (" + trouble.reason + ")";
  }
  return text;
}

void run_providers(bool json, const GlobalOptions& options) {
  const auto config = core::config::load_config({options.config_path, std::nullopt, std::nullopt});
  std::vector<std::future<bool>> probes;
  for (const auto& provider : config.providers)
    probes.push_back(
        std::async(std::launch::async, first_hop_accepts, core::http::split_base_url(provider.base_url).origin));
  std::map<std::string, store::UsageRow> today;
  std::map<std::string, std::vector<Trouble>> trouble;
  {
    store::Db db(resolve_db_path(options));
    trouble = routing_trouble(db, now_ms());
    const auto range = period_range(Period::day, now_ms());
    for (auto& row : store::usage_report(db, {range.since_ms, range.until_ms, ""}, store::GroupBy::provider))
      today[row.key] = row;
  }
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  Table table;
  for (const char* header : {"provider", "kind", "base URL", "key", "reachable"}) table.add_column(header, Align::left);
  for (const char* header : {"requests today", "errors", "spend today"}) table.add_column(header, Align::right);
  table.add_column("state", Align::left);
  for (size_t i = 0; i < config.providers.size(); ++i) {
    const auto& provider = config.providers[i];
    const bool up = probes[i].get();
    const store::UsageRow usage = today.count(provider.name) ? today[provider.name] : store::UsageRow{};
    const std::string name = provider.name + (provider.name == config.default_provider ? " (default)" : "");
    if (json) {
      out.push_back({{"name", provider.name},
                     {"default", provider.name == config.default_provider},
                     {"kind", core::config::to_string(provider.kind)},
                     {"base_url", provider.base_url},
                     {"key", key_state(provider)},
                     {"key_present", key_present(provider)},
                     {"reachable", up},
                     {"requests_today", usage.requests},
                     {"errors_today", usage.errors},
                     {"cost_today_usd_pico", usage.cost_usd_pico},
                     {"trouble", troubles_json(trouble[provider.name])}});
      continue;
    }
    table.add_row({name, std::string(core::config::to_string(provider.kind)), provider.base_url, key_state(provider),
                   up ? "yes" : "NO", format_count(usage.requests), format_count(usage.errors),
                   core::policy::format_usd(usage.cost_usd_pico), describe(trouble[provider.name])});
  }
  if (json) {
    std::printf("%s\n", out.dump(2).c_str());
    return;
  }
  if (config.providers.empty()) {
    std::printf("no providers: set OPENAI_API_KEY or ANTHROPIC_API_KEY, or run `llmgw init`\n");
    return;
  }
  std::fputs(table.render().c_str(), stdout);
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
