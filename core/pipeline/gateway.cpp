// The gateway's shared state: config reloads, caps, limits and virtual keys as the CLI sets
// them, and upstream health for `llmgw providers`. Routes and guards are in endpoints.cpp, the
// request path in pipeline.cpp.
#include "core/pipeline/gateway.hpp"

#include <nlohmann/json.hpp>

namespace llmgw::core::pipeline {

Gateway::Gateway(config::Config config, pricing::PriceTable prices, UsageSink& sink, GatewayOptions options)
    : m_services(std::move(config), std::move(prices), sink, std::move(options)) {}

std::vector<std::string> Gateway::reload(config::Config config) {
  std::vector<std::string> restart_only;
  for (const auto& origin : config.origins) {
    if (origin.key.rfind("server.", 0) != 0 && origin.key.rfind("telemetry.", 0) != 0) continue;
    const auto* running = live()->config.find_origin(origin.key);
    if (running == nullptr || running->value != origin.value) restart_only.push_back(origin.key);
  }
  config.server = m_services.server; // what the process was started with stays
  const bool allow_unpriced = config.caps.allow_unpriced;
  {
    std::lock_guard live_lock(m_live_mutex);
    // The imported prices stay in force under the new config's overrides.
    auto prices = pricing::PriceTable::layered(live()->prices.imported(), config.price_overrides);
    m_services.set_live(std::make_shared<const LiveConfig>(LiveConfig{std::move(config), std::move(prices)}));
  }
  std::lock_guard lock(m_rules_mutex);
  m_services.budget.set_rules(m_caps, m_limits, allow_unpriced);
  return restart_only;
}

void Gateway::set_imported_prices(std::shared_ptr<const pricing::ImportedPrices> imported) {
  std::lock_guard lock(m_live_mutex);
  const auto running = live();
  auto prices = pricing::PriceTable::layered(std::move(imported), running->config.price_overrides);
  m_services.set_live(std::make_shared<const LiveConfig>(LiveConfig{running->config, std::move(prices)}));
}

std::string Gateway::health_json() const {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& entry : m_services.health.snapshot(policy::now_ms()))
    out.push_back({{"kind", entry.kind},
                   {"provider", entry.provider},
                   {"name", entry.name},
                   {"until_ms", entry.until_ms},
                   {"reason", entry.reason}});
  return out.dump();
}

void Gateway::apply_policy(policy::PolicySettings settings) {
  Policy next;
  next.keys = std::make_shared<const policy::KeyRing>(settings.keys);
  next.overrides = std::make_shared<const std::vector<policy::RouteOverride>>(std::move(settings.overrides));
  std::lock_guard lock(m_rules_mutex);
  m_caps = std::move(settings.caps);
  m_limits = std::move(settings.limits);
  m_services.budget.set_rules(m_caps, m_limits, live()->config.caps.allow_unpriced);
  m_services.set_policy(std::move(next));
}

std::map<int64_t, int64_t> Gateway::reservations() {
  std::map<int64_t, int64_t> reserved;
  for (const auto& state : m_services.budget.states(policy::now_ms()))
    if (state.reserved_pico != 0) reserved[state.rule.id] = state.reserved_pico;
  return reserved;
}

} // namespace llmgw::core::pipeline
