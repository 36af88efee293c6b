#pragma once
// An in-memory shared store of cap leases (core/policy/cap_ledger.hpp) for the unit tests: the same
// arithmetic as store/cap_leases.cpp, a ledger that tests commit rows to, and a check of the invariant
// at every growth. One FakeLeaseStore plays the database; each instance gets its own FakeCapLedger.
#include "core/error.hpp"
#include "core/policy/cap_ledger.hpp"

#include <algorithm>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

namespace llmgw::test {

struct FakeLeaseStore {
  struct Row {
    int64_t period_end_ms = 0;
    int64_t granted_pico = 0;
    int64_t written_pico = 0;
    int64_t used_pico = 0;
    int64_t updated_at_ms = 0;
  };
  using Key = std::tuple<int64_t, int64_t, std::string>; // cap id, period start, instance

  std::mutex mutex;
  std::map<Key, Row> leases;
  int64_t ledger_pico = 0; // committed spend (the tests use global caps: one sum)
  bool down = false;       // every call throws, as an unreachable database
  int64_t grows = 0;
  int64_t violations = 0; // growths that left ledger + unwritten claims above the limit

  void commit(int64_t cost_pico) {
    std::lock_guard lock(mutex);
    ledger_pico += cost_pico;
  }
  int64_t ledger() {
    std::lock_guard lock(mutex);
    return ledger_pico;
  }
  int64_t unwritten(int64_t cap_id, int64_t period_start_ms) const {
    int64_t sum = 0;
    for (const auto& [key, row] : leases)
      if (std::get<0>(key) == cap_id && std::get<1>(key) == period_start_ms)
        sum += std::max<int64_t>(0, row.granted_pico - row.written_pico);
    return sum;
  }
  int64_t granted(const std::string& instance) {
    std::lock_guard lock(mutex);
    int64_t sum = 0;
    for (const auto& [key, row] : leases)
      if (std::get<2>(key) == instance) sum += row.granted_pico;
    return sum;
  }
};

class FakeCapLedger : public core::policy::CapLedger {
public:
  FakeCapLedger(FakeLeaseStore& store, std::string instance, int64_t stale_ms, int64_t abandon_ms)
      : m_store(store), m_instance(std::move(instance)), m_stale_ms(stale_ms), m_abandon_ms(abandon_ms) {}

  core::policy::LeaseState grow(const core::policy::LeaseClaim& claim, int64_t need_pico, int64_t want_pico,
                                int64_t now_ms) override {
    std::lock_guard lock(m_store.mutex);
    if (m_store.down) throw Error("store unreachable");
    ++m_store.grows;
    for (auto& [key, row] : m_store.leases)
      if (row.updated_at_ms < now_ms - m_stale_ms) row.granted_pico = std::min(row.granted_pico, row.used_pico);
    std::erase_if(m_store.leases, [&](const auto& entry) {
      return entry.second.updated_at_ms < now_ms - m_abandon_ms || entry.second.period_end_ms <= now_ms;
    });
    store_claim(claim, now_ms);
    const int64_t available =
        claim.cap.limit_pico - m_store.ledger_pico - m_store.unwritten(claim.cap.id, claim.period_start_ms);
    int64_t extra = 0;
    if (available > 0 && available >= need_pico)
      extra = std::min(want_pico, need_pico + (available - need_pico) / 2 + (available - need_pico) % 2);
    m_store.leases[key(claim)].granted_pico += extra;
    if (m_store.ledger_pico + m_store.unwritten(claim.cap.id, claim.period_start_ms) > claim.cap.limit_pico &&
        extra > 0)
      ++m_store.violations;
    return {claim.granted_pico + extra, m_store.ledger_pico, std::max<int64_t>(0, available - extra)};
  }

  std::vector<core::policy::LeaseState> beat(const std::vector<core::policy::LeaseClaim>& claims,
                                             int64_t now_ms) override {
    std::lock_guard lock(m_store.mutex);
    if (m_store.down) throw Error("store unreachable");
    std::vector<core::policy::LeaseState> states;
    for (const auto& claim : claims) {
      store_claim(claim, now_ms);
      states.push_back({claim.granted_pico, m_store.ledger_pico, 0});
    }
    std::erase_if(m_store.leases, [&](const auto& entry) {
      return std::get<2>(entry.first) == m_instance && entry.second.updated_at_ms < now_ms;
    });
    return states;
  }

  void release() override {
    std::lock_guard lock(m_store.mutex);
    if (m_store.down) throw Error("store unreachable");
    std::erase_if(m_store.leases, [&](const auto& entry) { return std::get<2>(entry.first) == m_instance; });
  }

private:
  FakeLeaseStore::Key key(const core::policy::LeaseClaim& claim) const {
    return {claim.cap.id, claim.period_start_ms, m_instance};
  }
  void store_claim(const core::policy::LeaseClaim& claim, int64_t now_ms) {
    m_store.leases[key(claim)] = {claim.period_end_ms, claim.granted_pico, claim.written_pico, claim.used_pico, now_ms};
  }

  FakeLeaseStore& m_store;
  std::string m_instance;
  int64_t m_stale_ms;
  int64_t m_abandon_ms;
};

} // namespace llmgw::test
