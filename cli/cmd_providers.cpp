// `llmgw providers`: each configured provider with its key state, whether it answers a TCP
// connection right now, and today's requests, errors and spend through it.
#include "cli/common.hpp"
#include "cli/format.hpp"
#include "cli/time_range.hpp"
#include "core/config/config.hpp"
#include "core/http/tcp_probe.hpp"
#include "core/http/upstream_pool.hpp"
#include "core/policy/budget.hpp"
#include "store/reports.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <future>
#include <map>

namespace llmgw::cli {
namespace {

constexpr int k_probe_timeout_ms = 1500;

std::string key_state(const core::config::ProviderConfig& provider) {
  if (provider.forward_client_auth) return "client's own";
  if (provider.api_key_env.empty()) return "none needed";
  return provider.api_key_env + (provider.api_key.empty() ? " NOT SET" : " set");
}

void run_providers(bool json, const GlobalOptions& options) {
  const auto config = core::config::load_config({options.config_path, std::nullopt, std::nullopt});
  std::vector<std::future<bool>> probes;
  for (const auto& provider : config.providers)
    probes.push_back(std::async(std::launch::async, core::http::origin_accepts,
                                core::http::split_base_url(provider.base_url).origin, k_probe_timeout_ms));
  std::map<std::string, store::UsageRow> today;
  {
    store::Db db(resolve_db_path(options));
    const auto range = period_range(Period::day, now_ms());
    for (auto& row : store::usage_report(db, {range.since_ms, range.until_ms, ""}, store::GroupBy::provider))
      today[row.key] = row;
  }
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  Table table;
  for (const char* header : {"provider", "kind", "base URL", "key", "reachable"}) table.add_column(header, Align::left);
  for (const char* header : {"requests today", "errors", "spend today"}) table.add_column(header, Align::right);
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
                     {"key_present", provider.forward_client_auth || provider.api_key_env.empty() || !provider.api_key.empty()},
                     {"reachable", up},
                     {"requests_today", usage.requests},
                     {"errors_today", usage.errors},
                     {"cost_today_usd_pico", usage.cost_usd_pico}});
      continue;
    }
    table.add_row({name, std::string(core::config::to_string(provider.kind)), provider.base_url, key_state(provider),
                   up ? "yes" : "NO", format_count(usage.requests), format_count(usage.errors),
                   core::policy::format_usd(usage.cost_usd_pico)});
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
  auto* cmd = app.add_subcommand("providers", "each provider: key set, reachable now, today's requests and spend");
  cmd->add_flag("--json", *json, "print JSON");
  cmd->callback([json, &options] { run_providers(*json, options); });
}

} // namespace llmgw::cli
