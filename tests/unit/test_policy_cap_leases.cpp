// Team mode: several SpendCaps (instances) sharing one cap through leased slices, on the in-memory
// fake store: grants never pass the limit under concurrent admission, unused budget goes back, a
// dead instance's lease is reclaimed, a slice is not used once the store is out of reach.
#include "core/policy/spend_caps.hpp"
#include "tests/unit/fake_cap_ledger.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <deque>
#include <memory>
#include <random>
#include <thread>
#include <vector>

using namespace llmgw::core::policy;
using llmgw::test::FakeCapLedger;
using llmgw::test::FakeLeaseStore;

namespace {

constexpr int64_t k_cent = 10'000'000'000;   // pico-USD
constexpr int64_t k_now = 1'773'000'000'000; // 2026-03-08 20:00 UTC
const Subject k_claude{"anthropic", "claude-code", "web", ""};

LeaseOptions quick_options() {
  LeaseOptions options;
  options.stale_ms = 15'000;
  options.trust_ms = 10'000;
  options.idle_ms = 5'000;
  return options;
}

// One gateway instance: its caps in team mode on the shared fake, and the rows its ledger has not
// committed yet (committed later, as the real writer does).
struct Instance {
  Instance(FakeLeaseStore& store, const std::string& id, int64_t limit, LeaseOptions options = quick_options())
      : ledger(store, id, options.stale_ms, options.abandon_ms) {
    caps.set_rules({CapRule{1, Period::day, limit, Scope::global, "", 80}}, false);
    caps.load_spent({}, k_now);
    caps.share(ledger, options);
  }
  // The ledger writer: commit what settled, then tell the caps (the row observer's order).
  void commit_pending(FakeLeaseStore& store, int64_t now_ms) {
    std::deque<int64_t> rows;
    {
      std::lock_guard lock(mutex);
      rows.swap(pending);
    }
    for (int64_t cost : rows) {
      store.commit(cost);
      caps.written(k_claude, cost, now_ms, now_ms);
    }
  }
  FakeCapLedger ledger;
  SpendCaps caps;
  std::mutex mutex;
  std::deque<int64_t> pending;
};

} // namespace

TEST_CASE("team mode: 3 instances and 8 threads admitting at once never spend past one shared cap") {
  FakeLeaseStore store;
  const int64_t limit = 100 * k_cent;
  std::vector<std::unique_ptr<Instance>> instances;
  for (int i = 0; i < 3; ++i) instances.push_back(std::make_unique<Instance>(store, "i" + std::to_string(i), limit));
  std::atomic<bool> done{false};
  // Rows reach the ledger late, as the batched writer does: the leases must not count them twice or miss them.
  std::thread writer([&] {
    while (!done.load()) {
      for (auto& instance : instances) instance->commit_pending(store, k_now);
      std::this_thread::sleep_for(std::chrono::microseconds(300));
    }
  });
  std::atomic<int> admitted{0}, refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      Instance& instance = *instances[static_cast<size_t>(t % 3)];
      std::mt19937 random(static_cast<unsigned>(t));
      for (int i = 0; i < 200; ++i) {
        const int64_t expected = (1 + static_cast<int64_t>(random() % 5)) * k_cent;
        auto admission = instance.caps.admit(k_claude, expected, k_now);
        if (admission.refusal) {
          ++refused;
          continue;
        }
        ++admitted;
        const int64_t cost = expected - static_cast<int64_t>(random() % 2) * k_cent / 2; // at most what it held
        instance.caps.settle(admission.holds, k_claude, cost, k_now, k_now);
        std::lock_guard lock(instance.mutex);
        instance.pending.push_back(cost);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  done = true;
  writer.join();
  for (auto& instance : instances) instance->commit_pending(store, k_now);
  MESSAGE("admitted " << admitted.load() << ", refused " << refused.load() << ", spent " << store.ledger() << " of "
                      << limit << " in " << store.grows << " growths");
  CHECK(store.violations == 0);
  CHECK(store.ledger() <= limit);
  // And the cap is usable across the team: refusals start only when little is left anywhere.
  CHECK(store.ledger() >= limit * 8 / 10);
  CHECK(refused.load() > 0);
  // The store is asked only when a slice runs out, not per request.
  CHECK(store.grows < admitted.load());
}

TEST_CASE("team mode: an idle instance gives its unused slice back and another can then spend it") {
  FakeLeaseStore store;
  const int64_t limit = 100 * k_cent;
  Instance a(store, "a", limit), b(store, "b", limit);
  auto first = a.caps.admit(k_claude, 30 * k_cent, k_now);
  REQUIRE_FALSE(first.refusal);
  a.caps.settle(first.holds, k_claude, 10 * k_cent, k_now, k_now);
  a.pending.push_back(10 * k_cent);
  a.commit_pending(store, k_now);
  // a still holds a slice (30 cents asked, more granted): b cannot have 85 cents yet.
  CHECK(b.caps.admit(k_claude, 85 * k_cent, k_now).refusal);
  // After the idle time a's beat keeps only what it spent; the 90 cents left are b's to take.
  CHECK(a.caps.upkeep(k_now + 6'000));
  CHECK(store.granted("a") == 10 * k_cent);
  auto second = b.caps.admit(k_claude, 85 * k_cent, k_now + 6'001);
  CHECK_FALSE(second.refusal);
  CHECK(b.caps.admit(k_claude, 6 * k_cent, k_now + 6'002).refusal);
}

TEST_CASE("team mode: a dead instance's unused slice is reclaimed once stale, what it held once abandoned") {
  FakeLeaseStore store;
  const int64_t limit = 100 * k_cent;
  auto dead = std::make_unique<Instance>(store, "dead", limit);
  Instance alive(store, "alive", limit);
  // The dead instance holds 60 cents for a request that never settles (it crashed mid-request).
  REQUIRE_FALSE(dead->caps.admit(k_claude, 60 * k_cent, k_now).refusal);
  const auto refused = alive.caps.admit(k_claude, 50 * k_cent, k_now + 1'000);
  REQUIRE(refused.refusal);
  CHECK(refused.refusal->status == 402);
  // 15 s stale: what it did not use is reclaimed by the next growth, not the 60 cents it held (on an
  // instance cut off from the store the request may still be running).
  CHECK(alive.caps.admit(k_claude, 50 * k_cent, k_now + 16'000).refusal);
  CHECK_FALSE(alive.caps.admit(k_claude, 35 * k_cent, k_now + 16'500).refusal);
  // Abandoned (longer than any request may run): the rest goes too.
  CHECK_FALSE(alive.caps.admit(k_claude, 50 * k_cent, k_now + 700'000).refusal);
}

TEST_CASE("team mode: a slice is not spent once the store has been out of reach for the trust time") {
  FakeLeaseStore store;
  const int64_t limit = 100 * k_cent;
  Instance a(store, "a", limit);
  auto first = a.caps.admit(k_claude, 1 * k_cent, k_now);
  REQUIRE_FALSE(first.refusal);
  a.caps.settle(first.holds, k_claude, 1 * k_cent, k_now, k_now);
  store.down = true;
  // Within the trust time the slice leased (a 32nd of the limit beyond the need) keeps serving.
  CHECK_FALSE(a.caps.upkeep(k_now + 1'000));
  auto during = a.caps.admit(k_claude, 1 * k_cent, k_now + 2'000);
  CHECK_FALSE(during.refusal);
  a.caps.settle(during.holds, k_claude, 1 * k_cent, k_now, k_now + 2'000);
  // Past it, another instance may have reclaimed the slice: refused, though the slice had room.
  CHECK(a.caps.admit(k_claude, 1 * k_cent, k_now + 11'000).refusal);
  // Back: the lease is stored again and admission resumes.
  store.down = false;
  CHECK_FALSE(a.caps.admit(k_claude, 1 * k_cent, k_now + 12'000).refusal);
}

TEST_CASE("team mode: soft-mode spend past a slice is claimed truthfully at the next beat") {
  FakeLeaseStore store;
  const int64_t limit = 100 * k_cent;
  Instance a(store, "a", limit), b(store, "b", limit);
  auto held = a.caps.admit(k_claude, 1 * k_cent, k_now);
  REQUIRE_FALSE(held.refusal);
  // Soft mode: the request cost far more than it reserved, and its row is not committed yet.
  a.caps.settle(held.holds, k_claude, 40 * k_cent, k_now, k_now);
  CHECK(a.caps.upkeep(k_now + 100));
  CHECK(store.granted("a") >= 40 * k_cent);
  // So b cannot lease what a already spent.
  CHECK(b.caps.admit(k_claude, 61 * k_cent, k_now + 200).refusal);
  CHECK_FALSE(b.caps.admit(k_claude, 55 * k_cent, k_now + 300).refusal);
}

TEST_CASE("team mode: a lowered limit gives unused budget back and grants only under the new limit") {
  FakeLeaseStore store;
  Instance a(store, "a", 100 * k_cent);
  auto held = a.caps.admit(k_claude, 20 * k_cent, k_now);
  REQUIRE_FALSE(held.refusal);
  a.caps.set_rules({CapRule{1, Period::day, 25 * k_cent, Scope::global, "", 80}}, false);
  CHECK(a.caps.admit(k_claude, 6 * k_cent, k_now + 10).refusal);
  CHECK_FALSE(a.caps.admit(k_claude, 4 * k_cent, k_now + 20).refusal);
}
