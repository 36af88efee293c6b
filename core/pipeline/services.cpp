#include "core/pipeline/services.hpp"

namespace llmgw::core::pipeline {

Services::Services(config::Config config, pricing::PriceTable prices, UsageSink& usage_sink,
                   GatewayOptions gateway_options)
    : server(config.server), options(std::move(gateway_options)), sink(usage_sink),
      m_live(std::make_shared<const LiveConfig>(LiveConfig{std::move(config), std::move(prices)})) {
  if (options.upstream == nullptr)
    m_own_upstream = std::make_unique<dispatch::PooledUpstream>(
        http::UpstreamTimeouts{server.connect_timeout_seconds, server.read_timeout_seconds});
  m_upstream = options.upstream != nullptr ? options.upstream : m_own_upstream.get();
  m_clock = options.clock != nullptr ? options.clock : &dispatch::system_clock();
  m_codecs = options.codecs != nullptr ? options.codecs : &translate::builtin_codecs();
}

std::shared_ptr<const LiveConfig> Services::live() const {
  std::lock_guard lock(m_mutex);
  return m_live;
}

void Services::set_live(std::shared_ptr<const LiveConfig> next) {
  std::lock_guard lock(m_mutex);
  m_live = std::move(next);
}

Policy Services::policy() const {
  std::lock_guard lock(m_mutex);
  return m_policy;
}

void Services::set_policy(Policy next) {
  std::lock_guard lock(m_mutex);
  m_policy = std::move(next);
}

void Services::track(dispatch::StreamRelay* relay, bool open) {
  std::lock_guard lock(m_streams_mutex);
  if (open)
    m_streams.insert(relay);
  else
    m_streams.erase(relay);
}

void Services::abort_streams() {
  std::lock_guard lock(m_streams_mutex);
  for (auto* relay : m_streams) relay->abort();
}

} // namespace llmgw::core::pipeline
