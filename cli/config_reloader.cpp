#include "cli/config_reloader.hpp"

#include "core/error.hpp"

#include <chrono>
#include <cstdio>
#include <sys/stat.h>

namespace llmgw::cli {
namespace {

constexpr auto k_poll_interval = std::chrono::milliseconds(500);

} // namespace

ConfigReloader::ConfigReloader(core::pipeline::Gateway& gateway, core::config::Overrides overrides, std::string path)
    : m_gateway(gateway), m_overrides(std::move(overrides)), m_path(std::move(path)), m_seen(stamp()) {
  m_thread = std::thread([this] { run(); });
}

ConfigReloader::~ConfigReloader() { stop(); }

void ConfigReloader::stop() {
  {
    std::lock_guard lock(m_mutex);
    if (m_stopping) return;
    m_stopping = true;
  }
  m_wake.notify_all();
  m_thread.join();
}

ConfigReloader::Stamp ConfigReloader::stamp() const {
  struct stat info {};
  if (::stat(m_path.c_str(), &info) != 0) return {};
  return Stamp{true, static_cast<long long>(info.st_mtim.tv_sec) * 1'000'000'000LL + info.st_mtim.tv_nsec,
               static_cast<long long>(info.st_size), static_cast<long long>(info.st_ino)};
}

void ConfigReloader::reload(const char* why) {
  std::lock_guard lock(m_reload_mutex);
  m_seen = stamp();
  // An editor replacing the file leaves a moment without one: wait for it rather than fall back
  // to providers inferred from the environment.
  if (!m_seen.exists) {
    std::fprintf(stderr, "llmgw: %s: %s is missing; the running config stays\n", why, m_path.c_str());
    return;
  }
  try {
    auto config = core::config::load_config(m_overrides);
    const size_t providers = config.providers.size();
    const auto restart_only = m_gateway.reload(std::move(config));
    std::fprintf(stderr, "llmgw: %s: config reloaded from %s (%zu providers)\n", why, m_path.c_str(), providers);
    for (const auto& key : restart_only)
      std::fprintf(stderr, "llmgw: %s changed: it takes effect after a restart\n", key.c_str());
  } catch (const Error& error) {
    std::fprintf(stderr, "llmgw: %s: config NOT reloaded, the running config stays: %s\n", why, error.what());
  }
}

void ConfigReloader::run() {
  std::unique_lock lock(m_mutex);
  while (!m_wake.wait_for(lock, k_poll_interval, [this] { return m_stopping; })) {
    lock.unlock();
    Stamp now = stamp();
    bool changed = false;
    {
      std::lock_guard guard(m_reload_mutex);
      changed = now.exists && !(now == m_seen);
    }
    if (changed) reload("config file changed");
    lock.lock();
  }
}

} // namespace llmgw::cli
