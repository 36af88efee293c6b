#pragma once
// Chooses the deployments for a requested model (route rules, explicit prefix, [models] aliases,
// claimed models, family rules, default provider) and the format each is spoken to in. The
// default provider takes unknown models only when the user set it (an inferred one does not),
// or when it is the lone provider and its kind serves any model name (providers::Adapter).
#include "core/config/config.hpp"
#include "core/protocol/api_format.hpp"
#include "core/protocol/json_scan.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace llmgw::core::routing {

struct RouteResult {
  const config::ProviderConfig* provider = nullptr; // null on error
  std::string upstream_model;                       // the model name sent upstream
  std::string error;                                // why no provider could be chosen
  int weight = 0;                                   // from the alias entry; > 0 takes part in the draw
  std::string key_env;                              // the entry's own key ("" = the provider's keys)
  std::string key;

  // "provider/model": what cool-downs, affinity and `llmgw providers` call a deployment.
  std::string id() const {
    std::string text;
    id_into(text);
    return text;
  }
  // The same into out, whose capacity a caller may reuse.
  void id_into(std::string& out) const {
    out.clear();
    if (provider == nullptr) return;
    out.reserve(provider->name.size() + 1 + upstream_model.size());
    out.append(provider->name).append(1, '/').append(upstream_model);
  }
};

// What route rules can match on besides the model, read from the request without parsing it.
struct RequestTraits {
  std::string agent;
  bool background = false;   // Claude Code housekeeping: a Haiku-class model, or a tool-less structured call
  bool thinking = false;     // thinking / reasoning asked for
  bool tools = false;        // a non-empty tools list
  int64_t prompt_tokens = 0; // estimate: body bytes / 4
};

// The traits of a request body (top-level members only) from `agent` asking for `model`.
RequestTraits read_traits(std::string_view body, const protocol::ScannedObject& scanned, std::string agent,
                          std::string_view model);

// The format requests to this provider are sent in for a client speaking `client`: the client's own
// when the provider speaks it (passthrough), else the provider's native one (translated). Forwards
// to the kind's adapter.
protocol::ApiFormat upstream_format(const config::ProviderConfig& provider, protocol::ApiFormat client);

// Resolve `requested_model` to one provider, ignoring fallbacks and rules. Never throws.
RouteResult route(const config::Config& config, std::string_view requested_model, protocol::ApiFormat format);

// The first [[routes]] rule the request matches, nullptr when none does.
const config::RouteRule* match_rule(const config::Config& config, std::string_view requested_model,
                                    const RequestTraits& traits);

// The deployments to try in order: a matching route rule's list, else route()'s answer followed by
// the rest of the model's [models] list (of any provider kind: translation bridges formats). The
// first element may be an error (provider null); later ones never are.
std::vector<RouteResult> route_all(const config::Config& config, std::string_view requested_model,
                                   protocol::ApiFormat format, const RequestTraits& traits = {});

// The deployments for `llmgw use TARGET` or a rule entry: "provider/model" (that deployment), a
// provider name (the requested model sent there), or a [models] name (its deployments). The first
// element is an error when the target names nothing usable.
std::vector<RouteResult> route_target(const config::Config& config, std::string_view target,
                                      std::string_view requested_model, protocol::ApiFormat format);

// When any entry has a weight: reorder so the first is drawn by weight (`draw` uniform in [0, 1)),
// the rest keeping their order. Entries without weight never go first while a weighted one exists.
void weighted_order(std::vector<RouteResult>& deployments, double draw);

} // namespace llmgw::core::routing
