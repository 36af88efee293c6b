#pragma once
// Typed configuration: built-in defaults < config.toml < LLMGW_* env vars < flags.
#include "core/pricing/price_table.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace llmgw::core::config {

enum class ProviderKind { openai, anthropic, openai_compatible, gemini, azure };

std::string_view to_string(ProviderKind kind);

// How a provider with several keys picks one for each request.
enum class KeyStrategy { round_robin, least_recent };

// One more key of a provider: the env var that holds it and its value (never printed).
struct ProviderKey {
  std::string env;
  std::string value;
};

struct ProviderConfig {
  std::string name; // table name in [providers.NAME]; also the "provider/" model prefix
  ProviderKind kind = ProviderKind::openai_compatible;
  // OpenAI kinds: the base as OPENAI_BASE_URL has it, with /v1 ("https://api.openai.com/v1").
  // Anthropic: as ANTHROPIC_BASE_URL has it, without /v1 ("https://api.anthropic.com").
  std::string base_url;
  std::string api_key_env; // name of the env var holding the key ("" = none needed, e.g. Ollama)
  std::string api_key;     // resolved value; never printed, logged or stored
  // "key": send the configured key. "client": forward the client's own credentials
  // (x-api-key / Authorization), e.g. a Claude Code subscription; no gateway token needed.
  bool forward_client_auth = false;
  std::vector<std::string> models; // model names this provider claims (routing and /v1/models)
  // OpenAI kinds: whether POST /responses exists there. Responses clients (Codex) are translated to
  // Chat Completions for providers without it. Default: true for openai and azure, else false.
  bool responses_api = false;
  // Azure: the api-version of deployment URLs (.../openai/deployments/NAME/chat/completions?
  // api-version=...); "" = the v1 API (base_url ends in /openai/v1, the model goes in the body).
  std::string api_version;
  // Azure: model name -> deployment name (default: the model name itself).
  std::map<std::string, std::string> deployments;
  // api_key_env = ["A", "B", ...]: the keys after the first, tried in turn (key_strategy) and when
  // one is refused (401/403) or out of quota.
  std::vector<ProviderKey> more_keys;
  KeyStrategy key_strategy = KeyStrategy::round_robin;

  // Keys the provider has: 0 (none needed, or forwarding the client's) or 1 + more_keys.
  size_t key_count() const { return forward_client_auth || api_key_env.empty() ? 0 : 1 + more_keys.size(); }
  // Key number i (0-based; 0 is api_key) and the env var it came from.
  const std::string& key_value(size_t i) const { return i == 0 ? api_key : more_keys[i - 1].value; }
  const std::string& key_env(size_t i) const { return i == 0 ? api_key_env : more_keys[i - 1].env; }
};

// One entry of an alias or route rule: "provider/model", a [models] alias, or a provider name
// (the requested model sent there); optionally its own key and a weight.
struct Deployment {
  Deployment() = default;
  Deployment(std::string target_, int weight_ = 0)
      : target(std::move(target_)), weight(weight_) {} // NOLINT: implicit from a target

  std::string target;
  int weight = 0;      // > 0 on any entry of a list: the first try is drawn by weight
  std::string key_env; // "" = the provider's keys
  std::string key;     // resolved value of key_env
};

// [[routes]]: requests matching every condition given go to `to` (first matching rule wins).
struct RouteRule {
  std::string model;              // glob on the requested model ("" = any)
  std::string agent;              // agent name ("" = any)
  std::optional<bool> background; // Claude Code's small-model housekeeping calls
  std::optional<bool> thinking;   // thinking / reasoning requested
  std::optional<bool> tools;      // tools declared
  int64_t min_prompt_tokens = 0;  // estimated prompt length at least this (0 = any)
  std::vector<Deployment> to;
  std::string origin; // "config.toml:12"
};

struct ServerConfig {
  std::string host = "127.0.0.1";
  int port = 8787;
  int64_t max_body_bytes = 32 * 1024 * 1024;
  int64_t max_response_bytes = 64 * 1024 * 1024; // largest upstream answer read whole (server.max_response_mb)
  int threads = 0;                               // 0 = automatic (enough for many open streams)
  int shutdown_grace_seconds = 10;               // how long open streams may finish on SIGINT/SIGTERM
  int connect_timeout_seconds = 10;              // to upstreams
  int read_timeout_seconds = 600;                // upstream silence tolerated within a response
  // Listening on an address other machines reach (0.0.0.0, a LAN address, a host name) is refused
  // unless this is set; then `llmgw serve` warns at start.
  bool allow_remote = false;
  // Team mode (server.public): any address may be bound, requests must name one of `hosts` (instead
  // of a loopback name) and present a virtual key (the gateway token is refused).
  bool public_mode = false;
  // server.hosts: the Host names (lowercase, no port; IPv6 literals in brackets) a public server answers.
  std::vector<std::string> hosts;
};

// [caps]: how spend caps treat what they cannot price.
struct CapsConfig {
  // A model with no price cannot be bounded by a cap: refuse it while a cap applies (default),
  // or let it through (its rows stay flagged unpriced).
  bool allow_unpriced = false;
  // Hard mode: end a running stream cleanly once its cost so far (usage seen plus output
  // estimated from the streamed text) would take a cap past its limit.
  bool hard = false;
};

// [routing]: retries within a deployment and the pace between them.
struct RoutingConfig {
  int attempts = 2;                 // tries per deployment on a retryable failure (1 = no retry)
  int backoff_ms = 200;             // first wait; doubles per retry, with +-50% jitter
  int max_retry_after_seconds = 20; // honour an upstream retry-after up to this; longer: fall back
  // Cool-downs: a deployment failing cooldown_failures times within cooldown_window_seconds is
  // skipped for cooldown_seconds, then probed by the next request (0 failures = never).
  int cooldown_failures = 3;
  int cooldown_window_seconds = 60;
  int cooldown_seconds = 30;
  int key_bench_seconds = 600;  // a refused or exhausted key rests this long
  bool session_affinity = true; // an agent session stays on the deployment that served it
  int affinity_minutes = 60;    // forgotten after this long without a request
};

// [telemetry]: OpenTelemetry traces over OTLP/HTTP; off while endpoint and traces_url are "".
struct TelemetryConfig {
  std::string endpoint;   // base URL, as OTEL_EXPORTER_OTLP_ENDPOINT: spans go to <endpoint>/v1/traces
  std::string traces_url; // full URL, as OTEL_EXPORTER_OTLP_TRACES_ENDPOINT; "" = <endpoint>/v1/traces
  std::map<std::string, std::string> headers; // sent with each export; values are secrets, never printed
  std::string service_name = "llmgw";
  std::string protocol = "http/json"; // or "http/protobuf"

  bool enabled() const { return !endpoint.empty() || !traces_url.empty(); }
  std::string url() const { return traces_url.empty() ? endpoint + "/v1/traces" : traces_url; }
};

// [metrics]: who may scrape GET /metrics.
struct MetricsConfig {
  bool auth_none = false; // "none": no token asked (only while listening on loopback); else the gateway token
};

// [ledger]: how long request rows are kept (their sums stay in the daily aggregates).
// [store]: where the ledger, keys, caps and limits live.
struct LedgerConfig {
  int retention_days = 90; // 0 = keep every row forever
};

// [store]: how this instance uses the database.
struct StoreConfig {
  // Team mode: other llmgw instances share this database, so each cap is enforced once across them
  // by budget slices each instance leases (docs/team-mode.md).
  bool shared = false;
  std::string url; // postgres://... (team mode) or a SQLite file path; "" = the default file
};

// [alerts]: a command run when a spend cap crosses its warn threshold or is reached.
struct AlertsConfig {
  std::string command;      // run with /bin/sh -c; "" = no alerts
  int timeout_seconds = 10; // a command still running after this is killed
};

// Where a value came from, for `llmgw config show`.
struct ValueOrigin {
  std::string key;    // dotted path, e.g. "server.port"
  std::string value;  // printable (secrets shown as "(set)" / "(not set)")
  std::string origin; // "default", "config.toml:12", "env LLMGW_PORT", "flag --port", "inferred"
};

struct Config {
  ServerConfig server;
  CapsConfig caps;
  RoutingConfig routing;
  TelemetryConfig telemetry;
  MetricsConfig metrics;
  LedgerConfig ledger;
  StoreConfig store;
  AlertsConfig alerts;
  std::vector<ProviderConfig> providers;
  std::string default_provider; // "" = none
  // [models]: a client model name (or alias such as "fast") -> its deployments, tried in order
  // (or the first drawn by weight) when one fails.
  std::map<std::string, std::vector<Deployment>> aliases;
  std::vector<RouteRule> routes; // [[routes]], in file order
  std::vector<pricing::ModelPrice> price_overrides;
  std::string file_path;  // the config file read, "" when none existed
  std::string token_path; // gateway token file: "token" next to the config file
  bool inferred = false;  // no file, or one without providers: providers inferred from the environment
  std::vector<ValueOrigin> origins;

  const ProviderConfig* find_provider(std::string_view name) const;
  // Records (or replaces, keeping its position) the value and origin shown for `key`.
  void set_origin(const std::string& key, const std::string& value, const std::string& origin);
  // The recorded origin of `key`, nullptr if none.
  const ValueOrigin* find_origin(std::string_view key) const;
};

// Standard locations (XDG). LLMGW_CONFIG overrides the config file; --config overrides both.
std::string default_config_path();
std::string default_db_path();    // $XDG_DATA_HOME/llmgw/llmgw.db
std::string default_token_path(); // next to config.toml: token (0600)
// Prices imported with `llmgw prices import`: $XDG_DATA_HOME/llmgw/prices.json (0600).
std::string default_prices_path();
// The token file that belongs to a config file: "token" in the same directory.
std::string token_path_for(const std::string& config_path);

// Command-line values that override everything else; empty/unset means "not given".
struct Overrides {
  std::string config_path;
  std::optional<std::string> host;
  std::optional<int> port;
  bool allow_remote = false;                    // --allow-remote given
  bool public_mode = false;                     // --public given
  std::optional<std::string> db = std::nullopt; // --db
};

// The config file to read: --config, else LLMGW_CONFIG, else the XDG default.
std::string resolve_config_path(const Overrides& overrides);

// Load config from file + env + overrides. No file: infer providers from OPENAI_API_KEY,
// ANTHROPIC_API_KEY and a local Ollama. Throws llmgw::Error with "path:line: message".
Config load_config(const Overrides& overrides);
// Parse TOML text (path used for messages); env lookups go through getenv. No LLMGW_* env
// layer and no inference: a file without providers yields none.
Config parse_config(const std::string& toml_text, const std::string& path);
// [store] url of the config file (--config, LLMGW_CONFIG or the default), "" when none or no file.
std::string configured_store_url(const std::string& config_path);

// Write a config file atomically (temp + rename), creating its directory (0700). Throws
// llmgw::Error if the file exists and !overwrite.
void write_config_file(const std::string& path, const std::string& text, bool overwrite);

// The commented starter file `llmgw init` writes.
std::string starter_config();

// Read the gateway token, creating it (0600, random 192 bits) if missing; an existing token file
// readable by others is made 0600. Returns the token.
std::string ensure_token(const std::string& token_path);

} // namespace llmgw::core::config
