#include "store/settings_watcher.hpp"

#include "store/settings.hpp"
#include "store/shared_prices.hpp"

#include <cstdio>

namespace llmgw::store {

SettingsWatcher::SettingsWatcher(const std::string& db_path, Apply apply, Reservations reservations,
                                 RoutingState routing_state, std::chrono::milliseconds interval)
    : m_db(db_path), m_apply(std::move(apply)), m_reservations(std::move(reservations)),
      m_routing_state(std::move(routing_state)), m_interval(interval) {
  m_revision = settings_revision(m_db);
  m_apply(load_policy(m_db));
  m_thread = std::thread([this] { run(); });
}

SettingsWatcher::~SettingsWatcher() { stop(); }

void SettingsWatcher::stop() {
  {
    std::lock_guard lock(m_mutex);
    if (m_stopping) return;
    m_stopping = true;
  }
  m_wake.notify_all();
  m_thread.join();
}

void SettingsWatcher::run() {
  std::unique_lock lock(m_mutex);
  while (!m_wake.wait_for(lock, m_interval, [this] { return m_stopping; })) {
    lock.unlock();
    try {
      poll_once();
    } catch (const BusyError&) {
      // The CLI holds the write lock for a moment: the next poll sees the change.
    } catch (const Error& e) {
      std::fprintf(stderr, "llmgw: warning: reading settings failed: %s\n", e.what());
    }
    lock.lock();
  }
}

void SettingsWatcher::watch_shared_prices(PricesApply apply) {
  std::lock_guard lock(m_db_mutex);
  m_prices_apply = std::move(apply);
  check_shared_prices();
}

void SettingsWatcher::check_shared_prices() {
  if (!m_prices_apply) return;
  auto stored = shared_prices(m_db);
  if (!stored || stored->updated_at_ms == m_prices_updated_at) return;
  m_prices_updated_at = stored->updated_at_ms;
  m_prices_apply(stored->document);
}

bool SettingsWatcher::refresh() {
  try {
    std::lock_guard lock(m_db_mutex);
    const int64_t revision = settings_revision(m_db);
    if (revision != m_revision) {
      auto settings = load_policy(m_db);
      m_revision = revision;
      m_apply(std::move(settings));
      check_shared_prices();
    }
    return true;
  } catch (const Error& e) {
    std::fprintf(stderr, "llmgw: warning: reading settings failed: %s\n", e.what());
    return false;
  }
}

void SettingsWatcher::poll_once() {
  std::lock_guard lock(m_db_mutex);
  const int64_t revision = settings_revision(m_db);
  if (revision != m_revision) {
    auto settings = load_policy(m_db);
    m_revision = revision;
    m_apply(std::move(settings));
    check_shared_prices();
  }
  auto reserved = m_reservations();
  if (reserved != m_published) {
    publish_cap_reservations(m_db, reserved, core::policy::now_ms());
    m_published = std::move(reserved);
  }
  if (m_routing_state) {
    auto state = m_routing_state();
    if (state != m_published_routing) {
      publish_routing_state(m_db, state, core::policy::now_ms());
      m_published_routing = std::move(state);
    }
  }
}

} // namespace llmgw::store
