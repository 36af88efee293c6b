// The routes llmgw answers, in one table, and the guards every one of them passes first: the
// Host and Origin checks (no browser, no DNS rebinding). API routes go down the request path
// (pipeline.cpp); the side endpoints are answered here.
#include "core/http/peer.hpp"
#include "core/http/wire.hpp"
#include "core/pipeline/gateway.hpp"
#include "core/pipeline/local_api.hpp"
#include "core/pipeline/metrics_endpoint.hpp"
#include "core/pipeline/stages.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <optional>
#include <set>
#include <string_view>
#include <unordered_map>

namespace llmgw::core::pipeline {
namespace {

using http::wire::iequals;
using protocol::ApiFormat;

bool starts_with(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

// The caller's API, judged from the path, for errors raised before a handler runs.
ApiFormat format_of(const httplib::Request& request) {
  std::string_view path = request.path;
  if (path.find("/messages") != std::string_view::npos) return ApiFormat::anthropic;
  if (path.find("/responses") != std::string_view::npos) return ApiFormat::openai_responses;
  if (starts_with(path, "/v1beta")) return ApiFormat::gemini;
  if (http::wire::has_header(request.headers, "anthropic-version")) return ApiFormat::anthropic;
  return ApiFormat::openai_chat;
}

// The host part of a Host header: the port removed, an IPv6 literal kept in its brackets.
std::string_view host_part(std::string_view header) {
  if (!header.empty() && header.front() == '[') return header.substr(0, header.find(']') + 1);
  return header.substr(0, header.find(':'));
}

// Loopback names only (host names are case-insensitive): a page elsewhere that rebinds its DNS
// name to 127.0.0.1 still sends its own name as Host, so this stops DNS rebinding. The HTTP server
// already refused a request with no Host or two of them.
bool loopback_host_allowed(const httplib::Request& request, const std::string& bound_host) {
  const std::string* header = http::wire::find_header(request.headers, "Host");
  if (header == nullptr) return request.version == "HTTP/1.0";
  const std::string_view host = host_part(*header);
  for (std::string_view loopback : {"127.0.0.1", "localhost", "[::1]", "::1"})
    if (iequals(host, loopback)) return true;
  return iequals(host, bound_host);
}

// Team mode: the names of server.hosts replace the loopback names (the same guard against DNS
// rebinding, for the names the team uses); a request without Host names none of them.
bool listed_host_allowed(const httplib::Request& request, const std::vector<std::string>& hosts) {
  const std::string* header = http::wire::find_header(request.headers, "Host");
  if (header == nullptr) return false;
  const std::string_view host = host_part(*header);
  return std::any_of(hosts.begin(), hosts.end(), [&](const std::string& name) { return iequals(host, name); });
}

// The Host check of a route: the loopback API keeps the loopback names in every mode (the CLI on
// this machine calls it); the others take server.hosts in team mode.
bool host_allowed(const httplib::Request& request, const config::ServerConfig& server, bool loopback_only) {
  if (server.public_mode && !loopback_only) return listed_host_allowed(request, server.hosts);
  return loopback_host_allowed(request, server.host);
}

// Any Origin means a browser (a page, a sandboxed frame's "null", an extension's
// chrome-extension://, in any letter case); agents, SDKs and Node's fetch send none.
bool browser_origin(const httplib::Request& request) { return http::wire::has_header(request.headers, "Origin"); }

// An API route: the format it speaks; Gemini's carry the model and the method in the path.
struct ApiRoute {
  Endpoint endpoint;
  std::string path_model;
};

// The OpenAI and Anthropic endpoints by every path a client may use: clients given the base URL
// with /v1 doubled or missing still land here (PROTOCOLS.md §0).
const std::unordered_map<std::string, Endpoint>& api_table() {
  static const std::unordered_map<std::string, Endpoint> routes = [] {
    const std::vector<Endpoint> endpoints{
        {ApiFormat::openai_chat, "/v1/chat/completions", "/chat/completions", false, {}},
        {ApiFormat::openai_responses, "/v1/responses", "/responses", false, {}},
        {ApiFormat::anthropic, "/v1/messages", "/v1/messages", false, {}},
        {ApiFormat::anthropic, "/v1/messages/count_tokens", "/v1/messages/count_tokens", true, {}},
    };
    std::unordered_map<std::string, Endpoint> table;
    for (const auto& endpoint : endpoints) {
      const std::string path(endpoint.path);
      for (const auto& alias : {path, path.substr(3), "/v1" + path}) table.emplace(alias, endpoint);
    }
    return table;
  }();
  return routes;
}

// Gemini's own routes, as gemini-cli calls them (GOOGLE_GEMINI_BASE_URL): the model and the
// method are in the path, /v1beta/models/{model}:{method} (or /v1/).
std::optional<ApiRoute> gemini_route(std::string_view path) {
  for (std::string_view prefix : {"/v1beta/models/", "/v1/models/"}) {
    if (path.substr(0, prefix.size()) != prefix) continue;
    std::string_view rest = path.substr(prefix.size());
    size_t colon = rest.find(':');
    if (colon == 0 || colon == std::string_view::npos || rest.substr(0, colon).find('/') != std::string_view::npos)
      return std::nullopt;
    static constexpr Endpoint k_methods[]{
        {ApiFormat::gemini, "/v1beta/models:generateContent", "", false, "generateContent"},
        {ApiFormat::gemini, "/v1beta/models:streamGenerateContent", "", false, "streamGenerateContent"},
        {ApiFormat::gemini, "/v1beta/models:countTokens", "", true, "countTokens"},
    };
    const std::string_view method = rest.substr(colon + 1);
    for (const Endpoint& endpoint : k_methods)
      if (endpoint.gemini_method == method) return ApiRoute{endpoint, std::string(rest.substr(0, colon))};
    return std::nullopt;
  }
  return std::nullopt;
}

std::optional<ApiRoute> api_route(const httplib::Request& request) {
  if (request.method != "POST") return std::nullopt;
  const auto& table = api_table();
  if (auto found = table.find(request.path); found != table.end()) return ApiRoute{found->second, {}};
  return gemini_route(request.path);
}

// The side endpoints (GET and HEAD).
enum class Side { models, healthz, hello, responses_socket, local_api, metrics };
std::optional<Side> side_route(const httplib::Request& request) {
  if (is_local_api_path(request.path)) return Side::local_api; // the CLI's (local_api.hpp)
  if (request.method != "GET" && request.method != "HEAD") return std::nullopt;
  static const std::unordered_map<std::string, Side> k_side{
      {"/v1/models", Side::models},
      {"/healthz", Side::healthz},
      {"/api/hello", Side::hello},               // Claude Code's connectivity probe (HEAD)
      {"/v1/responses", Side::responses_socket}, // Codex tries a WebSocket first
      {"/metrics", Side::metrics},               // Prometheus (metrics_endpoint.cpp)
  };
  if (auto found = k_side.find(request.path); found != k_side.end()) return found->second;
  return std::nullopt;
}

} // namespace

void Gateway::handle(const httplib::Request& request, httplib::Response& response) {
  const auto api = api_route(request);
  const auto side = api ? std::nullopt : side_route(request);
  if (!api && !side) {
    response.status = 404;
    return refuse(request, response);
  }
  // The Host and Origin guard runs once a route matched (and the body was read).
  const auto& server = m_services.server;
  const bool local_api = side == Side::local_api;
  if (!host_allowed(request, server, local_api))
    return write_error(response, format_of(request), 403,
                       server.public_mode && !local_api
                           ? "llmgw only answers requests addressed to a host name listed in server.hosts"
                           : "llmgw only answers requests addressed to a loopback host name");
  // A proxy on this machine relays other machines' requests from a loopback address.
  if (server.public_mode && local_api && !http::direct_loopback_client(request))
    return write_error(response, format_of(request), 403,
                       "in team mode (server.public) the loopback API answers clients on this machine only");
  if (browser_origin(request))
    return write_error(response, format_of(request), 403,
                       "llmgw refuses requests from web pages (Origin header present)");
  if (api) return serve_api(m_services, request, response, api->endpoint, api->path_model);
  // Not an API route, so a side route (value_or only keeps GCC's -Wmaybe-uninitialized quiet).
  switch (side.value_or(Side::models)) {
  case Side::models: return handle_models(request, response);
  case Side::healthz: {
    nlohmann::json body{{"status", m_services.draining ? "draining" : "ok"}, {"version", LLMGW_VERSION}};
    return response.set_content(body.dump(), "application/json");
  }
  case Side::hello: return response.set_content("", "text/plain");
  case Side::local_api: return serve_local_api(m_services, request, response);
  case Side::metrics: return serve_metrics(m_services, request, response);
  case Side::responses_socket:
    // 426 makes Codex fall back to HTTP at once; a 405 has it retry with backoff for seconds.
    response.set_header("Upgrade", "websocket");
    return write_error(response, ApiFormat::openai_responses, 426,
                       "llmgw does not serve the Responses API over WebSocket; use POST /v1/responses");
  }
}

void Gateway::refuse(const httplib::Request& request, httplib::Response& response) const {
  const auto& server = m_services.server;
  std::string message;
  if (response.status == 404) {
    // The address the client used, when it is a loopback one; else the configured one.
    const std::string base = request.has_header("Host") && host_allowed(request, server, false)
                                 ? request.get_header_value("Host")
                                 : "127.0.0.1:" + std::to_string(server.port);
    message = "no route for " + request.method + " " + request.path + "; point Anthropic clients at http://" + base +
              " and OpenAI clients at http://" + base + "/v1";
  } else if (response.status == 413) {
    message = "request body is larger than the limit of " + std::to_string(server.max_body_bytes) +
              " bytes (server.max_body_mb in config.toml)";
  } else if (!response.reason.empty()) {
    message = response.reason; // the HTTP server's own refusal
  } else {
    message = "request failed with HTTP " + std::to_string(response.status);
  }
  write_error(response, format_of(request), response.status, message);
}

void Gateway::handle_models(const httplib::Request& request, httplib::Response& response) {
  const Credential credential = find_credential(m_services, request);
  if (auto refused = refuse_credential(m_services, credential))
    return write_error(response, format_of(request), 401, *refused);
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
  const bool anthropic = request.has_header("anthropic-version");
  for (const auto& [id, owner] : models) {
    if (anthropic)
      data.push_back({{"type", "model"}, {"id", id}, {"display_name", id}, {"created_at", "2025-01-01T00:00:00Z"}});
    else
      data.push_back({{"id", id}, {"object", "model"}, {"created", 0}, {"owned_by", owner}});
  }
  nlohmann::json body;
  if (anthropic)
    body = {{"data", data},
            {"has_more", false},
            {"first_id", models.empty() ? "" : models.front().first},
            {"last_id", models.empty() ? "" : models.back().first}};
  else
    body = {{"object", "list"}, {"data", data}};
  response.set_content(body.dump(), "application/json");
}

} // namespace llmgw::core::pipeline
