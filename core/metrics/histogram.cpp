#include "core/metrics/histogram.hpp"

#include <algorithm>

namespace llmgw::core::metrics {

uint64_t HistogramSnapshot::count() const {
  uint64_t total = 0;
  for (uint64_t n : counts) total += n;
  return total;
}

Histogram::Histogram(std::span<const double> bounds) : m_bounds(bounds), m_counts(bounds.size() + 1) {}

void Histogram::observe_us(int64_t microseconds) {
  microseconds = std::max<int64_t>(microseconds, 0);
  const double seconds = static_cast<double>(microseconds) / 1e6;
  // The first bound at or above the value (Prometheus buckets are `le`).
  const size_t bucket =
      static_cast<size_t>(std::lower_bound(m_bounds.begin(), m_bounds.end(), seconds) - m_bounds.begin());
  m_counts[bucket].fetch_add(1, std::memory_order_relaxed);
  m_sum_us.fetch_add(microseconds, std::memory_order_relaxed);
}

HistogramSnapshot Histogram::snapshot() const {
  HistogramSnapshot out{m_bounds, {}, m_sum_us.load(std::memory_order_relaxed)};
  out.counts.reserve(m_counts.size());
  for (const auto& count : m_counts) out.counts.push_back(count.load(std::memory_order_relaxed));
  return out;
}

} // namespace llmgw::core::metrics
