#include "core/policy/cap_slices.hpp"

#include <algorithm>

namespace llmgw::core::policy {
namespace {

constexpr int64_t k_dry_ms = 250;          // what the store said it has left holds this long
constexpr int64_t k_busy_grow_ms = 2'000;  // a slice used up within this long doubles the next one
constexpr int k_max_target_divisor = 4;    // a growth asks for at most a quarter of the limit beyond the need
constexpr int k_min_target_divisor = 1024; // and at least a 1024th

} // namespace

int64_t CapSlices::first_target(const CapRule& cap) const {
  return std::max<int64_t>(1, cap.limit_pico / std::max(1, m_options.slice_divisor));
}

Slice& CapSlices::at(const CapRule& cap, int64_t now_ms) {
  Slice& slice = m_slices[cap.id];
  if (slice.period_end_ms != 0 && now_ms >= slice.period_start_ms && now_ms < slice.period_end_ms) return slice;
  // A new period: nothing granted or spent in it yet; the size learnt carries over.
  const int64_t target = slice.target_pico > 0 ? slice.target_pico : first_target(cap);
  slice = Slice{};
  slice.period_start_ms = period_start_ms(cap.period, now_ms);
  slice.period_end_ms = period_end_ms(cap.period, now_ms);
  slice.target_pico = target;
  return slice;
}

int64_t CapSlices::used(const Slice& slice, int64_t reserved_pico) {
  return std::max(slice.settled_pico, slice.written_pico) + reserved_pico;
}

int64_t CapSlices::room(const CapRule& cap, int64_t reserved_pico, int64_t now_ms) {
  Slice& slice = at(cap, now_ms);
  slice.last_use_ms = now_ms;
  if (!trusted(now_ms)) return 0;
  return slice.granted_pico - used(slice, reserved_pico);
}

int64_t CapSlices::team_spent(const CapRule& cap, int64_t now_ms) {
  const Slice& slice = at(cap, now_ms);
  return slice.team_spent_pico + std::max<int64_t>(0, slice.settled_pico - slice.written_at_team_pico);
}

void CapSlices::settle(const CapRule& cap, int64_t cost_pico, int64_t started_ms, int64_t now_ms) {
  Slice& slice = at(cap, now_ms);
  if (started_ms >= slice.period_start_ms && started_ms < slice.period_end_ms) slice.settled_pico += cost_pico;
}

void CapSlices::written(const CapRule& cap, int64_t cost_pico, int64_t started_ms, int64_t now_ms) {
  Slice& slice = at(cap, now_ms);
  if (started_ms >= slice.period_start_ms && started_ms < slice.period_end_ms) slice.written_pico += cost_pico;
}

LeaseClaim CapSlices::claim(const CapRule& cap, int64_t reserved_pico, int64_t now_ms) {
  Slice& slice = at(cap, now_ms);
  // Soft mode may spend past the slice: the store is told the truth, even above the limit.
  slice.granted_pico = std::max(slice.granted_pico, used(slice, reserved_pico));
  return LeaseClaim{cap,
                    slice.period_start_ms,
                    slice.period_end_ms,
                    slice.granted_pico,
                    slice.written_pico,
                    used(slice, reserved_pico)};
}

void CapSlices::shrink(const CapRule& cap, int64_t reserved_pico, int64_t now_ms) {
  Slice& slice = at(cap, now_ms);
  const int64_t in_use = used(slice, reserved_pico);
  if (now_ms - slice.last_use_ms >= m_options.idle_ms) {
    if (slice.granted_pico > in_use) slice.target_pico = std::max(first_target(cap) / 4, slice.target_pico / 2);
    slice.granted_pico = std::min(slice.granted_pico, in_use);
  } else if (slice.granted_pico - in_use > 4 * slice.target_pico) {
    slice.granted_pico = in_use + 2 * slice.target_pico;
  }
}

void CapSlices::stored(const CapRule& cap, const LeaseClaim& claim, const LeaseState& state, int64_t now_ms) {
  Slice& slice = at(cap, now_ms);
  if (slice.period_start_ms != claim.period_start_ms) return; // the period rolled meanwhile
  slice.granted_pico = state.granted_pico;
  slice.team_spent_pico = state.team_spent_pico;
  slice.written_at_team_pico = claim.written_pico;
  slice.in_store = true;
  m_last_contact_ms = std::max(m_last_contact_ms, now_ms);
}

void CapSlices::grown(const CapRule& cap, const LeaseState& state, int64_t now_ms) {
  Slice& slice = at(cap, now_ms);
  slice.dry_until_ms = now_ms + k_dry_ms;
  slice.dry_left_pico = state.left_pico;
  // A slice used up quickly asks for twice as much next time (fewer trips to the store).
  if (slice.last_grow_ms != 0 && now_ms - slice.last_grow_ms < k_busy_grow_ms)
    slice.target_pico = std::min(cap.limit_pico / k_max_target_divisor, slice.target_pico * 2);
  slice.target_pico = std::max(slice.target_pico, std::max<int64_t>(1, cap.limit_pico / k_min_target_divisor));
  slice.last_grow_ms = now_ms;
}

bool CapSlices::worth_asking(const CapRule& cap, int64_t need_pico, int64_t now_ms) {
  const Slice& slice = at(cap, now_ms);
  if (now_ms >= slice.dry_until_ms) return true;
  return need_pico == 0 ? slice.dry_left_pico > 0 : need_pico <= slice.dry_left_pico;
}

void CapSlices::unreachable(const CapRule& cap, int64_t now_ms) {
  Slice& slice = at(cap, now_ms);
  slice.dry_until_ms = now_ms + k_dry_ms;
  slice.dry_left_pico = 0;
}

void CapSlices::limit_changed(const CapRule& cap, int64_t reserved_pico) {
  auto it = m_slices.find(cap.id);
  if (it == m_slices.end()) return;
  Slice& slice = it->second;
  slice.granted_pico = std::min(slice.granted_pico, used(slice, reserved_pico));
  slice.target_pico = first_target(cap);
  slice.dry_until_ms = 0;
}

} // namespace llmgw::core::policy
