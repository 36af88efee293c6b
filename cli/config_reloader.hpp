#pragma once
// Keeps a running server on the config file as it is edited: polls the file twice a second and
// reloads on SIGHUP. A valid file replaces the running config for the requests that start after
// it; an invalid one is refused with the reason and the running config stays.
#include "core/config/config.hpp"
#include "core/pipeline/gateway.hpp"

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace llmgw::cli {

class ConfigReloader {
public:
  ConfigReloader(core::pipeline::Gateway& gateway, core::config::Overrides overrides, std::string path);
  ~ConfigReloader();
  ConfigReloader(const ConfigReloader&) = delete;
  ConfigReloader& operator=(const ConfigReloader&) = delete;

  // Read the file now and put it in force if it is valid (why: "SIGHUP", "file changed").
  void reload(const char* why);
  void stop();

private:
  struct Stamp {
    bool exists = false;
    long long mtime_ns = 0, size = 0, inode = 0;
    bool operator==(const Stamp&) const = default;
  };
  Stamp stamp() const;
  void run();

  core::pipeline::Gateway& m_gateway;
  core::config::Overrides m_overrides;
  std::string m_path;
  std::mutex m_reload_mutex; // one reload at a time (SIGHUP and the poll)
  Stamp m_seen;
  std::mutex m_mutex;
  std::condition_variable m_wake;
  bool m_stopping = false;
  std::thread m_thread;
};

} // namespace llmgw::cli
