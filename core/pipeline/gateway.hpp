#pragma once
// The gateway: a thin owner of what requests share (the config snapshot, caps, keys, upstream
// health, the upstream and the clock: Services) and the entry point the HTTP server calls. The
// request path itself is pipeline.cpp's list of stages; the routes are endpoints.cpp's table.
#include "core/accounting/request_record.hpp"
#include "core/config/config.hpp"
#include "core/pipeline/request_context.hpp"
#include "core/pipeline/services.hpp"
#include "core/policy/budget.hpp"
#include "core/policy/keys.hpp"
#include "core/pricing/price_table.hpp"
#include "core/routing/health.hpp"

#include <httplib.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace llmgw::core::pipeline {

class Gateway {
public:
  Gateway(config::Config config, pricing::PriceTable prices, UsageSink& sink, GatewayOptions options);

  // Route a request (Host/Origin guard, endpoints, 404) and answer it.
  void handle(const httplib::Request& request, httplib::Response& response);
  // Give a refusal the HTTP server or a handler decided on (response.status set, no body) an
  // error body in the caller's API format.
  void refuse(const httplib::Request& request, httplib::Response& response) const;

  // Refuse new requests (503) from now on; open streams go on.
  void start_draining() { m_services.draining = true; }
  // End every open stream now with an in-band error (the shutdown deadline passed).
  void abort_streams() { m_services.abort_streams(); }
  // Requests currently being served.
  int in_flight() const { return m_services.in_flight.load(); }

  // The server settings (fixed for the life of the process: a reload cannot rebind).
  const config::ServerConfig& server_config() const { return m_services.server; }
  // The config and prices in force now.
  std::shared_ptr<const LiveConfig> live() const { return m_services.live(); }
  // Put a new config in force for the requests that start from now on. Returns the settings it
  // changes that only a restart applies (server.*), empty when none.
  std::vector<std::string> reload(config::Config config);
  // Put prices imported with `llmgw prices import` in force (null: none), under the config's
  // overrides, for the requests that start from now on.
  void set_imported_prices(std::shared_ptr<const pricing::ImportedPrices> imported);
  // Cool-downs, benched keys and session pins learnt so far.
  const routing::Health& health() const { return m_services.health; }
  // Deployments cooling down and keys benched now, as JSON for `llmgw providers`.
  std::string health_json() const;

  // Caps, rate limits and virtual keys as the CLI last set them (store/settings_watcher).
  void apply_policy(policy::PolicySettings settings);
  // Spend so far and live reservations; load_spent() before serving.
  policy::Budget& budget() { return m_services.budget; }
  // Pico-USD held per cap id by requests in flight.
  std::map<int64_t, int64_t> reservations();

private:
  void handle_models(const httplib::Request& request, httplib::Response& response);

  Services m_services;
  std::mutex m_live_mutex;  // one rebuild of the live snapshot at a time (config reload, price import)
  std::mutex m_rules_mutex; // caps and limits as last applied, for a reload that changes caps.unpriced
  std::vector<policy::CapRule> m_caps;
  std::vector<policy::RateRule> m_limits;
};

} // namespace llmgw::core::pipeline
