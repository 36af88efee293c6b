// SpendCaps in team mode: slices leased from the shared store (cap_ledger.hpp, cap_slices.hpp).
#include "core/policy/spend_caps.hpp"

#include "core/platform/fiber.hpp"

#include <algorithm>
#include <exception>

namespace llmgw::core::policy {

void SpendCaps::share(CapLedger& ledger, LeaseOptions options) {
  std::lock_guard lock(m_mutex);
  m_shared = &ledger;
  m_slices.emplace(options);
}

bool SpendCaps::collect_shortfalls(const std::vector<const CapRule*>& applicable, int64_t expected, int64_t wanted,
                                   int64_t now_ms, std::vector<Shortfall>& shortfalls) {
  if (!m_slices) return false;
  for (const CapRule* cap : applicable) {
    const int64_t held = reserved_of(cap->id);
    const int64_t room = m_slices->room(*cap, held, now_ms);
    const int64_t need = std::max<int64_t>(0, expected - room);
    if (std::max(need, wanted - room) <= 0) continue;
    // Past the cap's own limit no slice helps; nor asking a store that said a moment ago it has less.
    if (expected > cap->limit_pico - spent(*cap, now_ms) - held) continue;
    if (m_slices->worth_asking(*cap, need, now_ms)) shortfalls.push_back({cap->id, expected, wanted});
  }
  return !shortfalls.empty();
}

void SpendCaps::refill(const std::vector<Shortfall>& shortfalls, int64_t now_ms) {
  std::lock_guard store(m_store_mutex);
  for (const Shortfall& shortfall : shortfalls) {
    LeaseClaim claim;
    int64_t need = 0, want = 0;
    {
      std::lock_guard lock(m_mutex);
      const CapRule* cap = find_cap(shortfall.cap_id);
      if (cap == nullptr) continue;
      // Measured again: another request may have grown the slice while this one waited.
      const int64_t held = reserved_of(cap->id);
      claim = m_slices->claim(*cap, held, now_ms);
      const int64_t room = m_slices->room(*cap, held, now_ms);
      need = std::max<int64_t>(0, shortfall.need_pico - room);
      want = std::max<int64_t>(need, shortfall.want_pico - room);
      if (want <= 0) continue;
      want += m_slices->at(*cap, now_ms).target_pico;
      claim.used_pico += need; // the request waiting for this growth holds it once granted
    }
    LeaseState state;
    try {
      platform::leave_event_loop(); // the shared store: a database round trip
      state = m_shared->grow(claim, need, want, now_ms);
    } catch (const std::exception&) {
      std::lock_guard lock(m_mutex);
      if (const CapRule* cap = find_cap(shortfall.cap_id)) m_slices->unreachable(*cap, now_ms);
      continue;
    }
    std::lock_guard lock(m_mutex);
    if (const CapRule* cap = find_cap(shortfall.cap_id)) {
      m_slices->stored(*cap, claim, state, now_ms);
      m_slices->grown(*cap, state, now_ms);
    }
  }
}

void SpendCaps::written(const Subject& subject, int64_t cost_pico, int64_t started_ms, int64_t now_ms) {
  std::lock_guard lock(m_mutex);
  if (!m_slices || cost_pico == 0) return;
  for (const CapRule& cap : m_caps)
    if (covers(cap.scope, cap.value, subject)) m_slices->written(cap, cost_pico, started_ms, now_ms);
}

bool SpendCaps::upkeep(int64_t now_ms) {
  if (m_shared == nullptr) return true;
  std::lock_guard store(m_store_mutex);
  std::vector<LeaseClaim> claims;
  {
    std::lock_guard lock(m_mutex);
    roll(now_ms);
    // Lowered here before the store hears of it, so this instance never uses more than the store counts.
    for (const CapRule& cap : m_caps) {
      m_slices->shrink(cap, reserved_of(cap.id), now_ms);
      claims.push_back(m_slices->claim(cap, reserved_of(cap.id), now_ms));
    }
  }
  std::vector<LeaseState> states;
  try {
    states = m_shared->beat(claims, now_ms);
  } catch (const std::exception&) {
    return false;
  }
  std::lock_guard lock(m_mutex);
  for (size_t i = 0; i < claims.size() && i < states.size(); ++i)
    if (const CapRule* cap = find_cap(claims[i].cap.id)) m_slices->stored(*cap, claims[i], states[i], now_ms);
  return true;
}

void SpendCaps::release() {
  if (m_shared == nullptr) return;
  std::lock_guard store(m_store_mutex);
  {
    std::lock_guard lock(m_mutex);
    m_slices->retain([](int64_t) { return false; });
  }
  m_shared->release();
}

} // namespace llmgw::core::policy
