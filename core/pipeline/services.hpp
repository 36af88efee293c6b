#pragma once
// What the request stages share across requests: the config snapshot, caps and limits, virtual
// keys, upstream health, the upstream, the clock and the codecs. The Gateway owns one; every stage reads it.
#include "core/accounting/request_record.hpp"
#include "core/config/config.hpp"
#include "core/dispatch/clock.hpp"
#include "core/dispatch/stream_relay.hpp"
#include "core/dispatch/upstream.hpp"
#include "core/policy/budget.hpp"
#include "core/policy/keys.hpp"
#include "core/pricing/price_table.hpp"
#include "core/routing/health.hpp"
#include "core/translate/codec.hpp"

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace llmgw::core::metrics {
class RequestMetrics;
}

namespace llmgw::core::pipeline {

struct LocalApi; // local_api.hpp

// The config in force and the price table built from it: replaced whole when config.toml changes;
// each request holds the one it started with.
struct LiveConfig {
  config::Config config;
  pricing::PriceTable prices;
};

struct GatewayOptions {
  std::string token;                           // the gateway token clients send
  std::chrono::seconds keepalive_interval{15}; // SSE comment during upstream silence
  // Test seams: another upstream (fakes that count, fail or throw), another clock (no sleeps) and
  // other codecs (a fake that throws). Null: the pooled HTTP upstream, the system clock and the
  // built-in codecs.
  dispatch::Upstream* upstream = nullptr;
  dispatch::Clock* clock = nullptr;
  const translate::Codecs* codecs = nullptr;
  // The loopback API's hooks (`llmgw serve` fills them in before the server starts); null: none.
  std::shared_ptr<LocalApi> local_api{};
  // Counters GET /metrics serves (the same object is the sink's front, see core/metrics);
  // null: no /metrics route.
  ::llmgw::core::metrics::RequestMetrics* metrics = nullptr;
};

// Virtual keys and `llmgw use` overrides as the CLI last set them.
struct Policy {
  std::shared_ptr<const policy::KeyRing> keys = std::make_shared<policy::KeyRing>();
  std::shared_ptr<const std::vector<policy::RouteOverride>> overrides =
      std::make_shared<std::vector<policy::RouteOverride>>();
};

class Services {
public:
  Services(config::Config config, pricing::PriceTable prices, UsageSink& sink, GatewayOptions options);

  const config::ServerConfig server;
  const GatewayOptions options;
  UsageSink& sink;
  routing::Health health;
  policy::Budget budget;
  std::atomic<bool> draining{false};
  std::atomic<int> in_flight{0};

  std::shared_ptr<const LiveConfig> live() const;
  void set_live(std::shared_ptr<const LiveConfig> next);
  Policy policy() const;
  void set_policy(Policy next);
  dispatch::Upstream& upstream() { return *m_upstream; }
  dispatch::Clock& clock() { return *m_clock; }
  // The codecs every translation of this gateway goes through.
  const translate::Codecs& codecs() const { return *m_codecs; }
  // Open streams, so that a shutdown past its deadline can end them.
  void track(dispatch::StreamRelay* relay, bool open);
  void abort_streams();

private:
  mutable std::mutex m_mutex;
  std::shared_ptr<const LiveConfig> m_live;
  Policy m_policy;
  std::unique_ptr<dispatch::PooledUpstream> m_own_upstream;
  dispatch::Upstream* m_upstream;
  dispatch::Clock* m_clock;
  const translate::Codecs* m_codecs;
  std::mutex m_streams_mutex;
  std::set<dispatch::StreamRelay*> m_streams;
};

} // namespace llmgw::core::pipeline
