// Standard file locations: XDG directories, LLMGW_CONFIG, the token next to the config.
#include "config_test_support.hpp"
#include "core/config/config.hpp"

#include <doctest/doctest.h>

using namespace llmgw::core::config;
using llmgw::test::ScopedEnv;

TEST_CASE("config: paths honour XDG_CONFIG_HOME and XDG_DATA_HOME") {
  ScopedEnv env;
  env.unset("LLMGW_CONFIG");
  env.set("HOME", "/home/someone");
  env.set("XDG_CONFIG_HOME", "/xdg/config");
  env.set("XDG_DATA_HOME", "/xdg/data");
  CHECK(default_config_path() == "/xdg/config/llmgw/config.toml");
  CHECK(default_db_path() == "/xdg/data/llmgw/llmgw.db");
  CHECK(default_token_path() == "/xdg/config/llmgw/token");
}

TEST_CASE("config: paths fall back to HOME when XDG is unset or relative") {
  ScopedEnv env;
  env.unset("LLMGW_CONFIG");
  env.set("HOME", "/home/someone");
  env.unset("XDG_CONFIG_HOME");
  env.set("XDG_DATA_HOME", "relative/data");
  CHECK(default_config_path() == "/home/someone/.config/llmgw/config.toml");
  CHECK(default_db_path() == "/home/someone/.local/share/llmgw/llmgw.db");
}

TEST_CASE("config: LLMGW_CONFIG moves the config and its token") {
  ScopedEnv env;
  env.set("LLMGW_CONFIG", "/etc/llmgw/gw.toml");
  CHECK(default_config_path() == "/etc/llmgw/gw.toml");
  CHECK(default_token_path() == "/etc/llmgw/token");
  CHECK(token_path_for("/a/b/config.toml") == "/a/b/token");
}
