#pragma once
// Team mode: the cap leases of core/policy/cap_ledger.hpp on the shared store (tables cap_leases
// and cap_lease_turns; spend_buckets is the ledger's spend). Portable SQL: it runs on SQLite (several
// instances on one file) and on a server database through the same Db API.
#include "core/policy/cap_ledger.hpp"
#include "store/db.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace llmgw::store {

// A random id for this process's leases (16 hex digits).
std::string new_instance_id();

// One instance's leases, on a connection of its own. Not thread-safe: SpendCaps calls it under its
// store lock.
class StoreCapLedger : public core::policy::CapLedger {
public:
  // Leases of other instances not beaten for stale_ms / abandon_ms are reclaimed by a growth
  // (see CapLedger::grow).
  StoreCapLedger(const std::string& db_path, std::string instance_id, int64_t stale_ms, int64_t abandon_ms);

  core::policy::LeaseState grow(const core::policy::LeaseClaim& claim, int64_t need_pico, int64_t want_pico,
                                int64_t now_ms) override;
  std::vector<core::policy::LeaseState> beat(const std::vector<core::policy::LeaseClaim>& claims,
                                             int64_t now_ms) override;
  void release() override;
  const std::string& instance_id() const { return m_instance; }

private:
  void store_claim(const core::policy::LeaseClaim& claim, int64_t now_ms);
  int64_t ledger_spent(const core::policy::LeaseClaim& claim);
  int64_t unwritten_claims(const core::policy::LeaseClaim& claim);

  Db m_db;
  std::string m_instance;
  int64_t m_stale_ms;
  int64_t m_abandon_ms;
};

// Every lease in the store, for `llmgw cap list` and tests.
struct LeaseRow {
  int64_t cap_id = 0;
  int64_t period_start_ms = 0;
  std::string instance_id;
  int64_t granted_pico = 0;
  int64_t written_pico = 0;
  int64_t updated_at_ms = 0;
};
std::vector<LeaseRow> list_cap_leases(Db& db);

} // namespace llmgw::store
