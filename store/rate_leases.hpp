#pragma once
// Team mode: the rate-limit shares of core/policy/rate_ledger.hpp on the shared store (tables
// rate_leases and rate_lease_turns). Portable SQL: it runs on SQLite (several instances on one file)
// and on a server database through the same Db API.
#include "core/policy/rate_ledger.hpp"
#include "store/db.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace llmgw::store {

// One instance's shares, on a connection of its own. Not thread-safe: RateLimiter calls it under its
// store lock.
class StoreRateLedger : public core::policy::RateLedger {
public:
  // Spares of other instances not beaten for stale_ms are reclaimed by a growth.
  StoreRateLedger(const std::string& db_path, std::string instance_id, int64_t stale_ms);

  core::policy::RateGrant grow(const core::policy::RateClaim& claim, const core::policy::RateAsk& ask,
                               int64_t now_ms) override;
  std::vector<core::policy::RateGrant> beat(const std::vector<core::policy::RateClaim>& claims,
                                            int64_t now_ms) override;
  void release() override;
  const std::string& instance_id() const { return m_instance; }

private:
  // Replace this instance's rows of the claim's rule; with `current_row` the current sub-window's row
  // is written even when it holds nothing (a growth adds to it).
  void store_claim(const core::policy::RateClaim& claim, bool current_row, int64_t now_ms);
  // The team's counts of the rule in the minute before now_ms (growth fields 0).
  core::policy::RateGrant team_counts(const core::policy::RateRule& rule, int64_t now_ms);
  // Drop the rule's sub-windows that left the minute and the spares of instances that stopped beating.
  void expire_stale(const core::policy::RateRule& rule, int64_t now_ms);

  Db m_db;
  std::string m_instance;
  int64_t m_stale_ms;
};

// Every share row in the store, for tests and diagnostics.
struct RateLeaseRow {
  int64_t rule_id = 0;
  int64_t window_start_ms = 0;
  std::string instance_id;
  int64_t requests = 0;
  int64_t tokens = 0;
  int64_t spare_requests = 0;
  int64_t spare_tokens = 0;
  int64_t updated_at_ms = 0;
};
std::vector<RateLeaseRow> list_rate_leases(Db& db);

} // namespace llmgw::store
