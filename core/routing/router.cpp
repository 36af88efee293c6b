#include "core/routing/router.hpp"

#include "core/policy/keys.hpp"
#include "core/providers/provider.hpp"

#include <algorithm>

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
  return RouteResult{provider, std::string(model), {}, 0, {}, {}};
}

// An alias entry "provider/model" with its weight and key.
RouteResult from_entry(const Config& config, const config::Deployment& entry) {
  const std::string_view target = entry.target;
  const size_t slash = target.find('/');
  RouteResult result = found(config.find_provider(target.substr(0, slash)), target.substr(slash + 1));
  result.weight = entry.weight;
  result.key_env = entry.key_env;
  result.key = entry.key;
  return result;
}

// The provider of the model's family: claude-* Anthropic; gpt-*, o1... OpenAI, else Azure (it
// serves OpenAI's models); gemini-* Gemini.
const ProviderConfig* family_provider(const Config& config, std::string_view model) {
  if (starts_with(model, "claude-")) return first_of_kind(config, ProviderKind::anthropic, "anthropic");
  if (is_openai_family(model)) {
    if (const auto* openai = first_of_kind(config, ProviderKind::openai, "openai")) return openai;
    return first_of_kind(config, ProviderKind::azure, "azure");
  }
  if (starts_with(model, "gemini-")) return first_of_kind(config, ProviderKind::gemini, "gemini");
  return nullptr;
}

// The provider for models nothing else routes: default_provider when the user set it (file, env,
// or a Config built in code), else a lone provider whose kind serves any model name (a local
// server, Azure deployments). An inferred default is not a promise to serve every model: a name
// it does not know gets the 404 that says what to configure.
const ProviderConfig* default_for_unknown(const Config& config) {
  const auto* origin = config.find_origin("default_provider");
  const bool inferred =
      origin != nullptr && origin->origin.rfind("inferred", 0) == 0 && origin->value == config.default_provider;
  if (!inferred) return config.find_provider(config.default_provider);
  if (config.providers.size() == 1 && providers::adapter_for(config.providers.front().kind).serves_any_model())
    return &config.providers.front();
  return nullptr;
}

RouteResult resolve(const Config& config, std::string_view model) {
  if (auto slash = model.find('/'); slash != std::string_view::npos) {
    if (const auto* provider = config.find_provider(model.substr(0, slash)))
      return found(provider, model.substr(slash + 1));
  }
  if (auto alias = config.aliases.find(std::string(model)); alias != config.aliases.end()) {
    RouteResult first = from_entry(config, alias->second.front());
    if (first.provider != nullptr) return first;
  }
  for (const auto& provider : config.providers)
    for (const auto& claimed : provider.models)
      if (claimed == model) return found(&provider, model);
  if (const auto* family = family_provider(config, model)) return found(family, model);
  if (const auto* fallback = default_for_unknown(config)) return found(fallback, model);
  return RouteResult{nullptr,
                     {},
                     "no provider serves model '" + std::string(model) + "': map it under [models] in config.toml (\"" +
                         std::string(model) +
                         "\" = \"PROVIDER/MODEL\"), send it as PROVIDER/MODEL, or set default_provider",
                     0,
                     {},
                     {}};
}

// The text of a member's value with leading whitespace skipped.
std::string_view value_text(std::string_view body, const protocol::TopLevelMember& member) {
  std::string_view text = body.substr(member.value_begin, member.value_end - member.value_begin);
  while (!text.empty() && (text.front() == ' ' || text.front() == '\n' || text.front() == '\t' || text.front() == '\r'))
    text.remove_prefix(1);
  return text;
}

bool non_empty_array(std::string_view text) {
  if (text.empty() || text.front() != '[') return false;
  text.remove_prefix(1);
  for (char c : text) {
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r') continue;
    return c != ']';
  }
  return false;
}

bool is_object(std::string_view text) { return !text.empty() && text.front() == '{'; }

bool has_no(std::string_view text, std::initializer_list<std::string_view> words) {
  for (auto word : words)
    if (text.find(word) != std::string_view::npos) return false;
  return true;
}

} // namespace

RequestTraits read_traits(std::string_view body, const protocol::ScannedObject& scanned, std::string agent,
                          std::string_view model) {
  RequestTraits traits;
  traits.agent = std::move(agent);
  traits.prompt_tokens = static_cast<int64_t>(body.size() / 4);
  const auto* tools = scanned.find("tools");
  traits.tools = tools != nullptr && non_empty_array(value_text(body, *tools));
  // Anthropic thinking {type: enabled|adaptive}; OpenAI reasoning_effort / reasoning {effort};
  // Gemini generationConfig.thinkingConfig.
  if (const auto* thinking = scanned.find("thinking"))
    traits.thinking = is_object(value_text(body, *thinking)) && has_no(value_text(body, *thinking), {"disabled"});
  if (const auto* effort = scanned.find("reasoning_effort"))
    traits.thinking = has_no(value_text(body, *effort), {"none", "null"});
  if (const auto* reasoning = scanned.find("reasoning"))
    traits.thinking = is_object(value_text(body, *reasoning)) && has_no(value_text(body, *reasoning), {"\"none\""});
  if (const auto* generation = scanned.find("generationConfig")) {
    const auto text = value_text(body, *generation);
    traits.thinking = text.find("thinkingConfig") != std::string_view::npos &&
                      has_no(text, {"\"thinkingBudget\":0", "\"thinkingBudget\": 0"});
  }
  // Claude Code's housekeeping (titles, summaries) goes to its Haiku-class model, or to the main
  // model as a tool-less structured-output call.
  if (traits.agent == "claude-code") {
    const bool structured = scanned.find("output_config") != nullptr && !traits.tools;
    traits.background = model.find("haiku") != std::string_view::npos || structured;
  }
  return traits;
}

protocol::ApiFormat upstream_format(const ProviderConfig& provider, protocol::ApiFormat client) {
  return providers::adapter_for(provider.kind).upstream_format(provider, client);
}

RouteResult route(const Config& config, std::string_view requested_model, protocol::ApiFormat format) {
  if (requested_model.empty()) return RouteResult{nullptr, {}, "the request names no model", 0, {}, {}};
  (void)format; // every provider serves every format, translated when it speaks another
  return resolve(config, requested_model);
}

const config::RouteRule* match_rule(const Config& config, std::string_view requested_model,
                                    const RequestTraits& traits) {
  for (const auto& rule : config.routes) {
    if (!rule.model.empty() && !policy::glob_match(rule.model, requested_model)) continue;
    if (!rule.agent.empty() && rule.agent != traits.agent) continue;
    if (rule.background && *rule.background != traits.background) continue;
    if (rule.thinking && *rule.thinking != traits.thinking) continue;
    if (rule.tools && *rule.tools != traits.tools) continue;
    if (traits.prompt_tokens < rule.min_prompt_tokens) continue;
    return &rule;
  }
  return nullptr;
}

std::vector<RouteResult> route_target(const Config& config, std::string_view target, std::string_view requested_model,
                                      protocol::ApiFormat format) {
  if (config.aliases.count(std::string(target)) > 0) return route_all(config, target, format);
  if (const auto* provider = config.find_provider(target)) return {found(provider, requested_model)};
  return {route(config, target, format)}; // "provider/model", or whatever the rules make of it
}

std::vector<RouteResult> route_all(const Config& config, std::string_view requested_model, protocol::ApiFormat format,
                                   const RequestTraits& traits) {
  if (const auto* rule = requested_model.empty() ? nullptr : match_rule(config, requested_model, traits)) {
    std::vector<RouteResult> deployments;
    for (const auto& entry : rule->to) {
      auto expanded = route_target(config, entry.target, requested_model, format);
      for (auto& deployment : expanded) {
        if (deployment.provider == nullptr) continue;
        if (entry.weight > 0) deployment.weight = entry.weight;
        if (!entry.key_env.empty()) {
          deployment.key_env = entry.key_env;
          deployment.key = entry.key;
        }
        deployments.push_back(std::move(deployment));
      }
    }
    if (!deployments.empty()) return deployments;
  }
  std::vector<RouteResult> deployments{route(config, requested_model, format)};
  auto alias = config.aliases.find(std::string(requested_model));
  if (alias == config.aliases.end()) return deployments;
  for (size_t i = 1; i < alias->second.size(); ++i) {
    RouteResult next = from_entry(config, alias->second[i]);
    if (next.provider != nullptr) deployments.push_back(std::move(next));
  }
  return deployments;
}

void weighted_order(std::vector<RouteResult>& deployments, double draw) {
  int64_t total = 0;
  for (const auto& deployment : deployments) total += deployment.weight;
  if (total <= 0) return;
  auto target = static_cast<int64_t>(draw * static_cast<double>(total));
  for (size_t i = 0; i < deployments.size(); ++i) {
    if (deployments[i].weight <= 0) continue;
    if (target < deployments[i].weight) {
      std::rotate(deployments.begin(), deployments.begin() + static_cast<std::ptrdiff_t>(i),
                  deployments.begin() + static_cast<std::ptrdiff_t>(i) + 1);
      return;
    }
    target -= deployments[i].weight;
  }
}

} // namespace llmgw::core::routing
