#pragma once
// Admission as the request path sees it: the rate limits, then the spend caps, each with its own
// lock and state (rate_limiter.hpp, spend_caps.hpp), and the output history that sizes reservations. A request refused
// by a cap after the rate limiter counted it is taken back out of the rate windows, so a refusal never uses up a limit.
#include "core/policy/output_history.hpp"
#include "core/policy/periods.hpp"
#include "core/policy/rate_limiter.hpp"
#include "core/policy/refusal.hpp"
#include "core/policy/rules.hpp"
#include "core/policy/spend_caps.hpp"

#include <cstdint>
#include <optional>
#include <vector>

namespace llmgw::core::policy {

// What a request is expected to cost and may cost at most: what admission reserves.
struct Estimate {
  int64_t cost_pico = 0;    // expected: input + the output learned from recent requests (OutputHistory)
  int64_t input_tokens = 0; // for tokens-per-minute
  bool unpriced = false;    // the model has no price: cost unknown
  int64_t worst_pico = 0;   // input + its whole output limit; 0 = the same as cost_pico
  bool fit_worst = false;   // not cut at a cap: lower its worst case to what the caps have left ...
  int64_t floor_pico = 0;   // ... but not below this (else refused)
  bool hold_worst = false;  // hold the (lowered) worst case itself (hard mode, not cut)
};

// What admit() hands back and settle() takes: the holds under the caps and the rate-limit window
// entries. Move it into the request; settle it exactly once.
struct Reservation {
  CapHolds caps;
  RateTicket rates;
};

struct Decision {
  std::optional<Refusal> refusal;        // set when refused: 402 (cap) or 429 (rate limit)
  std::optional<int64_t> remaining_pico; // set when a cap is past its warn threshold
  std::optional<CapWarning> warning;     // once per cap and period when it crosses warn
  int64_t allowed_worst_pico = 0;        // the worst case the caps pay for (below worst_pico: lower the output limit)
  Reservation reservation;
  bool admitted() const { return !refusal; }
};

class Budget {
public:
  // Replace caps and limits (a settings change). Holds under caps that remain stay counted.
  void set_rules(std::vector<CapRule> caps, std::vector<RateRule> limits, bool allow_unpriced);
  // Spending recorded before now (the ledger), for the periods that contain now_ms.
  void load_spent(const std::vector<SpentRow>& rows, int64_t now_ms);
  // True when any cap or limit exists; with none, admission is skipped entirely.
  bool active() const;
  // True when a cap or limit applies to this subject.
  bool applies(const Subject& subject) const;

  // Rate limits first (429), then caps (402); admitted only when both admit.
  Decision admit(const Subject& subject, const Estimate& estimate, int64_t now_ms);
  // Hard mode: see SpendCaps::extend_hold.
  std::optional<Refusal> extend_hold(Reservation& reservation, int64_t needed_pico, int64_t live_cost_pico);
  std::optional<Refusal> extend_hold(Reservation& reservation, int64_t needed_pico, int64_t live_cost_pico,
                                     int64_t now_ms);
  // Release the reservation (if any) and count the request's cost and tokens. Called for every
  // request, reserved or not, so spending stays current for caps added later.
  void settle(Reservation& reservation, const Subject& subject, int64_t cost_pico, int64_t tokens, int64_t started_ms,
              int64_t now_ms);
  std::vector<CapState> states(int64_t now_ms) { return m_caps.states(now_ms); }
  // Team mode (several instances on one store): the caps' side, see SpendCaps::share.
  SpendCaps& caps() { return m_caps; }
  // Team mode: the rate limits' side, see RateLimiter::share.
  RateLimiter& rates() { return m_rates; }
  // Recent outputs per agent and model: admission asks it, settlement teaches it.
  OutputHistory& outputs() { return m_outputs; }

private:
  SpendCaps m_caps;
  RateLimiter m_rates;
  OutputHistory m_outputs;
};

} // namespace llmgw::core::policy
