// Routes, guards (Host, Origin, token) and the small side endpoints. The API handlers' dispatch
// and settlement live in gateway_dispatch.cpp.
#include "core/pipeline/gateway.hpp"

#include "core/pipeline/stream_relay.hpp"
#include "core/protocol/error_body.hpp"

#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string_view>
#include <unordered_map>

namespace llmgw::core::pipeline {
namespace {

using protocol::ApiFormat;

bool starts_with(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

// The caller's API, judged from the path, for errors raised before a handler runs.
ApiFormat format_of(const httplib::Request& request) {
  std::string_view path = request.path;
  if (path.find("/messages") != std::string_view::npos) return ApiFormat::anthropic;
  if (path.find("/responses") != std::string_view::npos) return ApiFormat::openai_responses;
  if (starts_with(path, "/v1beta")) return ApiFormat::gemini;
  if (request.has_header("anthropic-version")) return ApiFormat::anthropic;
  return ApiFormat::openai_chat;
}

// Loopback names only: a page elsewhere that rebinds its DNS name to 127.0.0.1 still sends its
// own name as Host, so this stops DNS rebinding.
bool host_allowed(const httplib::Request& request, const std::string& bound_host) {
  if (!request.has_header("Host")) return true;
  std::string host = request.get_header_value("Host");
  if (!host.empty() && host.front() == '[') host = host.substr(0, host.find(']') + 1);
  else host = host.substr(0, host.find(':'));
  static const std::set<std::string> k_loopback{"127.0.0.1", "localhost", "[::1]", "::1"};
  return k_loopback.count(host) > 0 || host == bound_host;
}

// A browser page always sends an http(s) Origin (or "null" from sandboxed frames). Node's fetch
// sends none; sec-fetch-mode and anthropic-dangerous-direct-browser-access do not count.
bool browser_origin(const httplib::Request& request) {
  std::string origin = request.get_header_value("Origin");
  return origin == "null" || starts_with(origin, "http://") || starts_with(origin, "https://");
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

void set_error(httplib::Response& response, ApiFormat format, int status, const std::string& message) {
  response.status = status;
  response.set_header("x-should-retry", "false");
  response.set_content(protocol::error_body(format, status, message), "application/json");
}

} // namespace

Gateway::Gateway(config::Config config, pricing::PriceTable prices, UsageSink& sink, GatewayOptions options)
    : m_server(config.server),
      m_live(std::make_shared<const LiveConfig>(LiveConfig{std::move(config), std::move(prices)})), m_sink(sink),
      m_options(std::move(options)),
      m_pool(http::UpstreamTimeouts{m_server.connect_timeout_seconds, m_server.read_timeout_seconds}) {}

std::shared_ptr<const LiveConfig> Gateway::live() const {
  std::lock_guard lock(m_live_mutex);
  return m_live;
}

std::vector<std::string> Gateway::reload(config::Config config) {
  std::vector<std::string> restart_only;
  for (const auto& origin : config.origins) {
    if (origin.key.rfind("server.", 0) != 0) continue;
    const auto* running = live()->config.find_origin(origin.key);
    if (running == nullptr || running->value != origin.value) restart_only.push_back(origin.key);
  }
  config.server = m_server; // what the process was started with stays
  auto prices = pricing::PriceTable::with_overrides(config.price_overrides);
  const bool allow_unpriced = config.caps.allow_unpriced;
  auto next = std::make_shared<const LiveConfig>(LiveConfig{std::move(config), std::move(prices)});
  {
    std::lock_guard lock(m_live_mutex);
    m_live = std::move(next);
  }
  std::lock_guard lock(m_keys_mutex);
  m_budget.set_rules(m_caps, m_limits, allow_unpriced);
  return restart_only;
}

std::string Gateway::health_json() const {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& entry : m_health.snapshot(policy::now_ms()))
    out.push_back({{"kind", entry.kind},
                   {"provider", entry.provider},
                   {"name", entry.name},
                   {"until_ms", entry.until_ms},
                   {"reason", entry.reason}});
  return out.dump();
}

Gateway::Credential Gateway::authenticate(const httplib::Request& request) const {
  std::string key = request.get_header_value("x-api-key");
  if (key.empty()) {
    std::string auth = request.get_header_value("Authorization");
    if (starts_with(auth, "Bearer ")) key = auth.substr(7);
  }
  if (key.empty()) key = request.get_header_value("x-goog-api-key");
  if (key.empty()) key = request.get_param_value("key"); // Gemini clients may send ?key=
  Credential credential;
  if (key.empty()) return credential;
  if (constant_time_equal(key, m_options.token)) {
    credential.valid = true;
    return credential;
  }
  std::shared_ptr<const policy::KeyRing> keys;
  {
    std::lock_guard lock(m_keys_mutex);
    keys = m_keys;
  }
  if (const auto* found = keys->find(key)) {
    credential.valid = true;
    credential.key = *found;
  }
  return credential;
}

void Gateway::apply_policy(policy::PolicySettings settings) {
  auto keys = std::make_shared<const policy::KeyRing>(settings.keys);
  auto overrides = std::make_shared<const std::vector<policy::RouteOverride>>(std::move(settings.overrides));
  std::lock_guard lock(m_keys_mutex);
  m_caps = std::move(settings.caps);
  m_limits = std::move(settings.limits);
  m_budget.set_rules(m_caps, m_limits, live()->config.caps.allow_unpriced);
  m_keys = std::move(keys);
  m_overrides = std::move(overrides);
}

std::string Gateway::override_for(const std::string& agent, const std::string& model) const {
  std::shared_ptr<const std::vector<policy::RouteOverride>> overrides;
  {
    std::lock_guard lock(m_keys_mutex);
    overrides = m_overrides;
  }
  for (const auto& route : *overrides) {
    if (!route.agent.empty() && route.agent != agent) continue;
    if (!route.model_glob.empty() && !policy::glob_match(route.model_glob, model)) continue;
    return route.target;
  }
  return "";
}

std::map<int64_t, int64_t> Gateway::reservations() {
  std::map<int64_t, int64_t> reserved;
  for (const auto& state : m_budget.states(policy::now_ms()))
    if (state.reserved_pico != 0) reserved[state.rule.id] = state.reserved_pico;
  return reserved;
}

namespace {

// The OpenAI and Anthropic endpoints by every path a client may use: clients given the base URL
// with /v1 doubled or missing still land here (PROTOCOLS.md §0).
const std::unordered_map<std::string, Endpoint>& api_routes() {
  static const std::unordered_map<std::string, Endpoint> routes = [] {
    const std::vector<Endpoint> endpoints{
        {ApiFormat::openai_chat, "/v1/chat/completions", "/chat/completions", false, {}},
        {ApiFormat::openai_responses, "/v1/responses", "/responses", false, {}},
        {ApiFormat::anthropic, "/v1/messages", "/v1/messages", false, {}},
        {ApiFormat::anthropic, "/v1/messages/count_tokens", "/v1/messages/count_tokens", true, {}},
    };
    std::unordered_map<std::string, Endpoint> table;
    for (const auto& endpoint : endpoints)
      for (const auto& path : {endpoint.path, endpoint.path.substr(3), "/v1" + endpoint.path}) table.emplace(path, endpoint);
    return table;
  }();
  return routes;
}

// Gemini's own routes, as gemini-cli calls them (GOOGLE_GEMINI_BASE_URL): the model and the
// method are in the path, /v1beta/models/{model}:{method} (or /v1/).
struct GeminiRoute {
  std::string model, method;
};
std::optional<GeminiRoute> gemini_route(std::string_view path) {
  for (std::string_view prefix : {"/v1beta/models/", "/v1/models/"}) {
    if (path.substr(0, prefix.size()) != prefix) continue;
    std::string_view rest = path.substr(prefix.size());
    size_t colon = rest.find(':');
    if (colon == 0 || colon == std::string_view::npos || rest.substr(0, colon).find('/') != std::string_view::npos)
      return std::nullopt;
    std::string_view method = rest.substr(colon + 1);
    if (method != "generateContent" && method != "streamGenerateContent" && method != "countTokens") return std::nullopt;
    return GeminiRoute{std::string(rest.substr(0, colon)), std::string(method)};
  }
  return std::nullopt;
}

} // namespace

void Gateway::handle(const httplib::Request& request, httplib::Response& response) {
  const bool post = request.method == "POST";
  const bool get = request.method == "GET" || request.method == "HEAD";
  // The Host and Origin guard runs once a route matched (and the body was read).
  auto guard = [&] {
    if (!host_allowed(request, m_server.host)) {
      set_error(response, format_of(request), 403, "llmgw only answers requests addressed to a loopback host name");
      return false;
    }
    if (browser_origin(request)) {
      set_error(response, format_of(request), 403, "llmgw refuses requests from web pages (Origin header present)");
      return false;
    }
    return true;
  };
  if (post) {
    const auto& routes = api_routes();
    if (auto route = routes.find(request.path); route != routes.end()) {
      if (guard()) handle_api(request, response, route->second);
      return;
    }
    if (auto route = gemini_route(request.path)) {
      const Endpoint endpoint{ApiFormat::gemini, "/v1beta/models:" + route->method, "", route->method == "countTokens",
                              route->method};
      if (guard()) handle_api(request, response, endpoint, route->model);
      return;
    }
  } else if (get) {
    if (request.path == "/v1/models") {
      if (guard()) handle_models(request, response);
      return;
    }
    if (request.path == "/healthz") {
      if (!guard()) return;
      nlohmann::json body{{"status", m_draining ? "draining" : "ok"}, {"version", LLMGW_VERSION}};
      response.set_content(body.dump(), "application/json");
      return;
    }
    // Claude Code's connectivity probe (HEAD).
    if (request.path == "/api/hello") {
      if (guard()) response.set_content("", "text/plain");
      return;
    }
    // Codex tries a WebSocket upgrade first and falls back to POST on a plain HTTP answer.
    if (request.path == "/v1/responses") {
      if (guard())
        set_error(response, ApiFormat::openai_responses, 405,
                  "llmgw does not serve the Responses API over WebSocket; use POST /v1/responses");
      return;
    }
  }
  response.status = 404;
  refuse(request, response);
}

void Gateway::refuse(const httplib::Request& request, httplib::Response& response) const {
  std::string message;
  if (response.status == 404) {
    // The address the client used, when it is a loopback one; else the configured one.
    const std::string base = request.has_header("Host") && host_allowed(request, m_server.host)
                                 ? request.get_header_value("Host")
                                 : "127.0.0.1:" + std::to_string(m_server.port);
    message = "no route for " + request.method + " " + request.path + "; point Anthropic clients at http://" + base +
              " and OpenAI clients at http://" + base + "/v1";
  }
  else if (response.status == 413)
    message = "request body is larger than the limit of " + std::to_string(m_server.max_body_bytes) +
              " bytes (server.max_body_mb in config.toml)";
  else if (!response.reason.empty())
    message = response.reason; // the HTTP server's own refusal
  else
    message = "request failed with HTTP " + std::to_string(response.status);
  set_error(response, format_of(request), response.status, message);
}

void Gateway::handle_models(const httplib::Request& request, httplib::Response& response) {
  if (!authenticate(request).valid) {
    set_error(response, format_of(request), 401, "missing or wrong llmgw token; run `llmgw env` to get it");
    return;
  }
  std::vector<std::pair<std::string, std::string>> models; // id, owner
  std::set<std::string> seen;
  auto add = [&](const std::string& id, const std::string& owner) {
    if (seen.insert(id).second) models.emplace_back(id, owner);
  };
  const auto snapshot = live();
  for (const auto& [name, list] : snapshot->config.aliases)
    add(name, list.front().target.substr(0, list.front().target.find('/')));
  for (const auto& provider : snapshot->config.providers) {
    for (const auto& model : provider.models) add(model, provider.name);
    std::string family = std::string(config::to_string(provider.kind));
    for (const auto& price : snapshot->prices.entries())
      if (price.provider == family && price.model.find('/') == std::string::npos) add(price.model, provider.name);
  }
  nlohmann::json data = nlohmann::json::array();
  bool anthropic = request.has_header("anthropic-version");
  for (const auto& [id, owner] : models) {
    if (anthropic)
      data.push_back({{"type", "model"}, {"id", id}, {"display_name", id}, {"created_at", "2025-01-01T00:00:00Z"}});
    else
      data.push_back({{"id", id}, {"object", "model"}, {"created", 0}, {"owned_by", owner}});
  }
  nlohmann::json body;
  if (anthropic) {
    body = {{"data", data}, {"has_more", false}, {"first_id", models.empty() ? "" : models.front().first},
            {"last_id", models.empty() ? "" : models.back().first}};
  } else {
    body = {{"object", "list"}, {"data", data}};
  }
  response.set_content(body.dump(), "application/json");
}

void Gateway::abort_streams() {
  std::lock_guard lock(m_streams_mutex);
  for (auto* relay : m_streams) relay->abort();
}

} // namespace llmgw::core::pipeline
