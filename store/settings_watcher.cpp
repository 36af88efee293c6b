#include "store/settings_watcher.hpp"

#include "store/settings.hpp"
#include "store/shared_prices.hpp"

#include <cstdio>

namespace llmgw::store {
namespace {

constexpr const char* k_channel = "llmgw_settings"; // pg_migrations.cpp: llmgw_bump_settings()

std::chrono::milliseconds poll_interval(const std::string& db_path, std::chrono::milliseconds asked) {
  if (asked.count() > 0) return asked;
  return is_postgres_url(db_path) ? SettingsWatcher::k_postgres_poll : SettingsWatcher::k_sqlite_poll;
}

} // namespace

SettingsWatcher::SettingsWatcher(const std::string& db_path, Apply apply, Reservations reservations,
                                 RoutingState routing_state, std::chrono::milliseconds interval)
    : m_db(db_path), m_apply(std::move(apply)), m_reservations(std::move(reservations)),
      m_routing_state(std::move(routing_state)), m_interval(poll_interval(db_path, interval)),
      m_listen_url(is_postgres_url(db_path) ? db_path : "") {
  m_revision = settings_revision(m_db);
  m_apply(load_policy(m_db));
  m_thread = std::thread([this] { m_listen_url.empty() ? run_polling() : run_listening(); });
}

SettingsWatcher::~SettingsWatcher() { stop(); }

void SettingsWatcher::stop() {
  {
    std::lock_guard lock(m_mutex);
    if (m_stopping) return;
    m_stopping = true;
  }
  m_wake.notify_all();
  m_wake_pipe.signal();
  m_thread.join();
}

bool SettingsWatcher::stopping() {
  std::lock_guard lock(m_mutex);
  return m_stopping;
}

template <typename Step> void SettingsWatcher::guarded(Step step) {
  try {
    step();
  } catch (const BusyError&) {
    // The CLI holds the write lock for a moment, or the database is away: the next poll sees it.
  } catch (const Error& e) {
    std::fprintf(stderr, "llmgw: warning: reading settings failed: %s\n", e.what());
  }
}

void SettingsWatcher::run_polling() {
  std::unique_lock lock(m_mutex);
  while (!m_wake.wait_for(lock, m_interval, [this] { return m_stopping; })) {
    lock.unlock();
    guarded([this] { poll_once(); });
    lock.lock();
  }
}

// A notification reads the settings at once; the poll still runs every m_interval, to publish
// this server's state and to catch a change whose notification was lost with the connection.
void SettingsWatcher::run_listening() {
  using Clock = std::chrono::steady_clock;
  std::unique_ptr<PgListener> listener;
  auto next_poll = Clock::now() + m_interval;
  auto next_listen = Clock::now();
  while (!stopping()) {
    if (!listener && Clock::now() >= next_listen) {
      try {
        listener = std::make_unique<PgListener>(m_listen_url, k_channel);
        if (m_listen_lost) std::fprintf(stderr, "llmgw: settings notifications are back\n");
        m_listen_lost = false;
        // What changed while nobody listened was announced to nobody.
        check_settings_now();
      } catch (const Error& e) {
        if (!m_listen_lost)
          std::fprintf(stderr, "llmgw: warning: cannot LISTEN for settings changes (polling every %lld ms): %s\n",
                       static_cast<long long>(m_interval.count()), e.what());
        m_listen_lost = true;
        next_listen = Clock::now() + m_interval;
      }
    }
    const auto wake_at = listener ? next_poll : std::min(next_poll, next_listen);
    // Rounded up: a wait that ends a fraction of a millisecond early would spin once more.
    const auto timeout =
        std::max(std::chrono::ceil<std::chrono::milliseconds>(wake_at - Clock::now()), std::chrono::milliseconds(0));
    if (!wait_listening(listener, timeout)) return;
    if (Clock::now() >= next_poll) {
      guarded([this] { poll_once(); });
      next_poll = Clock::now() + m_interval;
    }
  }
}

bool SettingsWatcher::wait_listening(std::unique_ptr<PgListener>& listener, std::chrono::milliseconds timeout) {
  if (!listener) {
    std::unique_lock lock(m_mutex);
    return !m_wake.wait_for(lock, timeout, [this] { return m_stopping; });
  }
  switch (listener->wait(timeout, m_wake_pipe)) {
  case PgListener::Wait::notified: check_settings_now(); break;
  case PgListener::Wait::lost:
    // LISTEN again at once (the server ended this session, or restarts: then the poll takes over).
    std::fprintf(stderr, "llmgw: warning: the settings notification connection was lost; listening again\n");
    listener.reset();
    break;
  case PgListener::Wait::woken:
  case PgListener::Wait::timed_out: break;
  }
  return !stopping();
}

void SettingsWatcher::check_settings_now() {
  guarded([this] {
    std::lock_guard lock(m_db_mutex);
    try {
      check_settings();
    } catch (const BusyError&) {
      // The connection was lost with the listener's (a server restart, an administrator ending
      // llmgw's sessions): the first use reports it, the second reconnects.
      check_settings();
    }
  });
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

void SettingsWatcher::check_settings() {
  const int64_t revision = settings_revision(m_db);
  if (revision == m_revision) return;
  auto settings = load_policy(m_db);
  m_revision = revision;
  m_apply(std::move(settings));
  check_shared_prices();
}

bool SettingsWatcher::refresh() {
  try {
    std::lock_guard lock(m_db_mutex);
    check_settings();
    return true;
  } catch (const Error& e) {
    std::fprintf(stderr, "llmgw: warning: reading settings failed: %s\n", e.what());
    return false;
  }
}

void SettingsWatcher::poll_once() {
  std::lock_guard lock(m_db_mutex);
  check_settings();
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
