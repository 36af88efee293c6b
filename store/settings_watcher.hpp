#pragma once
// Keeps a running server in step with the settings the CLI changes (caps, limits, keys): polls
// the settings revision a few times a second on its own connection and thread, hands a changed
// set to the server, and publishes the server's live cap reservations for `llmgw cap list` and
// its routing state (cool-downs, benched keys) for `llmgw providers`.
#include "core/policy/keys.hpp"
#include "store/db.hpp"

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

  // Reads the settings once and applies them before returning, then starts polling.
  SettingsWatcher(const std::string& db_path, Apply apply, Reservations reservations, RoutingState routing_state,
                  std::chrono::milliseconds interval = std::chrono::milliseconds(250));
  ~SettingsWatcher();
  SettingsWatcher(const SettingsWatcher&) = delete;
  SettingsWatcher& operator=(const SettingsWatcher&) = delete;

  void stop();
  // Team mode: hand the shared store's imported prices (store/shared_prices.hpp) to apply now,
  // when there are any, and again whenever another instance imports new ones.
  using PricesApply = std::function<void(const std::string& document_json)>;
  void watch_shared_prices(PricesApply apply);
  // Apply the stored settings now when they changed since the last read (a key the CLI just made,
  // a cap, a `use`), before returning; thread-safe. False when the store could not be read.
  bool refresh();

private:
  void run();
  void poll_once();
  void check_shared_prices(); // under m_db_mutex

  Db m_db;
  Apply m_apply;
  Reservations m_reservations;
  RoutingState m_routing_state;
  std::string m_published_routing;
  PricesApply m_prices_apply;      // under m_db_mutex
  int64_t m_prices_updated_at = 0; // the stored import last applied
  std::chrono::milliseconds m_interval;
  std::mutex m_db_mutex; // m_db and m_revision: the poll thread and refresh() callers
  int64_t m_revision = -1;
  std::map<int64_t, int64_t> m_published;
  std::mutex m_mutex;
  std::condition_variable m_wake;
  bool m_stopping = false;
  std::thread m_thread;
};

} // namespace llmgw::store
