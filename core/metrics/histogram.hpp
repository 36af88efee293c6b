#pragma once
// A Prometheus histogram updated with relaxed atomics only: observe() takes no lock, so it may sit
// on a writer thread or after a request without slowing either.
#include <array>
#include <atomic>
#include <cstdint>
#include <span>
#include <vector>

namespace llmgw::core::metrics {

// Upper bounds in seconds for an LLM call's duration or time to first byte: from a cached
// answer (tens of ms) to a long reasoning stream (minutes).
inline constexpr std::array<double, 14> k_llm_seconds{0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60, 120, 300, 600};
// Upper bounds in seconds for a ledger transaction (a batch of rows, one commit).
inline constexpr std::array<double, 10> k_write_seconds{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1};

// What a histogram held at one moment: counts per bucket (not cumulative; the last is +Inf),
// the sum in microseconds.
struct HistogramSnapshot {
  std::span<const double> bounds;
  std::vector<uint64_t> counts;
  int64_t sum_us = 0;
  uint64_t count() const;
};

class Histogram {
public:
  // bounds: ascending upper bounds in seconds; the span must outlive the histogram.
  explicit Histogram(std::span<const double> bounds);
  Histogram(const Histogram&) = delete;
  Histogram& operator=(const Histogram&) = delete;

  void observe_us(int64_t microseconds);
  void observe_ms(int64_t milliseconds) { observe_us(milliseconds * 1000); }
  HistogramSnapshot snapshot() const;

private:
  std::span<const double> m_bounds;
  std::vector<std::atomic<uint64_t>> m_counts; // one per bound, then +Inf
  std::atomic<int64_t> m_sum_us{0};
};

} // namespace llmgw::core::metrics
