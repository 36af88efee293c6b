// Caps, limits and keys in the database: upserts, the revision counter, spending per scope.
#include "store/ledger.hpp"
#include "store/reports.hpp"
#include "store/settings.hpp"
#include "tests/unit/store_test_support.hpp"

#include <doctest/doctest.h>

using namespace llmgw;
using namespace llmgw::core::policy;

namespace {
constexpr int64_t k_cent = 10'000'000'000;
}

TEST_CASE("settings: a cap per period and scope, replaced by the next set; every change bumps the revision") {
  test::StoreDir dir;
  store::Db db(dir.file("llmgw.db"));
  const int64_t start = store::settings_revision(db);
  const int64_t id = store::upsert_cap(db, {0, Period::day, 5 * k_cent, Scope::agent, "codex", 80});
  CHECK(store::settings_revision(db) > start);
  CHECK(store::upsert_cap(db, {0, Period::day, 7 * k_cent, Scope::agent, "codex", 90}) == id);
  store::upsert_cap(db, {0, Period::month, 50 * k_cent, Scope::global, "", 80});
  auto caps = store::list_caps(db);
  REQUIRE(caps.size() == 2);
  CHECK(caps[0].limit_pico == 7 * k_cent);
  CHECK(caps[0].warn_percent == 90);
  CHECK(caps[1].period == Period::month);
  const int64_t before_rm = store::settings_revision(db);
  CHECK(store::remove_cap(db, id));
  CHECK_FALSE(store::remove_cap(db, id));
  CHECK(store::settings_revision(db) > before_rm);
  store::upsert_rate_limit(db, {0, Scope::agent, "codex", 60, 0});
  CHECK(store::upsert_rate_limit(db, {0, Scope::agent, "codex", 30, 1000}) == store::list_rate_limits(db)[0].id);
  CHECK(store::list_rate_limits(db)[0].tokens_per_minute == 1000);
}

TEST_CASE("settings: keys are stored by hash, names are unique among active keys, revoking frees the name") {
  test::StoreDir dir;
  store::Db db(dir.file("llmgw.db"));
  const std::string token = generate_key_token();
  store::insert_key(db, {"aider", sha256_hex(token), "web", "", "claude-*"}, token.substr(0, 13) + "...", false);
  CHECK_THROWS_AS(store::insert_key(db, {"aider", sha256_hex("x"), "", "", ""}, "h", false), Error);
  auto policy = store::load_policy(db);
  REQUIRE(policy.keys.size() == 1);
  CHECK(policy.keys[0].token_hash == sha256_hex(token));
  CHECK(policy.keys[0].models == "claude-*");
  CHECK(store::revoke_key(db, "aider"));
  CHECK_FALSE(store::revoke_key(db, "aider"));
  CHECK(store::load_policy(db).keys.empty());
  CHECK(store::list_keys(db, true, false).size() == 1);
  store::insert_key(db, {"aider", sha256_hex("y"), "", "", ""}, "h", false); // the name is free again
  CHECK(store::list_keys(db, true, false).size() == 2);
}

TEST_CASE("settings: spending per period and scope leaves out what the client's own plan paid") {
  test::ScopedTz tz("<+01>-1");
  test::StoreDir dir;
  const int64_t now = 1'773'000'000'000;
  {
    store::Ledger ledger(dir.file("llmgw.db"));
    auto row = test::sample_record(now - 1000);
    row.cost_usd_pico = 3 * k_cent;
    row.key_name = "ci";
    row.project = "web";
    ledger.record(row);
    ledger.record(row); // same bucket and scope: the writer adds both in one upsert
    auto plan = row;
    plan.billed_to_client = true;
    ledger.record(plan);
    auto old = row;
    old.started_at_ms = now - 40LL * 86'400'000; // last month
    ledger.record(old);
  }
  store::Db db(dir.file("llmgw.db"));
  auto rows = store::spent_rows(db, now);
  auto sum = [&](Period period, Scope scope, const std::string& value) {
    int64_t total = 0;
    for (const auto& r : rows)
      if (r.period == period && r.scope == scope && r.value == value) total += r.cost_pico;
    return total;
  };
  CHECK(sum(Period::day, Scope::global, "") == 6 * k_cent);
  CHECK(sum(Period::month, Scope::project, "web") == 6 * k_cent);
  CHECK(sum(Period::day, Scope::key, "ci") == 6 * k_cent);
  CHECK(sum(Period::total, Scope::key, "ci") == 9 * k_cent);
  CHECK(store::cap_spent(db, {1, Period::day, k_cent, Scope::key, "ci", 80}, now) == 6 * k_cent);
  CHECK(store::cap_spent(db, {1, Period::day, k_cent, Scope::agent, "codex", 80}, now) == 0);
  store::publish_cap_reservations(db, {{1, 42}}, now);
  CHECK(store::cap_reservations(db).at(1) == 42);
}

TEST_CASE("settings: a key's user is stored; spending counts under the user, per period and in cap_spent") {
  test::ScopedTz tz("<+01>-1");
  test::TempDir dir;
  const int64_t now = 1'773'000'000'000;
  {
    store::Db db(dir.file("llmgw.db"));
    store::insert_key(db, {"alice-laptop", sha256_hex("a"), "", "", "", "alice"}, "h", false);
    store::insert_key(db, {"ci", sha256_hex("c"), "", "", ""}, "h", false);
    const auto keys = store::load_policy(db).keys;
    REQUIRE(keys.size() == 2);
    CHECK(keys[0].user == "alice");
    CHECK(keys[1].user == "");
  }
  {
    store::Ledger ledger(dir.file("llmgw.db"));
    auto row = test::sample_record(now - 1000);
    row.cost_usd_pico = 3 * k_cent;
    row.key_name = "alice-laptop";
    row.user_name = "alice";
    ledger.record(row);
    row.key_name = "alice-ci";
    ledger.record(row); // another key of hers: the same user total
    row.key_name = "ci";
    row.user_name = "";
    ledger.record(row);
  }
  store::Db db(dir.file("llmgw.db"));
  int64_t alice_month = 0, unnamed = 0;
  for (const auto& r : store::spent_rows(db, now)) {
    if (r.period == Period::month && r.scope == Scope::user && r.value == "alice") alice_month += r.cost_pico;
    if (r.scope == Scope::user && r.value.empty()) ++unnamed;
  }
  CHECK(alice_month == 6 * k_cent);
  CHECK(unnamed == 0); // requests without a user count under no user cap
  CHECK(store::cap_spent(db, {1, Period::day, k_cent, Scope::user, "alice", 80}, now) == 6 * k_cent);
  CHECK(store::cap_spent(db, {1, Period::day, k_cent, Scope::user, "bob", 80}, now) == 0);
  const auto logged = store::recent_requests(db, 10);
  REQUIRE(logged.size() == 3);
  CHECK(logged[0].record.user_name == "alice");
  CHECK(logged[2].record.user_name == "");
}
