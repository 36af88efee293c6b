#pragma once
// One instance's side of team-mode leases (cap_ledger.hpp): per cap, the slice granted for the
// current period, this instance's spend under it (settled in memory, and the part the ledger has
// committed), and how big the next slice should be. Not thread-safe: SpendCaps calls it under its lock.
#include "core/policy/cap_ledger.hpp"
#include "core/policy/rules.hpp"

#include <cstdint>
#include <map>

namespace llmgw::core::policy {

struct Slice {
  int64_t period_start_ms = 0;
  int64_t period_end_ms = 0;        // 0 = not set up
  int64_t granted_pico = 0;         // what the store granted this instance under the cap this period
  int64_t settled_pico = 0;         // this instance's spend under the cap this period (settled requests)
  int64_t written_pico = 0;         // the part of it the ledger has committed
  int64_t team_spent_pico = 0;      // the ledger's spend for the whole team at the last store contact ...
  int64_t written_at_team_pico = 0; // ... when this instance's committed part was this much
  int64_t target_pico = 0;          // how much a growth asks beyond the need (adapts to use)
  int64_t last_use_ms = 0;          // last admission under the cap
  int64_t last_grow_ms = 0;
  int64_t dry_until_ms = 0;  // until then, do not ask the store for more than ...
  int64_t dry_left_pico = 0; // ... what it had left at the last growth (0 after a failed one)
  bool in_store = false;     // a lease row exists (a growth or beat stored it)
};

class CapSlices {
public:
  explicit CapSlices(LeaseOptions options) : m_options(options) {}

  const LeaseOptions& options() const { return m_options; }
  // The cap's slice for the period containing now_ms (a new period starts empty).
  Slice& at(const CapRule& cap, int64_t now_ms);
  // What this instance may still hold under the cap: granted - spend - reserved_pico; 0 once the
  // store has not been reached for trust_ms (another instance may have reclaimed the slice).
  int64_t room(const CapRule& cap, int64_t reserved_pico, int64_t now_ms);
  // The spend shown for the cap: the team's at the last contact plus this instance's since.
  int64_t team_spent(const CapRule& cap, int64_t now_ms);
  // A settled request's cost, or one the ledger committed, counted toward the slice when it started
  // in the slice's period.
  void settle(const CapRule& cap, int64_t cost_pico, int64_t started_ms, int64_t now_ms);
  void written(const CapRule& cap, int64_t cost_pico, int64_t started_ms, int64_t now_ms);
  // The claim to store for the slice (granted raised to what is spent and held: the truth).
  LeaseClaim claim(const CapRule& cap, int64_t reserved_pico, int64_t now_ms);
  // Before a beat: give back what the slice will not need (idle, or far more than recent use).
  void shrink(const CapRule& cap, int64_t reserved_pico, int64_t now_ms);
  // After the store answered for the slice: its granted total and the team's spend.
  void stored(const CapRule& cap, const LeaseClaim& claim, const LeaseState& state, int64_t now_ms);
  // After a growth: adapt the slice size; remember for a moment what the store has left.
  void grown(const CapRule& cap, const LeaseState& state, int64_t now_ms);
  // False when the store said a moment ago that it cannot pay need_pico (0: any growth at all).
  bool worth_asking(const CapRule& cap, int64_t need_pico, int64_t now_ms);
  // The store could not be reached for a growth: do not ask again for a moment.
  void unreachable(const CapRule& cap, int64_t now_ms);
  // The cap's limit changed: keep only what is spent and held (the rest goes back at the next beat).
  void limit_changed(const CapRule& cap, int64_t reserved_pico);
  // Forget slices of caps that are gone.
  template <typename Keep> void retain(Keep keep) {
    for (auto it = m_slices.begin(); it != m_slices.end();) it = keep(it->first) ? std::next(it) : m_slices.erase(it);
  }
  bool trusted(int64_t now_ms) const { return now_ms - m_last_contact_ms <= m_options.trust_ms; }

private:
  static int64_t used(const Slice& slice, int64_t reserved_pico);
  int64_t first_target(const CapRule& cap) const;

  LeaseOptions m_options;
  std::map<int64_t, Slice> m_slices; // by cap id
  int64_t m_last_contact_ms = 0;
};

} // namespace llmgw::core::policy
