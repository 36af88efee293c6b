#pragma once
// Team mode for one gateway's rate limits: its shares on the shared store (rate_leases.hpp) joined to
// its RateLimiter, and a thread that beats them each second (returning unused shares).
#include "core/policy/rate_limiter.hpp"
#include "store/rate_leases.hpp"

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace llmgw::store {

class TeamRates {
public:
  // Puts limits in team mode on db_path and starts beating. Throws Error when the store cannot be opened.
  TeamRates(core::policy::RateLimiter& limits, const std::string& db_path, std::string instance_id,
            core::policy::RateShareOptions options = {});
  ~TeamRates();
  TeamRates(const TeamRates&) = delete;
  TeamRates& operator=(const TeamRates&) = delete;

  // Stop beating, then give every unused share back. Idempotent; the destructor stops without giving
  // back (the shares then go stale, as when the process dies).
  void stop_and_release();
  const std::string& instance_id() const { return m_ledger.instance_id(); }
  // Beats that could not reach the store.
  int64_t failed_beats() const;

private:
  void run();
  void stop();

  core::policy::RateLimiter& m_limits;
  StoreRateLedger m_ledger;
  core::policy::RateShareOptions m_options;
  mutable std::mutex m_mutex;
  std::condition_variable m_wake;
  bool m_stopping = false;
  bool m_released = false;
  int64_t m_failed_beats = 0;
  std::thread m_thread;
};

} // namespace llmgw::store
