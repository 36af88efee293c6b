// RateLimiter in team mode: shares leased from the shared store (rate_ledger.hpp, rate_shares.hpp).
#include "core/policy/rate_limiter.hpp"

#include "core/platform/fiber.hpp"

#include <algorithm>
#include <exception>

namespace llmgw::core::policy {

void RateLimiter::share(RateLedger& ledger, RateShareOptions options) {
  std::lock_guard lock(m_mutex);
  m_shared = &ledger;
  m_shares.emplace(options);
}

const RateRule* RateLimiter::find_rule(int64_t id) const {
  const auto rule = std::find_if(m_limits.begin(), m_limits.end(), [id](const RateRule& r) { return r.id == id; });
  return rule == m_limits.end() ? nullptr : &*rule;
}

RateAdmission RateLimiter::admit_shared(const Subject& subject, int64_t input_tokens, int64_t now_ms) {
  // A share too small is grown once (the store's lock, not ours, is held meanwhile), then the request
  // is admitted or refused on what the shares pay.
  std::vector<RateRule> asks;
  {
    std::lock_guard lock(m_mutex);
    if (auto admission = try_shares(subject, input_tokens, now_ms, &asks)) return std::move(*admission);
  }
  refill(asks, input_tokens, now_ms);
  std::lock_guard lock(m_mutex);
  return std::move(*try_shares(subject, input_tokens, now_ms, nullptr));
}

std::optional<RateAdmission> RateLimiter::try_shares(const Subject& subject, int64_t input_tokens, int64_t now_ms,
                                                     std::vector<RateRule>* asks) {
  RateAdmission admission;
  for (const RateRule& rule : m_limits) {
    if (!covers(rule.scope, rule.value, subject) || m_shares->fits(rule, input_tokens, now_ms)) continue;
    if (asks != nullptr && m_shares->worth_asking(rule, now_ms)) {
      asks->push_back(rule);
      continue;
    }
    // The store is away: this instance keeps to its part of the limit on its own.
    if (m_shares->at(rule, now_ms).unreachable && m_shares->fits_alone(rule, input_tokens, now_ms)) continue;
    admission.refusal = m_shares->refusal(rule, input_tokens, now_ms);
    return admission;
  }
  if (asks != nullptr && !asks->empty()) return std::nullopt;
  RateTicket& ticket = admission.ticket;
  ticket.active = true;
  ticket.window_start_ms = rate_subwindow_start(now_ms);
  ticket.tokens = input_tokens;
  for (const RateRule& rule : m_limits) {
    if (!covers(rule.scope, rule.value, subject)) continue;
    m_shares->take(rule, input_tokens, now_ms);
    ticket.rules.push_back(rule.id);
  }
  return admission;
}

void RateLimiter::refill(const std::vector<RateRule>& asks, int64_t input_tokens, int64_t now_ms) {
  std::lock_guard store(m_store_mutex);
  for (const RateRule& asked : asks) {
    RateClaim claim;
    RateAsk ask;
    {
      std::lock_guard lock(m_mutex);
      const RateRule* rule = find_rule(asked.id);
      // Measured again: another request may have grown the share (or found the store away) meanwhile.
      if (rule == nullptr || m_shares->fits(*rule, input_tokens, now_ms) || !m_shares->worth_asking(*rule, now_ms))
        continue;
      claim = m_shares->claim(*rule, now_ms);
      ask = m_shares->ask(*rule, input_tokens, now_ms);
    }
    RateGrant grant;
    try {
      platform::leave_event_loop(); // the shared store: a database round trip
      grant = m_shared->grow(claim, ask, now_ms);
    } catch (const std::exception&) {
      std::lock_guard lock(m_mutex);
      if (const RateRule* rule = find_rule(asked.id)) m_shares->unreachable(*rule, now_ms);
      continue;
    }
    std::lock_guard lock(m_mutex);
    if (const RateRule* rule = find_rule(asked.id)) m_shares->grown(*rule, grant, now_ms);
  }
}

bool RateLimiter::upkeep(int64_t now_ms) {
  if (m_shared == nullptr) return true;
  std::lock_guard store(m_store_mutex);
  std::vector<RateClaim> claims;
  {
    std::lock_guard lock(m_mutex);
    // Lowered here before the store hears of it, so this instance never uses more than the store counts.
    for (const RateRule& rule : m_limits) {
      m_shares->shrink(rule, now_ms);
      claims.push_back(m_shares->claim(rule, now_ms));
    }
  }
  std::vector<RateGrant> grants;
  try {
    grants = m_shared->beat(claims, now_ms);
  } catch (const std::exception&) {
    return false;
  }
  std::lock_guard lock(m_mutex);
  for (size_t i = 0; i < claims.size() && i < grants.size(); ++i)
    if (const RateRule* rule = find_rule(claims[i].rule.id)) m_shares->stored(*rule, grants[i], now_ms);
  return true;
}

void RateLimiter::release(int64_t now_ms) {
  if (m_shared == nullptr) return;
  std::lock_guard store(m_store_mutex);
  std::vector<RateClaim> claims;
  {
    std::lock_guard lock(m_mutex);
    m_shares->drop_spares();
    for (const RateRule& rule : m_limits) claims.push_back(m_shares->claim(rule, now_ms));
  }
  // A last beat: what was admitted since the previous one stays counted for its minute.
  m_shared->beat(claims, now_ms);
  m_shared->release();
}

} // namespace llmgw::core::policy
