// The settings watcher on PostgreSQL (suite "store postgres", skipped unless run with --no-skip by
// ctest's "unit (PostgreSQL): store" entry): a change written through another connection is
// announced by NOTIFY and applied within a second although the fallback poll is 10 s away; after
// the server ends the listening session the watcher LISTENs again; stop() does not wait for the poll.
#include "store/db.hpp"
#include "store/settings.hpp"
#include "store/settings_watcher.hpp"
#include "store/shared_prices.hpp"
#include "store_test_support.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

using llmgw::core::policy::PolicySettings;
using llmgw::store::Db;
using llmgw::store::SettingsWatcher;
using llmgw::test::StoreDir;
using namespace std::chrono_literals;

namespace {

using Clock = std::chrono::steady_clock;

// What the watcher handed over last, and a wait for a condition on it.
class Applied {
public:
  SettingsWatcher::Apply apply() {
    return [this](PolicySettings settings) {
      std::lock_guard lock(m_mutex);
      m_settings = std::move(settings);
      m_changed.notify_all();
    };
  }
  SettingsWatcher::PricesApply prices() {
    return [this](const std::string& document) {
      std::lock_guard lock(m_mutex);
      m_prices = document;
      m_changed.notify_all();
    };
  }
  // How long until `holds` was true of the settings and prices, or nothing within `limit`.
  std::optional<std::chrono::milliseconds>
  wait(const std::function<bool(const PolicySettings&, const std::string&)>& holds, std::chrono::milliseconds limit) {
    const auto start = Clock::now();
    std::unique_lock lock(m_mutex);
    if (!m_changed.wait_for(lock, limit, [&] { return holds(m_settings, m_prices); })) return std::nullopt;
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  }

private:
  std::mutex m_mutex;
  std::condition_variable m_changed;
  PolicySettings m_settings;
  std::string m_prices;
};

SettingsWatcher watch(const std::string& url, Applied& applied, std::chrono::milliseconds poll) {
  return SettingsWatcher(
      url, applied.apply(), [] { return std::map<int64_t, int64_t>{}; }, nullptr, poll);
}

llmgw::core::policy::CapRule day_cap(int64_t limit_pico) {
  llmgw::core::policy::CapRule cap;
  cap.period = llmgw::core::policy::Period::day;
  cap.limit_pico = limit_pico;
  return cap;
}

bool has_cap(const PolicySettings& settings, int64_t limit_pico) {
  for (const auto& cap : settings.caps)
    if (cap.limit_pico == limit_pico) return true;
  return false;
}

// The pid of the watcher's listening session on this database (0: none): one whose LISTEN is done.
// A session that has connected but not yet listened is not it: ending that one fails the watcher's
// LISTEN, and the watcher then polls until it tries again (a loaded run once saw exactly that).
int64_t listener_pid(Db& db) {
  auto select = db.prepare("SELECT COALESCE(MAX(pid), 0) FROM pg_stat_activity WHERE datname = current_database() "
                           "AND application_name = 'llmgw-listen' AND state = 'idle' AND query LIKE 'LISTEN %'");
  REQUIRE(select.step());
  const int64_t pid = select.column_int64(0);
  select.reset();
  return pid;
}

// Waits up to `limit` for a listening session other than `old_pid`.
int64_t wait_for_listener(Db& db, int64_t old_pid, std::chrono::milliseconds limit) {
  const auto deadline = Clock::now() + limit;
  for (;;) {
    const int64_t pid = listener_pid(db);
    if ((pid != 0 && pid != old_pid) || Clock::now() > deadline) return pid == old_pid ? 0 : pid;
    std::this_thread::sleep_for(20ms);
  }
}

} // namespace

TEST_SUITE("store postgres" * doctest::skip()) {
  TEST_CASE("a cap, a revoked key, a use override and a price import reach a watcher within a second by NOTIFY") {
    StoreDir dir;
    const std::string url = dir.file("llmgw.db");
    Db other(url); // another instance, or the CLI
    Applied applied;
    SettingsWatcher watcher = watch(url, applied, 10s); // the fallback poll cannot be what applies them
    watcher.watch_shared_prices(applied.prices());
    REQUIRE(wait_for_listener(other, 0, 5s) != 0);
    std::chrono::milliseconds slowest{0};
    const auto within_a_second = [&](const std::function<bool(const PolicySettings&, const std::string&)>& holds) {
      const auto took = applied.wait(holds, 1s);
      REQUIRE(took.has_value());
      slowest = std::max(slowest, *took);
    };

    llmgw::store::upsert_cap(other, day_cap(7'000'000));
    within_a_second([](const PolicySettings& s, const std::string&) { return has_cap(s, 7'000'000); });

    llmgw::store::insert_key(other, {"ci", llmgw::core::policy::sha256_hex("t"), "", "", "", "ann"}, "h", false);
    within_a_second([](const PolicySettings& s, const std::string&) { return s.keys.size() == 1; });
    REQUIRE(llmgw::store::revoke_key(other, "ci"));
    within_a_second([](const PolicySettings& s, const std::string&) { return s.keys.empty(); });

    llmgw::store::set_override(other, {0, "anthropic", "gpt-*", ""});
    within_a_second([](const PolicySettings& s, const std::string&) {
      return s.overrides.size() == 1 && s.overrides[0].target == "anthropic";
    });

    llmgw::store::put_shared_prices(other, R"({"format":"llmgw-prices-1","n":1})", 1000);
    within_a_second(
        [](const PolicySettings&, const std::string& prices) { return prices.find("\"n\":1") != std::string::npos; });
    MESSAGE("slowest change applied after " << slowest.count() << " ms");
  }

  TEST_CASE("after the server ends the listening session, the watcher LISTENs again and changes still arrive") {
    StoreDir dir;
    const std::string url = dir.file("llmgw.db");
    Db other(url);
    Applied applied;
    // The poll is 6 s away; a new session comes well before it, within a second here, but it
    // may take a few on a machine busy with other tests (2 s was missed once in a parallel run).
    const auto fallback = 6s;
    SettingsWatcher watcher = watch(url, applied, fallback);
    const int64_t first = wait_for_listener(other, 0, 5s);
    REQUIRE(first != 0);

    other.exec("SELECT pg_terminate_backend(" + std::to_string(first) + ")");
    const int64_t second = wait_for_listener(other, first, fallback - 1s);
    REQUIRE(second != 0); // a new session LISTENs, long before the poll would run
    llmgw::store::upsert_cap(other, day_cap(11));
    CHECK(applied.wait([](const PolicySettings& s, const std::string&) { return has_cap(s, 11); }, 1s).has_value());

    // Every session of the watcher ended at once (the poll's too), then a change straight away:
    // it arrives within the fallback bound whichever way it is found.
    other.exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND "
               "pid <> pg_backend_pid()");
    llmgw::store::upsert_cap(other, day_cap(13));
    CHECK(applied.wait([](const PolicySettings& s, const std::string&) { return has_cap(s, 13); }, fallback + 1s)
              .has_value());
    CHECK(wait_for_listener(other, second, fallback) != 0);
  }

  TEST_CASE("a listening watcher stops at once, not at its next poll") {
    StoreDir dir;
    const std::string url = dir.file("llmgw.db");
    Db other(url);
    Applied applied;
    SettingsWatcher watcher = watch(url, applied, 10s);
    REQUIRE(wait_for_listener(other, 0, 5s) != 0);
    const auto start = Clock::now();
    watcher.stop();
    CHECK(Clock::now() - start < 500ms);
  }
}
