#include "core/policy/spend_caps.hpp"

#include <algorithm>
#include <array>

namespace llmgw::core::policy {
namespace {

constexpr std::array<Period, 4> k_periods{Period::day, Period::week, Period::month, Period::total};

} // namespace

void SpendCaps::set_rules(std::vector<CapRule> caps, bool allow_unpriced) {
  std::lock_guard lock(m_mutex);
  if (m_slices) {
    // A lowered (or raised) limit: keep what is spent and held, ask again under the new limit.
    for (const CapRule& cap : caps) {
      const CapRule* before = find_cap(cap.id);
      if (before != nullptr && before->limit_pico != cap.limit_pico) m_slices->limit_changed(cap, reserved_of(cap.id));
    }
    m_slices->retain([&caps](int64_t id) {
      return std::any_of(caps.begin(), caps.end(), [id](const CapRule& c) { return c.id == id; });
    });
  }
  m_caps = std::move(caps);
  m_allow_unpriced = allow_unpriced;
}

void SpendCaps::load_spent(const std::vector<SpentRow>& rows, int64_t now_ms) {
  std::lock_guard lock(m_mutex);
  for (Period period : k_periods) {
    auto& period_sums = sums(period);
    period_sums.spent.clear();
    period_sums.start = period_start_ms(period, now_ms);
    period_sums.end = period_end_ms(period, now_ms);
  }
  for (const SpentRow& row : rows) sums(row.period).spent[{row.scope, row.value}] += row.cost_pico;
}

bool SpendCaps::active() const {
  std::lock_guard lock(m_mutex);
  return !m_caps.empty();
}

bool SpendCaps::applies(const Subject& subject) const {
  std::lock_guard lock(m_mutex);
  return std::any_of(m_caps.begin(), m_caps.end(), [&](const CapRule& c) { return covers(c.scope, c.value, subject); });
}

void SpendCaps::roll(int64_t now_ms) {
  for (Period period : k_periods) {
    auto& period_sums = sums(period);
    if (period_sums.end != 0 && now_ms < period_sums.end && now_ms >= period_sums.start) continue;
    period_sums.spent.clear();
    period_sums.start = period_start_ms(period, now_ms);
    period_sums.end = period_end_ms(period, now_ms);
  }
}

int64_t SpendCaps::spent(const CapRule& cap, int64_t now_ms) {
  const auto& period_sums = sums(cap.period);
  auto it = period_sums.spent.find({cap.scope, cap.scope == Scope::global ? std::string() : cap.value});
  const int64_t own = it == period_sums.spent.end() ? 0 : it->second;
  return m_slices ? std::max(own, m_slices->team_spent(cap, now_ms)) : own;
}

int64_t SpendCaps::reserved_of(int64_t cap_id) const {
  auto it = m_reserved.find(cap_id);
  return it == m_reserved.end() ? 0 : it->second;
}

int64_t SpendCaps::left(const CapRule& cap, int64_t now_ms) {
  const int64_t held = reserved_of(cap.id);
  const int64_t left = cap.limit_pico - spent(cap, now_ms) - held;
  return m_slices ? std::min(left, m_slices->room(cap, held, now_ms)) : left;
}

Refusal SpendCaps::refusal(Refusal::Kind kind, const CapRule& cap) {
  Refusal refused;
  refused.kind = kind;
  refused.status = 402;
  refused.scope = cap.scope;
  refused.value = cap.value;
  refused.period = cap.period;
  refused.limit_pico = cap.limit_pico;
  return refused;
}

CapAdmission SpendCaps::admit(const Subject& subject, std::optional<int64_t> cost_pico, int64_t now_ms) {
  return admit(subject, CostAsk{cost_pico, cost_pico.value_or(0), false, 0, false}, now_ms);
}

CapAdmission SpendCaps::admit(const Subject& subject, const CostAsk& ask, int64_t now_ms) {
  if (m_shared == nullptr) {
    std::lock_guard lock(m_mutex);
    return admit_locked(subject, ask, now_ms, nullptr);
  }
  // Team mode: a slice too small is grown once (the store's lock, not ours, is held meanwhile),
  // then the request is admitted or refused on what the slices pay.
  std::vector<Shortfall> shortfalls;
  {
    std::lock_guard lock(m_mutex);
    auto admission = admit_locked(subject, ask, now_ms, &shortfalls);
    if (shortfalls.empty()) return admission;
  }
  refill(shortfalls, now_ms);
  std::lock_guard lock(m_mutex);
  return admit_locked(subject, ask, now_ms, nullptr);
}

CapAdmission SpendCaps::admit_locked(const Subject& subject, const CostAsk& ask, int64_t now_ms,
                                     std::vector<Shortfall>* shortfalls) {
  CapAdmission admission;
  roll(now_ms);
  std::vector<const CapRule*> applicable;
  for (const CapRule& cap : m_caps)
    if (covers(cap.scope, cap.value, subject)) applicable.push_back(&cap);
  if (!ask.expected_pico && !applicable.empty() && !m_allow_unpriced) {
    admission.refusal = refusal(Refusal::Kind::unpriced, *applicable.front());
    return admission;
  }
  const int64_t expected = ask.expected_pico.value_or(0);
  const int64_t worst = ask.expected_pico ? std::max(ask.worst_pico, expected) : 0;
  const int64_t wanted = ask.fit_worst || ask.hold_worst ? worst : expected;
  if (shortfalls != nullptr && collect_shortfalls(applicable, expected, wanted, now_ms, *shortfalls)) return admission;
  const CapRule* tightest = nullptr;
  int64_t room = 0; // the least any applicable cap has left
  for (const CapRule* cap : applicable) {
    const int64_t used = spent(*cap, now_ms);
    const int64_t left = this->left(*cap, now_ms);
    const int64_t held = cap->limit_pico - used - left; // what this instance holds (team mode: and others lease)
    if (tightest == nullptr || left < room) {
      tightest = cap;
      room = left;
    }
    if (expected <= left) continue;
    admission.refusal = refusal(Refusal::Kind::cap, *cap);
    admission.refusal->spent_pico = used;
    admission.refusal->reserved_pico = held;
    admission.refusal->needed_pico = expected;
    admission.refusal->worst_pico = worst;
    return admission;
  }
  admission.allowed_worst_pico = worst;
  if (tightest != nullptr && ask.fit_worst && worst > room) {
    // Cannot be cut at the cap: its output limit is lowered to what the caps pay for, or it is refused.
    if (std::max(ask.floor_pico, expected) > room) {
      admission.refusal = refusal(Refusal::Kind::cap_worst_case, *tightest);
      admission.refusal->spent_pico = spent(*tightest, now_ms);
      admission.refusal->reserved_pico = tightest->limit_pico - admission.refusal->spent_pico - room;
      admission.refusal->needed_pico = expected;
      admission.refusal->worst_pico = worst;
      return admission;
    }
    admission.allowed_worst_pico = room;
  }
  const int64_t hold = ask.hold_worst ? admission.allowed_worst_pico : expected;
  // Every cap fits: hold under all of them before the lock is released.
  admission.holds.active = true;
  for (const CapRule* cap : applicable)
    if (auto warning = reserve(*cap, hold, now_ms, admission)) admission.warning = std::move(warning);
  return admission;
}

// Hold cost_pico under the cap; past its warn threshold, lower the remaining amount and return a
// warning the first time in the cap's current period.
std::optional<CapWarning> SpendCaps::reserve(const CapRule& cap, int64_t cost_pico, int64_t now_ms,
                                             CapAdmission& admission) {
  m_reserved[cap.id] += cost_pico;
  admission.holds.holds.emplace_back(cap.id, cost_pico);
  const int64_t used = spent(cap, now_ms) + m_reserved[cap.id];
  if (used * 100 < cap.limit_pico * cap.warn_percent) return std::nullopt;
  const int64_t remaining = std::max<int64_t>(0, cap.limit_pico - used);
  if (!admission.remaining_pico || remaining < *admission.remaining_pico) admission.remaining_pico = remaining;
  const int64_t period_start = sums(cap.period).start;
  auto [warned, first] = m_warned_period.try_emplace(cap.id, period_start);
  if (!first && warned->second == period_start) return std::nullopt;
  warned->second = period_start;
  return CapWarning{cap, used, remaining};
}

const CapRule* SpendCaps::find_cap(int64_t id) const {
  const auto cap = std::find_if(m_caps.begin(), m_caps.end(), [&](const CapRule& c) { return c.id == id; });
  return cap == m_caps.end() ? nullptr : &*cap;
}

std::optional<Refusal> SpendCaps::extend_hold(CapHolds& holds, int64_t needed_pico, int64_t live_cost_pico) {
  return extend_hold(holds, needed_pico, live_cost_pico, now_ms());
}

std::optional<Refusal> SpendCaps::extend_hold(CapHolds& holds, int64_t needed_pico, int64_t live_cost_pico,
                                              int64_t now_ms) {
  if (m_shared == nullptr) {
    std::lock_guard lock(m_mutex);
    return extend_locked(holds, needed_pico, live_cost_pico, now_ms, nullptr);
  }
  std::vector<Shortfall> shortfalls;
  {
    std::lock_guard lock(m_mutex);
    auto refused = extend_locked(holds, needed_pico, live_cost_pico, now_ms, &shortfalls);
    if (shortfalls.empty()) return refused;
  }
  refill(shortfalls, now_ms);
  std::lock_guard lock(m_mutex);
  return extend_locked(holds, needed_pico, live_cost_pico, now_ms, nullptr);
}

std::optional<Refusal> SpendCaps::extend_locked(CapHolds& holds, int64_t needed_pico, int64_t live_cost_pico,
                                                int64_t now_ms, std::vector<Shortfall>* shortfalls) {
  if (!holds.active) return std::nullopt;
  // Check every cap before growing any, so that a refused stream holds what it held.
  for (const auto& [cap_id, held] : holds.holds) {
    const CapRule* cap = find_cap(cap_id);
    if (cap == nullptr || needed_pico <= held) continue; // removed, or within its hold
    const int64_t left = this->left(*cap, now_ms);
    if (needed_pico - held <= left) continue;
    if (shortfalls != nullptr) {
      // Team mode: a slice too small is grown first, unless the cap itself cannot pay.
      const int64_t growth = needed_pico - held;
      const bool fits_cap = growth <= cap->limit_pico - spent(*cap, now_ms) - reserved_of(cap_id);
      if (fits_cap && m_slices->worth_asking(*cap, growth - left, now_ms))
        shortfalls->push_back({cap_id, growth, growth});
      continue;
    }
    Refusal refused = refusal(Refusal::Kind::stream_over_cap, *cap);
    refused.spent_pico = spent(*cap, now_ms);
    refused.reserved_pico = cap->limit_pico - refused.spent_pico - left - held;
    refused.needed_pico = live_cost_pico;
    return refused;
  }
  if (shortfalls != nullptr && !shortfalls->empty()) return std::nullopt;
  if (shortfalls != nullptr) return extend_locked(holds, needed_pico, live_cost_pico, now_ms, nullptr);
  for (auto& [cap_id, held] : holds.holds) {
    if (find_cap(cap_id) == nullptr || needed_pico <= held) continue;
    m_reserved[cap_id] += needed_pico - held;
    held = needed_pico;
  }
  return std::nullopt;
}

void SpendCaps::settle(CapHolds& holds, const Subject& subject, int64_t cost_pico, int64_t started_ms, int64_t now_ms) {
  std::lock_guard lock(m_mutex);
  if (holds.active) {
    holds.active = false;
    for (const auto& [cap_id, amount] : holds.holds) {
      auto it = m_reserved.find(cap_id);
      if (it != m_reserved.end()) it->second -= amount;
    }
  }
  roll(now_ms);
  if (cost_pico == 0) return;
  const auto keys = subject_scopes(subject);
  for (Period period : k_periods) {
    auto& period_sums = sums(period);
    if (started_ms < period_sums.start || started_ms >= period_sums.end) continue; // belongs to a past period
    for (const auto& key : keys) {
      if (key.first != Scope::global && key.second.empty()) continue;
      auto it = period_sums.spent.find(key); // the scope's string is made once, when it first spends
      if (it == period_sums.spent.end()) it = period_sums.spent.emplace(ScopeKey{key.first, key.second}, 0).first;
      it->second += cost_pico;
    }
  }
  if (m_slices)
    for (const CapRule& cap : m_caps)
      if (covers(cap.scope, cap.value, subject)) m_slices->settle(cap, cost_pico, started_ms, now_ms);
}

std::vector<CapState> SpendCaps::states(int64_t now_ms) {
  std::lock_guard lock(m_mutex);
  roll(now_ms);
  std::vector<CapState> result;
  for (const CapRule& cap : m_caps) {
    result.push_back({cap, spent(cap, now_ms), reserved_of(cap.id)});
  }
  return result;
}

} // namespace llmgw::core::policy
