#pragma once
// The dashboard's server side (docs/dashboard-api.md): the page at / and /dashboard, its assets,
// the login link, the session cookie and the JSON API over the ledger, plus the live request log
// (server-sent events). Tried before the gateway's own routes (GatewayServer::set_front); agents'
// API routes never reach it.
#include "core/dashboard/auth.hpp"
#include "core/dashboard/data_source.hpp"
#include "core/dashboard/live_feed.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <functional>
#include <string>

namespace llmgw::core::dashboard {

struct DashboardOptions {
  std::string token;      // the gateway token: mints login codes
  std::string bound_host; // server.host, also accepted as Host and Origin
  // Team mode (server.public): only a client on this machine, not relayed by a proxy, is answered.
  bool local_clients_only = false;
  AuthLimits auth;
  size_t max_live_viewers = 8;
  size_t live_queue_events = 1024; // a viewer this far behind is dropped
  int heartbeat_ms = 15'000;       // an SSE comment this often when nothing happens
  std::function<int64_t()> clock;  // unix epoch ms; null = the system clock
};

// What the dashboard asks the running gateway (not the ledger).
struct GatewayView {
  std::function<nlohmann::json(int64_t now_ms)> providers; // {"providers":[...]}, no secret in it
  std::function<bool()> hard_caps;                         // [caps] hard in force
  // A request detail's cost by part ({"kind","tokens","usd"} each), from the prices in force;
  // empty when they no longer give the recorded total. Null: no parts.
  std::function<nlohmann::json(const nlohmann::json& detail)> cost_parts;
};

class Dashboard {
public:
  Dashboard(DashboardOptions options, DataSource& data, GatewayView gateway);
  Dashboard(const Dashboard&) = delete;
  Dashboard& operator=(const Dashboard&) = delete;

  // The port the server listens on (its own Origin); set after bind, before serving.
  void set_port(int port) { m_port = port; }
  // Answers a dashboard route (GET / and anything under /dashboard) and returns true; false
  // leaves the request to the gateway.
  bool handle(const httplib::Request& request, httplib::Response& response);
  // Where the ledger writer publishes stored rows.
  LiveFeed& feed() { return m_feed; }
  // End live streams and refuse new ones; call before the server stops.
  void stop() { m_feed.close(); }

private:
  void route(const httplib::Request& request, httplib::Response& response);
  void mint_code(const httplib::Request& request, httplib::Response& response);
  void login(const httplib::Request& request, httplib::Response& response);
  void logout(const httplib::Request& request, httplib::Response& response);
  void serve_live(httplib::Response& response);
  int64_t now() const;

  DashboardOptions m_options;
  DataSource& m_data;
  GatewayView m_gateway;
  Auth m_auth;
  LiveFeed m_feed;
  std::atomic<int> m_port{0};
};

// Writes a JSON error {"error":{"message"}} with status.
void write_json_error(httplib::Response& response, int status, const std::string& message);
// Answers GET /dashboard/api/NAME (everything but live): false when there is no such API.
bool serve_api(std::string_view name, const httplib::Request& request, httplib::Response& response, DataSource& data,
               const GatewayView& gateway, int64_t now_ms);

} // namespace llmgw::core::dashboard
