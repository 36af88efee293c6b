// load_config: the file (or inference), then LLMGW_* env vars, then flags, then cross-checks.
#include "core/config/config.hpp"
#include "core/config/config_detail.hpp"
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
  if (!detail::env_value("OPENAI_API_KEY").empty())
    add_inferred(config, "openai", "inferred from OPENAI_API_KEY");
  if (!detail::env_value("ANTHROPIC_API_KEY").empty())
    add_inferred(config, "anthropic", "inferred from ANTHROPIC_API_KEY");
  if (!detail::env_value("GEMINI_API_KEY").empty())
    add_inferred(config, "gemini", "inferred from GEMINI_API_KEY");
  // LLMGW_NO_PROBE=1 keeps tests independent of whatever runs on the machine.
  if (detail::env_value("LLMGW_NO_PROBE") != "1" &&
      http::tcp_accepts("127.0.0.1", std::to_string(k_ollama_port), k_probe_timeout_ms))
    add_inferred(config, "ollama", "inferred from a server on 127.0.0.1:11434");
}

int parse_port(const std::string& text, const std::string& origin) {
  const auto port = detail::parse_int(text, 0, 65535);
  if (!port) throw Error(origin + ": port '" + text + "' is out of range (0-65535, 0 picks a free port)");
  return static_cast<int>(*port);
}

struct IntEnv {
  const char* variable;
  std::string_view field;
  int64_t min, max;
};

// Integer server settings that LLMGW_* variables may set (the port is handled on its own).
constexpr IntEnv k_int_env[] = {
    {"LLMGW_MAX_BODY_MB", "max_body_mb", 1, 4096},
    {"LLMGW_THREADS", "threads", 0, 1024},
    {"LLMGW_READ_TIMEOUT_SECONDS", "read_timeout_seconds", 1, 86400},
};

void set_server_int(ServerConfig& server, std::string_view field, int64_t value) {
  if (field == "max_body_mb") server.max_body_bytes = value * 1024 * 1024;
  else if (field == "threads") server.threads = static_cast<int>(value);
  else server.read_timeout_seconds = static_cast<int>(value);
}

void apply_env(Config& config) {
  if (std::string host = detail::env_value("LLMGW_HOST"); !host.empty()) {
    config.server.host = host;
    config.set_origin("server.host", host, "env LLMGW_HOST");
  }
  if (std::string port = detail::env_value("LLMGW_PORT"); !port.empty()) {
    config.server.port = parse_port(port, "env LLMGW_PORT");
    config.set_origin("server.port", port, "env LLMGW_PORT");
  }
  for (const auto& entry : k_int_env) {
    const std::string text = detail::env_value(entry.variable);
    if (text.empty()) continue;
    const auto value = detail::parse_int(text, entry.min, entry.max);
    if (!value)
      throw Error("env " + std::string(entry.variable) + ": '" + text + "' must be an integer from " +
                  std::to_string(entry.min) + " to " + std::to_string(entry.max));
    set_server_int(config.server, entry.field, *value);
    config.set_origin("server." + std::string(entry.field), text, "env " + std::string(entry.variable));
  }
  if (std::string provider = detail::env_value("LLMGW_DEFAULT_PROVIDER"); !provider.empty()) {
    config.default_provider = provider;
    config.set_origin("default_provider", provider, "env LLMGW_DEFAULT_PROVIDER");
  }
}

void apply_overrides(Config& config, const Overrides& overrides) {
  if (overrides.host) {
    if (overrides.host->empty()) throw Error("flag --host: the host must not be empty");
    config.server.host = *overrides.host;
    config.set_origin("server.host", *overrides.host, "flag --host");
  }
  if (overrides.port) {
    config.server.port = parse_port(std::to_string(*overrides.port), "flag --port");
    config.set_origin("server.port", std::to_string(*overrides.port), "flag --port");
  }
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
      if (!config.find_provider(provider)) throw unknown(origin_of(config, "models." + model), "models." + model, provider);
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
  apply_overrides(config, overrides);
  detail::validate(config);
  return config;
}

} // namespace llmgw::core::config
