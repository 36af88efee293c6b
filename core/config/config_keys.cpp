// The table of scalar config keys. A new key is one row here plus its field in config.hpp; the
// unit tests check that every row parses, overrides, shows and appears in the starter and README.
#include "core/config/config_keys.hpp"
#include "core/config/config_detail.hpp"
#include "core/error.hpp"

#include <algorithm>
#include <cctype>

namespace llmgw::core::config {
namespace {

constexpr int64_t k_mib = 1024 * 1024;

void assign(int& field, const KeyValue& value, int64_t scale) { field = static_cast<int>(value.number * scale); }
void assign(int64_t& field, const KeyValue& value, int64_t scale) { field = value.number * scale; }
void assign(bool& field, const KeyValue& value, int64_t) { field = value.flag; }
void assign(std::string& field, const KeyValue& value, int64_t) { field = value.text; }
void assign(std::vector<std::string>& field, const KeyValue& value, int64_t) { field = split_list(value.text); }

KeyValue read_back(int field, int64_t scale) { return KeyValue{field / scale, false, {}}; }
KeyValue read_back(int64_t field, int64_t scale) { return KeyValue{field / scale, false, {}}; }
KeyValue read_back(bool field, int64_t) { return KeyValue{0, field, {}}; }
KeyValue read_back(const std::string& field, int64_t) { return KeyValue{0, false, field}; }
KeyValue read_back(const std::vector<std::string>& field, int64_t) {
  std::string text;
  for (const auto& item : field) text += (text.empty() ? "" : ",") + item;
  return KeyValue{0, false, text};
}

// Access to config.*Member (a top-level field).
template <auto Member> constexpr KeyAccess top_level() {
  return {[](Config& config, const KeyValue& value) { assign(config.*Member, value, 1); },
          [](const Config& config) { return read_back(config.*Member, 1); }};
}

// Access to (config.*Section).*Member; the config value is the key's value times Scale (MiB in
// the file, bytes in the struct).
template <auto Section, auto Member, int64_t Scale = 1> constexpr KeyAccess field() {
  return {[](Config& config, const KeyValue& value) { assign((config.*Section).*Member, value, Scale); },
          [](const Config& config) { return read_back((config.*Section).*Member, Scale); }};
}

constexpr std::string_view k_unpriced_words[] = {"refuse", "allow"};

// caps.unpriced is a word in the file and a flag in the struct.
constexpr KeyAccess unpriced_access() {
  return {[](Config& config, const KeyValue& value) { config.caps.allow_unpriced = value.text == "allow"; },
          [](const Config& config) {
            return KeyValue{0, false, config.caps.allow_unpriced ? "allow" : "refuse"};
          }};
}

constexpr std::string_view k_metrics_auth_words[] = {"token", "none"};

// metrics.auth is a word in the file and a flag in the struct.
constexpr KeyAccess metrics_auth_access() {
  return {[](Config& config, const KeyValue& value) { config.metrics.auth_none = value.text == "none"; },
          [](const Config& config) {
            return KeyValue{0, false, config.metrics.auth_none ? "none" : "token"};
          }};
}

using C = Config;
using S = ServerConfig;
using R = RoutingConfig;

// clang-format off
const ConfigKey k_keys[] = {
  {"", "default_provider", text_key("", true), "LLMGW_DEFAULT_PROVIDER", "",
   "Provider for model names that no provider lists and no [models] entry maps. Default: anthropic if "
   "configured, else openai, else ollama, else the first provider.",
   top_level<&C::default_provider>(), "anthropic"},

  {"server", "host", text_key("127.0.0.1", false), "LLMGW_HOST", "--host",
   "Address to listen on. Keep 127.0.0.1: the gateway spends your provider keys, and `llmgw serve` "
   "refuses an address other machines can reach unless allow_remote = true.",
   field<&C::server, &S::host>()},
  {"server", "port", integer_key(8787, 0, 65535, "0 picks a free port"), "LLMGW_PORT", "--port",
   "Port to listen on; 0 picks a free one.",
   field<&C::server, &S::port>()},
  {"server", "max_body_mb", integer_key(32, 1, 4096), "LLMGW_MAX_BODY_MB", "",
   "Largest request body accepted, in MiB (a larger one gets 413).",
   field<&C::server, &S::max_body_bytes, k_mib>()},
  {"server", "max_response_mb", integer_key(64, 1, 4096), "LLMGW_MAX_RESPONSE_MB", "",
   "Largest provider response body read whole (not streamed), in MiB.",
   field<&C::server, &S::max_response_bytes, k_mib>()},
  {"server", "threads", integer_key(0, 0, 1024), "LLMGW_THREADS", "",
   "Worker threads; 0 = automatic (enough for many concurrently open streams).",
   field<&C::server, &S::threads>()},
  {"server", "shutdown_grace_seconds", integer_key(10, 0, 3600), "", "",
   "On Ctrl-C or SIGTERM, open streams get this long to finish.",
   field<&C::server, &S::shutdown_grace_seconds>()},
  {"server", "connect_timeout_seconds", integer_key(10, 1, 600), "", "",
   "Timeout for connecting to a provider.",
   field<&C::server, &S::connect_timeout_seconds>()},
  {"server", "read_timeout_seconds", integer_key(600, 1, 86'400), "LLMGW_READ_TIMEOUT_SECONDS", "",
   "Provider silence tolerated within a response.",
   field<&C::server, &S::read_timeout_seconds>()},
  {"server", "allow_remote", boolean_key(false), "", "--allow-remote",
   "Let `llmgw serve` listen on an address other machines can reach (0.0.0.0, a LAN address, a host "
   "name); it warns when it starts. Anyone who reaches it with the token spends your keys.",
   field<&C::server, &S::allow_remote>()},
  {"server", "public", boolean_key(false), "LLMGW_PUBLIC", "--public",
   "Team mode: serve other machines (any host may be bound) behind a TLS proxy. Requests must name one of "
   "hosts and present a virtual key (`llmgw key create NAME --user U`); the gateway token is refused.",
   field<&C::server, &S::public_mode>()},
  {"server", "hosts", list_key(), "LLMGW_HOSTS", "",
   "With public = true: the Host names clients use (e.g. [\"llm.team.example\"]; in the environment, "
   "comma-separated). Any other Host is refused, which stops DNS rebinding; start-up refuses an empty list.",
   field<&C::server, &S::hosts>()},

  {"routing", "attempts", integer_key(2, 1, 10), "", "",
   "Tries per deployment while nothing reached the client, on a connection error, timeout, 408, 429, "
   "5xx or 529 (1 = no retry).",
   field<&C::routing, &R::attempts>()},
  {"routing", "backoff_ms", integer_key(200, 0, 60'000), "", "",
   "First wait between tries; doubled each retry, with +-50% jitter.",
   field<&C::routing, &R::backoff_ms>()},
  {"routing", "max_retry_after_seconds", integer_key(20, 0, 3600), "", "",
   "A provider's retry-after is honoured up to this; a longer one moves to the next deployment of the "
   "model's [models] list at once.",
   field<&C::routing, &R::max_retry_after_seconds>()},
  {"routing", "cooldown_failures", integer_key(3, 0, 1000), "", "",
   "A deployment failing this many times within cooldown_window_seconds is skipped for cooldown_seconds "
   "while another deployment of the model remains (0 = never).",
   field<&C::routing, &R::cooldown_failures>()},
  {"routing", "cooldown_window_seconds", integer_key(60, 1, 86'400), "", "",
   "The window in which cooldown_failures are counted.",
   field<&C::routing, &R::cooldown_window_seconds>()},
  {"routing", "cooldown_seconds", integer_key(30, 1, 86'400), "", "",
   "How long a failing deployment is skipped; then the next request probes it. `llmgw providers` shows "
   "what is cooling down.",
   field<&C::routing, &R::cooldown_seconds>()},
  {"routing", "key_bench_seconds", integer_key(600, 1, 7 * 86'400), "", "",
   "A provider key refused (401/403) or out of quota rests this long; the next key takes over.",
   field<&C::routing, &R::key_bench_seconds>()},
  {"routing", "session_affinity", boolean_key(true), "", "",
   "Requests of one agent session stay on the deployment that served it while it is healthy (upstream "
   "prompt caches keep working).",
   field<&C::routing, &R::session_affinity>()},
  {"routing", "affinity_minutes", integer_key(60, 1, 7 * 24 * 60), "", "",
   "A session's deployment is forgotten after this long without a request.",
   field<&C::routing, &R::affinity_minutes>()},

  {"caps", "unpriced", choice_key("refuse", k_unpriced_words), "", "",
   "A model with no price cannot be bounded by a cap: \"refuse\" it (402) while a cap applies, or "
   "\"allow\" it (its rows stay flagged unpriced).",
   unpriced_access()},
  {"caps", "hard", boolean_key(false), "", "",
   "Hard mode: end a running stream cleanly once its cost so far would take a cap past its limit.",
   field<&C::caps, &CapsConfig::hard>()},

  {"metrics", "auth", choice_key("token", k_metrics_auth_words), "", "",
   "Who may scrape GET /metrics: \"token\" asks for the gateway token (as the API routes do); \"none\" "
   "asks for nothing, and is only honoured while the server listens on a loopback address.",
   metrics_auth_access()},

  {"ledger", "retention_days", integer_key(90, 0, 36'500), "LLMGW_LEDGER_RETENTION_DAYS", "",
   "Request rows older than this many days are folded into daily sums and deleted by the server (at "
   "start and daily) and by `llmgw ledger prune`; `usage` totals stay the same. 0 = keep every row.",
   field<&C::ledger, &LedgerConfig::retention_days>()},

  {"store", "url", text_key("", true), "LLMGW_DB", "--db",
   "Where the ledger, keys, caps and limits live: \"\" is the SQLite file in the data directory; a file "
   "path is another SQLite file; postgres://user@host/db is a PostgreSQL database several instances share "
   "(team mode). A password in the URL never appears in messages; prefer ~/.pgpass or PGPASSWORD.",
   field<&C::store, &StoreConfig::url>()},

  {"store", "shared", boolean_key(false), "LLMGW_STORE_SHARED", "",
   "Team mode: several llmgw instances share this database; each spend cap is then enforced once across "
   "them, each instance leasing slices of what is left (a few ms at the store only when its slice runs out).",
   field<&C::store, &StoreConfig::shared>()},

  {"alerts", "command", text_key("", true), "LLMGW_ALERTS_COMMAND", "",
   "Run with /bin/sh -c when a spend cap crosses its warn threshold and when it is reached, once per cap "
   "and period; LLMGW_ALERT_KIND, LLMGW_CAP_* and LLMGW_SPENT_USD describe it. \"\" = no alerts.",
   field<&C::alerts, &AlertsConfig::command>(), "notify-send llmgw $LLMGW_ALERT_KIND"},
  {"alerts", "timeout_seconds", integer_key(10, 1, 3600), "", "",
   "An alert command still running after this long is killed.",
   field<&C::alerts, &AlertsConfig::timeout_seconds>()},
};
// clang-format on

std::string quoted_choices(std::span<const std::string_view> words) {
  std::string out;
  for (size_t i = 0; i < words.size(); ++i) {
    if (i > 0) out += i + 1 == words.size() ? " or " : ", ";
    out += "\"" + std::string(words[i]) + "\"";
  }
  return out;
}

KeyValue parse_integer_text(const ConfigKey& key, const std::string& text, const std::string& origin) {
  const KeyShape& shape = key.shape;
  const auto number = detail::parse_int(text, shape.min, shape.max);
  if (number) return KeyValue{*number, false, {}};
  const std::string range = std::to_string(shape.min) + "-" + std::to_string(shape.max);
  if (!shape.range_hint.empty())
    throw Error(origin + ": " + std::string(key.name) + " '" + text + "' is out of range (" + range + ", " +
                std::string(shape.range_hint) + ")");
  throw Error(origin + ": '" + text + "' must be an integer from " + std::to_string(shape.min) + " to " +
              std::to_string(shape.max));
}

} // namespace

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> items;
  size_t at = 0;
  while (at <= text.size()) {
    size_t end = std::min(text.find(',', at), text.size());
    size_t first = text.find_first_not_of(" \t", at);
    size_t last = text.find_last_not_of(" \t", end == 0 ? 0 : end - 1);
    if (first != std::string::npos && first < end && last != std::string::npos && last >= first)
      items.push_back(text.substr(first, last - first + 1));
    at = end + 1;
  }
  return items;
}

std::optional<std::string> normalize_host(std::string_view name, std::string& problem) {
  std::string host;
  for (char c : name) host += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (host.empty()) problem = "a host name must not be empty";
  for (char c : host)
    if (std::isspace(static_cast<unsigned char>(c)) || c == ',' || c == '/' || c == '@' || c == '*')
      problem = "'" + host + "' is not a host name (no spaces, commas, '/', '@' or wildcards)";
  const size_t colons = std::count(host.begin(), host.end(), ':');
  if (problem.empty() && host.front() != '[' && colons > 1) host = "[" + host + "]"; // a bare IPv6 literal
  if (problem.empty() && host.front() != '[' && colons == 1)
    problem = "'" + host + "' has a port; list the host name alone (the port is ignored when matching)";
  if (problem.empty() && host.front() == '[' && host.back() != ']')
    problem = "'" + host + "' has a port; list the IPv6 literal alone, in brackets";
  if (!problem.empty()) return std::nullopt;
  return host;
}

std::string host_list_text(const std::vector<std::string>& names, const std::string& where) {
  std::string text;
  for (const auto& name : names) {
    std::string problem;
    const auto host = normalize_host(name, problem);
    if (!host) throw Error(where + ": " + problem);
    text += (text.empty() ? "" : ",") + *host;
  }
  return text;
}

std::string ConfigKey::dotted() const {
  return section.empty() ? std::string(name) : std::string(section) + "." + std::string(name);
}

KeyValue ConfigKey::default_value() const {
  return KeyValue{shape.default_number, shape.default_flag, std::string(shape.default_text)};
}

std::span<const ConfigKey> config_keys() { return k_keys; }

const ConfigKey* find_config_key(std::string_view dotted) {
  for (const auto& key : k_keys)
    if (key.dotted() == dotted) return &key;
  return nullptr;
}

std::vector<std::string_view> config_key_names(std::string_view section) {
  std::vector<std::string_view> names;
  for (const auto& key : k_keys)
    if (key.section == section) names.push_back(key.name);
  return names;
}

std::string format_key_value(const ConfigKey& key, const KeyValue& value) {
  switch (key.shape.type) {
  case KeyType::integer: return std::to_string(value.number);
  case KeyType::boolean: return value.flag ? "true" : "false";
  default: return value.text;
  }
}

std::string toml_key_value(const ConfigKey& key, const KeyValue& value) {
  if (key.shape.type == KeyType::list) {
    std::string out;
    for (const auto& item : split_list(value.text)) out += (out.empty() ? "\"" : ", \"") + item + "\"";
    return "[" + out + "]";
  }
  const bool quoted = key.shape.type == KeyType::text || key.shape.type == KeyType::choice;
  return quoted ? "\"" + value.text + "\"" : format_key_value(key, value);
}

void apply_key(Config& config, const ConfigKey& key, const KeyValue& value, const std::string& origin) {
  key.access.write(config, value);
  config.set_origin(key.dotted(), format_key_value(key, key.access.read(config)), origin);
}

KeyValue parse_key_text(const ConfigKey& key, const std::string& text, const std::string& origin) {
  switch (key.shape.type) {
  case KeyType::integer: return parse_integer_text(key, text, origin);
  case KeyType::boolean:
    if (text == "true" || text == "1") return KeyValue{0, true, {}};
    if (text == "false" || text == "0") return KeyValue{0, false, {}};
    throw Error(origin + ": '" + text + "' must be true or false");
  case KeyType::text:
    if (static_cast<int64_t>(text.size()) < key.shape.min)
      throw Error(origin + ": the " + std::string(key.name) + " must not be empty");
    return KeyValue{0, false, text};
  case KeyType::list: return KeyValue{0, false, host_list_text(split_list(text), origin + ": " + key.dotted())};
  case KeyType::choice:
    for (auto word : key.shape.choices)
      if (word == text) return KeyValue{0, false, text};
    throw Error(
        origin + ": '" + text + "' must be " + quoted_choices(key.shape.choices) +
        detail::did_you_mean(text, std::vector<std::string_view>(key.shape.choices.begin(), key.shape.choices.end())));
  }
  throw Error(origin + ": unsupported value type");
}

std::string describe_choices(const ConfigKey& key) { return quoted_choices(key.shape.choices); }

} // namespace llmgw::core::config
