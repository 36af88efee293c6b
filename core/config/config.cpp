#include "core/config/config.hpp"
#include "core/config/config_detail.hpp"
#include "core/config/config_keys.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdlib>

namespace llmgw::core::config {
namespace {

using detail::WellKnownProvider;

constexpr std::array<WellKnownProvider, 11> k_well_known{{
    {"openai", ProviderKind::openai, "https://api.openai.com/v1", "OPENAI_API_KEY"},
    {"anthropic", ProviderKind::anthropic, "https://api.anthropic.com", "ANTHROPIC_API_KEY"},
    {"gemini", ProviderKind::gemini, "https://generativelanguage.googleapis.com", "GEMINI_API_KEY"},
    {"azure", ProviderKind::azure, "", "AZURE_OPENAI_API_KEY"},
    {"openrouter", ProviderKind::openai_compatible, "https://openrouter.ai/api/v1", "OPENROUTER_API_KEY"},
    {"deepseek", ProviderKind::openai_compatible, "https://api.deepseek.com/v1", "DEEPSEEK_API_KEY"},
    {"groq", ProviderKind::openai_compatible, "https://api.groq.com/openai/v1", "GROQ_API_KEY"},
    {"mistral", ProviderKind::openai_compatible, "https://api.mistral.ai/v1", "MISTRAL_API_KEY"},
    {"ollama", ProviderKind::openai_compatible, "http://127.0.0.1:11434/v1", ""},
    {"vllm", ProviderKind::openai_compatible, "http://127.0.0.1:8000/v1", ""},
    {"llamacpp", ProviderKind::openai_compatible, "http://127.0.0.1:8080/v1", ""},
}};

constexpr std::array<std::pair<ProviderKind, std::string_view>, 5> k_kinds{{
    {ProviderKind::openai, "openai"},
    {ProviderKind::anthropic, "anthropic"},
    {ProviderKind::openai_compatible, "openai_compatible"},
    {ProviderKind::gemini, "gemini"},
    {ProviderKind::azure, "azure"},
}};

// Optimal string alignment distance: Levenshtein plus adjacent transpositions ("prot" -> "port").
size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.size()][b.size()];
}

std::string join(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + items[i];
  return out + "]";
}

} // namespace

std::string_view to_string(ProviderKind kind) {
  for (const auto& [value, name] : k_kinds)
    if (value == kind) return name;
  return "openai_compatible";
}

const ProviderConfig* Config::find_provider(std::string_view name) const {
  for (const auto& provider : providers)
    if (provider.name == name) return &provider;
  return nullptr;
}

void Config::set_origin(const std::string& key, const std::string& value, const std::string& origin) {
  for (auto& entry : origins) {
    if (entry.key == key) {
      entry.value = value;
      entry.origin = origin;
      return;
    }
  }
  origins.push_back({key, value, origin});
}

const ValueOrigin* Config::find_origin(std::string_view key) const {
  for (const auto& entry : origins)
    if (entry.key == key) return &entry;
  return nullptr;
}

namespace detail {

const WellKnownProvider* find_well_known(std::string_view name) {
  for (const auto& known : k_well_known)
    if (known.name == name) return &known;
  return nullptr;
}

ProviderConfig make_well_known(const WellKnownProvider& known) {
  ProviderConfig provider;
  provider.name = known.name;
  provider.kind = known.kind;
  provider.base_url = known.base_url;
  provider.api_key_env = known.api_key_env;
  provider.responses_api = known.kind == ProviderKind::openai || known.kind == ProviderKind::azure;
  if (!provider.api_key_env.empty()) provider.api_key = env_value(provider.api_key_env.c_str());
  return provider;
}

std::optional<ProviderKind> parse_provider_kind(std::string_view text) {
  for (const auto& [value, name] : k_kinds)
    if (name == text) return value;
  return std::nullopt;
}

std::string did_you_mean(std::string_view word, const std::vector<std::string_view>& candidates) {
  // Allow more typos in longer words; a 3-letter word with 2 edits matches almost anything.
  const size_t max_distance = word.size() <= 3 ? 1 : word.size() <= 6 ? 2 : 3;
  std::string_view best;
  size_t best_distance = max_distance + 1;
  for (auto candidate : candidates) {
    const size_t distance = edit_distance(word, candidate);
    // On a tie a word of the same length wins: "hosst" is "hosts" with two letters swapped more
    // likely than "host" with one added.
    const bool same_length_tie =
        distance == best_distance && candidate.size() == word.size() && best.size() != word.size();
    if (distance < best_distance || same_length_tie) {
      best = candidate;
      best_distance = distance;
    }
  }
  if (best.empty()) return "";
  return " (did you mean '" + std::string(best) + "'?)";
}

void record_provider(Config& config, const ProviderConfig& provider, const ProviderOrigins& origins) {
  const std::string prefix = "providers." + provider.name + ".";
  config.set_origin(prefix + "kind", std::string(to_string(provider.kind)), origins.kind);
  config.set_origin(prefix + "base_url", provider.base_url, origins.base_url);
  std::vector<std::string> envs{provider.api_key_env};
  for (const auto& key : provider.more_keys) envs.push_back(key.env);
  config.set_origin(prefix + "api_key_env", envs.size() == 1 ? provider.api_key_env : join(envs), origins.api_key_env);
  if (provider.api_key_env.empty()) {
    config.set_origin(prefix + "key", "not needed", origins.api_key_env);
  } else {
    std::string state;
    for (size_t i = 0; i < envs.size(); ++i)
      state += std::string(i ? ", " : "") + (envs.size() > 1 ? envs[i] + " " : "") +
               (provider.key_value(i).empty() ? "not set" : "set");
    config.set_origin(prefix + "key", state, "env " + provider.api_key_env);
  }
  if (!provider.more_keys.empty())
    config.set_origin(prefix + "key_strategy",
                      provider.key_strategy == KeyStrategy::round_robin ? "round_robin" : "least_recent",
                      origins.api_key_env);
  config.set_origin(prefix + "auth", provider.forward_client_auth ? "client" : "key", origins.auth);
  config.set_origin(prefix + "models", join(provider.models), origins.models);
  if (provider.kind == ProviderKind::openai || provider.kind == ProviderKind::openai_compatible ||
      provider.kind == ProviderKind::azure)
    config.set_origin(prefix + "responses_api", provider.responses_api ? "true" : "false", origins.responses_api);
  if (provider.kind == ProviderKind::azure) {
    config.set_origin(prefix + "api_version", provider.api_version, origins.api_version);
    std::vector<std::string> pairs;
    for (const auto& [model, deployment] : provider.deployments) pairs.push_back(model + " = " + deployment);
    config.set_origin(prefix + "deployments", join(pairs), origins.deployments);
  }
}

void record_defaults(Config& config) {
  for (const auto& key : config_keys()) apply_key(config, key, key.default_value(), "default");
}

std::string env_value(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

std::optional<int64_t> parse_int(std::string_view text, int64_t min, int64_t max) {
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max) return std::nullopt;
  return value;
}

std::string format_micro_usd(int64_t micro) {
  std::string text = std::to_string(micro / 1'000'000);
  std::string fraction = std::to_string(1'000'000 + micro % 1'000'000).substr(1);
  while (!fraction.empty() && fraction.back() == '0') fraction.pop_back();
  return fraction.empty() ? text : text + "." + fraction;
}

} // namespace detail
} // namespace llmgw::core::config
