#pragma once
// One instance's side of team-mode rate shares (rate_ledger.hpp): per rate rule, what this instance
// admitted in each counted sub-window, the spare it holds (granted, not yet used), and how much the
// next growth asks for. Not thread-safe: RateLimiter calls it under its lock.
#include "core/policy/rate_ledger.hpp"
#include "core/policy/refusal.hpp"
#include "core/policy/rules.hpp"

#include <cstdint>
#include <map>
#include <vector>

namespace llmgw::core::policy {

// The 429 for a rule: too many requests (else too many tokens), retry after wait_ms (at least 1 s).
Refusal rate_refusal(const RateRule& rule, bool too_many_requests, int64_t wait_ms);

struct RateShare {
  std::vector<RateCount> used; // this instance's admissions per counted sub-window, oldest first
  int64_t spare_requests = 0;  // granted by the store, not yet used
  int64_t spare_tokens = 0;
  int64_t target_requests = 0; // how much a growth asks beyond the need (adapts to use)
  int64_t target_tokens = 0;
  int64_t requests_since_beat = 0; // admissions since the last beat: what the spare is kept for
  int64_t tokens_since_beat = 0;
  int64_t last_grow_ms = 0;
  int64_t asked_tokens = 0; // the tokens of the request that last asked for a growth
  int64_t dry_until_ms = 0; // until then, answer from the last store answer instead of asking again
  bool unreachable = false; // the last ask could not reach the store
  RateGrant answer;         // the store's last answer about the rule
};

class RateShares {
public:
  explicit RateShares(RateShareOptions options) : m_options(options) {}

  const RateShareOptions& options() const { return m_options; }
  // The rule's share, with sub-windows that left the minute dropped.
  RateShare& at(const RateRule& rule, int64_t now_ms);
  // True when the spare pays one more request of `tokens` under every dimension the rule limits
  // (never once the store has not been reached for trust_ms).
  bool fits(const RateRule& rule, int64_t tokens, int64_t now_ms);
  // The store cannot be reached: true when this instance's own minute has room for the request
  // under its part of the limit (limit / live instances at the last contact).
  bool fits_alone(const RateRule& rule, int64_t tokens, int64_t now_ms);
  // Count an admitted request in the current sub-window, out of the spare (what it pays).
  void take(const RateRule& rule, int64_t tokens, int64_t now_ms);
  // A request admitted in window_start_ms is taken back (refused later): it no longer counts.
  void untake(int64_t rule_id, int64_t window_start_ms, int64_t tokens);
  // A settled request used `extra` tokens beyond its estimate: counted where it was admitted, out of
  // the spare first.
  void add_tokens(int64_t rule_id, int64_t window_start_ms, int64_t extra);
  // The growth a request of `tokens` needs beyond the spare, and what to ask for beyond that.
  RateAsk ask(const RateRule& rule, int64_t tokens, int64_t now_ms);
  // The claim to store for the rule.
  RateClaim claim(const RateRule& rule, int64_t now_ms);
  // True when asking the store may help (it did not just refuse, nor fail to answer).
  bool worth_asking(const RateRule& rule, int64_t now_ms);
  // After a growth or a beat: the store's answer (a growth adds to the spare and adapts the target).
  void grown(const RateRule& rule, const RateGrant& grant, int64_t now_ms);
  void stored(const RateRule& rule, const RateGrant& grant, int64_t now_ms);
  // The store could not be reached for a growth: do not ask again for a moment.
  void unreachable(const RateRule& rule, int64_t now_ms);
  // Before a beat: keep no more spare than twice what was admitted since the last beat.
  void shrink(const RateRule& rule, int64_t now_ms);
  // The 429 for a request of `tokens` the store would not grant: the dimension the spare lacks and when the
  // oldest counted sub-window holding admissions of that dimension leaves the minute.
  Refusal refusal(const RateRule& rule, int64_t tokens, int64_t now_ms);
  // The rule's limit changed: give the spare back (at the next beat) and ask again under the new one.
  void limit_changed(const RateRule& rule);
  // Forget every spare (shutdown: given back).
  void drop_spares();
  // Forget shares of rules that are gone.
  template <typename Keep> void retain(Keep keep) {
    for (auto it = m_shares.begin(); it != m_shares.end();) it = keep(it->first) ? std::next(it) : m_shares.erase(it);
  }
  bool trusted(int64_t now_ms) const {
    return m_last_contact_ms > 0 && now_ms - m_last_contact_ms <= m_options.trust_ms;
  }

private:
  static RateCount* find(RateShare& share, int64_t window_start_ms);
  // How long until the store may grant the missing dimension: until the oldest counted sub-window
  // holding admissions leaves the minute when admissions alone fill the limit, else until the
  // holders of the spares in the way beat.
  int64_t wait_ms(const RateRule& rule, const RateShare& share, int64_t tokens, int64_t now_ms) const;
  static bool too_many_requests(const RateRule& rule, const RateShare& share) {
    return rule.requests_per_minute > 0 && share.spare_requests < 1;
  }

  RateShareOptions m_options;
  std::map<int64_t, RateShare> m_shares; // by rule id
  int64_t m_last_contact_ms = 0;
};

} // namespace llmgw::core::policy
