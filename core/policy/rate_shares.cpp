#include "core/policy/rate_shares.hpp"

#include "core/policy/periods.hpp"

#include <algorithm>

namespace llmgw::core::policy {
namespace {

constexpr int64_t k_share_busy_grow_ms = 2'000; // a share used up within this long doubles the next growth
constexpr int64_t k_share_dry_ms = 250;         // a refusal from the store holds this long before asking again

int64_t first_target(int64_t limit, int live_instances) {
  return std::max<int64_t>(1, limit / (2 * std::max(1, live_instances)));
}

// The target after a growth: doubled when the last one was used up quickly, at most a quarter of the
// limit (never lowered here: shrink() returns what goes unused).
int64_t next_target(int64_t target, int64_t limit, bool busy) {
  return busy ? std::max(target, std::min(std::max<int64_t>(1, limit / 4), target * 2)) : target;
}

} // namespace

int64_t rate_subwindow_start(int64_t at_ms) { return floor_div(at_ms, k_rate_subwindow_ms) * k_rate_subwindow_ms; }

// The minute before now_ms holds instants after now_ms - 60 s (as the single-instance window does).
int64_t rate_oldest_counted(int64_t now_ms) { return rate_subwindow_start(now_ms - k_rate_window_ms + 1); }

Refusal rate_refusal(const RateRule& rule, bool too_many_requests, int64_t wait_ms) {
  Refusal refused;
  refused.kind = too_many_requests ? Refusal::Kind::request_rate : Refusal::Kind::token_rate;
  refused.status = 429;
  refused.scope = rule.scope;
  refused.value = rule.value;
  refused.limit_per_minute = too_many_requests ? rule.requests_per_minute : rule.tokens_per_minute;
  refused.retry_after_seconds = static_cast<int>(std::max<int64_t>(1, (wait_ms + 999) / 1000));
  return refused;
}

RateShare& RateShares::at(const RateRule& rule, int64_t now_ms) {
  RateShare& share = m_shares[rule.id];
  const int64_t oldest = rate_oldest_counted(now_ms);
  std::erase_if(share.used, [oldest](const RateCount& count) { return count.window_start_ms < oldest; });
  if (!trusted(now_ms)) {
    // Not heard from the store for trust_ms: another instance may have reclaimed the spare.
    share.spare_requests = 0;
    share.spare_tokens = 0;
  }
  return share;
}

RateCount* RateShares::find(RateShare& share, int64_t window_start_ms) {
  auto it = std::find_if(share.used.begin(), share.used.end(), [window_start_ms](const RateCount& count) {
    return count.window_start_ms == window_start_ms;
  });
  return it == share.used.end() ? nullptr : &*it;
}

bool RateShares::fits(const RateRule& rule, int64_t tokens, int64_t now_ms) {
  const RateShare& share = at(rule, now_ms);
  const bool requests_ok = rule.requests_per_minute <= 0 || share.spare_requests >= 1;
  const bool tokens_ok = rule.tokens_per_minute <= 0 || share.spare_tokens >= tokens;
  return requests_ok && tokens_ok;
}

bool RateShares::fits_alone(const RateRule& rule, int64_t tokens, int64_t now_ms) {
  const RateShare& share = at(rule, now_ms);
  const int live = std::max(1, share.answer.live_instances);
  int64_t requests = 0, used_tokens = 0;
  for (const RateCount& count : share.used) {
    requests += count.requests;
    used_tokens += count.tokens;
  }
  const bool requests_ok =
      rule.requests_per_minute <= 0 || requests + 1 <= std::max<int64_t>(1, rule.requests_per_minute / live);
  // As in single mode, a request larger than the part still goes through alone in an empty window.
  const bool tokens_ok = rule.tokens_per_minute <= 0 || used_tokens == 0 ||
                         used_tokens + tokens <= std::max<int64_t>(1, rule.tokens_per_minute / live);
  return requests_ok && tokens_ok;
}

void RateShares::take(const RateRule& rule, int64_t tokens, int64_t now_ms) {
  RateShare& share = at(rule, now_ms);
  const int64_t window = rate_subwindow_start(now_ms);
  if (share.used.empty() || share.used.back().window_start_ms != window) share.used.push_back({window, 0, 0});
  share.used.back().requests += 1;
  share.used.back().tokens += tokens;
  share.spare_requests = std::max<int64_t>(0, share.spare_requests - 1);
  share.spare_tokens = std::max<int64_t>(0, share.spare_tokens - tokens);
  share.requests_since_beat += 1;
  share.tokens_since_beat += tokens;
}

void RateShares::untake(int64_t rule_id, int64_t window_start_ms, int64_t tokens) {
  auto it = m_shares.find(rule_id);
  if (it == m_shares.end()) return;
  // Not put back in the spare: the store learns at the next claim that it no longer counts.
  if (RateCount* count = find(it->second, window_start_ms)) {
    count->requests = std::max<int64_t>(0, count->requests - 1);
    count->tokens = std::max<int64_t>(0, count->tokens - tokens);
  }
}

void RateShares::add_tokens(int64_t rule_id, int64_t window_start_ms, int64_t extra) {
  auto it = m_shares.find(rule_id);
  if (it == m_shares.end() || extra <= 0) return;
  RateShare& share = it->second;
  RateCount* count = find(share, window_start_ms);
  if (count == nullptr) return; // left the minute
  count->tokens += extra;
  share.spare_tokens -= std::min(share.spare_tokens, extra);
}

RateAsk RateShares::ask(const RateRule& rule, int64_t tokens, int64_t now_ms) {
  RateShare& share = at(rule, now_ms);
  const int live = share.answer.live_instances;
  share.asked_tokens = tokens;
  RateAsk ask;
  if (rule.requests_per_minute > 0 && share.spare_requests < 1) {
    share.target_requests = std::max(share.target_requests, first_target(rule.requests_per_minute, live));
    ask.need_requests = 1 - share.spare_requests;
    ask.want_requests = std::min(rule.requests_per_minute, ask.need_requests + share.target_requests);
  }
  if (rule.tokens_per_minute > 0 && share.spare_tokens < tokens) {
    share.target_tokens = std::max(share.target_tokens, first_target(rule.tokens_per_minute, live));
    ask.need_tokens = tokens - share.spare_tokens;
    ask.want_tokens =
        std::max(ask.need_tokens, std::min(rule.tokens_per_minute, ask.need_tokens + share.target_tokens));
  }
  return ask;
}

RateClaim RateShares::claim(const RateRule& rule, int64_t now_ms) {
  const RateShare& share = at(rule, now_ms);
  return RateClaim{rule, share.used, share.spare_requests, share.spare_tokens};
}

bool RateShares::worth_asking(const RateRule& rule, int64_t now_ms) { return now_ms >= at(rule, now_ms).dry_until_ms; }

void RateShares::grown(const RateRule& rule, const RateGrant& grant, int64_t now_ms) {
  RateShare& share = at(rule, now_ms);
  m_last_contact_ms = std::max(m_last_contact_ms, now_ms);
  share.answer = grant;
  share.unreachable = false;
  if (grant.requests == 0 && grant.tokens == 0) {
    // Refused: the next requests are answered from this answer until it can change (a beat that
    // shows room again ends this early).
    share.dry_until_ms = now_ms + std::max(k_share_dry_ms, wait_ms(rule, share, share.asked_tokens, now_ms));
    return;
  }
  share.dry_until_ms = 0;
  share.spare_requests += grant.requests;
  share.spare_tokens += grant.tokens;
  const bool busy = share.last_grow_ms != 0 && now_ms - share.last_grow_ms < k_share_busy_grow_ms;
  share.target_requests = next_target(share.target_requests, rule.requests_per_minute, busy);
  share.target_tokens = next_target(share.target_tokens, rule.tokens_per_minute, busy);
  share.last_grow_ms = now_ms;
}

void RateShares::stored(const RateRule& rule, const RateGrant& grant, int64_t now_ms) {
  RateShare& share = at(rule, now_ms);
  m_last_contact_ms = std::max(m_last_contact_ms, now_ms);
  share.answer = grant;
  share.unreachable = false;
  // Room again (a spare went back, a sub-window left the minute): ask at the next request.
  const bool room = (rule.requests_per_minute <= 0 || grant.team_requests < rule.requests_per_minute) &&
                    (rule.tokens_per_minute <= 0 || grant.team_tokens < rule.tokens_per_minute);
  if (room) share.dry_until_ms = 0;
}

void RateShares::unreachable(const RateRule& rule, int64_t now_ms) {
  RateShare& share = at(rule, now_ms);
  share.unreachable = true;
  // Asked again after a beat at the earliest (a beat that reaches the store clears this).
  share.dry_until_ms = now_ms + m_options.beat_interval_ms;
}

void RateShares::shrink(const RateRule& rule, int64_t now_ms) {
  RateShare& share = at(rule, now_ms);
  share.spare_requests = std::min(share.spare_requests, 2 * share.requests_since_beat);
  share.spare_tokens = std::min(share.spare_tokens, 2 * share.tokens_since_beat);
  share.requests_since_beat = 0;
  share.tokens_since_beat = 0;
}

int64_t RateShares::wait_ms(const RateRule& rule, const RateShare& share, int64_t tokens, int64_t now_ms) const {
  const RateGrant& answer = share.answer;
  const bool requests = too_many_requests(rule, share);
  const int64_t used =
      requests ? answer.team_requests - answer.team_spare_requests : answer.team_tokens - answer.team_spare_tokens;
  const int64_t limit = requests ? rule.requests_per_minute : rule.tokens_per_minute;
  const int64_t oldest = requests ? answer.oldest_requests_ms : answer.oldest_tokens_ms;
  // Spares stand in the way: they go back at their holders' next beat.
  if (used + (requests ? 1 : tokens) <= limit || oldest == 0) return m_options.beat_interval_ms;
  return oldest + k_rate_subwindow_ms + k_rate_window_ms - 1 - now_ms;
}

Refusal RateShares::refusal(const RateRule& rule, int64_t tokens, int64_t now_ms) {
  const RateShare& share = at(rule, now_ms);
  return rate_refusal(rule, too_many_requests(rule, share), wait_ms(rule, share, tokens, now_ms));
}

void RateShares::limit_changed(const RateRule& rule) {
  auto it = m_shares.find(rule.id);
  if (it == m_shares.end()) return;
  RateShare& share = it->second;
  share.spare_requests = 0;
  share.spare_tokens = 0;
  share.target_requests = 0;
  share.target_tokens = 0;
  share.dry_until_ms = 0;
}

void RateShares::drop_spares() {
  for (auto& [id, share] : m_shares) {
    share.spare_requests = 0;
    share.spare_tokens = 0;
  }
}

} // namespace llmgw::core::policy
