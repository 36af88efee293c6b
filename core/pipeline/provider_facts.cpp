#include "core/pipeline/provider_facts.hpp"

#include "core/http/upstream_pool.hpp"

namespace llmgw::core::pipeline {

bool is_local(const config::ProviderConfig& provider) {
  if (provider.kind != config::ProviderKind::openai_compatible) return false;
  auto origin = http::split_base_url(provider.base_url).origin;
  for (const char* host : {"://127.0.0.1", "://localhost", "://[::1]"})
    if (origin.find(host) != std::string::npos) return true;
  return false;
}

std::string price_provider(const config::ProviderConfig& provider) {
  if (provider.kind == config::ProviderKind::openai_compatible) return provider.name;
  if (provider.kind == config::ProviderKind::azure) return "openai";
  return std::string(config::to_string(provider.kind));
}

translate::Issuer reasoning_family(config::ProviderKind kind) {
  switch (kind) {
  case config::ProviderKind::anthropic: return translate::Issuer::anthropic;
  case config::ProviderKind::gemini: return translate::Issuer::gemini;
  case config::ProviderKind::openai:
  case config::ProviderKind::azure: return translate::Issuer::openai;
  case config::ProviderKind::openai_compatible: break;
  }
  return translate::Issuer::none;
}

bool has_key(const routing::RouteResult& deployment) {
  const auto& provider = *deployment.provider;
  if (provider.forward_client_auth || !deployment.key.empty()) return true;
  if (!deployment.key_env.empty()) return false; // its own key, unset
  if (provider.api_key_env.empty()) return true;
  for (size_t i = 0; i < provider.key_count(); ++i)
    if (!provider.key_value(i).empty()) return true;
  return false;
}

} // namespace llmgw::core::pipeline
