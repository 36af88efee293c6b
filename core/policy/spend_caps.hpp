#pragma once
// Spend caps, enforced at admission (DESIGN.md §3 step 5, §4).
//
// Every request that a cap applies to reserves what it is expected to cost before any upstream
// call; it is admitted only if spent + reserved + its reservation stays within every applicable
// cap, all under one lock, so concurrent requests cannot race past a cap. Its worst case is made
// safe under the same lock: a request that is not cut at the cap has its worst case lowered to
// what the caps have left (the caller lowers its output limit to match), and in hard mode holds
// it whole; a stream in hard mode grows its hold as it runs (extend_hold) and is ended when a cap
// cannot pay. settle() swaps the hold for the real cost whatever the outcome. Spending is kept in memory per period and
// scope (loaded from the ledger at start, then updated on every settle), so admission never
// touches the database.
//
// Team mode (share()): several instances share one store. Each cap is then also bounded by the slice
// this instance leased (cap_ledger.hpp): admission stays in memory while the slice pays, and asks the
// store for more (synchronously, outside the lock) only when it does not.
#include "core/policy/cap_ledger.hpp"
#include "core/policy/cap_slices.hpp"
#include "core/policy/periods.hpp"
#include "core/policy/refusal.hpp"
#include "core/policy/rules.hpp"

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace llmgw::core::policy {

// Spending before this process started, summed by the store per period, scope and value.
struct SpentRow {
  Period period = Period::day;
  Scope scope = Scope::global;
  std::string value;
  int64_t cost_pico = 0;
};

// The holds an admitted request took under each cap; settle them exactly once.
struct CapHolds {
  std::vector<std::pair<int64_t, int64_t>> holds; // cap id, pico-USD reserved
  bool active = false;                            // admitted and not yet settled
};

// What admission asks the caps to hold for one request, in pico-USD.
struct CostAsk {
  std::optional<int64_t> expected_pico; // input + expected output; nullopt when the model has no price
  int64_t worst_pico = 0;               // input + its whole output limit (taken as expected when lower)
  // Not cut at the cap (not a stream under hard mode): lower the worst case to what the caps have
  // left, but not below floor_pico (refused when even that does not fit).
  bool fit_worst = false;
  int64_t floor_pico = 0;
  bool hold_worst = false; // hold the (lowered) worst case instead of the expected cost (hard mode)
};

struct CapAdmission {
  std::optional<Refusal> refusal;        // set when refused (402); then nothing is held
  CapHolds holds;                        // set when admitted
  int64_t allowed_worst_pico = 0;        // the worst case the caps pay for: below worst_pico when lowered
  std::optional<int64_t> remaining_pico; // set when a cap is past its warn threshold: the least left
  std::optional<CapWarning> warning;     // once per cap and period, when it crosses its warn threshold
};

// A cap as `llmgw cap list` shows it.
struct CapState {
  CapRule rule;
  int64_t spent_pico = 0;
  int64_t reserved_pico = 0;
};

class SpendCaps {
public:
  // Replace the caps (a settings change). Holds under caps that remain stay counted.
  void set_rules(std::vector<CapRule> caps, bool allow_unpriced);
  // Spending recorded before now (the ledger), for the periods that contain now_ms.
  void load_spent(const std::vector<SpentRow>& rows, int64_t now_ms);
  // True when any cap exists.
  bool active() const;
  // True when a cap applies to this subject.
  bool applies(const Subject& subject) const;

  // Hold what the request asks under every cap that covers the subject, or refuse with the first
  // cap its expected cost would pass (or, fitting its worst case, the tightest cap).
  CapAdmission admit(const Subject& subject, const CostAsk& ask, int64_t now_ms);
  // The same for a request whose expected and worst cost are both cost_pico.
  CapAdmission admit(const Subject& subject, std::optional<int64_t> cost_pico, int64_t now_ms);
  // Hard mode: grow the holds of a running stream to needed_pico (its cost so far plus a margin)
  // under every cap it is held under, or return the refusal to end it with when a cap cannot pay
  // (live_cost_pico, its cost so far, is what the message quotes); nothing grows then.
  std::optional<Refusal> extend_hold(CapHolds& holds, int64_t needed_pico, int64_t live_cost_pico);
  std::optional<Refusal> extend_hold(CapHolds& holds, int64_t needed_pico, int64_t live_cost_pico, int64_t now_ms);
  // Release the holds (if still active) and count the request's cost toward the periods its start
  // falls in. Called for every request, held or not, so spending stays current for caps added later.
  void settle(CapHolds& holds, const Subject& subject, int64_t cost_pico, int64_t started_ms, int64_t now_ms);
  std::vector<CapState> states(int64_t now_ms);

  // Team mode: bound every cap by slices leased from `ledger` (which must outlive this object).
  // Call before the first admission.
  void share(CapLedger& ledger, LeaseOptions options);
  bool shared() const { return m_shared != nullptr; }
  // Team mode: the ledger committed a row of this instance (its cost toward caps), so that spend is
  // no longer counted twice (in the ledger and in this instance's lease).
  void written(const Subject& subject, int64_t cost_pico, int64_t started_ms, int64_t now_ms);
  // Team mode, every beat interval: give back unused budget and tell the store this instance is
  // alive. False when the store could not be reached.
  bool upkeep(int64_t now_ms);
  // Team mode, at shutdown once the ledger has flushed: give every lease back. Throws Error.
  void release();

private:
  // A slice too small for a request: room of need_pico must fit, want_pico should (its worst case).
  struct Shortfall {
    int64_t cap_id = 0;
    int64_t need_pico = 0;
    int64_t want_pico = 0;
  };
  CapAdmission admit_locked(const Subject& subject, const CostAsk& ask, int64_t now_ms,
                            std::vector<Shortfall>* shortfalls);
  bool collect_shortfalls(const std::vector<const CapRule*>& applicable, int64_t expected, int64_t wanted,
                          int64_t now_ms, std::vector<Shortfall>& shortfalls);
  std::optional<Refusal> extend_locked(CapHolds& holds, int64_t needed_pico, int64_t live_cost_pico, int64_t now_ms,
                                       std::vector<Shortfall>* shortfalls);
  void refill(const std::vector<Shortfall>& shortfalls, int64_t now_ms);
  // What the cap has left for this instance: its limit less spent and held, and in team mode no
  // more than the slice's room.
  int64_t left(const CapRule& cap, int64_t now_ms);
  int64_t reserved_of(int64_t cap_id) const;
  using ScopeKey = std::pair<Scope, std::string>;
  // Orders ScopeKeys, and finds one by a (Scope, string_view) pair without building its string.
  struct ScopeKeyLess {
    using is_transparent = void;
    template <class A, class B> bool operator()(const A& a, const B& b) const {
      if (a.first != b.first) return a.first < b.first;
      return std::string_view(a.second) < std::string_view(b.second);
    }
  };
  struct PeriodSums {
    int64_t start = 0;
    int64_t end = 0; // 0 = not yet set up
    std::map<ScopeKey, int64_t, ScopeKeyLess> spent;
  };

  void roll(int64_t now_ms);
  PeriodSums& sums(Period period) { return m_sums[static_cast<size_t>(period)]; }
  // Spent under the cap this period: the ledger at start plus this instance's settles, and in team
  // mode at least the team's spend at the last store contact plus this instance's since.
  int64_t spent(const CapRule& cap, int64_t now_ms);
  Refusal refusal(Refusal::Kind kind, const CapRule& cap);
  std::optional<CapWarning> reserve(const CapRule& cap, int64_t cost_pico, int64_t now_ms, CapAdmission& admission);
  const CapRule* find_cap(int64_t id) const;

  mutable std::mutex m_mutex;
  std::vector<CapRule> m_caps;
  bool m_allow_unpriced = false;
  PeriodSums m_sums[4];
  std::map<int64_t, int64_t> m_reserved;      // cap id -> pico-USD held by requests in flight
  std::map<int64_t, int64_t> m_warned_period; // cap id -> period start last warned about
  // Team mode: the store and this instance's slices; m_store_mutex (taken before m_mutex, never
  // inside it) keeps one growth or beat at a time, so the store's row matches the slice.
  CapLedger* m_shared = nullptr;
  std::optional<CapSlices> m_slices;
  std::mutex m_store_mutex;
};

} // namespace llmgw::core::policy
