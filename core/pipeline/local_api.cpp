#include "core/pipeline/local_api.hpp"

#include "core/http/wire.hpp"
#include "core/pipeline/services.hpp"

#include <nlohmann/json.hpp>

#include <unistd.h>

namespace llmgw::core::pipeline {
namespace {

constexpr const char* k_status = "/llmgw/api/status";
constexpr const char* k_providers = "/llmgw/api/providers";
constexpr const char* k_reload = "/llmgw/api/reload";

bool same_secret(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

// The gateway token as x-api-key or a Bearer credential; virtual keys do not open this API.
bool has_gateway_token(const Services& services, const httplib::Request& request) {
  std::string_view key = http::wire::header_value(request.headers, "x-api-key");
  if (key.empty()) {
    const std::string_view auth = http::wire::header_value(request.headers, "Authorization");
    if (auth.size() > 7 && http::wire::iequals(auth.substr(0, 7), "Bearer ")) key = auth.substr(7);
  }
  return !key.empty() && same_secret(key, services.options.token);
}

void reply(httplib::Response& response, int status, const nlohmann::json& body) {
  response.status = status;
  response.set_content(body.dump(), "application/json");
}

void reply_error(httplib::Response& response, int status, const std::string& message) {
  reply(response, status, {{"error", {{"message", message}}}});
}

// What a key holds, in words: never the key nor a part of it.
std::string key_state(const std::string& value, const std::string& token, const policy::KeyRing& keys,
                      std::string* clash) {
  if (value.empty()) return "missing";
  if (same_secret(value, token)) {
    *clash = "the gateway token";
    return "gateway token";
  }
  if (const auto* key = keys.find(value)) {
    *clash = "virtual key '" + key->name + "'";
    return "virtual key";
  }
  return "set";
}

nlohmann::json status_json(const Services& services) {
  nlohmann::json body{{"version", LLMGW_VERSION},
                      {"pid", static_cast<int64_t>(::getpid())},
                      {"in_flight", services.in_flight.load()},
                      {"draining", services.draining.load()}};
  const auto* local = services.options.local_api.get();
  if (local != nullptr && local->status_fields) {
    const auto extra = nlohmann::json::parse(local->status_fields(), nullptr, false);
    if (extra.is_object()) body.update(extra);
  }
  return body;
}

} // namespace

bool is_local_api_path(const std::string& path) { return path == k_status || path == k_providers || path == k_reload; }

std::vector<KeyClash> provider_key_clashes(const config::Config& config, const std::string& token,
                                           const policy::KeyRing& keys) {
  std::vector<KeyClash> clashes;
  for (const auto& provider : config.providers)
    for (size_t i = 0; i < provider.key_count(); ++i) {
      std::string clash;
      key_state(provider.key_value(i), token, keys, &clash);
      if (!clash.empty()) clashes.push_back({provider.name, provider.key_env(i), clash});
    }
  return clashes;
}

std::string providers_view_json(const config::Config& config, const std::string& token, const policy::KeyRing& keys) {
  nlohmann::json providers = nlohmann::json::array();
  for (const auto& provider : config.providers) {
    nlohmann::json entry{{"name", provider.name},
                         {"kind", config::to_string(provider.kind)},
                         {"base_url", provider.base_url},
                         {"default", provider.name == config.default_provider},
                         {"auth", provider.forward_client_auth   ? "client"
                                  : provider.api_key_env.empty() ? "none"
                                                                 : "key"}};
    nlohmann::json key_list = nlohmann::json::array();
    for (size_t i = 0; i < provider.key_count(); ++i) {
      std::string clash;
      key_list.push_back(
          {{"env", provider.key_env(i)}, {"state", key_state(provider.key_value(i), token, keys, &clash)}});
    }
    entry["keys"] = std::move(key_list);
    providers.push_back(std::move(entry));
  }
  return nlohmann::json{{"pid", static_cast<int64_t>(::getpid())}, {"providers", providers}}.dump();
}

void serve_local_api(const Services& services, const httplib::Request& request, httplib::Response& response) {
  if (!has_gateway_token(services, request))
    return reply_error(response, 401, "the loopback API needs the gateway token (run `llmgw env` to get it)");
  const bool post = request.path == k_reload;
  if (request.method != (post ? "POST" : "GET") && !(request.method == "HEAD" && !post)) {
    response.set_header("Allow", post ? "POST" : "GET, HEAD");
    return reply_error(response, 405, request.method + " is not allowed on " + request.path);
  }
  if (request.path == k_status) return reply(response, 200, status_json(services));
  if (request.path == k_providers) {
    const auto live = services.live();
    response.status = 200;
    return response.set_content(providers_view_json(live->config, services.options.token, *services.policy().keys),
                                "application/json");
  }
  const auto* local = services.options.local_api.get();
  if (local == nullptr || !local->reload_settings)
    return reply_error(response, 503, "this server does not read settings from a store");
  if (!local->reload_settings()) return reply_error(response, 503, "reading the settings failed; see the server log");
  reply(response, 200, {{"reloaded", true}});
}

} // namespace llmgw::core::pipeline
