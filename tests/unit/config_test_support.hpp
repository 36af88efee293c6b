#pragma once
// Helpers for the config unit tests: an isolated environment and a temp directory.
#include "core/config/config_keys.hpp"
#include "tests/support/scoped_env.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

namespace llmgw::test {

// An environment without the variables config reads, rooted in `home`; no Ollama probe.
inline void isolate_config_env(ScopedEnv& env, const std::filesystem::path& home) {
  for (const char* name : {"OPENAI_API_KEY", "ANTHROPIC_API_KEY", "OPENROUTER_API_KEY", "DEEPSEEK_API_KEY",
                           "GEMINI_API_KEY", "LLMGW_CONFIG"})
    env.unset(name);
  for (const auto& key : core::config::config_keys())
    if (!key.env.empty()) env.unset(std::string(key.env));
  env.set("HOME", home.string());
  env.set("XDG_CONFIG_HOME", (home / "config").string());
  env.set("XDG_DATA_HOME", (home / "data").string());
  env.set("LLMGW_NO_PROBE", "1");
}

// A new empty directory under the system temp dir, removed with everything in it.
class ConfigTempDir {
public:
  ConfigTempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "llmgw-config-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    m_path = pattern;
  }
  ~ConfigTempDir() {
    std::error_code ec;
    std::filesystem::remove_all(m_path, ec);
  }
  ConfigTempDir(const ConfigTempDir&) = delete;
  ConfigTempDir& operator=(const ConfigTempDir&) = delete;

  // Path of a file inside the directory.
  std::string file(const std::string& name) const { return (m_path / name).string(); }
  const std::filesystem::path& path() const { return m_path; }

  // Writes `text` to `name` (creating directories) and returns its path.
  std::string write(const std::string& name, const std::string& text) const {
    const auto target = m_path / name;
    std::filesystem::create_directories(target.parent_path());
    std::ofstream(target) << text;
    return target.string();
  }

private:
  std::filesystem::path m_path;
};

} // namespace llmgw::test
