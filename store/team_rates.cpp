#include "store/team_rates.hpp"

#include "core/policy/periods.hpp"

#include <chrono>
#include <cstdio>

namespace llmgw::store {

TeamRates::TeamRates(core::policy::RateLimiter& limits, const std::string& db_path, std::string instance_id,
                     core::policy::RateShareOptions options)
    : m_limits(limits), m_ledger(db_path, std::move(instance_id), options.stale_ms), m_options(options) {
  m_limits.share(m_ledger, m_options);
  m_thread = std::thread([this] { run(); });
}

TeamRates::~TeamRates() { stop(); }

int64_t TeamRates::failed_beats() const {
  std::lock_guard lock(m_mutex);
  return m_failed_beats;
}

void TeamRates::run() {
  std::unique_lock lock(m_mutex);
  bool warned = false;
  while (!m_stopping) {
    lock.unlock();
    const bool reached = m_limits.upkeep(core::policy::now_ms());
    lock.lock();
    if (!reached) {
      ++m_failed_beats;
      // Once per outage: what each instance admits on its own still adds up to the limit.
      if (!warned)
        std::fprintf(stderr,
                     "llmgw: warning: team rate limits: the shared store cannot be reached; shares already "
                     "leased serve for %lld s, then each instance admits its part of every limit on its own "
                     "until it is back\n",
                     static_cast<long long>(m_options.trust_ms / 1000));
      warned = true;
    } else {
      warned = false;
    }
    m_wake.wait_for(lock, std::chrono::milliseconds(m_options.beat_interval_ms), [this] { return m_stopping; });
  }
}

void TeamRates::stop() {
  {
    std::lock_guard lock(m_mutex);
    m_stopping = true;
    m_wake.notify_all();
  }
  if (m_thread.joinable()) m_thread.join();
}

void TeamRates::stop_and_release() {
  stop();
  {
    std::lock_guard lock(m_mutex);
    if (m_released) return;
    m_released = true;
  }
  try {
    m_limits.release(core::policy::now_ms());
  } catch (const std::exception& e) {
    std::fprintf(stderr,
                 "llmgw: warning: team rate limits: shares could not be given back (%s); others reclaim them once "
                 "they are stale\n",
                 e.what());
  }
}

} // namespace llmgw::store
