#pragma once
// Helpers shared by the config sources (defaults, TOML file, environment); not public API.
#include "core/config/config.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace llmgw::core::config::detail {

// Defaults of a provider name everyone knows ("openai", "ollama", ...).
struct WellKnownProvider {
  std::string_view name;
  ProviderKind kind;
  std::string_view base_url;
  std::string_view api_key_env; // "" = no key needed
};

// The defaults for `name`, or nullptr when the name is not well known.
const WellKnownProvider* find_well_known(std::string_view name);

// A provider with the well-known defaults; its key resolved from the environment.
ProviderConfig make_well_known(const WellKnownProvider& known);

// "openai" | "anthropic" | "openai_compatible" | "gemini" | "azure"; nullopt for anything else.
std::optional<ProviderKind> parse_provider_kind(std::string_view text);

// " (did you mean 'x'?)" for the closest candidate within a small edit distance, else "".
std::string did_you_mean(std::string_view word, const std::vector<std::string_view>& candidates);

// Origins of the fields of one provider; each defaults to the one given.
struct ProviderOrigins {
  explicit ProviderOrigins(const std::string& all)
      : kind(all), base_url(all), api_key_env(all), auth(all), models(all), responses_api(all), api_version(all),
        deployments(all) {}
  std::string kind, base_url, api_key_env, auth, models, responses_api, api_version, deployments;
};

// Records every field of a provider under "providers.NAME.*" (the key only as set / not set).
void record_provider(Config& config, const ProviderConfig& provider, const ProviderOrigins& origins);

// Sets every key of config_keys() to its built-in default, with "default" as its origin.
void record_defaults(Config& config);

// Value of an environment variable, "" when unset.
std::string env_value(const char* name);

// The standard OpenTelemetry variables over [telemetry]: OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT,
// _HEADERS, _PROTOCOL, OTEL_SERVICE_NAME; OTEL_SDK_DISABLED=true turns traces off.
void apply_telemetry_env(Config& config);

// Parses a whole decimal integer in [min, max]; nullopt otherwise.
std::optional<int64_t> parse_int(std::string_view text, int64_t min, int64_t max);

// Micro-USD per Mtok as a USD decimal without trailing zeros ("3.75", "0.0028").
std::string format_micro_usd(int64_t micro);

// Defaults plus the TOML file; no cross-checks between sections (see validate).
Config parse_file_layer(const std::string& toml_text, const std::string& path);

// Cross-checks after all layers: default_provider and model map targets name configured
// providers; picks a default provider when none was set. Errors start with the value's origin.
void validate(Config& config);

// Writes `text` to a temp file beside `path` with `mode`, then moves it into place: replacing
// an existing file when `replace`, else only if none exists (returns false if one did).
bool publish_file(const std::string& path, const std::string& text, unsigned mode, bool replace);

} // namespace llmgw::core::config::detail
