#include "tests/bench/bench_load.hpp"

#include "store/ledger.hpp"
#include "tests/bench/bench_process.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <mutex>
#include <numeric>
#include <thread>

namespace llmgw::bench {
namespace {

using Clock = std::chrono::steady_clock;

double percentile(const std::vector<double>& sorted, double fraction) {
  const auto rank = static_cast<size_t>(std::ceil(fraction * static_cast<double>(sorted.size())));
  return sorted[std::min(sorted.size() - 1, rank == 0 ? 0 : rank - 1)];
}

// What one worker saw in one slice.
struct WorkerSamples {
  std::vector<double> total_us, first_byte_us, first_event_us;
  long errors = 0;
  std::string first_error;
};

void work(Connection& connection, const std::string& request, const SliceLimits& limits, Clock::time_point start,
          Clock::time_point deadline, std::atomic<long>& budget, WorkerSamples& out) {
  std::this_thread::sleep_until(start);
  while (Clock::now() < deadline && budget.fetch_sub(1) > 0) {
    const Exchange result = connection.exchange(request);
    if (result.ok && result.status == 200) {
      out.total_us.push_back(result.total_us);
      out.first_byte_us.push_back(result.first_byte_us);
      if (result.first_event_us > 0) out.first_event_us.push_back(result.first_event_us);
    } else {
      ++out.errors;
      if (out.first_error.empty()) out.first_error = result.ok ? "HTTP " + std::to_string(result.status) : result.error;
    }
    if (limits.pause_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(limits.pause_ms));
  }
}

// The CPU of pid once it stopped growing (under 20 us in 20 ms; at most 300 ms): what a slice
// left behind (a ledger write queued by its last requests) still belongs to it.
double settled_cpu_us(pid_t pid) {
  double last = tree_cpu_us(pid);
  for (int wait = 0; wait < 15 && last >= 0; ++wait) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const double now = tree_cpu_us(pid);
    if (now - last < 20) return now;
    last = now;
  }
  return last;
}

} // namespace

Stats summarize(std::vector<double> values) {
  Stats stats;
  if (values.empty()) return stats;
  std::sort(values.begin(), values.end());
  stats.count = static_cast<long>(values.size());
  stats.p50_us = percentile(values, 0.50);
  stats.p99_us = percentile(values, 0.99);
  stats.max_us = values.back();
  stats.mean_us = std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
  return stats;
}

double Measurement::requests_per_second() const {
  return seconds > 0 ? static_cast<double>(total_us.size()) / seconds : 0;
}

double Measurement::cpu_us_per_request() const {
  return cpu_us < 0 || total_us.empty() ? -1 : cpu_us / static_cast<double>(total_us.size());
}

double Measurement::ledger_us_per_request() const {
  return ledger_cpu_us < 0 || total_us.empty() ? -1 : ledger_cpu_us / static_cast<double>(total_us.size());
}

LoadGroup::LoadGroup(int port, int concurrency, pid_t watched_pid, int timeout_ms) : m_watched_pid(watched_pid) {
  for (int i = 0; i < concurrency; ++i) m_connections.push_back(std::make_unique<Connection>(port, timeout_ms));
}

double LoadGroup::connect_all() {
  std::vector<std::thread> connectors;
  std::atomic<bool> failed{false};
  const auto start = Clock::now();
  for (auto& connection : m_connections)
    connectors.emplace_back([&failed, &connection] {
      std::string error;
      if (!connection->connect(error)) failed = true;
    });
  for (auto& connector : connectors) connector.join();
  return failed ? -1 : std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

void LoadGroup::run(const std::string& request, const SliceLimits& limits, Measurement& into) {
  std::atomic<long> budget{limits.max_requests};
  std::vector<WorkerSamples> samples(m_connections.size());
  const double cpu_before = m_watched_pid > 0 ? tree_cpu_us(m_watched_pid) : -1;
  const double ledger_before =
      m_watched_pid > 0 ? named_threads_cpu_us(m_watched_pid, store::Ledger::k_writer_thread_name) : -1;
  const auto start = Clock::now();
  const auto deadline =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(limits.max_seconds));
  std::vector<std::thread> workers;
  const auto offset = [&](size_t i) {
    return start + std::chrono::microseconds(static_cast<long>(i) * limits.stagger_ms * 1000 /
                                             static_cast<long>(m_connections.size()));
  };
  for (size_t i = 1; i < m_connections.size(); ++i)
    workers.emplace_back(work, std::ref(*m_connections[i]), std::cref(request), std::cref(limits), offset(i), deadline,
                         std::ref(budget), std::ref(samples[i]));
  work(*m_connections[0], request, limits, start, deadline, budget, samples[0]);
  for (auto& worker : workers) worker.join();
  into.seconds += std::chrono::duration<double>(Clock::now() - start).count();
  const double cpu_after = m_watched_pid > 0 ? settled_cpu_us(m_watched_pid) : -1;
  if (cpu_before >= 0 && cpu_after >= 0) into.cpu_us = std::max(0.0, into.cpu_us) + (cpu_after - cpu_before);
  const double ledger_after =
      m_watched_pid > 0 ? named_threads_cpu_us(m_watched_pid, store::Ledger::k_writer_thread_name) : -1;
  if (ledger_before >= 0 && ledger_after >= 0)
    into.ledger_cpu_us = std::max(0.0, into.ledger_cpu_us) + (ledger_after - ledger_before);
  for (auto& worker : samples) {
    into.total_us.insert(into.total_us.end(), worker.total_us.begin(), worker.total_us.end());
    into.first_byte_us.insert(into.first_byte_us.end(), worker.first_byte_us.begin(), worker.first_byte_us.end());
    into.first_event_us.insert(into.first_event_us.end(), worker.first_event_us.begin(), worker.first_event_us.end());
    into.errors += worker.errors;
    if (into.first_error.empty()) into.first_error = worker.first_error;
  }
}

} // namespace llmgw::bench
