// The config subcommands: init, config show|path, env — run through CLI11 as main would.
#include "cli/common.hpp"
#include "config_test_support.hpp"
#include "core/config/config.hpp"
#include "core/config/config_keys.hpp"
#include "core/error.hpp"

#include <doctest/doctest.h>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

using llmgw::test::ConfigTempDir;
using llmgw::test::ScopedEnv;

namespace {

// Runs `llmgw <args>` with only the config subcommands registered; returns stdout.
std::string run(const std::string& args) {
  CLI::App app{"test", "llmgw"};
  llmgw::cli::GlobalOptions options;
  app.add_option("--config", options.config_path);
  llmgw::cli::register_init(app, options);
  llmgw::cli::register_env(app, options);
  llmgw::cli::register_config(app, options);
  std::ostringstream out;
  std::streambuf* saved = std::cout.rdbuf(out.rdbuf());
  try {
    app.parse(args, false);
  } catch (...) {
    std::cout.rdbuf(saved);
    throw;
  }
  std::cout.rdbuf(saved);
  return out.str();
}

} // namespace

TEST_CASE("config: init writes the starter and a token, and refuses to overwrite") {
  ConfigTempDir dir;
  ScopedEnv env;
  llmgw::test::isolate_config_env(env, dir.path());
  const std::string path = dir.file("config/llmgw/config.toml");
  const std::string out = run("init");
  CHECK(out.find("wrote " + path) != std::string::npos);
  CHECK(out.find("created the gateway token in " + dir.file("config/llmgw/token")) != std::string::npos);
  CHECK(std::filesystem::exists(path));
  const std::string token = llmgw::core::config::ensure_token(dir.file("config/llmgw/token"));
  CHECK(out.find(token) == std::string::npos);
  CHECK_THROWS_AS(run("init"), llmgw::Error);
  CHECK(run("init --force").find("kept the existing gateway token") != std::string::npos);
  CHECK(run("config path") == path + "\n");
}

TEST_CASE("config: show prints origins and never a key") {
  ConfigTempDir dir;
  ScopedEnv env;
  llmgw::test::isolate_config_env(env, dir.path());
  env.set("ANTHROPIC_API_KEY", "sk-ant-secret-value");
  std::string out = run("config show");
  CHECK(out.find("config file: none — inferred from the environment") != std::string::npos);
  CHECK(out.find("inferred from ANTHROPIC_API_KEY") != std::string::npos);
  CHECK(out.find("sk-ant-secret-value") == std::string::npos);

  const std::string path = dir.write("c.toml", "[server]\nport = 9005\n[providers.anthropic]\n");
  out = run("--config " + path + " config show --json");
  CHECK(out.find("sk-ant-secret-value") == std::string::npos);
  const auto doc = nlohmann::json::parse(out);
  CHECK(doc["config_file"] == path);
  CHECK(doc["inferred"] == false);
  bool saw_port = false;
  for (const auto& entry : doc["values"]) {
    if (entry["key"] == "server.port") {
      saw_port = true;
      CHECK(entry["value"] == "9005");
      CHECK(entry["origin"] == path + ":2");
    }
    if (entry["key"] == "providers.anthropic.key") CHECK(entry["value"] == "set");
  }
  CHECK(saw_port);
}

TEST_CASE("config: show lists every table key with its value and origin, as text and as json") {
  ConfigTempDir dir;
  ScopedEnv env;
  llmgw::test::isolate_config_env(env, dir.path());
  env.set("LLMGW_MAX_RESPONSE_MB", "16");
  const std::string path = dir.write("c.toml", "[server]\nallow_remote = true\n");
  const std::string text = run("--config " + path + " config show");
  const auto doc = nlohmann::json::parse(run("--config " + path + " config show --json"));
  std::map<std::string, nlohmann::json> values;
  for (const auto& entry : doc["values"]) values[entry["key"].get<std::string>()] = entry;
  for (const auto& key : llmgw::core::config::config_keys()) {
    INFO(key.dotted());
    CHECK(text.find("\n" + key.dotted() + "  ") != std::string::npos);
    REQUIRE(values.count(key.dotted()) == 1);
  }
  CHECK(values["server.max_response_mb"]["value"] == "16");
  CHECK(values["server.max_response_mb"]["origin"] == "env LLMGW_MAX_RESPONSE_MB");
  CHECK(values["server.allow_remote"]["value"] == "true");
  CHECK(values["server.allow_remote"]["origin"] == path + ":2");
  CHECK(values["routing.attempts"]["origin"] == "default");
  CHECK(text.find("(env LLMGW_MAX_RESPONSE_MB)") != std::string::npos);
}

TEST_CASE("config: env prints exports for bash and fish with the token") {
  ConfigTempDir dir;
  ScopedEnv env;
  llmgw::test::isolate_config_env(env, dir.path());
  env.set("SHELL", "/bin/bash");
  env.set("LLMGW_PORT", "9123");
  const std::string out = run("env");
  const std::string token = llmgw::core::config::ensure_token(dir.file("config/llmgw/token"));
  CHECK(out.find("eval \"$(llmgw env)\"") != std::string::npos);
  CHECK(out.find("export ANTHROPIC_BASE_URL=\"http://127.0.0.1:9123\"\n") != std::string::npos);
  CHECK(out.find("export ANTHROPIC_AUTH_TOKEN=\"" + token + "\"\n") != std::string::npos);
  CHECK(out.find("export OPENAI_BASE_URL=\"http://127.0.0.1:9123/v1\"\n") != std::string::npos);
  CHECK(out.find("export OPENAI_API_KEY=\"" + token + "\"\n") != std::string::npos);
  CHECK(out.find("export LLMGW_API_KEY=\"" + token + "\"\n") != std::string::npos);

  const std::string fish = run("env --shell fish --host 0.0.0.0 --port 9200");
  CHECK(fish.find("set -gx ANTHROPIC_BASE_URL \"http://127.0.0.1:9200\"\n") != std::string::npos);
  CHECK(fish.find("set -gx LLMGW_API_KEY \"" + token + "\"\n") != std::string::npos);
  env.set("SHELL", "/usr/bin/fish");
  CHECK(run("env").find("set -gx OPENAI_API_KEY") != std::string::npos);
}
