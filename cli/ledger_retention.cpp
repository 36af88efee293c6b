#include "cli/ledger_retention.hpp"

#include "core/policy/periods.hpp"
#include "store/prune.hpp"

#include <chrono>
#include <cstdio>

namespace llmgw::cli {
namespace {

constexpr auto k_interval = std::chrono::hours(24);

} // namespace

LedgerRetention::LedgerRetention(const core::pipeline::Gateway& gateway, std::string db_path)
    : m_gateway(gateway), m_db_path(std::move(db_path)) {
  m_thread = std::thread([this] { run(); });
}

LedgerRetention::~LedgerRetention() { stop(); }

void LedgerRetention::stop() {
  {
    std::lock_guard lock(m_mutex);
    if (m_stopping && !m_thread.joinable()) return;
    m_stopping = true;
  }
  m_wake.notify_all();
  if (m_thread.joinable()) m_thread.join();
}

void LedgerRetention::run() {
  std::unique_lock lock(m_mutex);
  while (!m_stopping) {
    lock.unlock();
    prune_once();
    lock.lock();
    m_wake.wait_for(lock, k_interval, [this] { return m_stopping; });
  }
}

void LedgerRetention::prune_once() {
  const int days = m_gateway.live()->config.ledger.retention_days;
  if (days <= 0) return;
  try {
    store::Db db(m_db_path);
    const auto result = store::prune_ledger(db, store::retention_cutoff_ms(days, core::policy::now_ms()), false);
    if (result.rows > 0)
      std::fprintf(stderr,
                   "llmgw: ledger: folded %lld request rows older than %d days into daily sums (%lld -> %lld bytes)\n",
                   static_cast<long long>(result.rows), days, static_cast<long long>(result.bytes_before),
                   static_cast<long long>(result.bytes_after));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "llmgw: warning: ledger retention: %s (tried again in a day)\n", e.what());
  }
}

} // namespace llmgw::cli
