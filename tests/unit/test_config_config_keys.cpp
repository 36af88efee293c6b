// The table of scalar keys drives every layer: each row parses from config.toml with its line,
// takes its env var and flag, errs with file and line, and is documented in the README.
#include "config_test_support.hpp"
#include "core/config/config.hpp"
#include "core/config/config_keys.hpp"
#include "core/error.hpp"

#include <doctest/doctest.h>
#include <fstream>
#include <map>
#include <sstream>

using namespace llmgw::core::config;
using llmgw::test::ConfigTempDir;
using llmgw::test::ScopedEnv;

namespace {

constexpr int64_t k_mib = 1024 * 1024;

// A provider every text key may name (default_provider must name a configured one).
const std::string k_provider_name = "llmgw-test";
const std::string k_provider_table = "[providers.llmgw-test]\nbase_url = \"http://127.0.0.1:1/v1\"\n";

// A valid value of `key` other than its default.
KeyValue other_value(const ConfigKey& key) {
  const KeyShape& shape = key.shape;
  switch (shape.type) {
  case KeyType::integer: return KeyValue{shape.default_number != shape.max ? shape.max : shape.min, false, {}};
  case KeyType::boolean: return KeyValue{0, !shape.default_flag, {}};
  case KeyType::choice:
    for (auto word : shape.choices)
      if (word != shape.default_text) return KeyValue{0, false, std::string(word)};
    break;
  case KeyType::list: return KeyValue{0, false, "llm.team.example,[::1]"};
  case KeyType::text: break;
  }
  return KeyValue{0, false, k_provider_name};
}

std::string shown(const ConfigKey& key, const KeyValue& value) { return format_key_value(key, value); }

// A config.toml setting every key to other_value(); `lines` gets the line of each dotted key.
std::string file_with_other_values(std::map<std::string, int>& lines) {
  std::string text;
  int line = 0;
  std::string section;
  for (const auto& key : config_keys()) {
    if (key.section != section) {
      section = std::string(key.section);
      text += "[" + section + "]\n";
      ++line;
    }
    text += std::string(key.name) + " = " + toml_key_value(key, other_value(key)) + "\n";
    lines[key.dotted()] = ++line;
  }
  return text + k_provider_table;
}

std::string parse_error(const std::string& text) {
  try {
    parse_config(text, "cfg.toml");
  } catch (const llmgw::Error& e) {
    return e.what();
  }
  return "";
}

std::string load_error(const Overrides& overrides) {
  try {
    load_config(overrides);
  } catch (const llmgw::Error& e) {
    return e.what();
  }
  return "";
}

// `key` alone in its section, preceded by an empty line: it sits on line 3 (2 at the top level).
std::string lone_key(const ConfigKey& key, const std::string& value) {
  const std::string head = key.section.empty() ? "\n" : "[" + std::string(key.section) + "]\n\n";
  return head + std::string(key.name) + " = " + value + "\n";
}
std::string lone_key_where(const ConfigKey& key) { return key.section.empty() ? "cfg.toml:2: " : "cfg.toml:3: "; }

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

} // namespace

TEST_CASE("config keys: the table's defaults are what a default Config holds and what config show says") {
  const Config defaults;
  const Config parsed = parse_config("", "cfg.toml");
  for (const auto& key : config_keys()) {
    INFO(key.dotted());
    CHECK(shown(key, key.access.read(defaults)) == shown(key, key.default_value()));
    const ValueOrigin* origin = parsed.find_origin(key.dotted());
    REQUIRE(origin != nullptr);
    CHECK(origin->origin == "default");
    CHECK(origin->value == shown(key, key.default_value()));
  }
}

TEST_CASE("config keys: every key is read from config.toml into the typed config, with its line") {
  std::map<std::string, int> lines;
  const Config config = parse_config(file_with_other_values(lines), "cfg.toml");
  for (const auto& key : config_keys()) {
    INFO(key.dotted());
    CHECK(shown(key, key.access.read(config)) == shown(key, other_value(key)));
    const ValueOrigin* origin = config.find_origin(key.dotted());
    REQUIRE(origin != nullptr);
    CHECK(origin->origin == "cfg.toml:" + std::to_string(lines[key.dotted()]));
    CHECK(origin->value == shown(key, other_value(key)));
  }
}

TEST_CASE("config keys: every key with an env var takes it over config.toml") {
  ConfigTempDir dir;
  ScopedEnv env;
  llmgw::test::isolate_config_env(env, dir.path());
  const std::string path = dir.write("config.toml", "[server]\nport = 9000\nmax_body_mb = 8\n" + k_provider_table);
  int with_env = 0;
  for (const auto& key : config_keys()) {
    if (key.env.empty()) continue;
    ++with_env;
    env.set(std::string(key.env), shown(key, other_value(key)));
  }
  CHECK(with_env >= 7);
  const Config config = load_config({path, {}, {}});
  for (const auto& key : config_keys()) {
    if (key.env.empty()) continue;
    INFO(key.dotted());
    CHECK(shown(key, key.access.read(config)) == shown(key, other_value(key)));
    CHECK(config.find_origin(key.dotted())->origin == "env " + std::string(key.env));
  }
}

TEST_CASE("config keys: every key with a flag takes it over env and config.toml") {
  ConfigTempDir dir;
  ScopedEnv env;
  llmgw::test::isolate_config_env(env, dir.path());
  env.set("LLMGW_PORT", "9100");
  const std::string path = dir.write("config.toml", "[server]\nhost = \"127.0.0.2\"\n");
  Overrides overrides{path, "localhost", 9200};
  overrides.allow_remote = true;
  overrides.public_mode = true;
  overrides.db = (dir.path() / "other.db").string();
  const Config config = load_config(overrides);
  for (const auto& key : config_keys()) {
    if (key.flag.empty()) continue;
    INFO(key.dotted());
    CHECK(config.find_origin(key.dotted())->origin == "flag " + std::string(key.flag));
  }
  CHECK(config.server.host == "localhost");
  CHECK(config.server.port == 9200);
  CHECK(config.server.allow_remote);
  CHECK(config.server.public_mode);
  CHECK(config.store.url == (dir.path() / "other.db").string());
}

TEST_CASE("config keys: a value of the wrong type is an error with file and line") {
  for (const auto& key : config_keys()) {
    INFO(key.dotted());
    const bool wants_bool = key.shape.type == KeyType::boolean;
    const std::string message = parse_error(lone_key(key, wants_bool ? "\"yes\"" : "true"));
    const std::string wanted = key.shape.type == KeyType::integer   ? "an integer"
                               : key.shape.type == KeyType::boolean ? "a boolean"
                               : key.shape.type == KeyType::list    ? "an array of strings"
                                                                    : "a string";
    CHECK(message == lone_key_where(key) + key.dotted() + " must be " + wanted + ", not " +
                         (wants_bool ? "a string" : "a boolean"));
  }
}

TEST_CASE("config keys: an integer out of range is an error naming the range, from the file and from env") {
  ConfigTempDir dir;
  ScopedEnv env;
  llmgw::test::isolate_config_env(env, dir.path());
  for (const auto& key : config_keys()) {
    if (key.shape.type != KeyType::integer) continue;
    INFO(key.dotted());
    const std::string above = std::to_string(key.shape.max + 1);
    const std::string range = std::to_string(key.shape.min) + "-" + std::to_string(key.shape.max);
    CHECK(parse_error(lone_key(key, above)) ==
          lone_key_where(key) + key.dotted() + " " + above + " is out of range (" + range + ")");
    if (key.env.empty()) continue;
    const std::string variable(key.env);
    env.set(variable, above);
    CHECK(load_error({}).rfind("env " + variable + ": ", 0) == 0);
    env.unset(variable);
  }
}

TEST_CASE("config keys: a misspelt key is unknown, with file, line and the key meant") {
  for (const auto& key : config_keys()) {
    INFO(key.dotted());
    std::string typo(key.name);
    std::swap(typo[typo.size() - 1], typo[typo.size() - 2]);
    const std::string where = key.section.empty() ? "at the top level" : "in [" + std::string(key.section) + "]";
    ConfigKey misspelt = key;
    misspelt.name = typo;
    CHECK(parse_error(lone_key(misspelt, "1")) == lone_key_where(key) + "unknown key '" + typo + "' " + where +
                                                      " (did you mean '" + std::string(key.name) + "'?)");
  }
}

TEST_CASE("config keys: server.max_response_mb is MiB in the file and bytes in the config, 64 by default") {
  ConfigTempDir dir;
  ScopedEnv env;
  llmgw::test::isolate_config_env(env, dir.path());
  CHECK(parse_config("", "cfg.toml").server.max_response_bytes == 64 * k_mib);
  const Config config = parse_config("[server]\nmax_response_mb = 128\n", "cfg.toml");
  CHECK(config.server.max_response_bytes == 128 * k_mib);
  CHECK(config.find_origin("server.max_response_mb")->value == "128");
  CHECK(config.find_origin("server.max_response_mb")->origin == "cfg.toml:2");
  CHECK(parse_error("[server]\nmax_response_mb = 4097\n") ==
        "cfg.toml:2: server.max_response_mb 4097 is out of range (1-4096)");
  CHECK(parse_error("[server]\nmax_response_mb = \"64\"\n") ==
        "cfg.toml:2: server.max_response_mb must be an integer, not a string");
  env.set("LLMGW_MAX_RESPONSE_MB", "2");
  CHECK(load_config({}).server.max_response_bytes == 2 * k_mib);
  CHECK(load_config({}).find_origin("server.max_response_mb")->origin == "env LLMGW_MAX_RESPONSE_MB");
  env.set("LLMGW_MAX_RESPONSE_MB", "0");
  CHECK(load_error({}) == "env LLMGW_MAX_RESPONSE_MB: '0' must be an integer from 1 to 4096");
}

TEST_CASE("config keys: server.allow_remote comes from the file or --allow-remote, false by default") {
  ConfigTempDir dir;
  ScopedEnv env;
  llmgw::test::isolate_config_env(env, dir.path());
  CHECK_FALSE(parse_config("", "cfg.toml").server.allow_remote);
  const Config config = parse_config("[server]\nhost = \"0.0.0.0\"\nallow_remote = true\n", "cfg.toml");
  CHECK(config.server.allow_remote);
  CHECK(config.find_origin("server.allow_remote")->origin == "cfg.toml:3");
  CHECK(parse_error("[server]\nallow_remote = \"yes\"\n") ==
        "cfg.toml:2: server.allow_remote must be a boolean, not a string");
  Overrides overrides;
  overrides.allow_remote = true;
  const Config flagged = load_config(overrides);
  CHECK(flagged.server.allow_remote);
  CHECK(flagged.find_origin("server.allow_remote")->value == "true");
  CHECK(flagged.find_origin("server.allow_remote")->origin == "flag --allow-remote");
}

TEST_CASE("config keys: server.public and server.hosts (team mode) from the file, env and --public") {
  ConfigTempDir dir;
  ScopedEnv env;
  llmgw::test::isolate_config_env(env, dir.path());
  const Config defaults = parse_config("", "cfg.toml");
  CHECK_FALSE(defaults.server.public_mode);
  CHECK(defaults.server.hosts.empty());
  const Config config = parse_config(
      "[server]\nhost = \"0.0.0.0\"\npublic = true\nhosts = [\"LLM.Team.Example\", \"::1\", \"10.0.0.5\"]\n",
      "cfg.toml");
  CHECK(config.server.public_mode);
  CHECK(config.server.hosts == std::vector<std::string>{"llm.team.example", "[::1]", "10.0.0.5"});
  CHECK(config.find_origin("server.hosts")->value == "llm.team.example,[::1],10.0.0.5");
  CHECK(config.find_origin("server.hosts")->origin == "cfg.toml:4");
  CHECK(parse_error("[server]\nhosts = \"llm.team.example\"\n") ==
        "cfg.toml:2: server.hosts must be an array of strings, not a string");
  CHECK(parse_error("[server]\nhosts = [\"llm.team.example:443\"]\n") ==
        "cfg.toml:2: server.hosts: 'llm.team.example:443' has a port; list the host name alone (the port is "
        "ignored when matching)");
  CHECK(parse_error("[server]\nhosts = [\"*.team.example\"]\n").find("not a host name") != std::string::npos);
  env.set("LLMGW_HOSTS", " a.example, B.example ,");
  env.set("LLMGW_PUBLIC", "1");
  const Config from_env = load_config({});
  CHECK(from_env.server.public_mode);
  CHECK(from_env.server.hosts == std::vector<std::string>{"a.example", "b.example"});
  CHECK(from_env.find_origin("server.hosts")->origin == "env LLMGW_HOSTS");
  env.set("LLMGW_HOSTS", "a.example/x");
  CHECK(load_error({}).rfind("env LLMGW_HOSTS: server.hosts: 'a.example/x' is not a host name", 0) == 0);
  env.unset("LLMGW_HOSTS");
  env.unset("LLMGW_PUBLIC");
  Overrides overrides;
  overrides.public_mode = true;
  CHECK(load_config(overrides).find_origin("server.public")->origin == "flag --public");
}

TEST_CASE("config keys: the README's config reference has every key with its default, env var and flag") {
  const std::string readme = read_text(std::string(LLMGW_TEST_FIXTURES) + "/../../README.md");
  const size_t begin = readme.find("\n## Configuration\n");
  REQUIRE(begin != std::string::npos);
  const std::string reference = readme.substr(begin, readme.find("\n## ", begin + 1) - begin);
  for (const auto& key : config_keys()) {
    INFO(key.dotted());
    const KeyValue value = key.example.empty() ? key.default_value() : KeyValue{0, false, std::string(key.example)};
    const std::string line = "\n" + std::string(key.name) + " = " + toml_key_value(key, value);
    CHECK_MESSAGE(reference.find(line) != std::string::npos, line);
    if (!key.section.empty()) CHECK(reference.find("[" + std::string(key.section) + "]") != std::string::npos);
    if (!key.env.empty()) CHECK(reference.find(std::string(key.env)) != std::string::npos);
    if (!key.flag.empty()) CHECK(readme.find(std::string(key.flag)) != std::string::npos);
  }
}
