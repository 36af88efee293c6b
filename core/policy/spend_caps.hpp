#pragma once
// Spend caps, enforced at admission (DESIGN.md §3 step 5, §4).
//
// Every request that a cap applies to reserves its worst-case cost before any upstream call;
// it is admitted only if spent + reserved + its reservation stays within every applicable cap,
// all under one lock, so concurrent requests cannot race past a cap. settle() swaps the
// reservation for the real cost whatever the outcome. Spending is kept in memory per period and
// scope (loaded from the ledger at start, then updated on every settle), so admission never
// touches the database.
#include "core/policy/periods.hpp"
#include "core/policy/refusal.hpp"
#include "core/policy/rules.hpp"

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
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

struct CapAdmission {
  std::optional<Refusal> refusal;        // set when refused (402); then nothing is held
  CapHolds holds;                        // set when admitted
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

  // Reserve cost_pico (the worst case; nullopt when the model has no price) under every cap that
  // covers the subject, or refuse with the first cap it would pass.
  CapAdmission admit(const Subject& subject, std::optional<int64_t> cost_pico, int64_t now_ms);
  // Hard mode: a running stream's cost so far (live_cost_pico) replaces its hold wherever it grew
  // past it, so it counts against the caps as it goes. Returns the refusal to end the stream with
  // when that takes a cap it is under past the limit; nullopt while it fits.
  std::optional<Refusal> over_cap(CapHolds& holds, int64_t live_cost_pico);
  // Release the holds (if still active) and count the request's cost toward the periods its start
  // falls in. Called for every request, held or not, so spending stays current for caps added later.
  void settle(CapHolds& holds, const Subject& subject, int64_t cost_pico, int64_t started_ms, int64_t now_ms);
  std::vector<CapState> states(int64_t now_ms);

private:
  using ScopeKey = std::pair<Scope, std::string>;
  struct PeriodSums {
    int64_t start = 0;
    int64_t end = 0; // 0 = not yet set up
    std::map<ScopeKey, int64_t> spent;
  };

  void roll(int64_t now_ms);
  PeriodSums& sums(Period period) { return m_sums[static_cast<size_t>(period)]; }
  int64_t spent(const CapRule& cap);
  Refusal refusal(Refusal::Kind kind, const CapRule& cap);
  std::optional<CapWarning> reserve(const CapRule& cap, int64_t cost_pico, CapAdmission& admission);

  mutable std::mutex m_mutex;
  std::vector<CapRule> m_caps;
  bool m_allow_unpriced = false;
  PeriodSums m_sums[4];
  std::map<int64_t, int64_t> m_reserved;      // cap id -> pico-USD held by requests in flight
  std::map<int64_t, int64_t> m_warned_period; // cap id -> period start last warned about
};

} // namespace llmgw::core::policy
