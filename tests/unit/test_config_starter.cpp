// The starter config `llmgw init` writes: parses as is, and with every example uncommented.
#include "config_test_support.hpp"
#include "core/config/config.hpp"
#include "core/config/config_keys.hpp"

#include <doctest/doctest.h>
#include <sstream>

using namespace llmgw::core::config;
using llmgw::test::ScopedEnv;

namespace {

// Removes "# " from example lines; prose lines ("##") stay comments.
std::string uncomment_examples(const std::string& text) {
  std::istringstream in(text);
  std::string out;
  for (std::string line; std::getline(in, line);) out += (line.rfind("# ", 0) == 0 ? line.substr(2) : line) + "\n";
  return out;
}

} // namespace

TEST_CASE("config: the starter config parses and yields the defaults") {
  const Config config = parse_config(starter_config(), "starter.toml");
  const ServerConfig defaults;
  CHECK(config.server.host == defaults.host);
  CHECK(config.server.port == defaults.port);
  CHECK(config.server.max_body_bytes == defaults.max_body_bytes);
  CHECK(config.providers.empty());
  CHECK(config.aliases.empty());
  CHECK(config.price_overrides.empty());
  for (const auto& entry : config.origins) CHECK_MESSAGE(entry.origin == "default", entry.key);
}

TEST_CASE("config: the starter documents every server, routing and caps key with its default") {
  const Config defaults = parse_config("", "empty.toml");
  const std::string starter = starter_config();
  for (const auto& entry : defaults.origins) {
    const size_t dot = entry.key.find('.');
    const std::string section = entry.key.substr(0, dot);
    if (section != "server" && section != "caps" && section != "routing") continue;
    std::string value = entry.value;
    if (entry.key == "server.host" || entry.key == "caps.unpriced") value = "\"" + value + "\"";
    if (entry.key == "server.hosts") value = "[]"; // a list: an empty array by default
    const std::string line = "# " + entry.key.substr(dot + 1) + " = " + value + "\n";
    CHECK_MESSAGE(starter.find(line) != std::string::npos, line);
  }
}

TEST_CASE("config: every example in the starter config is valid") {
  ScopedEnv env;
  env.set("DEEPSEEK_API_KEY", "sk-deepseek-test");
  const Config config = parse_config(uncomment_examples(starter_config()), "starter.toml");
  for (std::string_view name : {"anthropic", "openai", "openrouter", "deepseek", "ollama", "work-proxy"})
    CHECK_MESSAGE(config.find_provider(name), name);
  CHECK(config.default_provider == "anthropic");
  CHECK(config.find_provider("deepseek")->api_key == "sk-deepseek-test");
  CHECK(config.aliases.at("cheap").front().target == "deepseek/deepseek-chat");
  CHECK(config.aliases.at("smart").front().weight == 3);
  REQUIRE(config.routes.size() == 2);
  CHECK(config.routes[0].background == true);
  CHECK(config.routes[1].min_prompt_tokens == 150000);
  REQUIRE(config.price_overrides.size() == 1);
  CHECK(config.price_overrides[0].base.cache_read == 28'000);
  CHECK(config.server.port == 8787);
}

TEST_CASE("config: the starter shows every table key with its doc and default, and names every env var and flag") {
  const std::string starter = starter_config();
  // The prose as one line: "## " prefixes and line breaks dropped.
  std::string prose;
  std::istringstream in(starter);
  for (std::string line; std::getline(in, line);)
    if (line.rfind("## ", 0) == 0) prose += line.substr(3) + " ";
  for (const auto& key : config_keys()) {
    INFO(key.dotted());
    const KeyValue value = key.example.empty() ? key.default_value() : KeyValue{0, false, std::string(key.example)};
    CHECK(starter.find("\n# " + std::string(key.name) + " = " + toml_key_value(key, value) + "\n") !=
          std::string::npos);
    CHECK(prose.find(std::string(key.doc)) != std::string::npos);
    if (!key.env.empty()) CHECK(prose.find(std::string(key.env)) != std::string::npos);
    if (!key.flag.empty()) CHECK(prose.find(std::string(key.flag)) != std::string::npos);
  }
  CHECK(starter.find("\n[server]\n") < starter.find("# max_response_mb = 64\n"));
  CHECK(starter.find("# allow_remote = false\n") < starter.find("\n[routing]\n"));
  std::istringstream lines(starter);
  for (std::string line; std::getline(lines, line);) CHECK_MESSAGE(line.size() <= 100, line);
}
