// load_config: the file (or inference), then LLMGW_* env vars, then flags, then cross-checks.
#include "core/config/config.hpp"
#include "core/config/config_detail.hpp"
#include "core/config/config_keys.hpp"
#include "core/error.hpp"
#include "core/http/tcp_probe.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace llmgw::core::config {
namespace {

constexpr int k_probe_timeout_ms = 100;
constexpr int k_ollama_port = 11434;

void add_inferred(Config& config, std::string_view name, const std::string& origin) {
  const ProviderConfig provider = detail::make_well_known(*detail::find_well_known(name));
  detail::record_provider(config, provider, detail::ProviderOrigins(origin));
  config.providers.push_back(provider);
}

// No providers configured: use the ones the environment makes usable.
void infer_providers(Config& config) {
  config.inferred = true;
  if (!detail::env_value("OPENAI_API_KEY").empty()) add_inferred(config, "openai", "inferred from OPENAI_API_KEY");
  if (!detail::env_value("ANTHROPIC_API_KEY").empty())
    add_inferred(config, "anthropic", "inferred from ANTHROPIC_API_KEY");
  if (!detail::env_value("GEMINI_API_KEY").empty()) add_inferred(config, "gemini", "inferred from GEMINI_API_KEY");
  // LLMGW_NO_PROBE=1 keeps tests independent of whatever runs on the machine.
  if (detail::env_value("LLMGW_NO_PROBE") != "1" &&
      http::tcp_accepts("127.0.0.1", std::to_string(k_ollama_port), k_probe_timeout_ms))
    add_inferred(config, "ollama", "inferred from a server on 127.0.0.1:11434");
}

// LLMGW_* variables: every key of the table that names one; an empty variable counts as unset.
void apply_env(Config& config) {
  for (const auto& key : config_keys()) {
    if (key.env.empty()) continue;
    const std::string variable(key.env);
    const std::string text = detail::env_value(variable.c_str());
    if (text.empty()) continue;
    const std::string origin = "env " + variable;
    apply_key(config, key, parse_key_text(key, text, origin), origin);
  }
}

// A command-line value for the key `dotted`, which has a flag in the table.
void apply_flag(Config& config, std::string_view dotted, const std::string& text) {
  const ConfigKey& key = *find_config_key(dotted);
  const std::string origin = "flag " + std::string(key.flag);
  apply_key(config, key, parse_key_text(key, text, origin), origin);
}

void apply_overrides(Config& config, const Overrides& overrides) {
  if (overrides.host) apply_flag(config, "server.host", *overrides.host);
  if (overrides.port) apply_flag(config, "server.port", std::to_string(*overrides.port));
  if (overrides.allow_remote) apply_flag(config, "server.allow_remote", "true");
  if (overrides.db && !overrides.db->empty()) apply_flag(config, "store.url", *overrides.db);
  if (overrides.public_mode) apply_flag(config, "server.public", "true");
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string configured_names(const Config& config) {
  std::string names;
  for (const auto& provider : config.providers) names += (names.empty() ? "" : ", ") + provider.name;
  return names.empty() ? "none" : names;
}

std::string origin_of(const Config& config, const std::string& key) {
  const ValueOrigin* origin = config.find_origin(key);
  return origin ? origin->origin : key;
}

// The provider to use when nothing else decides: anthropic, openai, ollama, else the first.
std::string pick_default_provider(const Config& config) {
  for (std::string_view name : {"anthropic", "openai", "ollama"})
    if (config.find_provider(name)) return std::string(name);
  return config.providers.empty() ? "" : config.providers.front().name;
}

} // namespace

namespace detail {

void validate(Config& config) {
  std::vector<std::string_view> names;
  for (const auto& provider : config.providers) names.push_back(provider.name);
  if (!config.default_provider.empty() && !config.find_provider(config.default_provider))
    throw Error(origin_of(config, "default_provider") + ": default_provider '" + config.default_provider +
                "' is not a configured provider" + did_you_mean(config.default_provider, names) +
                " (configured: " + configured_names(config) + ")");
  if (config.default_provider.empty() && !config.providers.empty()) {
    config.default_provider = pick_default_provider(config);
    config.set_origin("default_provider", config.default_provider,
                      config.inferred ? "inferred from the available providers" : "inferred: first provider");
  }
  auto unknown = [&](const std::string& where, const std::string& what, const std::string& name) {
    return Error(where + ": " + what + " names unknown provider '" + name + "'" + did_you_mean(name, names) +
                 " (configured: " + configured_names(config) + ")");
  };
  for (const auto& [model, list] : config.aliases) {
    for (const auto& deployment : list) {
      const std::string provider = deployment.target.substr(0, deployment.target.find('/'));
      if (!config.find_provider(provider))
        throw unknown(origin_of(config, "models." + model), "models." + model, provider);
    }
  }
  // A rule sends to "provider/model", a [models] alias, or a provider name.
  for (size_t i = 0; i < config.routes.size(); ++i) {
    for (const auto& deployment : config.routes[i].to) {
      if (config.aliases.count(deployment.target) > 0) continue;
      const std::string provider = deployment.target.substr(0, deployment.target.find('/'));
      if (!config.find_provider(provider))
        throw unknown(config.routes[i].origin, "routes[" + std::to_string(i) + "] target '" + deployment.target + "'",
                      provider);
    }
  }
}

} // namespace detail

std::string configured_store_url(const std::string& config_path) {
  const std::string path = resolve_config_path({config_path, std::nullopt, std::nullopt});
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) return "";
  return parse_config(read_file(path), path).store.url;
}

Config load_config(const Overrides& overrides) {
  const std::string path = resolve_config_path(overrides);
  std::error_code error;
  const bool exists = std::filesystem::exists(path, error);
  if (exists && !std::filesystem::is_regular_file(path, error)) throw Error("config path is not a file: " + path);
  if (!exists && !overrides.config_path.empty())
    throw Error("config file not found: " + path + " (create it with 'llmgw --config " + path + " init')");
  Config config;
  if (exists) {
    config = detail::parse_file_layer(read_file(path), path);
  } else {
    config.token_path = token_path_for(path);
    detail::record_defaults(config);
  }
  if (config.providers.empty()) infer_providers(config);
  apply_env(config);
  detail::apply_telemetry_env(config);
  apply_overrides(config, overrides);
  detail::validate(config);
  return config;
}

} // namespace llmgw::core::config
