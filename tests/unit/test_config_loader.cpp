// load_config: the layers (defaults < file < env < flags), their origins and inference.
#include "config_test_support.hpp"
#include "core/config/config.hpp"
#include "core/error.hpp"

#include <doctest/doctest.h>

using namespace llmgw::core::config;
using llmgw::test::ConfigTempDir;
using llmgw::test::ScopedEnv;

namespace {

std::string origin(const Config& config, const std::string& key) {
  const ValueOrigin* entry = config.find_origin(key);
  return entry ? entry->origin : "(missing)";
}

std::string load_error(const Overrides& overrides) {
  try {
    load_config(overrides);
  } catch (const llmgw::Error& e) {
    return e.what();
  }
  return "";
}

} // namespace

TEST_CASE("config: layers apply in order file < env < flag, each with its origin") {
  ConfigTempDir dir;
  ScopedEnv env;
  llmgw::test::isolate_config_env(env, dir.path());
  const std::string path = dir.write("cfg/config.toml", "[server]\nhost = \"127.0.0.2\"\nport = 9000\n"
                                                        "threads = 3\n[providers.openai]\n");
  Overrides overrides{path, {}, {}};

  Config config = load_config(overrides);
  CHECK(config.server.port == 9000);
  CHECK(origin(config, "server.port") == path + ":3");
  CHECK(origin(config, "server.read_timeout_seconds") == "default");
  CHECK(config.file_path == path);
  CHECK(config.token_path == dir.file("cfg/token"));

  env.set("LLMGW_PORT", "9100");
  env.set("LLMGW_THREADS", "5");
  config = load_config(overrides);
  CHECK(config.server.port == 9100);
  CHECK(origin(config, "server.port") == "env LLMGW_PORT");
  CHECK(config.server.threads == 5);
  CHECK(origin(config, "server.threads") == "env LLMGW_THREADS");
  CHECK(config.server.host == "127.0.0.2");

  overrides.port = 9200;
  overrides.host = "localhost";
  config = load_config(overrides);
  CHECK(config.server.port == 9200);
  CHECK(origin(config, "server.port") == "flag --port");
  CHECK(config.find_origin("server.port")->value == "9200");
  CHECK(config.server.host == "localhost");
  CHECK(origin(config, "server.host") == "flag --host");
}

TEST_CASE("config: LLMGW_DEFAULT_PROVIDER overrides the file and is validated") {
  ConfigTempDir dir;
  ScopedEnv env;
  llmgw::test::isolate_config_env(env, dir.path());
  const std::string path = dir.write("config.toml", "[providers.openai]\n[providers.ollama]\n");
  env.set("LLMGW_DEFAULT_PROVIDER", "ollama");
  const Config config = load_config({path, {}, {}});
  CHECK(config.default_provider == "ollama");
  CHECK(origin(config, "default_provider") == "env LLMGW_DEFAULT_PROVIDER");
  env.set("LLMGW_DEFAULT_PROVIDER", "olama");
  CHECK(load_error({path, {}, {}}) == "env LLMGW_DEFAULT_PROVIDER: default_provider 'olama' is not a configured "
                                      "provider (did you mean 'ollama'?) (configured: openai, ollama)");
}

TEST_CASE("config: bad env and flag values are errors naming their source") {
  ConfigTempDir dir;
  ScopedEnv env;
  llmgw::test::isolate_config_env(env, dir.path());
  env.set("LLMGW_PORT", "80a");
  CHECK(load_error({}) == "env LLMGW_PORT: port '80a' is out of range (0-65535, 0 picks a free port)");
  env.unset("LLMGW_PORT");
  CHECK(load_error({"", {}, 70000}) == "flag --port: port '70000' is out of range (0-65535, 0 picks a free port)");
  env.set("LLMGW_MAX_BODY_MB", "0");
  CHECK(load_error({}) == "env LLMGW_MAX_BODY_MB: '0' must be an integer from 1 to 4096");
}

TEST_CASE("config: without a file providers are inferred from the environment") {
  ConfigTempDir dir;
  ScopedEnv env;
  llmgw::test::isolate_config_env(env, dir.path());

  Config config = load_config({});
  CHECK(config.inferred);
  CHECK(config.file_path.empty());
  CHECK(config.providers.empty());
  CHECK(config.default_provider.empty());
  CHECK(config.token_path == dir.file("config/llmgw/token"));

  env.set("OPENAI_API_KEY", "sk-test-openai");
  config = load_config({});
  REQUIRE(config.providers.size() == 1);
  CHECK(config.default_provider == "openai");
  CHECK(config.providers[0].api_key == "sk-test-openai");
  CHECK(origin(config, "providers.openai.base_url") == "inferred from OPENAI_API_KEY");

  env.set("ANTHROPIC_API_KEY", "sk-ant-test");
  config = load_config({});
  CHECK(config.providers.size() == 2);
  CHECK(config.find_provider("anthropic")->kind == ProviderKind::anthropic);
  CHECK(config.default_provider == "anthropic");
  CHECK(origin(config, "providers.anthropic.kind") == "inferred from ANTHROPIC_API_KEY");
  CHECK(origin(config, "default_provider") == "inferred from the available providers");
  CHECK(config.find_origin("providers.anthropic.key")->value == "set");
}

TEST_CASE("config: a file without providers still infers them") {
  ConfigTempDir dir;
  ScopedEnv env;
  llmgw::test::isolate_config_env(env, dir.path());
  env.set("OPENAI_API_KEY", "sk-test-openai");
  const std::string path = dir.write("config/llmgw/config.toml", "[server]\nport = 9001\n");
  const Config config = load_config({});
  CHECK(config.file_path == path);
  CHECK(config.inferred);
  CHECK(config.server.port == 9001);
  REQUIRE(config.find_provider("openai"));
}

TEST_CASE("config: model map entries are checked against inferred providers") {
  ConfigTempDir dir;
  ScopedEnv env;
  llmgw::test::isolate_config_env(env, dir.path());
  const std::string path = dir.write("config.toml", "[models]\nfast = \"openai/gpt-5-mini\"\n");
  CHECK(load_error({path, {}, {}}) == path + ":2: models.fast names unknown provider 'openai' (configured: none)");
  env.set("OPENAI_API_KEY", "sk-test");
  CHECK(load_config({path, {}, {}}).aliases.at("fast").front().target == "openai/gpt-5-mini");
}

TEST_CASE("config: --config wins over LLMGW_CONFIG, which wins over XDG") {
  ConfigTempDir dir;
  ScopedEnv env;
  llmgw::test::isolate_config_env(env, dir.path());
  dir.write("config/llmgw/config.toml", "[server]\nport = 9001\n");
  const std::string from_env = dir.write("env.toml", "[server]\nport = 9002\n");
  const std::string from_flag = dir.write("flag.toml", "[server]\nport = 9003\n");
  CHECK(load_config({}).server.port == 9001);
  env.set("LLMGW_CONFIG", from_env);
  CHECK(resolve_config_path({}) == from_env);
  CHECK(load_config({}).server.port == 9002);
  CHECK(load_config({from_flag, {}, {}}).server.port == 9003);
  CHECK(resolve_config_path({from_flag, {}, {}}) == from_flag);
}

TEST_CASE("config: a missing --config file is an error") {
  ConfigTempDir dir;
  ScopedEnv env;
  llmgw::test::isolate_config_env(env, dir.path());
  const std::string path = dir.file("nope.toml");
  CHECK(load_error({path, {}, {}}) ==
        "config file not found: " + path + " (create it with 'llmgw --config " + path + " init')");
}
