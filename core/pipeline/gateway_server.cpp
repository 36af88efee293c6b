#include "core/pipeline/gateway_server.hpp"

#include "core/error.hpp"

#include <sys/socket.h>

namespace llmgw::core::pipeline {
namespace {

// Enough workers for many open streams: each stream holds one server worker (plus its own
// upstream reader thread); idle workers cost a few KB of touched stack each.
constexpr int k_default_threads = 128;

void configure(httplib::Server& server, const config::ServerConfig& config) {
  int threads = config.threads > 0 ? config.threads : k_default_threads;
  server.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  server.set_tcp_nodelay(true);
  server.set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  server.set_keep_alive_max_count(100000);
  // httplib polls idle keep-alive connections; a short timeout bounds that cost.
  server.set_keep_alive_timeout(5);
  server.set_read_timeout(60, 0);
  server.set_write_timeout(60, 0);
  server.set_payload_max_length(static_cast<size_t>(config.max_body_bytes));
}

} // namespace

void BackloggedServer::raise_backlog() {
  if (svr_sock_ != INVALID_SOCKET) ::listen(svr_sock_, SOMAXCONN);
}

namespace {

void wait_while_busy(const Gateway& gateway, std::chrono::steady_clock::duration limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (gateway.in_flight() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
}

} // namespace

GatewayServer::GatewayServer(config::Config config, pricing::PriceTable prices, UsageSink& sink, GatewayOptions options)
    : m_gateway(std::move(config), std::move(prices), sink, std::move(options)) {
  configure(m_server, m_gateway.server_config());
  m_gateway.install(m_server);
}

GatewayServer::~GatewayServer() {
  if (m_listener.joinable()) drain_and_stop(0);
}

int GatewayServer::bind() {
  const auto& server = m_gateway.server_config();
  m_host = server.host;
  int port = server.port;
  if (port == 0) port = m_server.bind_to_any_port(server.host);
  else if (!m_server.bind_to_port(server.host, port)) port = -1;
  if (port <= 0)
    throw Error("cannot listen on " + server.host + ":" + std::to_string(server.port) +
                " (is another llmgw running? pick another port with --port)");
  m_server.raise_backlog();
  m_port = port;
  return port;
}

void GatewayServer::start() {
  m_listener = std::thread([this] { m_server.listen_after_bind(); });
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
