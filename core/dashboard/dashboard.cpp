#include "core/dashboard/dashboard.hpp"

#include "core/dashboard/assets.hpp"
#include "core/dashboard/guard.hpp"
#include "core/http/peer.hpp"
#include "core/http/wire.hpp"
#include "core/policy/periods.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <deque>

namespace llmgw::core::dashboard {
namespace {

bool starts_with(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

bool is_page(std::string_view path) { return path == "/" || path == "/dashboard" || path == "/dashboard/"; }

// The gateway token as the API routes take it: Authorization: Bearer, or x-api-key.
bool has_token(const httplib::Request& request, const std::string& token) {
  std::string given = request.get_header_value("x-api-key");
  const std::string authorization = request.get_header_value("Authorization");
  if (given.empty() && authorization.size() > 7 && http::wire::iequals(authorization.substr(0, 7), "Bearer "))
    given = authorization.substr(7);
  return !token.empty() && given.size() == token.size() && CRYPTO_memcmp(given.data(), token.data(), token.size()) == 0;
}

// The page a browser without a session gets; plain HTML, nothing inline the CSP would refuse.
constexpr std::string_view k_login_page = R"html(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>llmgw dashboard</title></head>
<body><h1>llmgw dashboard</h1>
<p>%s</p>
<p>Run <code>llmgw dashboard</code> in a terminal and open the link it prints (each link works once, for a minute).</p>
</body></html>
)html";

void write_login_page(httplib::Response& response, int status, std::string_view why) {
  std::string page(k_login_page);
  page.replace(page.find("%s"), 2, why);
  response.status = status;
  response.set_content(page, "text/html; charset=utf-8");
}

void write_asset(httplib::Response& response, const Asset* found) {
  if (!found) return write_json_error(response, 404, "no such dashboard file");
  response.set_content(std::string(found->body), std::string(found->content_type));
}

} // namespace

void write_json_error(httplib::Response& response, int status, const std::string& message) {
  response.status = status;
  response.set_content(nlohmann::json{{"error", {{"message", message}}}}.dump(), "application/json");
}

Dashboard::Dashboard(DashboardOptions options, DataSource& data, GatewayView gateway)
    : m_options(std::move(options)), m_data(data), m_gateway(std::move(gateway)),
      m_auth(
          m_options.auth, m_options.clock ? m_options.clock : [] { return policy::now_ms(); }),
      m_feed(m_options.max_live_viewers, m_options.live_queue_events) {}

int64_t Dashboard::now() const { return m_options.clock ? m_options.clock() : policy::now_ms(); }

bool Dashboard::handle(const httplib::Request& request, httplib::Response& response) {
  const std::string_view path = request.path;
  const bool page_method = request.method == "GET" || request.method == "HEAD";
  if (!(path == "/" && page_method) && path != "/dashboard" && !starts_with(path, "/dashboard/")) return false;
  set_security_headers(response);
  if (!host_allowed(request, m_options.bound_host)) {
    write_json_error(response, 403, "the dashboard only answers requests addressed to a loopback host name");
    return true;
  }
  if (m_options.local_clients_only && !http::direct_loopback_client(request)) {
    write_json_error(response, 403,
                     "in team mode (server.public) the dashboard answers clients on this machine only (an SSH tunnel "
                     "reaches it)");
    return true;
  }
  // A browser sends Origin on cross-origin requests and on every POST: only the gateway's own
  // pages may talk to the dashboard (CSRF, other sites' scripts).
  if (request.has_header("Origin") &&
      !own_origin(request.get_header_value("Origin"), m_options.bound_host, m_port.load())) {
    write_json_error(response, 403, "the dashboard refuses requests from other origins");
    return true;
  }
  route(request, response);
  return true;
}

void Dashboard::route(const httplib::Request& request, httplib::Response& response) {
  const std::string_view path = request.path;
  if (path == "/dashboard/api/login-code") {
    if (request.method != "POST") return write_json_error(response, 405, "use POST");
    return mint_code(request, response);
  }
  if (path == "/dashboard/login") return login(request, response);
  if (path == "/dashboard/api/logout") {
    if (request.method != "POST") return write_json_error(response, 405, "use POST");
    return logout(request, response);
  }
  if (request.method != "GET" && request.method != "HEAD") return write_json_error(response, 405, "use GET");
  const bool api = starts_with(path, "/dashboard/api/");
  if (!m_auth.check(cookie_value(request, k_session_cookie))) {
    if (api) return write_json_error(response, 401, "no dashboard session; open the link `llmgw dashboard` prints");
    return write_login_page(response, 401, "This page needs a login link.");
  }
  if (is_page(path)) return write_asset(response, asset("/"));
  if (starts_with(path, "/dashboard/assets/")) {
    const std::string_view name = path.substr(std::string_view("/dashboard/assets").size());
    if (name == "/" || name == "/index.html") return write_json_error(response, 404, "no such dashboard file");
    return write_asset(response, asset(name));
  }
  if (path == "/dashboard/api/live") return serve_live(response);
  if (api &&
      serve_api(path.substr(std::string_view("/dashboard/api/").size()), request, response, m_data, m_gateway, now()))
    return;
  write_json_error(response, 404, "no such dashboard route");
}

void Dashboard::mint_code(const httplib::Request& request, httplib::Response& response) {
  // Only a program holding the token (`llmgw dashboard`) mints codes; a page never may, even
  // one served here.
  if (request.has_header("Origin")) return write_json_error(response, 403, "login codes are not minted for pages");
  if (!has_token(request, m_options.token))
    return write_json_error(response, 401, "missing or wrong llmgw token; run `llmgw env` to get it");
  const std::string code = m_auth.mint_code();
  // The link names the host the CLI dialled (the cookie belongs to that host name), when it is a
  // plain loopback one.
  const std::string port = ":" + std::to_string(m_port.load());
  std::string host = "127.0.0.1" + port;
  for (std::string_view name : {"localhost", "[::1]"})
    if (http::wire::iequals(request.get_header_value("Host"), std::string(name) + port))
      host = std::string(name) + port;
  nlohmann::json body{{"code", code},
                      {"url", "http://" + host + "/dashboard/login?code=" + code},
                      {"expires_in_ms", m_options.auth.code_ttl_ms}};
  response.set_content(body.dump(), "application/json");
}

void Dashboard::login(const httplib::Request& request, httplib::Response& response) {
  if (request.method != "GET") return write_json_error(response, 405, "use GET");
  const auto session = m_auth.redeem(request.get_param_value("code"));
  if (!session) return write_login_page(response, 401, "This login link is unknown, used already or expired.");
  response.status = 303;
  response.set_header("Set-Cookie", session_cookie(*session));
  response.set_header("Location", "/");
}

void Dashboard::logout(const httplib::Request& request, httplib::Response& response) {
  // A POST that changes state: the page's own Origin is required, not merely tolerated.
  if (!request.has_header("Origin")) return write_json_error(response, 403, "logout needs the page's own Origin");
  const std::string session = cookie_value(request, k_session_cookie);
  if (!m_auth.check(session)) return write_json_error(response, 401, "no dashboard session");
  m_auth.end(session);
  response.set_header("Set-Cookie", std::string(k_session_cookie) + "=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
  response.set_content("{}", "application/json");
}

void Dashboard::serve_live(httplib::Response& response) {
  auto viewer = m_feed.join();
  if (!viewer) return write_json_error(response, 503, "too many live viewers; close another dashboard tab");
  const int heartbeat_ms = std::max(1, m_options.heartbeat_ms);
  auto started = std::make_shared<bool>(false);
  response.set_chunked_content_provider(
      "text/event-stream",
      [viewer, heartbeat_ms, started](size_t, httplib::DataSink& sink) {
        if (!*started) {
          *started = true;
          const std::string hello = "retry: 2000\n: live\n\n";
          return sink.write(hello.data(), hello.size());
        }
        // Wait in short slices, so a viewer that closed its tab frees its thread within a second.
        std::deque<std::string> events;
        for (int waited = 0; waited < heartbeat_ms; waited += 1000) {
          const auto wait = viewer->next(events, std::min(1000, heartbeat_ms - waited));
          if (wait == LiveFeed::Viewer::Wait::ended) {
            sink.done();
            return true;
          }
          if (wait == LiveFeed::Viewer::Wait::events) {
            for (const std::string& event : events)
              if (!sink.write(event.data(), event.size())) return false;
            return true;
          }
          if (!sink.is_writable()) return false;
        }
        const std::string comment = ": keep-alive\n\n";
        return sink.write(comment.data(), comment.size());
      },
      [this, viewer](bool) { m_feed.leave(viewer); });
}

} // namespace llmgw::core::dashboard
