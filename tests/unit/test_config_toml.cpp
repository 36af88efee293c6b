// parse_config: the config.toml layer, its schema checks and its error messages.
#include "config_test_support.hpp"
#include "core/config/config.hpp"
#include "core/error.hpp"

#include <cstdio>
#include <doctest/doctest.h>

using namespace llmgw::core::config;
using llmgw::test::ScopedEnv;

namespace {

// The message parse_config throws for `text`, "" if it parses.
std::string parse_error(const std::string& text) {
  try {
    parse_config(text, "cfg.toml");
  } catch (const llmgw::Error& e) {
    return e.what();
  }
  return "";
}

} // namespace

TEST_CASE("config: well-known providers get their defaults") {
  ScopedEnv env;
  env.set("OPENROUTER_API_KEY", "sk-or-test");
  env.unset("DEEPSEEK_API_KEY");
  const Config config = parse_config("[providers.openrouter]\n[providers.deepseek]\n[providers.ollama]\n"
                                     "[providers.anthropic]\n",
                                     "cfg.toml");
  REQUIRE(config.providers.size() == 4);
  const ProviderConfig* openrouter = config.find_provider("openrouter");
  REQUIRE(openrouter);
  CHECK(openrouter->kind == ProviderKind::openai_compatible);
  CHECK(openrouter->base_url == "https://openrouter.ai/api/v1");
  CHECK(openrouter->api_key_env == "OPENROUTER_API_KEY");
  CHECK(openrouter->api_key == "sk-or-test");
  CHECK(config.find_provider("deepseek")->api_key.empty());
  CHECK(config.find_provider("ollama")->base_url == "http://127.0.0.1:11434/v1");
  CHECK(config.find_provider("ollama")->api_key_env.empty());
  CHECK(config.find_provider("anthropic")->kind == ProviderKind::anthropic);
  CHECK(config.find_provider("anthropic")->base_url == "https://api.anthropic.com");
  CHECK(config.find_origin("providers.openrouter.base_url")->origin == "default");
  CHECK(config.find_origin("providers.openrouter.key")->value == "set");
  CHECK(config.find_origin("providers.deepseek.key")->value == "not set");
}

TEST_CASE("config: provider fields override defaults and record their lines") {
  const Config config = parse_config("[providers.local]\n"
                                     "base_url = \"http://127.0.0.1:9999/v1//\"\n"
                                     "auth = \"client\"\n"
                                     "models = [\"m1\", \"m2\"]\n",
                                     "cfg.toml");
  const ProviderConfig* local = config.find_provider("local");
  REQUIRE(local);
  CHECK(local->kind == ProviderKind::openai_compatible);
  CHECK(local->base_url == "http://127.0.0.1:9999/v1");
  CHECK(local->forward_client_auth);
  CHECK(local->models == std::vector<std::string>{"m1", "m2"});
  CHECK(config.find_origin("providers.local.base_url")->origin == "cfg.toml:2");
  CHECK(config.find_origin("providers.local.models")->value == "[m1, m2]");
  CHECK(config.default_provider == "local");
}

TEST_CASE("config: unknown key is an error with line number and hint") {
  CHECK(parse_error("[server]\nhost = \"127.0.0.1\"\nprot = 9000\n") ==
        "cfg.toml:3: unknown key 'prot' in [server] (did you mean 'port'?)");
  CHECK(parse_error("\n\n[sever]\nport = 1\n") == "cfg.toml:3: unknown key 'sever' at the top level "
                                                  "(did you mean 'server'?)");
  CHECK(parse_error("[providers.openai]\nbase_ulr = \"https://x\"\n") ==
        "cfg.toml:2: unknown key 'base_ulr' in [providers.openai] (did you mean 'base_url'?)");
  CHECK(parse_error("[server]\nzzzzzzzz = 1\n") == "cfg.toml:2: unknown key 'zzzzzzzz' in [server]");
}

TEST_CASE("config: wrong types and bad values are errors with line numbers") {
  CHECK(parse_error("[server]\nport = \"8787\"\n") == "cfg.toml:2: server.port must be an integer, not a string");
  CHECK(parse_error("[server]\nport = 70000\n") == "cfg.toml:2: server.port 70000 is out of range (0-65535)");
  CHECK(parse_error("server = 3\n") == "cfg.toml:1: server must be a table, not an integer");
  CHECK(parse_error("[providers.openai]\nmodels = \"gpt\"\n") ==
        "cfg.toml:2: providers.openai.models must be an array of strings, not a string");
  CHECK(parse_error("[providers.x]\nkind = \"anthropc\"\nbase_url = \"https://x\"\n") ==
        "cfg.toml:2: unknown provider kind 'anthropc' in providers.x.kind (expected openai, anthropic, "
        "openai_compatible, gemini or azure) (did you mean 'anthropic'?)");
  CHECK(parse_error("[providers.x]\nbase_url = \"ftp://x\"\n") ==
        "cfg.toml:2: providers.x.base_url 'ftp://x' must start with http:// or https://");
  CHECK(parse_error("[providers.openai]\nauth = \"clients\"\n") ==
        "cfg.toml:2: providers.openai.auth must be \"key\" or \"client\", not 'clients' (did you mean 'client'?)");
}

TEST_CASE("config: a provider that is not well known needs base_url") {
  CHECK(parse_error("[providers.antropic]\n") ==
        "cfg.toml:1: provider 'antropic' needs base_url (it is not a well-known provider) "
        "(did you mean 'anthropic'?)");
}

TEST_CASE("config: toml syntax errors carry the line") {
  const std::string message = parse_error("[server]\nport = = 1\n");
  CHECK(message.rfind("cfg.toml:2: ", 0) == 0);
}

TEST_CASE("config: model map values must name a configured provider") {
  const Config config = parse_config("[providers.openrouter]\n[models]\n"
                                     "\"sonnet\" = \"openrouter/anthropic/claude-sonnet-4.5\"\n",
                                     "cfg.toml");
  CHECK(config.aliases.at("sonnet").front().target == "openrouter/anthropic/claude-sonnet-4.5");
  CHECK(config.find_origin("models.sonnet")->origin == "cfg.toml:3");
  CHECK(parse_error("[providers.openai]\n[models]\nfast = \"gpt-5-mini\"\n") ==
        "cfg.toml:3: models.fast = 'gpt-5-mini' must have the form 'provider/model'");
  CHECK(parse_error("[providers.openai]\n[models]\nfast = \"opnai/gpt-5-mini\"\n") ==
        "cfg.toml:3: models.fast names unknown provider 'opnai' (did you mean 'openai'?) (configured: openai)");
}

TEST_CASE("config: default_provider must be configured") {
  CHECK(parse_config("default_provider = \"deepseek\"\n[providers.openai]\n[providers.deepseek]\n", "cfg.toml")
            .default_provider == "deepseek");
  CHECK(parse_error("default_provider = \"opena\"\n[providers.openai]\n") ==
        "cfg.toml:1: default_provider 'opena' is not a configured provider (did you mean 'openai'?) "
        "(configured: openai)");
}

TEST_CASE("config: prices convert exactly to micro-USD per Mtok") {
  const Config config = parse_config("[prices.\"m1\"]\ninput = 0.0028\noutput = 3.75\ncache_read = 0.075\n"
                                     "[prices.\"m2\"]\nprovider = \"anthropic\"\ninput = 15\noutput = 0.000001\n"
                                     "cache_write_5m = 18.75\ncache_write_1h = 30\nmax_output_tokens = 64000\n",
                                     "cfg.toml");
  REQUIRE(config.price_overrides.size() == 2);
  const auto& m1 = config.price_overrides[0];
  CHECK(m1.model == "m1");
  CHECK(m1.base.input == 2800);
  CHECK(m1.base.output == 3'750'000);
  CHECK(m1.base.cache_read == 75'000);
  CHECK(m1.base.cache_write_5m == -1);
  CHECK(m1.origin == "cfg.toml:1");
  const auto& m2 = config.price_overrides[1];
  CHECK(m2.provider == "anthropic");
  CHECK(m2.base.input == 15'000'000);
  CHECK(m2.base.output == 1);
  CHECK(m2.base.cache_write_5m == 18'750'000);
  CHECK(m2.base.cache_write_1h == 30'000'000);
  CHECK(m2.max_output_tokens == 64000);
  CHECK(config.find_origin("prices.m1.input")->value == "0.0028");
  CHECK(config.find_origin("prices.m2.output")->origin == "cfg.toml:8");
}

TEST_CASE("config: every six-decimal price converts exactly") {
  std::string text;
  std::vector<int64_t> expected;
  char line[96];
  for (int64_t micro = 0; micro < 200'000'000; micro += 99'991) {
    std::snprintf(line, sizeof line, "[prices.\"m%zu\"]\ninput = %lld.%06lld\noutput = 1\n", expected.size(),
                  static_cast<long long>(micro / 1'000'000), static_cast<long long>(micro % 1'000'000));
    text += line;
    expected.push_back(micro);
  }
  const Config config = parse_config(text, "cfg.toml");
  REQUIRE(config.price_overrides.size() == expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    CHECK(config.price_overrides[i].model == "m" + std::to_string(i));
    CHECK(config.price_overrides[i].base.input == expected[i]);
  }
}

TEST_CASE("config: price errors") {
  CHECK(parse_error("[prices.\"m\"]\ninput = 1\n") == "cfg.toml:1: price for 'm' needs both input and output");
  CHECK(parse_error("[prices.\"m\"]\ninput = \"1\"\noutput = 1\n") ==
        "cfg.toml:2: prices.m.input must be a number (USD per million tokens), not a string");
  CHECK(parse_error("[prices.\"m\"]\ninput = -1.5\noutput = 1\n") == "cfg.toml:2: prices.m.input is out of range");
  CHECK(parse_error("[prices.\"m\"]\ninput = 1\noutput = 1\ncache_reed = 1\n") ==
        "cfg.toml:4: unknown key 'cache_reed' in [prices.m] (did you mean 'cache_read'?)");
}

TEST_CASE("config: server values and their origins") {
  const Config config = parse_config("[server]\nhost = \"0.0.0.0\"\nport = 9000\nmax_body_mb = 8\nthreads = 4\n"
                                     "shutdown_grace_seconds = 3\nconnect_timeout_seconds = 5\n"
                                     "read_timeout_seconds = 120\n",
                                     "cfg.toml");
  CHECK(config.server.host == "0.0.0.0");
  CHECK(config.server.port == 9000);
  CHECK(config.server.max_body_bytes == 8 * 1024 * 1024);
  CHECK(config.server.threads == 4);
  CHECK(config.server.shutdown_grace_seconds == 3);
  CHECK(config.server.connect_timeout_seconds == 5);
  CHECK(config.server.read_timeout_seconds == 120);
  CHECK(config.find_origin("server.max_body_mb")->value == "8");
  CHECK(config.find_origin("server.read_timeout_seconds")->origin == "cfg.toml:8");
  CHECK(config.find_origin("default_provider")->origin == "default");
  CHECK(config.file_path == "cfg.toml");
  CHECK_FALSE(config.inferred);
}

TEST_CASE("config: providers keep the file's order and the first is the default") {
  const Config config = parse_config("[providers.zed]\nbase_url = \"http://127.0.0.1:1/v1\"\n"
                                     "[providers.alpha]\nbase_url = \"http://127.0.0.1:2/v1\"\n",
                                     "cfg.toml");
  REQUIRE(config.providers.size() == 2);
  CHECK(config.providers[0].name == "zed");
  CHECK(config.default_provider == "zed");
  CHECK(config.find_origin("default_provider")->origin == "inferred: first provider");
}

TEST_CASE("config: several keys per provider, a key strategy, deployments with weights and keys") {
  ScopedEnv env;
  env.set("KEY_A", "value-a");
  env.set("KEY_B", "value-b");
  env.unset("KEY_C");
  env.set("WORK_KEY", "value-work");
  const Config config = parse_config("[providers.openai]\napi_key_env = [\"KEY_A\", \"KEY_B\", \"KEY_C\"]\n"
                                     "key_strategy = \"least_recent\"\n[providers.anthropic]\n"
                                     "[models]\nsmart = [{ to = \"anthropic/claude-sonnet-4-5\", weight = 3, "
                                     "key_env = \"WORK_KEY\" }, \"openai/gpt-4.1\"]\n",
                                     "cfg.toml");
  const ProviderConfig* openai = config.find_provider("openai");
  REQUIRE(openai);
  CHECK(openai->key_count() == 3);
  CHECK(openai->key_value(0) == "value-a");
  CHECK(openai->key_env(1) == "KEY_B");
  CHECK(openai->key_value(1) == "value-b");
  CHECK(openai->key_value(2).empty());
  CHECK(openai->key_strategy == KeyStrategy::least_recent);
  CHECK(config.find_origin("providers.openai.key")->value == "KEY_A set, KEY_B set, KEY_C not set");
  CHECK(config.find_origin("providers.openai.api_key_env")->value == "[KEY_A, KEY_B, KEY_C]");
  const auto& smart = config.aliases.at("smart");
  REQUIRE(smart.size() == 2);
  CHECK(smart[0].target == "anthropic/claude-sonnet-4-5");
  CHECK(smart[0].weight == 3);
  CHECK(smart[0].key_env == "WORK_KEY");
  CHECK(smart[0].key == "value-work");
  CHECK(smart[1].target == "openai/gpt-4.1");
  CHECK(config.find_origin("models.smart")->value ==
        "anthropic/claude-sonnet-4-5 (weight 3) (key WORK_KEY), openai/gpt-4.1");
  CHECK(config.find_origin("models.smart")->value.find("value-work") == std::string::npos);
  CHECK(parse_error("[providers.openai]\nkey_strategy = \"round_robbin\"\n") ==
        "cfg.toml:2: providers.openai.key_strategy must be \"round_robin\" or \"least_recent\", not 'round_robbin' "
        "(did you mean 'round_robin'?)");
  CHECK(parse_error("[providers.openai]\napi_key_env = []\n") ==
        "cfg.toml:2: providers.openai.api_key_env must name at least one environment variable");
  CHECK(parse_error("[providers.openai]\n[models]\nx = [{ to = \"openai/gpt-4.1\", wieght = 2 }]\n") ==
        "cfg.toml:3: unknown key 'wieght' in models.x item (did you mean 'weight'?)");
  CHECK(parse_error("[providers.openai]\n[models]\nx = [{ weight = 2 }]\n") ==
        "cfg.toml:3: models.x item needs to = \"provider/model\"");
}

TEST_CASE("config: [routing] cool-down, key and affinity settings") {
  const Config config = parse_config("[routing]\ncooldown_failures = 5\ncooldown_window_seconds = 30\n"
                                     "cooldown_seconds = 120\nkey_bench_seconds = 900\nsession_affinity = false\n"
                                     "affinity_minutes = 15\n",
                                     "cfg.toml");
  CHECK(config.routing.cooldown_failures == 5);
  CHECK(config.routing.cooldown_window_seconds == 30);
  CHECK(config.routing.cooldown_seconds == 120);
  CHECK(config.routing.key_bench_seconds == 900);
  CHECK_FALSE(config.routing.session_affinity);
  CHECK(config.routing.affinity_minutes == 15);
  CHECK(config.find_origin("routing.cooldown_seconds")->origin == "cfg.toml:4");
  CHECK(parse_config("", "cfg.toml").find_origin("routing.cooldown_failures")->value == "3");
  CHECK(parse_error("[routing]\ncooldown_secs = 1\n") ==
        "cfg.toml:2: unknown key 'cooldown_secs' in [routing] (did you mean 'cooldown_seconds'?)");
  CHECK(parse_error("[routing]\nsession_affinity = 1\n") ==
        "cfg.toml:2: routing.session_affinity must be a boolean, not an integer");
}

TEST_CASE("config: [[routes]] rules with their conditions, checked against the providers") {
  const Config config = parse_config("[providers.anthropic]\n[providers.ollama]\n[models]\nlocal = \"ollama/qwen3\"\n"
                                     "[[routes]]\nagent = \"claude-code\"\nbackground = true\nto = \"local\"\n"
                                     "[[routes]]\nmodel = \"claude-*\"\nmin_prompt_tokens = 100000\nthinking = false\n"
                                     "tools = true\nto = [\"anthropic/claude-sonnet-4-5\", \"ollama\"]\n",
                                     "cfg.toml");
  REQUIRE(config.routes.size() == 2);
  CHECK(config.routes[0].agent == "claude-code");
  CHECK(config.routes[0].background == true);
  CHECK_FALSE(config.routes[0].thinking.has_value());
  CHECK(config.routes[0].to.front().target == "local");
  CHECK(config.routes[0].origin == "cfg.toml:5");
  CHECK(config.routes[1].model == "claude-*");
  CHECK(config.routes[1].min_prompt_tokens == 100000);
  CHECK(config.routes[1].thinking == false);
  CHECK(config.routes[1].tools == true);
  REQUIRE(config.routes[1].to.size() == 2);
  CHECK(config.find_origin("routes[1]")->value ==
        "model claude-*, no thinking, tools, prompt >= 100000 tokens -> anthropic/claude-sonnet-4-5, ollama");
  CHECK(parse_error("[providers.anthropic]\n[[routes]]\nmodel = \"x\"\n") ==
        "cfg.toml:2: routes[0] needs to = [\"provider/model\", ...] (where matching requests go)");
  CHECK(parse_error("[providers.anthropic]\n[[routes]]\ntools = true\nto = \"antropic/x\"\n") ==
        "cfg.toml:2: routes[0] target 'antropic/x' names unknown provider 'antropic' (did you mean 'anthropic'?) "
        "(configured: anthropic)");
  CHECK(parse_error("[[routes]]\nbackground = \"yes\"\nto = \"x\"\n") ==
        "cfg.toml:2: routes[0].background must be a boolean, not a string");
  CHECK(parse_error("[[routes]]\nagnet = \"codex\"\n") ==
        "cfg.toml:2: unknown key 'agnet' in [[routes]] (did you mean 'agent'?)");
}
