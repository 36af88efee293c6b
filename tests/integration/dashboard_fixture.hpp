#pragma once
// The real gateway with its dashboard (as `llmgw serve` wires them) on a temp SQLite file and an
// ephemeral port, and a browser-like client: logs in through a one-time link, keeps the cookie.
#include "cli/dashboard_wiring.hpp"
#include "core/dashboard/dashboard.hpp"
#include "core/dashboard/providers.hpp"
#include "core/pipeline/gateway_server.hpp"
#include "store/dashboard_data.hpp"
#include "store/ledger.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_gateway.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <thread>
#include <atomic>
#include <memory>
#include <string>

namespace llmgw::test {

class DashboardGateway {
public:
  // db_path: an existing ledger to serve ("" = a new one in a temp dir). clock: the dashboard's
  // (login codes and sessions); null = the system clock.
  explicit DashboardGateway(core::config::Config config, std::string db_path = "",
                            std::function<int64_t()> clock = nullptr, int heartbeat_ms = 15'000)
      : m_db_path(db_path.empty() ? m_dir.file("llmgw.db") : std::move(db_path)) {
    m_ledger = std::make_unique<store::Ledger>(m_db_path);
    m_data = std::make_unique<store::DashboardData>(m_db_path);
    auto prices = core::pricing::PriceTable::with_overrides(config.price_overrides);
    core::dashboard::DashboardOptions options;
    options.token = k_test_token;
    options.bound_host = config.server.host;
    options.clock = std::move(clock);
    options.heartbeat_ms = heartbeat_ms;
    m_server = std::make_unique<core::pipeline::GatewayServer>(std::move(config), std::move(prices), *m_ledger,
                                                               core::pipeline::GatewayOptions{k_test_token});
    auto& gateway = m_server->gateway();
    m_dashboard = std::make_unique<core::dashboard::Dashboard>(
        options, *m_data,
        core::dashboard::GatewayView{[&gateway](int64_t now) {
                                       return core::dashboard::providers_json(gateway.live()->config,
                                                                              gateway.health().snapshot(now), now);
                                     },
                                     [&gateway] { return gateway.live()->config.caps.hard; },
                                     [&gateway](const nlohmann::json& detail) {
                                       return core::dashboard::cost_parts_json(gateway.live()->prices, detail);
                                     }});
    m_wiring = std::make_unique<cli::DashboardWiring>(*m_dashboard, *m_ledger);
    m_server->set_front([this](const httplib::Request& request, httplib::Response& response) {
      return m_dashboard->handle(request, response);
    });
    m_port = m_server->bind();
    m_dashboard->set_port(m_port);
    m_server->start();
  }
  ~DashboardGateway() {
    m_dashboard->stop();
    m_server->drain_and_stop(5);
    m_wiring.reset();
    m_ledger->stop();
  }
  DashboardGateway(const DashboardGateway&) = delete;
  DashboardGateway& operator=(const DashboardGateway&) = delete;

  int port() const { return m_port; }
  std::string origin() const { return "http://127.0.0.1:" + std::to_string(m_port); }
  const std::string& db_path() const { return m_db_path; }
  store::Ledger& ledger() { return *m_ledger; }
  // Wait (up to 5 s) until no request is in flight, then flush: rows are recorded after answers.
  void settle() {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (m_server->gateway().in_flight() > 0 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    m_ledger->flush();
  }
  core::dashboard::Dashboard& dashboard() { return *m_dashboard; }

  std::unique_ptr<httplib::Client> client() const {
    auto client = std::make_unique<httplib::Client>("127.0.0.1", m_port);
    client->set_tcp_nodelay(true);
    client->set_read_timeout(30, 0);
    client->set_keep_alive(true);
    return client;
  }
  // POST /dashboard/api/login-code with the gateway token: the one-time code.
  std::string mint_code() const {
    auto reply = client()->Post("/dashboard/api/login-code", TestGateway::openai_auth(), "", "application/json");
    if (!reply || reply->status != 200) return "";
    return nlohmann::json::parse(reply->body).at("code").get<std::string>();
  }
  // Logs in through a fresh code; the Cookie header value ("llmgw_session=...").
  std::string login() const {
    auto reply = client()->Get("/dashboard/login?code=" + mint_code());
    if (!reply || reply->status != 303) return "";
    const std::string cookie = reply->get_header_value("Set-Cookie");
    return cookie.substr(0, cookie.find(';'));
  }
  // GET with the session cookie.
  httplib::Result get(const std::string& path, const std::string& cookie, httplib::Headers headers = {}) const {
    headers.emplace("Cookie", cookie);
    return client()->Get(path, headers);
  }

private:
  TempDir m_dir;
  std::string m_db_path;
  std::unique_ptr<store::Ledger> m_ledger;
  std::unique_ptr<store::DashboardData> m_data;
  std::unique_ptr<core::pipeline::GatewayServer> m_server;
  std::unique_ptr<core::dashboard::Dashboard> m_dashboard;
  std::unique_ptr<cli::DashboardWiring> m_wiring;
  int m_port = 0;
};

} // namespace llmgw::test
