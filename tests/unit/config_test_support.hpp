#pragma once
// Helpers for the config unit tests: scoped environment variables and a temp directory.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>

namespace llmgw::test {

// Sets and unsets environment variables; restores every touched variable when destroyed.
class ScopedEnv {
public:
  ScopedEnv() = default;
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;
  ~ScopedEnv() {
    for (const auto& [name, value] : m_saved) {
      if (value)
        ::setenv(name.c_str(), value->c_str(), 1);
      else
        ::unsetenv(name.c_str());
    }
  }

  void set(const std::string& name, const std::string& value) {
    save(name);
    ::setenv(name.c_str(), value.c_str(), 1);
  }
  void unset(const std::string& name) {
    save(name);
    ::unsetenv(name.c_str());
  }

private:
  void save(const std::string& name) {
    if (m_saved.count(name)) return;
    const char* value = std::getenv(name.c_str());
    m_saved[name] = value ? std::optional<std::string>(value) : std::nullopt;
  }

  std::map<std::string, std::optional<std::string>> m_saved;
};

// An environment without the variables config reads, rooted in `home`; no Ollama probe.
inline void isolate_config_env(ScopedEnv& env, const std::filesystem::path& home) {
  for (const char* name : {"OPENAI_API_KEY", "ANTHROPIC_API_KEY", "OPENROUTER_API_KEY", "DEEPSEEK_API_KEY",
                           "LLMGW_CONFIG", "LLMGW_HOST", "LLMGW_PORT", "LLMGW_DEFAULT_PROVIDER",
                           "LLMGW_MAX_BODY_MB", "LLMGW_THREADS", "LLMGW_READ_TIMEOUT_SECONDS"})
    env.unset(name);
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
