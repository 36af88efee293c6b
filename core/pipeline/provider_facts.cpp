#include "core/pipeline/provider_facts.hpp"

#include "core/providers/provider.hpp"

namespace llmgw::core::pipeline {

bool is_local(const config::ProviderConfig& provider) {
  return providers::adapter_for(provider.kind).is_local(provider);
}

std::string price_provider(const config::ProviderConfig& provider) {
  return std::string(providers::adapter_for(provider.kind).price_family(provider));
}

translate::Issuer reasoning_family(config::ProviderKind kind) {
  return providers::adapter_for(kind).reasoning_issuer();
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
