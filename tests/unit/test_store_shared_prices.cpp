// Team mode's shared price import: stored once, seen by every server's settings watcher.
#include "store/settings.hpp"
#include "store/settings_watcher.hpp"
#include "store/shared_prices.hpp"
#include "tests/unit/store_test_support.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

using namespace llmgw;

TEST_CASE("shared prices: an import replaces the last one and bumps the settings revision") {
  test::TempDir dir;
  store::Db db(dir.file("llmgw.db"));
  CHECK_FALSE(store::shared_prices(db).has_value());
  CHECK(store::shared_prices_updated_at(db) == 0);
  const int64_t before = store::settings_revision(db);
  store::put_shared_prices(db, R"({"format":"llmgw-prices-1","n":1})", 1000);
  CHECK(store::settings_revision(db) > before);
  store::put_shared_prices(db, R"({"format":"llmgw-prices-1","n":2})", 2000);
  auto stored = store::shared_prices(db);
  REQUIRE(stored.has_value());
  CHECK(stored->document == R"({"format":"llmgw-prices-1","n":2})");
  CHECK(stored->updated_at_ms == 2000);
  CHECK(store::shared_prices_updated_at(db) == 2000);
}

TEST_CASE("shared prices: a watching server gets the stored import at once and each new one within a second") {
  test::TempDir dir;
  const std::string path = dir.file("llmgw.db");
  {
    store::Db db(path);
    store::put_shared_prices(db, "first", 1000);
  }
  std::mutex mutex;
  std::vector<std::string> seen;
  store::SettingsWatcher watcher(
      path, [](core::policy::PolicySettings) {}, [] { return std::map<int64_t, int64_t>{}; }, nullptr,
      std::chrono::milliseconds(50));
  watcher.watch_shared_prices([&](const std::string& document) {
    std::lock_guard lock(mutex);
    seen.push_back(document);
  });
  {
    std::lock_guard lock(mutex);
    REQUIRE(seen.size() == 1);
    CHECK(seen[0] == "first");
  }
  {
    store::Db other(path); // another instance's CLI
    store::put_shared_prices(other, "second", 2000);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  while (std::chrono::steady_clock::now() < deadline) {
    {
      std::lock_guard lock(mutex);
      if (seen.size() == 2) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  watcher.stop();
  std::lock_guard lock(mutex);
  REQUIRE(seen.size() == 2);
  CHECK(seen[1] == "second");
}
