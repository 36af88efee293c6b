#include "core/config/config.hpp"
#include "core/config/config_detail.hpp"
#include "core/error.hpp"

#include <filesystem>
#include <pwd.h>
#include <unistd.h>

namespace llmgw::core::config {
namespace {

std::string home_dir() {
  std::string home = detail::env_value("HOME");
  if (!home.empty()) return home;
  if (const passwd* entry = getpwuid(getuid()); entry && entry->pw_dir) return entry->pw_dir;
  throw Error("cannot find the home directory: HOME is not set");
}

// The XDG base directory: the variable when it holds an absolute path (the spec says to
// ignore relative ones), else ~/<fallback>.
std::string xdg_dir(const char* variable, const char* fallback) {
  std::string dir = detail::env_value(variable);
  if (!dir.empty() && dir.front() == '/') return dir;
  return home_dir() + "/" + fallback;
}

} // namespace

std::string default_config_path() {
  std::string explicit_path = detail::env_value("LLMGW_CONFIG");
  if (!explicit_path.empty()) return explicit_path;
  return xdg_dir("XDG_CONFIG_HOME", ".config") + "/llmgw/config.toml";
}

std::string default_db_path() { return xdg_dir("XDG_DATA_HOME", ".local/share") + "/llmgw/llmgw.db"; }

std::string default_prices_path() { return xdg_dir("XDG_DATA_HOME", ".local/share") + "/llmgw/prices.json"; }

std::string default_token_path() { return token_path_for(default_config_path()); }

std::string token_path_for(const std::string& config_path) {
  return (std::filesystem::path(config_path).parent_path() / "token").string();
}

std::string resolve_config_path(const Overrides& overrides) {
  return overrides.config_path.empty() ? default_config_path() : overrides.config_path;
}

} // namespace llmgw::core::config
