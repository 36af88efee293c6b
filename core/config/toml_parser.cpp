// The config.toml layer. The only translation unit that includes toml++ (it is heavy to compile).
#include "core/config/config.hpp"
#include "core/config/config_detail.hpp"
#include "core/config/config_keys.hpp"
#include "core/error.hpp"

#include <algorithm>
#include <cmath>
#include <toml++/toml.h>

namespace llmgw::core::config {
namespace {

using Keys = std::vector<std::string_view>;

const Keys k_structured_roots{"providers", "models", "routes", "prices", "telemetry"};
const Keys k_telemetry_keys{"endpoint", "headers", "service_name", "protocol"};
const Keys k_telemetry_protocols{"http/json", "http/protobuf"};
const Keys k_route_keys{"model", "agent", "background", "thinking", "tools", "min_prompt_tokens", "to"};
const Keys k_deployment_keys{"to", "weight", "key_env"};
const Keys k_key_strategies{"round_robin", "least_recent"};
const Keys k_provider_keys{"kind",   "base_url",      "api_key_env", "key_strategy", "auth",
                           "models", "responses_api", "api_version", "deployments"};
const Keys k_price_keys{"provider",       "input",          "output",           "cache_read",
                        "cache_write_5m", "cache_write_1h", "max_input_tokens", "max_output_tokens"};
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

// Every name allowed at the top level: the table's top-level keys and sections, then the tables
// with structure.
Keys root_keys() {
  Keys names = config_key_names("");
  for (const auto& key : config_keys())
    if (!key.section.empty() && std::find(names.begin(), names.end(), key.section) == names.end())
      names.push_back(key.section);
  names.insert(names.end(), k_structured_roots.begin(), k_structured_roots.end());
  return names;
}

Keys well_known_names() {
  Keys names;
  for (std::string_view name :
       {"openai", "anthropic", "openrouter", "deepseek", "groq", "mistral", "ollama", "vllm", "llamacpp"})
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
      if (const ConfigKey* scalar = find_config_key(name); scalar && scalar->section.empty()) {
        apply_key(m_config, *scalar, read_value(*scalar, node), where(node.source(), key));
      } else if (!name.empty() && !config_key_names(name).empty()) { // [server], [routing], [caps]
        parse_scalar_section(name, expect_table(node, name));
      } else if (name == "providers") {
        for (const auto& [provider, table] : in_file_order(expect_table(node, name))) {
          const std::string provider_name(provider->str());
          parse_provider(provider_name, expect_table(*table, "providers." + provider_name));
        }
      } else if (name == "telemetry") {
        parse_telemetry(expect_table(node, name));
      } else if (name == "models") {
        parse_models(expect_table(node, name));
      } else if (name == "routes") {
        const auto* rules = node.as_array();
        if (rules == nullptr) wrong_type(node, name, "an array of tables ([[routes]])");
        for (const auto& rule : *rules) parse_route(expect_table(rule, "routes item"));
      } else if (name == "prices") {
        for (const auto& [model, table] : in_file_order(expect_table(node, name))) {
          const std::string model_name(model->str());
          parse_price(model_name, expect_table(*table, "prices." + model_name));
        }
      } else {
        unknown_key(key, root_keys(), "at the top level");
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
    fail(key.source(),
         "unknown key '" + std::string(key.str()) + "' " + section + detail::did_you_mean(key.str(), allowed));
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
      fail(node.source(), key + " " + std::to_string(value->get()) + " is out of range (" + std::to_string(min) + "-" +
                              std::to_string(max) + ")");
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

  bool expect_bool(const toml::node& node, const std::string& key) const {
    if (const auto* flag = node.as_boolean()) return flag->get();
    wrong_type(node, key, "a boolean");
  }

  // [server], [routing], [caps]: every key is a row of config_keys().
  void parse_scalar_section(const std::string& section, const toml::table& table) {
    for (const auto& [key_ptr, node_ptr] : in_file_order(table)) {
      const ConfigKey* key = find_config_key(section + "." + std::string(key_ptr->str()));
      if (key == nullptr) unknown_key(*key_ptr, config_key_names(section), "in [" + section + "]");
      apply_key(m_config, *key, read_value(*key, *node_ptr), where(node_ptr->source(), *key_ptr));
    }
  }

  // The node as a value of `key`: its type, range or words checked.
  KeyValue read_value(const ConfigKey& key, const toml::node& node) const {
    const std::string dotted = key.dotted();
    const KeyShape& shape = key.shape;
    switch (shape.type) {
    case KeyType::integer: return KeyValue{expect_int(node, dotted, shape.min, shape.max), false, {}};
    case KeyType::boolean: return KeyValue{0, expect_bool(node, dotted), {}};
    case KeyType::text: return KeyValue{0, false, expect_text(key, node)};
    case KeyType::choice: return KeyValue{0, false, expect_choice(key, node)};
    case KeyType::list: return KeyValue{0, false, expect_host_list(key, node)};
    }
    fail(node.source(), dotted + " has a type llmgw cannot read");
  }

  std::string expect_text(const ConfigKey& key, const toml::node& node) const {
    const std::string dotted = key.dotted();
    std::string text = expect_string(node, dotted);
    if (static_cast<int64_t>(text.size()) < key.shape.min) fail(node.source(), dotted + " must not be empty");
    return text;
  }

  std::string expect_host_list(const ConfigKey& key, const toml::node& node) const {
    const std::string dotted = key.dotted();
    const auto* array = node.as_array();
    if (!array) wrong_type(node, dotted, "an array of strings");
    std::string text;
    for (const auto& item : *array) {
      std::string problem;
      const auto host = normalize_host(expect_string(item, dotted + " item"), problem);
      if (!host) fail(item.source(), dotted + ": " + problem);
      text += (text.empty() ? "" : ",") + *host;
    }
    return text;
  }

  std::string expect_choice(const ConfigKey& key, const toml::node& node) const {
    const std::string dotted = key.dotted();
    std::string word = expect_string(node, dotted);
    const auto& words = key.shape.choices;
    if (std::find(words.begin(), words.end(), word) == words.end())
      fail(node.source(), dotted + " must be " + describe_choices(key) + ", not '" + word + "'" +
                              detail::did_you_mean(word, Keys(words.begin(), words.end())));
    return word;
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
    if (provider.api_key_env.empty()) provider.more_keys.clear();
    detail::record_provider(m_config, provider, origins);
    m_config.providers.push_back(std::move(provider));
  }

  void apply_provider_field(ProviderConfig& provider, detail::ProviderOrigins& origins, const toml::key& key,
                            const toml::node& node) {
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
      // One env var, or a list of them: several keys for one provider.
      std::vector<std::string> envs =
          node.is_array() ? expect_strings(node, dotted) : std::vector<std::string>{expect_string(node, dotted)};
      if (envs.empty()) fail(node.source(), dotted + " must name at least one environment variable");
      provider.api_key_env = envs.front();
      provider.more_keys.clear();
      for (size_t i = 1; i < envs.size(); ++i)
        provider.more_keys.push_back({envs[i], detail::env_value(envs[i].c_str())});
      origins.api_key_env = origin;
    } else if (field == "key_strategy") {
      const std::string strategy = expect_string(node, dotted);
      if (strategy != "round_robin" && strategy != "least_recent")
        fail(node.source(), dotted + " must be \"round_robin\" or \"least_recent\", not '" + strategy + "'" +
                                detail::did_you_mean(strategy, k_key_strategies));
      provider.key_strategy = strategy == "round_robin" ? KeyStrategy::round_robin : KeyStrategy::least_recent;
    } else if (field == "auth") {
      const std::string auth = expect_string(node, dotted);
      if (auth != "key" && auth != "client")
        fail(node.source(),
             dotted + " must be \"key\" or \"client\", not '" + auth + "'" + detail::did_you_mean(auth, k_auth_names));
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
        provider.deployments[std::string(model.str())] =
            expect_string(deployment, dotted + "." + std::string(model.str()));
      origins.deployments = origin;
    } else {
      unknown_key(key, k_provider_keys, "in [providers." + provider.name + "]");
    }
  }

  // One deployment: "target" or { to = "target", weight = N, key_env = "VAR" }.
  Deployment parse_deployment(const toml::node& node, const std::string& dotted) const {
    Deployment deployment;
    const auto* table = node.as_table();
    if (table == nullptr) {
      if (!node.is_string()) wrong_type(node, dotted, "a string or an inline table { to = ... }");
      deployment.target = expect_string(node, dotted);
    } else {
      for (const auto& [key, value] : *table) {
        const std::string field(key.str());
        if (field == "to")
          deployment.target = expect_string(value, dotted + ".to");
        else if (field == "weight")
          deployment.weight = static_cast<int>(expect_int(value, dotted + ".weight", 0, 1'000'000));
        else if (field == "key_env") {
          deployment.key_env = expect_string(value, dotted + ".key_env");
          deployment.key = detail::env_value(deployment.key_env.c_str());
        } else
          unknown_key(key, k_deployment_keys, "in " + dotted);
      }
      if (deployment.target.empty()) fail(node.source(), dotted + " needs to = \"provider/model\"");
    }
    if (deployment.target.empty()) fail(node.source(), dotted + " must not be empty");
    return deployment;
  }

  // A string or a list of deployments; `shown` gets them for `llmgw config show`.
  std::vector<Deployment> parse_deployments(const toml::node& node, const std::string& dotted,
                                            std::string& shown) const {
    std::vector<Deployment> list;
    if (const auto* array = node.as_array()) {
      for (const auto& item : *array) list.push_back(parse_deployment(item, dotted + " item"));
    } else {
      list.push_back(parse_deployment(node, dotted));
    }
    if (list.empty()) fail(node.source(), dotted + " must name at least one deployment");
    for (const auto& deployment : list) {
      shown += (shown.empty() ? "" : ", ") + deployment.target;
      if (deployment.weight > 0) shown += " (weight " + std::to_string(deployment.weight) + ")";
      if (!deployment.key_env.empty()) shown += " (key " + deployment.key_env + ")";
    }
    return list;
  }

  void parse_models(const toml::table& table) {
    for (const auto& [key_ptr, node_ptr] : in_file_order(table)) {
      const toml::key& key = *key_ptr;
      const toml::node& node = *node_ptr;
      const std::string model(key.str());
      const std::string dotted = "models." + model;
      // A string, or a list: the first deployment, then the fallbacks in order.
      std::string shown;
      auto list = parse_deployments(node, dotted, shown);
      for (const auto& deployment : list) {
        const size_t slash = deployment.target.find('/');
        if (slash == std::string::npos || slash == 0 || slash + 1 == deployment.target.size())
          fail(node.source(), dotted + " = '" + deployment.target + "' must have the form 'provider/model'");
      }
      m_config.aliases[model] = std::move(list);
      m_config.set_origin(dotted, shown, where(node.source(), key));
    }
  }

  void parse_route(const toml::table& table) {
    RouteRule rule;
    rule.origin = where(table.source());
    const std::string dotted = "routes[" + std::to_string(m_config.routes.size()) + "]";
    std::string shown;
    for (const auto& [key_ptr, node_ptr] : in_file_order(table)) {
      const std::string field(key_ptr->str());
      const toml::node& node = *node_ptr;
      const std::string name = dotted + "." + field;
      if (field == "model")
        rule.model = expect_string(node, name);
      else if (field == "agent")
        rule.agent = expect_string(node, name);
      else if (field == "background")
        rule.background = expect_bool(node, name);
      else if (field == "thinking")
        rule.thinking = expect_bool(node, name);
      else if (field == "tools")
        rule.tools = expect_bool(node, name);
      else if (field == "min_prompt_tokens")
        rule.min_prompt_tokens = expect_int(node, name, 0, k_max_tokens);
      else if (field == "to")
        rule.to = parse_deployments(node, name, shown);
      else
        unknown_key(*key_ptr, k_route_keys, "in [[routes]]");
    }
    if (rule.to.empty())
      fail(table.source(), dotted + " needs to = [\"provider/model\", ...] (where matching requests go)");
    m_config.set_origin(dotted, describe(rule) + " -> " + shown, rule.origin);
    m_config.routes.push_back(std::move(rule));
  }

  static std::string describe(const RouteRule& rule) {
    std::string text = "model " + (rule.model.empty() ? std::string("*") : rule.model);
    if (!rule.agent.empty()) text += ", agent " + rule.agent;
    auto flag = [&](const char* name, const std::optional<bool>& value) {
      if (value) text += std::string(", ") + (*value ? "" : "no ") + name;
    };
    flag("background", rule.background);
    flag("thinking", rule.thinking);
    flag("tools", rule.tools);
    if (rule.min_prompt_tokens > 0) text += ", prompt >= " + std::to_string(rule.min_prompt_tokens) + " tokens";
    return text;
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

  // [telemetry]; header values are secrets: `config show` gets their names only.
  void parse_telemetry(const toml::table& table) {
    auto& telemetry = m_config.telemetry;
    for (const auto& [key_ptr, node_ptr] : in_file_order(table)) {
      const std::string field(key_ptr->str());
      const std::string dotted = "telemetry." + field;
      std::string shown;
      if (field == "endpoint") {
        shown = telemetry.endpoint = expect_base_url(*node_ptr, dotted);
      } else if (field == "service_name") {
        shown = telemetry.service_name = expect_string(*node_ptr, dotted);
      } else if (field == "protocol") {
        shown = telemetry.protocol = expect_string(*node_ptr, dotted);
        if (std::find(k_telemetry_protocols.begin(), k_telemetry_protocols.end(), shown) == k_telemetry_protocols.end())
          fail(node_ptr->source(), dotted + " must be \"http/json\" or \"http/protobuf\", not '" + shown + "'");
      } else if (field == "headers") {
        for (const auto& [header, value] : in_file_order(expect_table(*node_ptr, dotted))) {
          telemetry.headers[std::string(header->str())] =
              expect_string(*value, dotted + "." + std::string(header->str()));
          shown += (shown.empty() ? "" : ", ") + std::string(header->str()) + " (set)";
        }
      } else {
        unknown_key(*key_ptr, k_telemetry_keys, "in [telemetry]");
      }
      m_config.set_origin(dotted, shown, where(node_ptr->source(), *key_ptr));
    }
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
