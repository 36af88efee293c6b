#pragma once
// The gateway on llmgw's HTTP server (core/http/http_server.hpp): limits from [server], bind,
// the accept thread, and the drain-then-stop shutdown. `llmgw serve` and the integration tests
// both run it.
#include "core/http/http_server.hpp"
#include "core/pipeline/gateway.hpp"

#include <functional>
#include <memory>
#include <thread>

namespace llmgw::core::pipeline {

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

  // A handler tried before the gateway's routes (the dashboard): returns true when it answered.
  // Set before start(); whatever it streams must end before drain_and_stop() (it waits for it).
  using Front = std::function<bool(const httplib::Request&, httplib::Response&)>;
  void set_front(Front front) { m_front = std::move(front); }

  Gateway& gateway() { return m_gateway; }
  int port() const { return m_port; }

private:
  Gateway m_gateway;
  Front m_front;
  http::HttpServer m_server;
  std::thread m_listener;
  int m_port = 0;
};

} // namespace llmgw::core::pipeline
