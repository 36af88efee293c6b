#pragma once
// Keeps a running server in step with the settings the CLI changes (caps, limits, keys, `use`,
// shared prices): on its own connections and thread, reads the settings revision and hands a
// changed set to the server, and publishes the server's live cap reservations for `llmgw cap list`
// and its routing state (cool-downs, benched keys) for `llmgw providers`. SQLite: polls a few times
// a second. PostgreSQL: LISTENs on channel llmgw_settings and reads as soon as a change is
// announced, with a slower fallback poll, LISTENing again after the connection is lost.
#include "core/policy/keys.hpp"
#include "store/db.hpp"
#include "store/pg_listener.hpp"

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

namespace llmgw::store {

class SettingsWatcher {
public:
  using Apply = std::function<void(core::policy::PolicySettings)>;
  using Reservations = std::function<std::map<int64_t, int64_t>()>;
  using RoutingState = std::function<std::string()>; // JSON

  // Reads the settings once and applies them before returning, then starts watching. interval:
  // the poll (and publish) period; 0 = the store's default (k_sqlite_poll, k_postgres_poll).
  SettingsWatcher(const std::string& db_path, Apply apply, Reservations reservations, RoutingState routing_state,
                  std::chrono::milliseconds interval = std::chrono::milliseconds(0));
  ~SettingsWatcher();
  SettingsWatcher(const SettingsWatcher&) = delete;
  SettingsWatcher& operator=(const SettingsWatcher&) = delete;

  static constexpr std::chrono::milliseconds k_sqlite_poll{250};
  // The fallback when notifications stop arriving unnoticed (they normally apply a change at once).
  static constexpr std::chrono::milliseconds k_postgres_poll{1000};

  // Ends the thread: at once, also while it waits for a notification.
  void stop();
  // Team mode: hand the shared store's imported prices (store/shared_prices.hpp) to apply now,
  // when there are any, and again whenever another instance imports new ones.
  using PricesApply = std::function<void(const std::string& document_json)>;
  void watch_shared_prices(PricesApply apply);
  // Apply the stored settings now when they changed since the last read (a key the CLI just made,
  // a cap, a `use`), before returning; thread-safe. False when the store could not be read.
  bool refresh();

private:
  void run_polling();   // SQLite
  void run_listening(); // PostgreSQL
  // Waits up to `timeout` for stop() (false) or for a notification, a timeout or a lost listener.
  bool wait_listening(std::unique_ptr<PgListener>& listener, std::chrono::milliseconds timeout);
  bool stopping();
  // Runs one step of the thread, reporting what went wrong as a warning.
  template <typename Step> void guarded(Step step);
  void poll_once();
  void check_settings();      // under m_db_mutex
  void check_settings_now();  // takes m_db_mutex; tries again once after a lost connection
  void check_shared_prices(); // under m_db_mutex

  Db m_db;
  Apply m_apply;
  Reservations m_reservations;
  RoutingState m_routing_state;
  std::string m_published_routing;
  PricesApply m_prices_apply;      // under m_db_mutex
  int64_t m_prices_updated_at = 0; // the stored import last applied
  std::chrono::milliseconds m_interval;
  std::string m_listen_url;   // PostgreSQL's URL, "" for SQLite
  WakePipe m_wake_pipe;       // stop() ends a wait on the listener
  bool m_listen_lost = false; // warned that notifications stopped
  std::mutex m_db_mutex;      // m_db and m_revision: the poll thread and refresh() callers
  int64_t m_revision = -1;
  std::map<int64_t, int64_t> m_published;
  std::mutex m_mutex;
  std::condition_variable m_wake;
  bool m_stopping = false;
  std::thread m_thread;
};

} // namespace llmgw::store
