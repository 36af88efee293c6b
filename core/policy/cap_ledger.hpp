#pragma once
// Team mode: the budget slices that several gateway instances sharing one store lease from each
// cap (docs/team-mode.md). Core declares the interface; store/cap_leases.hpp implements it on
// the shared database, and the unit tests on a fake in memory.
//
// The invariant the store keeps, per cap and period, in one atomic step whenever a slice grows:
//   ledger spend (every instance's committed rows) + sum over live leases of (granted - written) <= limit
// where a lease's `granted` is all the budget its instance may spend in the period (its spend so far
// included) and `written` the part of that spend the ledger has already committed (so it is not
// counted twice). An instance admits a request from memory while its own spend + holds + the ask fit
// its granted slice, so the team's recorded spend never passes the limit while the slices are honoured.
#include "core/policy/rules.hpp"

#include <cstdint>
#include <vector>

namespace llmgw::core::policy {

// What one instance tells the store about its lease under one cap.
struct LeaseClaim {
  CapRule cap;
  int64_t period_start_ms = 0;
  int64_t period_end_ms = 0; // exclusive; the store drops leases of ended periods
  int64_t granted_pico = 0;  // the slice it keeps (a lower value than before returns the rest)
  int64_t written_pico = 0;  // its spend under the cap this period that the ledger committed
  int64_t used_pico = 0;     // its spend and holds now: what a reclaim leaves it (requests may still run)
};

// What the store answers about one lease.
struct LeaseState {
  int64_t granted_pico = 0;    // the slice now held (grow: after the growth)
  int64_t team_spent_pico = 0; // the ledger's spend under the cap this period, all instances
  int64_t left_pico = 0;       // budget no lease holds (grow only; after the growth)
};

class CapLedger {
public:
  virtual ~CapLedger() = default;
  // Store the claim, reclaim leases whose instance stopped beating (stale: down to what it used at its
  // last beat; abandoned: whole), then grow this instance's slice
  // by at least need_pico and at most want_pico if the invariant allows it (by nothing otherwise),
  // all atomically. Throws Error when the store cannot be reached.
  virtual LeaseState grow(const LeaseClaim& claim, int64_t need_pico, int64_t want_pico, int64_t now_ms) = 0;
  // Heartbeat: store every claim (granted as given, even above the limit: it is what this instance
  // holds) and forget this instance's other leases. One state per claim. Throws Error.
  virtual std::vector<LeaseState> beat(const std::vector<LeaseClaim>& claims, int64_t now_ms) = 0;
  // Give every lease of this instance back (clean shutdown, once the ledger has flushed). Throws Error.
  virtual void release() = 0;
};

// How an instance uses its leases.
struct LeaseOptions {
  int64_t beat_interval_ms = 1000; // heartbeat (and return of unused budget) period
  int64_t stale_ms = 15'000;       // a lease not beaten for this long: others reclaim what it did not use
  int64_t abandon_ms = 660'000;    // ... and this long: the rest too (no request it admitted still runs)
  int64_t trust_ms = 10'000;       // a slice is used at most this long after the last store contact
  int64_t idle_ms = 5'000;         // a slice unused this long is returned (what is held stays)
  int slice_divisor = 32;          // first slice: limit / this
};

} // namespace llmgw::core::policy
