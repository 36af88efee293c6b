#include "core/policy/rate_limiter.hpp"

#include <algorithm>

namespace llmgw::core::policy {

void RateLimiter::set_rules(std::vector<RateRule> limits) {
  std::lock_guard lock(m_mutex);
  if (m_shares) {
    // A changed limit: the spare goes back and is asked again under the new one.
    for (const RateRule& rule : limits) {
      const RateRule* before = find_rule(rule.id);
      if (before != nullptr && (before->requests_per_minute != rule.requests_per_minute ||
                                before->tokens_per_minute != rule.tokens_per_minute))
        m_shares->limit_changed(rule);
    }
    m_shares->retain([&limits](int64_t id) {
      return std::any_of(limits.begin(), limits.end(), [id](const RateRule& r) { return r.id == id; });
    });
  }
  m_limits = std::move(limits);
  for (auto it = m_windows.begin(); it != m_windows.end();) {
    bool kept = std::any_of(m_limits.begin(), m_limits.end(), [&](const RateRule& r) { return r.id == it->first; });
    it = kept ? std::next(it) : m_windows.erase(it);
  }
}

bool RateLimiter::active() const {
  std::lock_guard lock(m_mutex);
  return !m_limits.empty();
}

bool RateLimiter::applies(const Subject& subject) const {
  std::lock_guard lock(m_mutex);
  return std::any_of(m_limits.begin(), m_limits.end(),
                     [&](const RateRule& r) { return covers(r.scope, r.value, subject); });
}

// Drop the entries that left the window, then refuse if one more request would pass the limit.
std::optional<Refusal> RateLimiter::check(const RateRule& rule, Window& window, int64_t input_tokens, int64_t now_ms) {
  auto& entries = window.entries;
  while (!entries.empty() && entries.front().at_ms <= now_ms - k_rate_window_ms) {
    window.tokens -= entries.front().tokens;
    entries.pop_front();
  }
  const bool too_many =
      rule.requests_per_minute > 0 && static_cast<int64_t>(entries.size()) >= rule.requests_per_minute;
  // A request larger than the limit still goes through alone in an empty window.
  const bool too_large =
      rule.tokens_per_minute > 0 && !entries.empty() && window.tokens + input_tokens > rule.tokens_per_minute;
  if (!too_many && !too_large) return std::nullopt;
  return rate_refusal(rule, too_many, entries.front().at_ms + k_rate_window_ms - now_ms);
}

RateAdmission RateLimiter::admit(const Subject& subject, int64_t input_tokens, int64_t now_ms) {
  if (m_shared != nullptr) return admit_shared(subject, input_tokens, now_ms);
  std::lock_guard lock(m_mutex);
  RateAdmission admission;
  for (const RateRule& rule : m_limits) {
    if (!covers(rule.scope, rule.value, subject)) continue;
    if (auto refused = check(rule, m_windows[rule.id], input_tokens, now_ms)) {
      admission.refusal = std::move(refused);
      return admission;
    }
  }
  RateTicket& ticket = admission.ticket;
  ticket.active = true;
  ticket.sequence = ++m_sequence;
  for (const RateRule& rule : m_limits) {
    if (!covers(rule.scope, rule.value, subject)) continue;
    auto& window = m_windows[rule.id];
    window.entries.push_back({ticket.sequence, now_ms, input_tokens});
    window.tokens += input_tokens;
    ticket.rules.push_back(rule.id);
  }
  return admission;
}

std::deque<RateLimiter::WindowEntry>::iterator RateLimiter::find_entry(Window& window, uint64_t sequence) {
  auto& entries = window.entries;
  auto entry = std::lower_bound(entries.begin(), entries.end(), sequence,
                                [](const WindowEntry& e, uint64_t wanted) { return e.sequence < wanted; });
  return entry != entries.end() && entry->sequence == sequence ? entry : entries.end();
}

void RateLimiter::cancel(RateTicket& ticket) {
  std::lock_guard lock(m_mutex);
  if (!ticket.active) return;
  ticket.active = false;
  if (m_shares) {
    for (int64_t rule_id : ticket.rules) m_shares->untake(rule_id, ticket.window_start_ms, ticket.tokens);
    return;
  }
  for (int64_t rule_id : ticket.rules) {
    auto found = m_windows.find(rule_id);
    if (found == m_windows.end()) continue; // the limit was removed
    auto& window = found->second;
    auto entry = find_entry(window, ticket.sequence);
    if (entry == window.entries.end()) continue;
    window.tokens -= entry->tokens;
    window.entries.erase(entry);
  }
}

void RateLimiter::settle(RateTicket& ticket, int64_t tokens) {
  std::lock_guard lock(m_mutex);
  if (!ticket.active) return;
  ticket.active = false;
  if (m_shares) {
    for (int64_t rule_id : ticket.rules) m_shares->add_tokens(rule_id, ticket.window_start_ms, tokens - ticket.tokens);
    return;
  }
  for (int64_t rule_id : ticket.rules) {
    auto found = m_windows.find(rule_id);
    if (found == m_windows.end()) continue;
    auto& window = found->second;
    auto entry = find_entry(window, ticket.sequence);
    if (entry == window.entries.end() || tokens <= entry->tokens) continue; // left the window, or no more
    window.tokens += tokens - entry->tokens;
    entry->tokens = tokens;
  }
}

} // namespace llmgw::core::policy
