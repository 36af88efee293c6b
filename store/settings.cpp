#include "store/settings.hpp"

#include "store/request_rows.hpp"

#include <array>

namespace llmgw::store {
using core::policy::CapRule;
using core::policy::Period;
using core::policy::RateRule;
using core::policy::Scope;

namespace {

// Step a statement ending in RETURNING id and give back the id.
int64_t returned_id(Db& db, Statement& statement, const char* what) {
  if (!statement.step()) throw Error(db.path() + ": storing the " + what + " returned no id");
  const int64_t id = statement.column_int64(0);
  statement.reset();
  return id;
}

// Step an UPDATE or DELETE ... RETURNING id: true when it touched a row.
bool touched_a_row(Statement& statement) {
  const bool found = statement.step();
  statement.reset();
  return found;
}

} // namespace

std::vector<CapRule> list_caps(Db& db) {
  auto select = db.prepare("SELECT id, period, scope, value, limit_pico, warn_percent FROM caps ORDER BY id");
  std::vector<CapRule> caps;
  while (select.step()) {
    CapRule cap;
    cap.id = select.column_int64(0);
    cap.period = core::policy::period_from_string(select.column_text(1)).value_or(Period::day);
    cap.scope = core::policy::scope_from_string(select.column_text(2)).value_or(Scope::global);
    cap.value = select.column_text(3);
    cap.limit_pico = select.column_int64(4);
    cap.warn_percent = static_cast<int>(select.column_int64(5));
    caps.push_back(std::move(cap));
  }
  return caps;
}

int64_t upsert_cap(Db& db, const CapRule& cap) {
  auto upsert = db.prepare("INSERT INTO caps (period, scope, value, limit_pico, warn_percent, created_at_ms) VALUES "
                           "(?1, ?2, ?3, ?4, ?5, ?6) "
                           "ON CONFLICT (period, scope, value) DO UPDATE SET limit_pico = excluded.limit_pico, "
                           "warn_percent = excluded.warn_percent RETURNING id");
  upsert.bind_text(1, core::policy::to_string(cap.period));
  upsert.bind_text(2, core::policy::to_string(cap.scope));
  upsert.bind_text(3, cap.value);
  upsert.bind_int64(4, cap.limit_pico);
  upsert.bind_int64(5, cap.warn_percent);
  upsert.bind_int64(6, core::policy::now_ms());
  return returned_id(db, upsert, "cap");
}

bool remove_cap(Db& db, int64_t id) {
  auto remove = db.prepare("DELETE FROM caps WHERE id = ?1 RETURNING id");
  remove.bind_int64(1, id);
  const bool found = touched_a_row(remove);
  if (found) {
    auto state = db.prepare("DELETE FROM cap_state WHERE cap_id = ?1");
    state.bind_int64(1, id);
    state.run();
  }
  return found;
}

std::vector<RateRule> list_rate_limits(Db& db) {
  auto select =
      db.prepare("SELECT id, scope, value, requests_per_minute, tokens_per_minute FROM rate_limits ORDER BY id");
  std::vector<RateRule> rules;
  while (select.step()) {
    RateRule rule;
    rule.id = select.column_int64(0);
    rule.scope = core::policy::scope_from_string(select.column_text(1)).value_or(Scope::agent);
    rule.value = select.column_text(2);
    rule.requests_per_minute = select.column_int64(3);
    rule.tokens_per_minute = select.column_int64(4);
    rules.push_back(std::move(rule));
  }
  return rules;
}

int64_t upsert_rate_limit(Db& db, const RateRule& rule) {
  auto upsert =
      db.prepare("INSERT INTO rate_limits (scope, value, requests_per_minute, tokens_per_minute, created_at_ms) "
                 "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (scope, value) DO UPDATE SET "
                 "requests_per_minute = excluded.requests_per_minute, tokens_per_minute = excluded.tokens_per_minute "
                 "RETURNING id");
  upsert.bind_text(1, core::policy::to_string(rule.scope));
  upsert.bind_text(2, rule.value);
  upsert.bind_int64(3, rule.requests_per_minute);
  upsert.bind_int64(4, rule.tokens_per_minute);
  upsert.bind_int64(5, core::policy::now_ms());
  return returned_id(db, upsert, "rate limit");
}

bool remove_rate_limit(Db& db, int64_t id) {
  auto remove = db.prepare("DELETE FROM rate_limits WHERE id = ?1 RETURNING id");
  remove.bind_int64(1, id);
  return touched_a_row(remove);
}

std::vector<StoredKey> list_keys(Db& db, bool include_revoked, bool include_runs) {
  auto select = db.prepare(
      "SELECT id, name, token_hash, token_hint, project, agent, models, for_run, created_at_ms, revoked_at_ms, "
      "user_name FROM virtual_keys WHERE (?1 <> 0 OR revoked_at_ms IS NULL) AND (?2 <> 0 OR for_run = 0) ORDER BY id");
  select.bind_int64(1, include_revoked ? 1 : 0);
  select.bind_int64(2, include_runs ? 1 : 0);
  std::vector<StoredKey> keys;
  while (select.step()) {
    StoredKey stored;
    stored.id = select.column_int64(0);
    stored.key.name = select.column_text(1);
    stored.key.token_hash = select.column_text(2);
    stored.token_hint = select.column_text(3);
    stored.key.project = select.column_text(4);
    stored.key.agent = select.column_text(5);
    stored.key.models = select.column_text(6);
    stored.for_run = select.column_int64(7) != 0;
    stored.created_at_ms = select.column_int64(8);
    if (!select.column_is_null(9)) stored.revoked_at_ms = select.column_int64(9);
    stored.key.user = select.column_text(10);
    keys.push_back(std::move(stored));
  }
  return keys;
}

int64_t insert_key(Db& db, const core::policy::VirtualKey& key, const std::string& token_hint, bool for_run) {
  Transaction transaction(db);
  auto taken = db.prepare("SELECT 1 FROM virtual_keys WHERE name = ?1 AND revoked_at_ms IS NULL");
  taken.bind_text(1, key.name);
  if (taken.step())
    throw Error("a key named '" + key.name + "' already exists (revoke it first, or pick another name)");
  taken.reset();
  auto insert = db.prepare(
      "INSERT INTO virtual_keys (name, token_hash, token_hint, project, agent, models, for_run, created_at_ms, "
      "user_name) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id");
  insert.bind_text(1, key.name);
  insert.bind_text(2, key.token_hash);
  insert.bind_text(3, token_hint);
  insert.bind_text(4, key.project);
  insert.bind_text(5, key.agent);
  insert.bind_text(6, key.models);
  insert.bind_int64(7, for_run ? 1 : 0);
  insert.bind_int64(8, core::policy::now_ms());
  insert.bind_text(9, key.user);
  const int64_t id = returned_id(db, insert, "key");
  transaction.commit();
  return id;
}

bool revoke_key(Db& db, const std::string& name) {
  auto revoke =
      db.prepare("UPDATE virtual_keys SET revoked_at_ms = ?2 WHERE name = ?1 AND revoked_at_ms IS NULL RETURNING id");
  revoke.bind_text(1, name);
  revoke.bind_int64(2, core::policy::now_ms());
  return touched_a_row(revoke);
}

std::vector<core::policy::RouteOverride> list_overrides(Db& db) {
  auto select = db.prepare("SELECT id, target, match_model, match_agent FROM route_overrides ORDER BY id DESC");
  std::vector<core::policy::RouteOverride> routes;
  while (select.step())
    routes.push_back({select.column_int64(0), select.column_text(1), select.column_text(2), select.column_text(3)});
  return routes;
}

int64_t set_override(Db& db, const core::policy::RouteOverride& route) {
  Transaction transaction(db);
  auto remove = db.prepare("DELETE FROM route_overrides WHERE match_model = ?1 AND match_agent = ?2");
  remove.bind_text(1, route.model_glob);
  remove.bind_text(2, route.agent);
  remove.run();
  auto insert = db.prepare("INSERT INTO route_overrides (target, match_model, match_agent, created_at_ms) VALUES (?1, "
                           "?2, ?3, ?4) RETURNING id");
  insert.bind_text(1, route.target);
  insert.bind_text(2, route.model_glob);
  insert.bind_text(3, route.agent);
  insert.bind_int64(4, core::policy::now_ms());
  const int64_t id = returned_id(db, insert, "route");
  transaction.commit();
  return id;
}

int64_t clear_overrides(Db& db) {
  const int64_t count = static_cast<int64_t>(list_overrides(db).size());
  db.exec("DELETE FROM route_overrides");
  return count;
}

int64_t settings_revision(Db& db) {
  auto select = db.prepare("SELECT revision FROM settings_revision WHERE id = 1");
  return select.step() ? select.column_int64(0) : 0;
}

core::policy::PolicySettings load_policy(Db& db) {
  core::policy::PolicySettings settings;
  settings.caps = list_caps(db);
  settings.limits = list_rate_limits(db);
  for (auto& stored : list_keys(db, false, true)) settings.keys.push_back(std::move(stored.key));
  settings.overrides = list_overrides(db);
  return settings;
}

namespace {

// [first, end) spend buckets of a period around now_ms.
std::pair<int64_t, int64_t> bucket_range(Period period, int64_t now_ms) {
  if (period == Period::total) return {INT64_MIN, INT64_MAX};
  return {core::policy::floor_div(core::policy::period_start_ms(period, now_ms), k_spend_bucket_ms),
          core::policy::floor_div(core::policy::period_end_ms(period, now_ms), k_spend_bucket_ms)};
}

} // namespace

std::vector<core::policy::SpentRow> spent_rows(Db& db, int64_t now_ms) {
  std::vector<core::policy::SpentRow> rows;
  auto select =
      db.prepare("SELECT provider, agent, project, key_name, user_name, SUM(cost_usd_pico) FROM spend_buckets "
                 "WHERE bucket >= ?1 AND bucket < ?2 GROUP BY provider, agent, project, key_name, user_name");
  for (Period period : {Period::day, Period::week, Period::month}) {
    const auto [first, end] = bucket_range(period, now_ms);
    select.reset();
    select.bind_int64(1, first);
    select.bind_int64(2, end);
    while (select.step()) {
      const int64_t cost = select.column_int64(5);
      rows.push_back({period, Scope::global, "", cost});
      const std::array<std::pair<Scope, int>, 5> scopes{
          {{Scope::provider, 0}, {Scope::agent, 1}, {Scope::project, 2}, {Scope::key, 3}, {Scope::user, 4}}};
      for (const auto& [scope, column] : scopes) {
        std::string value = select.column_text(column);
        if (!value.empty()) rows.push_back({period, scope, std::move(value), cost});
      }
    }
  }
  // All-time totals are kept per key only (the caps `llmgw run --cap` makes).
  auto totals =
      db.prepare("SELECT key_name, SUM(cost_usd_pico) FROM spend_buckets WHERE key_name != '' GROUP BY key_name");
  while (totals.step()) rows.push_back({Period::total, Scope::key, totals.column_text(0), totals.column_int64(1)});
  return rows;
}

int64_t cap_spent(Db& db, const CapRule& cap, int64_t now_ms) {
  const auto [first, end] = bucket_range(cap.period, now_ms);
  auto select =
      db.prepare("SELECT COALESCE(SUM(cost_usd_pico), 0) FROM spend_buckets WHERE bucket >= ?1 AND bucket < ?2 "
                 "AND CASE ?3 WHEN 'provider' THEN provider = ?4 WHEN 'agent' THEN agent = ?4 "
                 "WHEN 'project' THEN project = ?4 WHEN 'key' THEN key_name = ?4 WHEN 'user' THEN user_name = ?4 "
                 "ELSE 1 = 1 END");
  select.bind_int64(1, first);
  select.bind_int64(2, end);
  select.bind_text(3, core::policy::to_string(cap.scope));
  select.bind_text(4, cap.value);
  return select.step() ? select.column_int64(0) : 0;
}

int64_t period_spend(Db& db, Period period, int64_t now_ms) {
  return cap_spent(db, {0, period, 0, Scope::global, "", 0}, now_ms);
}

std::map<int64_t, int64_t> cap_reservations(Db& db) {
  std::map<int64_t, int64_t> reserved;
  auto select = db.prepare("SELECT cap_id, reserved_pico FROM cap_state");
  while (select.step()) reserved[select.column_int64(0)] = select.column_int64(1);
  return reserved;
}

void publish_cap_reservations(Db& db, const std::map<int64_t, int64_t>& reserved, int64_t now_ms) {
  Transaction transaction(db);
  db.exec("DELETE FROM cap_state");
  auto insert = db.prepare("INSERT INTO cap_state (cap_id, reserved_pico, updated_at_ms) VALUES (?1, ?2, ?3)");
  for (const auto& [id, amount] : reserved) {
    insert.reset();
    insert.bind_int64(1, id);
    insert.bind_int64(2, amount);
    insert.bind_int64(3, now_ms);
    insert.run();
  }
  transaction.commit();
}

std::string routing_state(Db& db) {
  auto select = db.prepare("SELECT state FROM routing_state WHERE id = 1");
  return select.step() ? select.column_text(0) : std::string("[]");
}

void publish_routing_state(Db& db, const std::string& state_json, int64_t now_ms) {
  auto upsert =
      db.prepare("INSERT INTO routing_state (id, state, updated_at_ms) VALUES (1, ?1, ?2) "
                 "ON CONFLICT (id) DO UPDATE SET state = excluded.state, updated_at_ms = excluded.updated_at_ms");
  upsert.bind_text(1, state_json);
  upsert.bind_int64(2, now_ms);
  upsert.run();
}

} // namespace llmgw::store
