// The config.toml layer. The only translation unit that includes toml++ (it is heavy to compile).
#include "core/config/config.hpp"
#include "core/config/config_detail.hpp"
#include "core/error.hpp"

#include <algorithm>
#include <cmath>
#include <toml++/toml.h>

namespace llmgw::core::config {
namespace {

using Keys = std::vector<std::string_view>;

const Keys k_root_keys{"default_provider", "server", "caps", "routing", "providers", "models", "prices"};
const Keys k_routing_keys{"attempts", "backoff_ms", "max_retry_after_seconds"};
const Keys k_caps_keys{"unpriced", "hard"};
const Keys k_unpriced_names{"refuse", "allow"};
const Keys k_server_keys{"host", "port", "max_body_mb", "threads", "shutdown_grace_seconds",
                         "connect_timeout_seconds", "read_timeout_seconds"};
const Keys k_provider_keys{"kind", "base_url", "api_key_env", "auth", "models", "responses_api", "api_version",
                            "deployments"};
const Keys k_price_keys{"provider", "input", "output", "cache_read", "cache_write_5m",
                        "cache_write_1h", "max_input_tokens", "max_output_tokens"};
const Keys k_kind_names{"openai", "anthropic", "openai_compatible", "gemini", "azure"};
const Keys k_auth_names{"key", "client"};

constexpr int64_t k_max_price_usd = 1'000'000;  // per Mtok; anything above is a typo
constexpr int64_t k_max_tokens = 1'000'000'000; // max_input_tokens / max_output_tokens

std::string_view type_name(const toml::node& node) {
  switch (node.type()) {
  case toml::node_type::table: return "a table";
  case toml::node_type::array: return "an array";
  case toml::node_type::string: return "a string";
  case toml::node_type::integer: return "an integer";
  case toml::node_type::floating_point: return "a float";
  case toml::node_type::boolean: return "a boolean";
  default: return "a date or time";
  }
}

Keys well_known_names() {
  Keys names;
  for (std::string_view name : {"openai", "anthropic", "openrouter", "deepseek", "groq", "mistral",
                                "ollama", "vllm", "llamacpp"})
    names.push_back(name);
  return names;
}

using Entry = std::pair<const toml::key*, const toml::node*>;

// The entries of a table in the order the file has them (toml++ iterates sorted by key), so
// "the first provider" and `llmgw config show` follow the file.
std::vector<Entry> in_file_order(const toml::table& table) {
  std::vector<Entry> entries;
  for (auto&& [key, node] : table) entries.emplace_back(&key, &node);
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    const auto& pa = a.first->source().begin;
    const auto& pb = b.first->source().begin;
    return pa.line != pb.line ? pa.line < pb.line : pa.column < pb.column;
  });
  return entries;
}

class FileParser {
public:
  FileParser(Config& config, std::string path) : m_config(config), m_path(std::move(path)) {}

  // Reads every section of the root table into m_config.
  void parse_root(const toml::table& root) {
    for (const auto& [key_ptr, node_ptr] : in_file_order(root)) {
      const toml::key& key = *key_ptr;
      const toml::node& node = *node_ptr;
      const std::string name(key.str());
      if (name == "default_provider") {
        m_config.default_provider = expect_string(node, name);
        m_config.set_origin(name, m_config.default_provider, where(node.source(), key));
      } else if (name == "server") {
        parse_server(expect_table(node, name));
      } else if (name == "routing") {
        parse_routing(expect_table(node, name));
      } else if (name == "caps") {
        parse_caps(expect_table(node, name));
      } else if (name == "providers") {
        for (const auto& [provider, table] : in_file_order(expect_table(node, name))) {
          const std::string provider_name(provider->str());
          parse_provider(provider_name, expect_table(*table, "providers." + provider_name));
        }
      } else if (name == "models") {
        parse_models(expect_table(node, name));
      } else if (name == "prices") {
        for (const auto& [model, table] : in_file_order(expect_table(node, name))) {
          const std::string model_name(model->str());
          parse_price(model_name, expect_table(*table, "prices." + model_name));
        }
      } else {
        unknown_key(key, k_root_keys, "at the top level");
      }
    }
  }

private:
  // "path:line"; implicit tables have no position, then the key's position is used.
  std::string where(const toml::source_region& region, const toml::key& fallback) const {
    const auto line = region.begin.line ? region.begin.line : fallback.source().begin.line;
    return line ? m_path + ":" + std::to_string(line) : m_path;
  }
  std::string where(const toml::source_region& region) const {
    return region.begin.line ? m_path + ":" + std::to_string(region.begin.line) : m_path;
  }
  [[noreturn]] void fail(const toml::source_region& region, const std::string& message) const {
    throw Error(where(region) + ": " + message);
  }
  [[noreturn]] void unknown_key(const toml::key& key, const Keys& allowed, const std::string& section) const {
    fail(key.source(), "unknown key '" + std::string(key.str()) + "' " + section +
                           detail::did_you_mean(key.str(), allowed));
  }
  [[noreturn]] void wrong_type(const toml::node& node, const std::string& key, std::string_view wanted) const {
    fail(node.source(), key + " must be " + std::string(wanted) + ", not " + std::string(type_name(node)));
  }

  const toml::table& expect_table(const toml::node& node, const std::string& key) const {
    if (const auto* table = node.as_table()) return *table;
    wrong_type(node, key, "a table");
  }
  std::string expect_string(const toml::node& node, const std::string& key) const {
    if (const auto* value = node.as_string()) return value->get();
    wrong_type(node, key, "a string");
  }
  int64_t expect_int(const toml::node& node, const std::string& key, int64_t min, int64_t max) const {
    const auto* value = node.as_integer();
    if (!value) wrong_type(node, key, "an integer");
    if (value->get() < min || value->get() > max)
      fail(node.source(), key + " " + std::to_string(value->get()) + " is out of range (" +
                              std::to_string(min) + "-" + std::to_string(max) + ")");
    return value->get();
  }
  std::vector<std::string> expect_strings(const toml::node& node, const std::string& key) const {
    const auto* array = node.as_array();
    if (!array) wrong_type(node, key, "an array of strings");
    std::vector<std::string> out;
    for (const auto& item : *array) out.push_back(expect_string(item, key + " item"));
    return out;
  }
  // USD per million tokens -> integer micro-USD per Mtok. Integers convert exactly; a float
  // with up to 6 decimals is within 1e-9 of the exact product, so llround recovers it.
  int64_t expect_price(const toml::node& node, const std::string& key) const {
    if (const auto* value = node.as_integer()) {
      if (value->get() < 0 || value->get() > k_max_price_usd) fail(node.source(), key + " is out of range");
      return value->get() * 1'000'000;
    }
    const auto* value = node.as_floating_point();
    if (!value) wrong_type(node, key, "a number (USD per million tokens)");
    const double usd = value->get();
    if (!(usd >= 0 && usd <= static_cast<double>(k_max_price_usd))) fail(node.source(), key + " is out of range");
    return std::llround(usd * 1e6);
  }
  std::string expect_base_url(const toml::node& node, const std::string& key) const {
    std::string url = expect_string(node, key);
    while (!url.empty() && url.back() == '/') url.pop_back();
    if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0)
      fail(node.source(), key + " '" + url + "' must start with http:// or https://");
    return url;
  }

  void parse_server(const toml::table& table) {
    ServerConfig& server = m_config.server;
    for (const auto& [key_ptr, node_ptr] : in_file_order(table)) {
      const toml::key& key = *key_ptr;
      const toml::node& node = *node_ptr;
      const std::string field(key.str());
      const std::string dotted = "server." + field;
      if (field == "host") {
        server.host = expect_string(node, dotted);
        if (server.host.empty()) fail(node.source(), "server.host must not be empty");
      } else if (field == "port") {
        server.port = static_cast<int>(expect_int(node, dotted, 0, 65535));
      } else if (field == "max_body_mb") {
        server.max_body_bytes = expect_int(node, dotted, 1, 4096) * 1024 * 1024;
      } else if (field == "threads") {
        server.threads = static_cast<int>(expect_int(node, dotted, 0, 1024));
      } else if (field == "shutdown_grace_seconds") {
        server.shutdown_grace_seconds = static_cast<int>(expect_int(node, dotted, 0, 3600));
      } else if (field == "connect_timeout_seconds") {
        server.connect_timeout_seconds = static_cast<int>(expect_int(node, dotted, 1, 600));
      } else if (field == "read_timeout_seconds") {
        server.read_timeout_seconds = static_cast<int>(expect_int(node, dotted, 1, 86400));
      } else {
        unknown_key(key, k_server_keys, "in [server]");
      }
      m_config.set_origin(dotted, detail::server_value(server, field), where(node.source(), key));
    }
  }

  void parse_routing(const toml::table& table) {
    RoutingConfig& routing = m_config.routing;
    for (const auto& [key_ptr, node_ptr] : in_file_order(table)) {
      const std::string field(key_ptr->str());
      const std::string dotted = "routing." + field;
      int64_t value = 0;
      if (field == "attempts") value = routing.attempts = static_cast<int>(expect_int(*node_ptr, dotted, 1, 10));
      else if (field == "backoff_ms") value = routing.backoff_ms = static_cast<int>(expect_int(*node_ptr, dotted, 0, 60'000));
      else if (field == "max_retry_after_seconds")
        value = routing.max_retry_after_seconds = static_cast<int>(expect_int(*node_ptr, dotted, 0, 3600));
      else unknown_key(*key_ptr, k_routing_keys, "in [routing]");
      m_config.set_origin(dotted, std::to_string(value), where(node_ptr->source(), *key_ptr));
    }
  }

  void parse_caps(const toml::table& table) {
    for (const auto& [key_ptr, node_ptr] : in_file_order(table)) {
      const std::string field(key_ptr->str());
      if (field == "hard") {
        const auto* flag = node_ptr->as_boolean();
        if (flag == nullptr) wrong_type(*node_ptr, "caps.hard", "a boolean");
        m_config.caps.hard = flag->get();
        m_config.set_origin("caps.hard", m_config.caps.hard ? "true" : "false", where(node_ptr->source(), *key_ptr));
        continue;
      }
      if (field != "unpriced") unknown_key(*key_ptr, k_caps_keys, "in [caps]");
      const std::string value = expect_string(*node_ptr, "caps.unpriced");
      if (value != "refuse" && value != "allow")
        fail(node_ptr->source(), "caps.unpriced must be \"refuse\" or \"allow\", not '" + value + "'" +
                                     detail::did_you_mean(value, k_unpriced_names));
      m_config.caps.allow_unpriced = value == "allow";
      m_config.set_origin("caps.unpriced", value, where(node_ptr->source(), *key_ptr));
    }
  }

  void parse_provider(const std::string& name, const toml::table& table) {
    if (name.empty() || name.find('/') != std::string::npos)
      fail(table.source(), "provider name '" + name + "' must not be empty or contain '/'");
    const auto* known = detail::find_well_known(name);
    ProviderConfig provider = known ? detail::make_well_known(*known) : ProviderConfig{};
    provider.name = name;
    detail::ProviderOrigins origins("default");
    for (const auto& [key, node] : in_file_order(table)) apply_provider_field(provider, origins, *key, *node);
    if ((!known || known->base_url.empty()) && !table.contains("base_url"))
      fail(table.source(), "provider '" + name + "' needs base_url (it is not a well-known provider)" +
                               detail::did_you_mean(name, well_known_names()));
    provider.api_key = provider.api_key_env.empty() ? "" : detail::env_value(provider.api_key_env.c_str());
    detail::record_provider(m_config, provider, origins);
    m_config.providers.push_back(std::move(provider));
  }

  void apply_provider_field(ProviderConfig& provider, detail::ProviderOrigins& origins,
                            const toml::key& key, const toml::node& node) {
    const std::string field(key.str());
    const std::string dotted = "providers." + provider.name + "." + field;
    const std::string origin = where(node.source(), key);
    if (field == "kind") {
      const std::string text = expect_string(node, dotted);
      const auto kind = detail::parse_provider_kind(text);
      if (!kind)
        fail(node.source(), "unknown provider kind '" + text + "' in " + dotted +
                                " (expected openai, anthropic, openai_compatible, gemini or azure)" +
                                detail::did_you_mean(text, k_kind_names));
      provider.kind = *kind;
      origins.kind = origin;
      if (origins.responses_api == "default")
        provider.responses_api = *kind == ProviderKind::openai || *kind == ProviderKind::azure;
    } else if (field == "base_url") {
      provider.base_url = expect_base_url(node, dotted);
      origins.base_url = origin;
    } else if (field == "api_key_env") {
      provider.api_key_env = expect_string(node, dotted);
      origins.api_key_env = origin;
    } else if (field == "auth") {
      const std::string auth = expect_string(node, dotted);
      if (auth != "key" && auth != "client")
        fail(node.source(), dotted + " must be \"key\" or \"client\", not '" + auth + "'" +
                                detail::did_you_mean(auth, k_auth_names));
      provider.forward_client_auth = auth == "client";
      origins.auth = origin;
    } else if (field == "models") {
      provider.models = expect_strings(node, dotted);
      origins.models = origin;
    } else if (field == "responses_api") {
      const auto* flag = node.as_boolean();
      if (flag == nullptr) wrong_type(node, dotted, "a boolean");
      provider.responses_api = flag->get();
      origins.responses_api = origin;
    } else if (field == "api_version") {
      provider.api_version = expect_string(node, dotted);
      origins.api_version = origin;
    } else if (field == "deployments") {
      for (const auto& [model, deployment] : expect_table(node, dotted))
        provider.deployments[std::string(model.str())] = expect_string(deployment, dotted + "." + std::string(model.str()));
      origins.deployments = origin;
    } else {
      unknown_key(key, k_provider_keys, "in [providers." + provider.name + "]");
    }
  }

  void parse_models(const toml::table& table) {
    for (const auto& [key_ptr, node_ptr] : in_file_order(table)) {
      const toml::key& key = *key_ptr;
      const toml::node& node = *node_ptr;
      const std::string model(key.str());
      const std::string dotted = "models." + model;
      // A string, or a list: the first deployment, then the fallbacks in order.
      std::vector<std::string> targets;
      if (node.is_array()) targets = expect_strings(node, dotted);
      else targets.push_back(expect_string(node, dotted));
      if (targets.empty()) fail(node.source(), dotted + " must name at least one 'provider/model'");
      std::string shown;
      for (const std::string& target : targets) {
        const size_t slash = target.find('/');
        if (slash == std::string::npos || slash == 0 || slash + 1 == target.size())
          fail(node.source(), dotted + " = '" + target + "' must have the form 'provider/model'");
        shown += (shown.empty() ? "" : ", ") + target;
      }
      m_config.model_map[model] = targets.front();
      targets.erase(targets.begin());
      if (!targets.empty()) m_config.fallbacks[model] = std::move(targets);
      m_config.set_origin(dotted, shown, where(node.source(), key));
    }
  }

  void parse_price(const std::string& model, const toml::table& table) {
    pricing::ModelPrice price;
    price.model = model;
    price.origin = where(table.source());
    for (const auto& [key_ptr, node_ptr] : in_file_order(table)) {
      const toml::key& key = *key_ptr;
      const toml::node& node = *node_ptr;
      const std::string field(key.str());
      const std::string dotted = "prices." + model + "." + field;
      std::string shown;
      if (field == "provider") {
        shown = price.provider = expect_string(node, dotted);
      } else if (int64_t* rate = rate_field(price.base, field)) {
        *rate = expect_price(node, dotted);
        shown = detail::format_micro_usd(*rate);
      } else if (field == "max_input_tokens" || field == "max_output_tokens") {
        int64_t& limit = field == "max_input_tokens" ? price.max_input_tokens : price.max_output_tokens;
        limit = expect_int(node, dotted, 0, k_max_tokens);
        shown = std::to_string(limit);
      } else {
        unknown_key(key, k_price_keys, "in [prices." + model + "]");
      }
      m_config.set_origin(dotted, shown, where(node.source(), key));
    }
    if (!table.contains("input") || !table.contains("output"))
      fail(table.source(), "price for '" + model + "' needs both input and output");
    m_config.price_overrides.push_back(std::move(price));
  }

  static int64_t* rate_field(pricing::Rates& rates, std::string_view field) {
    if (field == "input") return &rates.input;
    if (field == "output") return &rates.output;
    if (field == "cache_read") return &rates.cache_read;
    if (field == "cache_write_5m") return &rates.cache_write_5m;
    if (field == "cache_write_1h") return &rates.cache_write_1h;
    return nullptr;
  }

  Config& m_config;
  std::string m_path;
};

std::string lowercase_first(std::string_view text) {
  std::string out(text);
  if (!out.empty() && out[0] >= 'A' && out[0] <= 'Z') out[0] = static_cast<char>(out[0] - 'A' + 'a');
  return out;
}

} // namespace

namespace detail {

Config parse_file_layer(const std::string& toml_text, const std::string& path) {
  Config config;
  config.file_path = path;
  config.token_path = token_path_for(path);
  record_defaults(config);
  toml::table root;
  try {
    root = toml::parse(toml_text, path);
  } catch (const toml::parse_error& e) {
    const auto line = e.source().begin.line;
    throw Error(path + (line ? ":" + std::to_string(line) : "") + ": " + lowercase_first(e.description()));
  }
  FileParser(config, path).parse_root(root);
  return config;
}

} // namespace detail

Config parse_config(const std::string& toml_text, const std::string& path) {
  Config config = detail::parse_file_layer(toml_text, path);
  detail::validate(config);
  return config;
}

} // namespace llmgw::core::config
