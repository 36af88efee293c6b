#pragma once
// Chooses the provider for a requested model (explicit prefix, [models] map, claimed models,
// family rules, default provider) and the format it is spoken to in.
#include "core/config/config.hpp"
#include "core/protocol/api_format.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace llmgw::core::routing {

struct RouteResult {
  const config::ProviderConfig* provider = nullptr; // null on error
  std::string upstream_model;                       // the model name sent upstream
  std::string error;                                // why no provider could be chosen
};

// The format requests to this provider are sent in for a client speaking `client`: the client's own
// when the provider speaks it (passthrough), else the provider's native one (translated).
protocol::ApiFormat upstream_format(const config::ProviderConfig& provider, protocol::ApiFormat client);

// Resolve `requested_model` for a client speaking `format`. Never throws.
RouteResult route(const config::Config& config, std::string_view requested_model, protocol::ApiFormat format);

// The deployments to try in order: route()'s answer, then the model's fallbacks from [models]
// (of any provider kind: translation bridges formats). The first element may be an error
// (provider null); fallbacks never are.
std::vector<RouteResult> route_all(const config::Config& config, std::string_view requested_model,
                                   protocol::ApiFormat format);

// The deployments for `llmgw use TARGET`: "provider/model" (that deployment), a provider name
// (the requested model sent there), or a [models] name (its deployments). The first element is
// an error when the target names nothing usable for this API.
std::vector<RouteResult> route_target(const config::Config& config, std::string_view target,
                                      std::string_view requested_model, protocol::ApiFormat format);

} // namespace llmgw::core::routing
