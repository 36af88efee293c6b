#include "core/pipeline/gateway_server.hpp"

#include "core/error.hpp"
#include "core/pipeline/local_api.hpp"
#include "core/platform/fiber.hpp"

#include <cstdlib>
#include <string_view>

namespace llmgw::core::pipeline {
namespace {

// Enough connection threads for many open streams: a stream that cannot stay on the event loop
// (TLS, a client reading slowly) holds one, plus its own upstream reader thread. Threads start
// when connections need them and end after a minute idle.
constexpr int k_default_threads = 128;

// What stays on the event loop: the agents' API requests, whole answers and streams alike (a
// large body is on a thread already, see ServerLimits::loop_body_bytes; a stream relay moves to
// threads itself when it must block). The dashboard, the CLI's loopback API and /metrics read the
// database.
bool stays_on_loop(const httplib::Request& request) {
  return request.method == "POST" && !is_local_api_path(request.path) && request.path.rfind("/dashboard", 0) != 0;
}

http::ServerLimits limits(const config::ServerConfig& config) {
  http::ServerLimits limits;
  limits.max_threads = config.threads > 0 ? config.threads : k_default_threads;
  limits.max_body_bytes = static_cast<size_t>(config.max_body_bytes);
  // LLMGW_EVENT_LOOP=0: a thread for every request, as before the event loop (for comparisons).
  const char* loop = std::getenv("LLMGW_EVENT_LOOP");
  limits.event_loop = loop == nullptr || std::string_view(loop) != "0";
  return limits;
}

void wait_while_busy(const Gateway& gateway, std::chrono::steady_clock::duration limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (gateway.in_flight() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
}

} // namespace

GatewayServer::GatewayServer(config::Config config, pricing::PriceTable prices, UsageSink& sink, GatewayOptions options)
    : m_gateway(std::move(config), std::move(prices), sink, std::move(options)),
      m_server(
          limits(m_gateway.server_config()),
          [this](const httplib::Request& request, httplib::Response& response) {
            if (!stays_on_loop(request)) platform::leave_event_loop();
            if (m_front && m_front(request, response)) return;
            m_gateway.handle(request, response);
          },
          [this](const httplib::Request& request, httplib::Response& response) {
            m_gateway.refuse(request, response);
          }) {}

GatewayServer::~GatewayServer() {
  if (m_listener.joinable()) drain_and_stop(0);
}

int GatewayServer::bind() {
  const auto& server = m_gateway.server_config();
  int port = m_server.bind(server.host, server.port);
  if (port <= 0)
    throw Error("cannot listen on " + server.host + ":" + std::to_string(server.port) +
                " (is another llmgw running? pick another port with --port)");
  m_port = port;
  return port;
}

void GatewayServer::start() {
  m_listener = std::thread([this] { m_server.serve(); });
}

void GatewayServer::drain_and_stop(int grace_seconds) {
  m_gateway.start_draining();
  wait_while_busy(m_gateway, std::chrono::seconds(grace_seconds));
  if (m_gateway.in_flight() > 0) {
    m_gateway.abort_streams();
    wait_while_busy(m_gateway, std::chrono::seconds(2));
  }
  m_server.stop();
  if (m_listener.joinable()) m_listener.join();
}

} // namespace llmgw::core::pipeline
