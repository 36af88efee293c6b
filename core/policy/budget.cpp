#include "core/policy/budget.hpp"

#include <algorithm>

namespace llmgw::core::policy {

void Budget::set_rules(std::vector<CapRule> caps, std::vector<RateRule> limits, bool allow_unpriced) {
  m_caps.set_rules(std::move(caps), allow_unpriced);
  m_rates.set_rules(std::move(limits));
}

void Budget::load_spent(const std::vector<SpentRow>& rows, int64_t now_ms) { m_caps.load_spent(rows, now_ms); }

bool Budget::active() const { return m_caps.active() || m_rates.active(); }

bool Budget::applies(const Subject& subject) const { return m_caps.applies(subject) || m_rates.applies(subject); }

Decision Budget::admit(const Subject& subject, const Estimate& estimate, int64_t now_ms) {
  Decision decision;
  if (!active()) return decision;
  auto rated = m_rates.admit(subject, estimate.input_tokens, now_ms);
  if (rated.refusal) {
    decision.refusal = std::move(rated.refusal);
    return decision;
  }
  CostAsk ask;
  if (!estimate.unpriced) ask.expected_pico = estimate.cost_pico;
  ask.worst_pico = std::max(estimate.worst_pico, estimate.cost_pico);
  ask.fit_worst = estimate.fit_worst;
  ask.floor_pico = estimate.floor_pico;
  ask.hold_worst = estimate.hold_worst;
  auto capped = m_caps.admit(subject, ask, now_ms);
  if (capped.refusal) {
    // Between the two locks the entry may briefly make the limiter refuse another request; it
    // never lets one through that should not be.
    m_rates.cancel(rated.ticket);
    decision.refusal = std::move(capped.refusal);
    return decision;
  }
  decision.reservation = Reservation{std::move(capped.holds), std::move(rated.ticket)};
  decision.remaining_pico = capped.remaining_pico;
  decision.allowed_worst_pico = capped.allowed_worst_pico;
  decision.warning = std::move(capped.warning);
  return decision;
}

std::optional<Refusal> Budget::extend_hold(Reservation& reservation, int64_t needed_pico, int64_t live_cost_pico) {
  return m_caps.extend_hold(reservation.caps, needed_pico, live_cost_pico);
}

std::optional<Refusal> Budget::extend_hold(Reservation& reservation, int64_t needed_pico, int64_t live_cost_pico,
                                           int64_t now_ms) {
  return m_caps.extend_hold(reservation.caps, needed_pico, live_cost_pico, now_ms);
}

void Budget::settle(Reservation& reservation, const Subject& subject, int64_t cost_pico, int64_t tokens,
                    int64_t started_ms, int64_t now_ms) {
  m_caps.settle(reservation.caps, subject, cost_pico, started_ms, now_ms);
  m_rates.settle(reservation.rates, tokens);
}

} // namespace llmgw::core::policy
