#include "store/team_caps.hpp"

#include "core/policy/periods.hpp"
#include "store/request_rows.hpp"

#include <chrono>
#include <cstdio>

namespace llmgw::store {

TeamCaps::TeamCaps(core::policy::SpendCaps& caps, const std::string& db_path, core::policy::LeaseOptions options)
    : m_caps(caps), m_ledger(db_path, new_instance_id(), options.stale_ms, options.abandon_ms), m_options(options) {
  m_caps.share(m_ledger, m_options);
  m_thread = std::thread([this] { run(); });
}

TeamCaps::~TeamCaps() { stop(); }

void TeamCaps::written(const core::RequestRecord& record) {
  if (!counts_toward_caps(record)) return;
  m_caps.written({record.provider, record.agent, record.project, record.key_name, record.user_name},
                 record.cost_usd_pico, record.started_at_ms, core::policy::now_ms());
}

int64_t TeamCaps::failed_beats() const {
  std::lock_guard lock(m_mutex);
  return m_failed_beats;
}

void TeamCaps::run() {
  std::unique_lock lock(m_mutex);
  bool warned = false;
  while (!m_stopping) {
    lock.unlock();
    const bool reached = m_caps.upkeep(core::policy::now_ms());
    lock.lock();
    if (!reached) {
      ++m_failed_beats;
      // Once per outage: the slices already leased keep serving until they are no longer trusted.
      if (!warned)
        std::fprintf(stderr,
                     "llmgw: warning: team caps: the shared store cannot be reached; cap slices already "
                     "leased serve for %lld s, then capped requests are refused until it is back\n",
                     static_cast<long long>(m_options.trust_ms / 1000));
      warned = true;
    } else {
      warned = false;
    }
    m_wake.wait_for(lock, std::chrono::milliseconds(m_options.beat_interval_ms), [this] { return m_stopping; });
  }
}

void TeamCaps::stop() {
  {
    std::lock_guard lock(m_mutex);
    m_stopping = true;
    m_wake.notify_all();
  }
  if (m_thread.joinable()) m_thread.join();
}

void TeamCaps::stop_and_release() {
  stop();
  {
    std::lock_guard lock(m_mutex);
    if (m_released) return;
    m_released = true;
  }
  try {
    m_caps.release();
  } catch (const std::exception& e) {
    std::fprintf(stderr,
                 "llmgw: warning: team caps: leases could not be given back (%s); others reclaim them "
                 "once they are stale\n",
                 e.what());
  }
}

} // namespace llmgw::store
