#include "core/dashboard/providers.hpp"

#include <algorithm>

namespace llmgw::core::dashboard {
namespace {

// The base URL without credentials or a query (either may carry a secret): scheme, host, path.
std::string safe_url(const std::string& url) {
  std::string out = url.substr(0, url.find_first_of("?#"));
  const size_t scheme = out.find("://");
  const size_t host_start = scheme == std::string::npos ? 0 : scheme + 3;
  const size_t path_start = out.find('/', host_start);
  const size_t at = out.rfind('@', path_start == std::string::npos ? std::string::npos : path_start);
  if (at != std::string::npos && at >= host_start) out.erase(host_start, at + 1 - host_start);
  return out;
}

} // namespace

nlohmann::json providers_json(const config::Config& config, const std::vector<routing::HealthEntry>& health,
                              int64_t now_ms) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& provider : config.providers) {
    int64_t cooldown_until = 0;
    nlohmann::json deployments = nlohmann::json::array();
    for (const auto& entry : health)
      if (entry.kind == "deployment" && entry.provider == provider.name && entry.until_ms > now_ms) {
        cooldown_until = std::max(cooldown_until, entry.until_ms);
        deployments.push_back({{"model", entry.name}, {"cooldown_until_ms", entry.until_ms}, {"reason", entry.reason}});
      }
    nlohmann::json keys = nlohmann::json::array();
    size_t benched = 0;
    for (size_t i = 0; i < provider.key_count(); ++i) {
      int64_t until = 0;
      for (const auto& entry : health)
        if (entry.kind == "key" && entry.provider == provider.name && entry.name == provider.key_env(i))
          until = std::max(until, entry.until_ms);
      if (until > now_ms) ++benched;
      keys.push_back({{"label", provider.key_env(i)}, {"benched_until_ms", until > now_ms ? until : 0}});
    }
    const bool keys_out = provider.key_count() > 0 && benched == provider.key_count();
    list.push_back({{"name", provider.name},
                    {"kind", config::to_string(provider.kind)},
                    {"base_url", safe_url(provider.base_url)},
                    {"reachable", cooldown_until == 0 && !keys_out},
                    {"cooldown_until_ms", cooldown_until},
                    {"default", provider.name == config.default_provider},
                    {"forward_client_auth", provider.forward_client_auth},
                    {"models", provider.models},
                    {"deployments", std::move(deployments)},
                    {"keys", std::move(keys)}});
  }
  return {{"providers", std::move(list)}};
}

} // namespace llmgw::core::dashboard
