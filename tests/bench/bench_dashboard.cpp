#include "tests/bench/bench_dashboard.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <stdexcept>

namespace llmgw::bench {
namespace {

// Every view the page asks for, with the ranges it asks them for.
constexpr const char* k_views[] = {
    "/dashboard/api/summary",      "/dashboard/api/spend?by=model", "/dashboard/api/breakdown?by=agent&range=30d",
    "/dashboard/api/cache_health", "/dashboard/api/caps",           "/dashboard/api/providers",
    "/dashboard/api/requests",
};

httplib::Client client_for(int port, int read_timeout_s) {
  httplib::Client client("127.0.0.1", port);
  client.set_tcp_nodelay(true);
  client.set_connection_timeout(2, 0);
  client.set_read_timeout(read_timeout_s, 0);
  return client;
}

} // namespace

DashboardViewer::DashboardViewer(int port, const std::string& token) : m_port(port) {
  auto client = client_for(port, 5);
  auto minted =
      client.Post("/dashboard/api/login-code", {{"Authorization", "Bearer " + token}}, "", "application/json");
  if (!minted || minted->status != 200) throw std::runtime_error("dashboard: no login code from llmgw");
  const std::string code = nlohmann::json::parse(minted->body).at("code").get<std::string>();
  auto login = client.Get("/dashboard/login?code=" + code);
  if (!login || !login->has_header("Set-Cookie")) throw std::runtime_error("dashboard: the login link set no cookie");
  const std::string cookie = login->get_header_value("Set-Cookie");
  m_cookie = cookie.substr(0, cookie.find(';'));
  m_live = std::thread([this] { watch_live(); });
  m_poller = std::thread([this] { poll_views(); });
}

DashboardViewer::~DashboardViewer() { stop(); }

void DashboardViewer::stop() {
  m_stopping = true;
  if (m_live.joinable()) m_live.join();
  if (m_poller.joinable()) m_poller.join();
}

void DashboardViewer::watch_live() {
  // The read timeout (1 s) bounds how long stop() waits when no event comes; then it reconnects.
  auto client = client_for(m_port, 1);
  while (!m_stopping) {
    client.Get("/dashboard/api/live", {{"Cookie", m_cookie}, {"Accept", "text/event-stream"}},
               [this](const char* data, size_t size) {
                 const std::string_view chunk(data, size);
                 for (size_t at = chunk.find("data:"); at != std::string_view::npos; at = chunk.find("data:", at + 5))
                   ++m_events;
                 return !m_stopping.load();
               });
  }
}

void DashboardViewer::poll_views() {
  auto client = client_for(m_port, 5);
  while (!m_stopping) {
    for (const char* view : k_views) {
      const auto started = std::chrono::steady_clock::now();
      auto answer = client.Get(view, {{"Cookie", m_cookie}});
      const auto ms =
          std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
      ++(answer && answer->status == 200 ? m_views : m_failed_views);
      m_view_max_ms = std::max<int64_t>(m_view_max_ms.load(), ms);
    }
    for (int i = 0; i < 10 && !m_stopping; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

} // namespace llmgw::bench
