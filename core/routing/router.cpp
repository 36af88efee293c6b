#include "core/routing/router.hpp"

namespace llmgw::core::routing {
namespace {

using config::Config;
using config::ProviderConfig;
using config::ProviderKind;

bool starts_with(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

const ProviderConfig* first_of_kind(const Config& config, ProviderKind kind, std::string_view preferred) {
  if (const auto* named = config.find_provider(preferred); named != nullptr && named->kind == kind) return named;
  for (const auto& provider : config.providers)
    if (provider.kind == kind) return &provider;
  return nullptr;
}

// OpenAI's own model families: gpt-*, chatgpt-*, codex-*, o1/o3/o4...
bool is_openai_family(std::string_view model) {
  if (starts_with(model, "gpt-") || starts_with(model, "chatgpt-") || starts_with(model, "codex-")) return true;
  return model.size() >= 2 && model[0] == 'o' && model[1] >= '1' && model[1] <= '9';
}

RouteResult found(const ProviderConfig* provider, std::string_view model) {
  return RouteResult{provider, std::string(model), {}};
}

RouteResult resolve(const Config& config, std::string_view model) {
  if (auto slash = model.find('/'); slash != std::string_view::npos) {
    if (const auto* provider = config.find_provider(model.substr(0, slash)))
      return found(provider, model.substr(slash + 1));
  }
  if (auto mapped = config.model_map.find(std::string(model)); mapped != config.model_map.end()) {
    std::string_view target = mapped->second;
    auto slash = target.find('/');
    if (const auto* provider = config.find_provider(target.substr(0, slash)))
      return found(provider, target.substr(slash + 1));
  }
  for (const auto& provider : config.providers)
    for (const auto& claimed : provider.models)
      if (claimed == model) return found(&provider, model);
  const ProviderConfig* family = nullptr;
  if (starts_with(model, "claude-")) family = first_of_kind(config, ProviderKind::anthropic, "anthropic");
  else if (is_openai_family(model)) family = first_of_kind(config, ProviderKind::openai, "openai");
  else if (starts_with(model, "gemini-")) family = first_of_kind(config, ProviderKind::gemini, "gemini");
  if (family != nullptr) return found(family, model);
  if (const auto* fallback = config.find_provider(config.default_provider)) return found(fallback, model);
  return RouteResult{nullptr, {}, "no provider serves model '" + std::string(model) +
                     "': map it under [models] in config.toml (\"" + std::string(model) +
                     "\" = \"PROVIDER/MODEL\"), send it as PROVIDER/MODEL, or set default_provider"};
}

} // namespace

protocol::ApiFormat upstream_format(const ProviderConfig& provider, protocol::ApiFormat client) {
  using protocol::ApiFormat;
  switch (provider.kind) {
  case ProviderKind::anthropic: return ApiFormat::anthropic;
  case ProviderKind::gemini: return ApiFormat::gemini;
  case ProviderKind::openai:
  case ProviderKind::openai_compatible:
  case ProviderKind::azure:
    if (client == ApiFormat::openai_responses && provider.responses_api) return client;
    return ApiFormat::openai_chat;
  }
  return ApiFormat::openai_chat;
}

RouteResult route(const Config& config, std::string_view requested_model, protocol::ApiFormat format) {
  if (requested_model.empty()) return RouteResult{nullptr, {}, "the request names no model"};
  (void)format; // every provider serves every format, translated when it speaks another
  return resolve(config, requested_model);
}

std::vector<RouteResult> route_target(const Config& config, std::string_view target, std::string_view requested_model,
                                      protocol::ApiFormat format) {
  if (config.model_map.count(std::string(target)) > 0) return route_all(config, target, format);
  if (const auto* provider = config.find_provider(target)) return {found(provider, requested_model)};
  return {route(config, target, format)}; // "provider/model", or whatever the rules make of it
}

std::vector<RouteResult> route_all(const Config& config, std::string_view requested_model, protocol::ApiFormat format) {
  std::vector<RouteResult> deployments{route(config, requested_model, format)};
  auto more = config.fallbacks.find(std::string(requested_model));
  if (more == config.fallbacks.end()) return deployments;
  for (const std::string& target : more->second) {
    const size_t slash = target.find('/');
    const auto* provider = config.find_provider(std::string_view(target).substr(0, slash));
    if (provider == nullptr) continue;
    deployments.push_back(found(provider, std::string_view(target).substr(slash + 1)));
  }
  return deployments;
}

} // namespace llmgw::core::routing
