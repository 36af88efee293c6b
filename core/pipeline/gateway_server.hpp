#pragma once
// The gateway on an httplib server: thread pool, socket options, bind, listen thread, and the
// drain-then-stop shutdown. `llmgw serve` and the integration tests both run it.
#include "core/pipeline/gateway.hpp"

#include <memory>
#include <thread>

namespace llmgw::core::pipeline {

// httplib listens with a backlog of 5: a burst of new connections (64 subagents starting at
// once) would wait for SYN retransmits. listen() again on the bound socket raises it (Linux).
class BackloggedServer : public httplib::Server {
public:
  void raise_backlog();
};

class GatewayServer {
public:
  GatewayServer(config::Config config, pricing::PriceTable prices, UsageSink& sink, GatewayOptions options);
  ~GatewayServer();
  GatewayServer(const GatewayServer&) = delete;
  GatewayServer& operator=(const GatewayServer&) = delete;

  // Bind to the configured host and port (0 = any free port). Returns the port; throws Error.
  int bind();
  // Serve on a background thread.
  void start();
  // Refuse new requests, wait up to grace_seconds for open ones, end the rest, stop serving.
  void drain_and_stop(int grace_seconds);

  Gateway& gateway() { return m_gateway; }
  int port() const { return m_port; }

private:
  Gateway m_gateway;
  BackloggedServer m_server;
  std::thread m_listener;
  int m_port = 0;
  std::string m_host;
};

} // namespace llmgw::core::pipeline
