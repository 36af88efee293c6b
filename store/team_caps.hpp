#pragma once
// Team mode for one gateway: its cap leases on the shared store (cap_leases.hpp) joined to its
// SpendCaps, a thread that beats every lease each second (returning unused budget), and the ledger's
// commits fed back so the leases know what the ledger already holds.
#include "core/accounting/request_record.hpp"
#include "core/policy/spend_caps.hpp"
#include "store/cap_leases.hpp"

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace llmgw::store {

class TeamCaps {
public:
  // Puts caps in team mode on db_path and starts beating. Throws Error when the store cannot be opened.
  TeamCaps(core::policy::SpendCaps& caps, const std::string& db_path, core::policy::LeaseOptions options = {});
  ~TeamCaps();
  TeamCaps(const TeamCaps&) = delete;
  TeamCaps& operator=(const TeamCaps&) = delete;

  // The ledger committed this row (Ledger's row observer): its cost no longer counts in the lease.
  void written(const core::RequestRecord& record);
  // Stop beating, then give every lease back; call once the ledger has flushed (else what it could
  // not write stays claimed until the lease goes stale). Idempotent; the destructor stops without
  // giving back (the leases then go stale).
  void stop_and_release();
  const std::string& instance_id() const { return m_ledger.instance_id(); }
  // Beats that could not reach the store.
  int64_t failed_beats() const;

private:
  void run();
  void stop();

  core::policy::SpendCaps& m_caps;
  StoreCapLedger m_ledger;
  core::policy::LeaseOptions m_options;
  mutable std::mutex m_mutex;
  std::condition_variable m_wake;
  bool m_stopping = false;
  bool m_released = false;
  int64_t m_failed_beats = 0;
  std::thread m_thread;
};

} // namespace llmgw::store
