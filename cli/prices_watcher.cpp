#include "cli/prices_watcher.hpp"

#include "core/error.hpp"
#include "core/pricing/price_import.hpp"

#include <chrono>
#include <cstdio>
#include <sys/stat.h>

namespace llmgw::cli {
namespace {

constexpr auto k_prices_poll_interval = std::chrono::milliseconds(500);

} // namespace

PricesWatcher::PricesWatcher(core::pipeline::Gateway& gateway, std::string path)
    : m_gateway(gateway), m_path(std::move(path)), m_seen(stamp()) {
  m_thread = std::thread([this] { run(); });
}

PricesWatcher::~PricesWatcher() { stop(); }

void PricesWatcher::stop() {
  {
    std::lock_guard lock(m_mutex);
    if (m_stopping) return;
    m_stopping = true;
  }
  m_wake.notify_all();
  m_thread.join();
}

PricesWatcher::Stamp PricesWatcher::stamp() const {
  struct stat info {};
  if (::stat(m_path.c_str(), &info) != 0) return {};
  return Stamp{true, static_cast<long long>(info.st_mtim.tv_sec) * 1'000'000'000LL + info.st_mtim.tv_nsec,
               static_cast<long long>(info.st_size), static_cast<long long>(info.st_ino)};
}

void PricesWatcher::apply() {
  try {
    auto imported = core::pricing::load_imported_prices(m_path);
    const size_t count = imported ? imported->entries.size() : 0;
    m_gateway.set_imported_prices(std::move(imported));
    if (count > 0)
      std::fprintf(stderr, "llmgw: imported prices reloaded from %s (%zu entries)\n", m_path.c_str(), count);
    else
      std::fprintf(stderr, "llmgw: imported prices removed (%s): bundled prices and config overrides apply\n",
                   m_path.c_str());
  } catch (const Error& error) {
    std::fprintf(stderr, "llmgw: imported prices NOT reloaded, the prices in force stay: %s\n", error.what());
  }
}

void PricesWatcher::run() {
  std::unique_lock lock(m_mutex);
  while (!m_wake.wait_for(lock, k_prices_poll_interval, [this] { return m_stopping; })) {
    lock.unlock();
    // `llmgw prices import` renames a complete file into place, so a changed stamp is a whole file.
    const Stamp now = stamp();
    if (!(now == m_seen)) {
      m_seen = now;
      apply();
    }
    lock.lock();
  }
}

} // namespace llmgw::cli
