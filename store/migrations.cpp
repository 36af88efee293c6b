#include "store/migrations.hpp"

#include "store/db.hpp"

#include <array>
#include <string>

namespace llmgw::store {
namespace {

// Version 1: one row per request, whatever its outcome (core::RequestRecord).
constexpr std::string_view k_v1_requests = R"sql(
CREATE TABLE requests (
  id INTEGER PRIMARY KEY,
  started_at_ms INTEGER NOT NULL,
  duration_ms INTEGER NOT NULL DEFAULT 0,
  ttfb_ms INTEGER NOT NULL DEFAULT -1,
  agent TEXT NOT NULL DEFAULT '',
  session_id TEXT NOT NULL DEFAULT '',
  endpoint TEXT NOT NULL DEFAULT '',
  provider TEXT NOT NULL DEFAULT '',
  requested_model TEXT NOT NULL DEFAULT '',
  served_model TEXT NOT NULL DEFAULT '',
  streamed INTEGER NOT NULL DEFAULT 0,
  http_status INTEGER NOT NULL DEFAULT 0,
  outcome TEXT NOT NULL DEFAULT 'ok',
  input_uncached_tokens INTEGER NOT NULL DEFAULT 0,
  cache_read_tokens INTEGER NOT NULL DEFAULT 0,
  cache_write_5m_tokens INTEGER NOT NULL DEFAULT 0,
  cache_write_1h_tokens INTEGER NOT NULL DEFAULT 0,
  output_tokens INTEGER NOT NULL DEFAULT 0,
  reasoning_tokens INTEGER NOT NULL DEFAULT 0,
  cost_usd_pico INTEGER NOT NULL DEFAULT 0,
  price_version TEXT NOT NULL DEFAULT '',
  usage_source TEXT NOT NULL DEFAULT 'missing',
  unpriced INTEGER NOT NULL DEFAULT 0,
  billed_to_client INTEGER NOT NULL DEFAULT 0,
  upstream_request_id TEXT NOT NULL DEFAULT '',
  error_message TEXT NOT NULL DEFAULT ''
);
CREATE INDEX requests_started_at ON requests(started_at_ms);
)sql";

// Version 2: virtual keys and projects on each row; the settings the CLI changes while `serve`
// runs (caps, rate limits, keys), with a revision counter the server polls; live reservations.
constexpr std::string_view k_v2_policy = R"sql(
ALTER TABLE requests ADD COLUMN key_name TEXT NOT NULL DEFAULT '';
ALTER TABLE requests ADD COLUMN project TEXT NOT NULL DEFAULT '';
CREATE INDEX requests_key ON requests(key_name, started_at_ms);
CREATE TABLE caps (
  id INTEGER PRIMARY KEY,
  period TEXT NOT NULL,
  scope TEXT NOT NULL,
  value TEXT NOT NULL DEFAULT '',
  limit_pico INTEGER NOT NULL,
  warn_percent INTEGER NOT NULL DEFAULT 80,
  created_at_ms INTEGER NOT NULL,
  UNIQUE (period, scope, value)
);
CREATE TABLE rate_limits (
  id INTEGER PRIMARY KEY,
  scope TEXT NOT NULL,
  value TEXT NOT NULL,
  requests_per_minute INTEGER NOT NULL DEFAULT 0,
  tokens_per_minute INTEGER NOT NULL DEFAULT 0,
  created_at_ms INTEGER NOT NULL,
  UNIQUE (scope, value)
);
CREATE TABLE virtual_keys (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  token_hint TEXT NOT NULL,
  project TEXT NOT NULL DEFAULT '',
  agent TEXT NOT NULL DEFAULT '',
  models TEXT NOT NULL DEFAULT '',
  for_run INTEGER NOT NULL DEFAULT 0,
  created_at_ms INTEGER NOT NULL,
  revoked_at_ms INTEGER
);
CREATE UNIQUE INDEX virtual_keys_active_name ON virtual_keys(name) WHERE revoked_at_ms IS NULL;
CREATE TABLE settings_revision (id INTEGER PRIMARY KEY CHECK (id = 1), revision INTEGER NOT NULL);
INSERT INTO settings_revision VALUES (1, 0);
CREATE TRIGGER caps_insert AFTER INSERT ON caps BEGIN UPDATE settings_revision SET revision = revision + 1; END;
CREATE TRIGGER caps_update AFTER UPDATE ON caps BEGIN UPDATE settings_revision SET revision = revision + 1; END;
CREATE TRIGGER caps_delete AFTER DELETE ON caps BEGIN UPDATE settings_revision SET revision = revision + 1; END;
CREATE TRIGGER limits_insert AFTER INSERT ON rate_limits BEGIN UPDATE settings_revision SET revision = revision + 1; END;
CREATE TRIGGER limits_update AFTER UPDATE ON rate_limits BEGIN UPDATE settings_revision SET revision = revision + 1; END;
CREATE TRIGGER limits_delete AFTER DELETE ON rate_limits BEGIN UPDATE settings_revision SET revision = revision + 1; END;
CREATE TRIGGER keys_insert AFTER INSERT ON virtual_keys BEGIN UPDATE settings_revision SET revision = revision + 1; END;
CREATE TRIGGER keys_update AFTER UPDATE ON virtual_keys BEGIN UPDATE settings_revision SET revision = revision + 1; END;
CREATE TRIGGER keys_delete AFTER DELETE ON virtual_keys BEGIN UPDATE settings_revision SET revision = revision + 1; END;
-- Spend the caps count (rows the client's own plan paid for left out), summed per 15-minute UTC
-- bucket: every time zone's midnight falls on one, so a local day, week or month is a bucket
-- range and cap checks and the status line never scan the requests themselves.
CREATE TABLE spend_buckets (
  bucket INTEGER NOT NULL,
  provider TEXT NOT NULL,
  agent TEXT NOT NULL,
  project TEXT NOT NULL,
  key_name TEXT NOT NULL,
  cost_usd_pico INTEGER NOT NULL,
  PRIMARY KEY (bucket, provider, agent, project, key_name)
) WITHOUT ROWID;
INSERT INTO spend_buckets
  SELECT started_at_ms / 900000, provider, agent, '', '', SUM(cost_usd_pico) FROM requests
  WHERE billed_to_client = 0 AND cost_usd_pico != 0 GROUP BY 1, 2, 3;
-- Upstream tries of requests that needed more than one (retries and fallbacks).
CREATE TABLE attempts (
  request_id INTEGER NOT NULL REFERENCES requests(id),
  n INTEGER NOT NULL,
  provider TEXT NOT NULL,
  model TEXT NOT NULL,
  http_status INTEGER NOT NULL,
  latency_ms INTEGER NOT NULL,
  error TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (request_id, n)
) WITHOUT ROWID;
-- `llmgw use`: send matching requests to a provider, deployment or [models] name instead.
CREATE TABLE route_overrides (
  id INTEGER PRIMARY KEY,
  target TEXT NOT NULL,
  match_model TEXT NOT NULL DEFAULT '',
  match_agent TEXT NOT NULL DEFAULT '',
  created_at_ms INTEGER NOT NULL,
  UNIQUE (match_model, match_agent)
);
CREATE TRIGGER overrides_insert AFTER INSERT ON route_overrides BEGIN UPDATE settings_revision SET revision = revision + 1; END;
CREATE TRIGGER overrides_update AFTER UPDATE ON route_overrides BEGIN UPDATE settings_revision SET revision = revision + 1; END;
CREATE TRIGGER overrides_delete AFTER DELETE ON route_overrides BEGIN UPDATE settings_revision SET revision = revision + 1; END;
CREATE TABLE cap_state (
  cap_id INTEGER PRIMARY KEY,
  reserved_pico INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL
);
)sql";

// Version 3: what a running server learnt about its upstreams (deployments cooling down, keys
// benched), published for `llmgw providers`: one JSON document, replaced when it changes.
constexpr std::string_view k_v3_routing_state = R"sql(
CREATE TABLE routing_state (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  state TEXT NOT NULL,
  updated_at_ms INTEGER NOT NULL
);
)sql";

// Version 4: how each row's price was found (core::pricing::PriceBasis: "exact", "alias",
// "family"; "" when unpriced, local, or recorded before this column existed).
constexpr std::string_view k_v4_price_basis = R"sql(
ALTER TABLE requests ADD COLUMN price_basis TEXT NOT NULL DEFAULT '';
)sql";

// Version 5: the status line sums one session's cost from an index alone (session, cost); the
// latest subscription / rate-limit window headers per provider and agent, as the ledger writer saw
// them on answers to the client's own credentials (one row per header, replaced together).
constexpr std::string_view k_v5_sessions_and_windows = R"sql(
CREATE INDEX requests_session ON requests(session_id, cost_usd_pico);
CREATE TABLE rate_windows (
  provider TEXT NOT NULL,
  agent TEXT NOT NULL,
  name TEXT NOT NULL,
  value TEXT NOT NULL,
  updated_at_ms INTEGER NOT NULL,
  PRIMARY KEY (provider, agent, name)
) WITHOUT ROWID;
)sql";

// Version 6: request rows older than the retention (`ledger prune`) folded into sums per
// 15-minute UTC bucket (every time zone's midnight falls on one, as for spend_buckets) and every
// dimension `usage` groups by but the session; reports add these to the rows still kept, so past
// totals stay the same after a prune. retried / fell_back are the provider report's counts of tries.
// And which cap alerts went out (cap_alerts).
constexpr std::string_view k_v6_usage_rollup = R"sql(
CREATE TABLE usage_rollup (
  bucket INTEGER NOT NULL,
  provider TEXT NOT NULL,
  model TEXT NOT NULL,
  agent TEXT NOT NULL,
  project TEXT NOT NULL,
  key_name TEXT NOT NULL,
  requests INTEGER NOT NULL DEFAULT 0,
  errors INTEGER NOT NULL DEFAULT 0,
  input_uncached_tokens INTEGER NOT NULL DEFAULT 0,
  cache_read_tokens INTEGER NOT NULL DEFAULT 0,
  cache_write_5m_tokens INTEGER NOT NULL DEFAULT 0,
  cache_write_1h_tokens INTEGER NOT NULL DEFAULT 0,
  output_tokens INTEGER NOT NULL DEFAULT 0,
  reasoning_tokens INTEGER NOT NULL DEFAULT 0,
  cost_usd_pico INTEGER NOT NULL DEFAULT 0,
  unpriced INTEGER NOT NULL DEFAULT 0,
  billed_to_client_cost_usd_pico INTEGER NOT NULL DEFAULT 0,
  estimated INTEGER NOT NULL DEFAULT 0,
  family_priced INTEGER NOT NULL DEFAULT 0,
  retried INTEGER NOT NULL DEFAULT 0,
  fell_back INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (bucket, provider, model, agent, project, key_name)
) WITHOUT ROWID;
-- [alerts] command: the period each cap's warn and reached alerts last went out for, so each
-- goes out once per cap and period, across restarts.
CREATE TABLE cap_alerts (
  cap_id INTEGER NOT NULL,
  kind TEXT NOT NULL,
  period_start_ms INTEGER NOT NULL,
  sent_at_ms INTEGER NOT NULL,
  PRIMARY KEY (cap_id, kind)
) WITHOUT ROWID;
)sql";

// Version 7: the dashboard's sums without scanning requests. Usage per 15-minute UTC bucket (as
// spend_buckets: every time zone's midnight falls on one) by provider, agent, model, project and
// key, and per session; kept by a trigger on insert, so every writer keeps them equal to the
// ledger, and a prune (which deletes rows, not their sums) leaves the dashboard's history in place.
// Indexes for the request log's filters: rowid order within each value, so "newest 100 with agent
// X" reads 100 index entries.
constexpr std::string_view k_v7_dashboard = R"sql(
CREATE TABLE usage_buckets (
  bucket INTEGER NOT NULL,
  provider TEXT NOT NULL,
  agent TEXT NOT NULL,
  model TEXT NOT NULL,
  project TEXT NOT NULL,
  key_name TEXT NOT NULL,
  requests INTEGER NOT NULL,
  errors INTEGER NOT NULL,
  input_tokens INTEGER NOT NULL,
  cache_read_tokens INTEGER NOT NULL,
  cache_write_tokens INTEGER NOT NULL,
  output_tokens INTEGER NOT NULL,
  cost_usd_pico INTEGER NOT NULL,
  PRIMARY KEY (bucket, provider, agent, model, project, key_name)
) WITHOUT ROWID;
CREATE TABLE session_buckets (
  bucket INTEGER NOT NULL,
  session_id TEXT NOT NULL,
  agent TEXT NOT NULL,
  requests INTEGER NOT NULL,
  errors INTEGER NOT NULL,
  input_tokens INTEGER NOT NULL,
  cache_read_tokens INTEGER NOT NULL,
  cache_write_tokens INTEGER NOT NULL,
  output_tokens INTEGER NOT NULL,
  cost_usd_pico INTEGER NOT NULL,
  PRIMARY KEY (bucket, session_id, agent)
) WITHOUT ROWID;
INSERT INTO usage_buckets
  SELECT started_at_ms / 900000, provider, agent, COALESCE(NULLIF(served_model, ''), requested_model), project,
         key_name, COUNT(*), SUM(outcome <> 'ok'), SUM(input_uncached_tokens), SUM(cache_read_tokens),
         SUM(cache_write_5m_tokens + cache_write_1h_tokens), SUM(output_tokens), SUM(cost_usd_pico)
  FROM requests GROUP BY 1, 2, 3, 4, 5, 6;
INSERT INTO session_buckets
  SELECT started_at_ms / 900000, session_id, agent, COUNT(*), SUM(outcome <> 'ok'), SUM(input_uncached_tokens),
         SUM(cache_read_tokens), SUM(cache_write_5m_tokens + cache_write_1h_tokens), SUM(output_tokens),
         SUM(cost_usd_pico)
  FROM requests GROUP BY 1, 2, 3;
CREATE TRIGGER requests_buckets_insert AFTER INSERT ON requests BEGIN
  INSERT INTO usage_buckets VALUES (NEW.started_at_ms / 900000, NEW.provider, NEW.agent,
      COALESCE(NULLIF(NEW.served_model, ''), NEW.requested_model), NEW.project, NEW.key_name, 1, NEW.outcome <> 'ok',
      NEW.input_uncached_tokens, NEW.cache_read_tokens, NEW.cache_write_5m_tokens + NEW.cache_write_1h_tokens,
      NEW.output_tokens, NEW.cost_usd_pico)
    ON CONFLICT DO UPDATE SET requests = requests + 1, errors = errors + excluded.errors,
      input_tokens = input_tokens + excluded.input_tokens,
      cache_read_tokens = cache_read_tokens + excluded.cache_read_tokens,
      cache_write_tokens = cache_write_tokens + excluded.cache_write_tokens,
      output_tokens = output_tokens + excluded.output_tokens, cost_usd_pico = cost_usd_pico + excluded.cost_usd_pico;
  INSERT INTO session_buckets VALUES (NEW.started_at_ms / 900000, NEW.session_id, NEW.agent, 1,
      NEW.outcome <> 'ok', NEW.input_uncached_tokens, NEW.cache_read_tokens,
      NEW.cache_write_5m_tokens + NEW.cache_write_1h_tokens, NEW.output_tokens, NEW.cost_usd_pico)
    ON CONFLICT DO UPDATE SET requests = requests + 1, errors = errors + excluded.errors,
      input_tokens = input_tokens + excluded.input_tokens,
      cache_read_tokens = cache_read_tokens + excluded.cache_read_tokens,
      cache_write_tokens = cache_write_tokens + excluded.cache_write_tokens,
      output_tokens = output_tokens + excluded.output_tokens, cost_usd_pico = cost_usd_pico + excluded.cost_usd_pico;
END;
CREATE INDEX requests_agent ON requests(agent);
CREATE INDEX requests_provider ON requests(provider);
CREATE INDEX requests_model ON requests(COALESCE(NULLIF(served_model, ''), requested_model));
CREATE INDEX requests_errors ON requests(outcome) WHERE outcome <> 'ok';
)sql";

// Version 8: users (team mode). A virtual key may name its user; each request row keeps the user
// of the key that authenticated it. Spend per user is counted for user caps: spend_buckets gains a
// user_name dimension (its key grows, so the table is rebuilt), and so does usage_rollup, so that
// `usage --by user` adds the pruned rows' sums.
constexpr std::string_view k_v8_users = R"sql(
ALTER TABLE virtual_keys ADD COLUMN user_name TEXT NOT NULL DEFAULT '';
ALTER TABLE requests ADD COLUMN user_name TEXT NOT NULL DEFAULT '';
CREATE TABLE spend_buckets_v8 (
  bucket INTEGER NOT NULL,
  provider TEXT NOT NULL,
  agent TEXT NOT NULL,
  project TEXT NOT NULL,
  key_name TEXT NOT NULL,
  user_name TEXT NOT NULL DEFAULT '',
  cost_usd_pico INTEGER NOT NULL,
  PRIMARY KEY (bucket, provider, agent, project, key_name, user_name)
) WITHOUT ROWID;
INSERT INTO spend_buckets_v8 (bucket, provider, agent, project, key_name, user_name, cost_usd_pico)
  SELECT bucket, provider, agent, project, key_name, '', cost_usd_pico FROM spend_buckets;
DROP TABLE spend_buckets;
ALTER TABLE spend_buckets_v8 RENAME TO spend_buckets;
CREATE TABLE usage_rollup_v8 (
  bucket INTEGER NOT NULL,
  provider TEXT NOT NULL,
  model TEXT NOT NULL,
  agent TEXT NOT NULL,
  project TEXT NOT NULL,
  key_name TEXT NOT NULL,
  user_name TEXT NOT NULL DEFAULT '',
  requests INTEGER NOT NULL DEFAULT 0,
  errors INTEGER NOT NULL DEFAULT 0,
  input_uncached_tokens INTEGER NOT NULL DEFAULT 0,
  cache_read_tokens INTEGER NOT NULL DEFAULT 0,
  cache_write_5m_tokens INTEGER NOT NULL DEFAULT 0,
  cache_write_1h_tokens INTEGER NOT NULL DEFAULT 0,
  output_tokens INTEGER NOT NULL DEFAULT 0,
  reasoning_tokens INTEGER NOT NULL DEFAULT 0,
  cost_usd_pico INTEGER NOT NULL DEFAULT 0,
  unpriced INTEGER NOT NULL DEFAULT 0,
  billed_to_client_cost_usd_pico INTEGER NOT NULL DEFAULT 0,
  estimated INTEGER NOT NULL DEFAULT 0,
  family_priced INTEGER NOT NULL DEFAULT 0,
  retried INTEGER NOT NULL DEFAULT 0,
  fell_back INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (bucket, provider, model, agent, project, key_name, user_name)
) WITHOUT ROWID;
INSERT INTO usage_rollup_v8 (bucket, provider, model, agent, project, key_name, user_name, requests, errors,
    input_uncached_tokens, cache_read_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens,
    reasoning_tokens, cost_usd_pico, unpriced, billed_to_client_cost_usd_pico, estimated, family_priced, retried,
    fell_back)
  SELECT bucket, provider, model, agent, project, key_name, '', requests, errors, input_uncached_tokens,
    cache_read_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, cost_usd_pico,
    unpriced, billed_to_client_cost_usd_pico, estimated, family_priced, retried, fell_back FROM usage_rollup;
DROP TABLE usage_rollup;
ALTER TABLE usage_rollup_v8 RENAME TO usage_rollup;
)sql";

// Version 9 (team mode, docs/team-mode.md): the budget slices instances sharing this store
// lease from each cap, per period (core/policy/cap_ledger.hpp); one row per cap, period and instance,
// beaten every second; others reclaim a stale lease down to what it used, an abandoned one whole.
// cap_lease_turns has one row per cap and period that every growth updates first: on a server
// database that row lock serialises growths.
constexpr std::string_view k_v9_cap_leases = R"sql(
CREATE TABLE cap_leases (
  cap_id INTEGER NOT NULL,
  period_start_ms INTEGER NOT NULL,
  instance_id TEXT NOT NULL,
  period_end_ms INTEGER NOT NULL,
  granted_pico INTEGER NOT NULL,
  written_pico INTEGER NOT NULL,
  used_pico INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL,
  PRIMARY KEY (cap_id, period_start_ms, instance_id)
);
CREATE INDEX cap_leases_instance ON cap_leases(instance_id);
CREATE TABLE cap_lease_turns (
  cap_id INTEGER NOT NULL,
  period_start_ms INTEGER NOT NULL,
  period_end_ms INTEGER NOT NULL,
  turns INTEGER NOT NULL,
  PRIMARY KEY (cap_id, period_start_ms)
);
)sql";

// Version 10: prices imported into a store several instances share (team mode): one document,
// replaced by each `llmgw prices import`; a change bumps the settings revision like caps and keys.
constexpr std::string_view k_v10_shared_prices = R"sql(
CREATE TABLE shared_prices (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  document TEXT NOT NULL,
  updated_at_ms INTEGER NOT NULL
);
CREATE TRIGGER shared_prices_insert AFTER INSERT ON shared_prices BEGIN UPDATE settings_revision SET revision = revision + 1; END;
CREATE TRIGGER shared_prices_update AFTER UPDATE ON shared_prices BEGIN UPDATE settings_revision SET revision = revision + 1; END;
CREATE TRIGGER shared_prices_delete AFTER DELETE ON shared_prices BEGIN UPDATE settings_revision SET revision = revision + 1; END;
)sql";

// Version 11: a key per request row from writers whose commits can be in doubt (PostgreSQL: a
// connection lost while committing); a batch retried after that inserts none of its rows twice.
// NULL on rows SQLite writes, which the partial index leaves out.
constexpr std::string_view k_v11_row_keys = R"sql(
ALTER TABLE requests ADD COLUMN row_key TEXT;
CREATE UNIQUE INDEX requests_row_key ON requests(row_key) WHERE row_key IS NOT NULL;
)sql";

// Version 12 (team mode, docs/team-mode.md): the rate-limit shares instances sharing this store
// lease from each rate rule (core/policy/rate_ledger.hpp). One row per rule, 10-second sub-window
// and instance: what the instance admitted there, and in its newest row the share it holds unused
// (spare_*), which others reclaim once it stops beating. rate_lease_turns has one row per rule that
// every growth updates first: on a server database that row lock serialises growths.
constexpr std::string_view k_v12_rate_leases = R"sql(
CREATE TABLE rate_leases (
  rule_id INTEGER NOT NULL,
  window_start_ms INTEGER NOT NULL,
  instance_id TEXT NOT NULL,
  requests INTEGER NOT NULL,
  tokens INTEGER NOT NULL,
  spare_requests INTEGER NOT NULL DEFAULT 0,
  spare_tokens INTEGER NOT NULL DEFAULT 0,
  updated_at_ms INTEGER NOT NULL,
  PRIMARY KEY (rule_id, window_start_ms, instance_id)
);
CREATE INDEX rate_leases_instance ON rate_leases(instance_id);
CREATE TABLE rate_lease_turns (
  rule_id INTEGER PRIMARY KEY,
  turns INTEGER NOT NULL
);
)sql";

// Version 13: the ledger adds each batch's rows to the dashboard's buckets itself, one upsert per
// bucket (store/ledger.cpp), instead of this trigger's two per row.
constexpr std::string_view k_v13_bucket_sums = R"sql(
DROP TRIGGER requests_buckets_insert;
)sql";

// Version 14: two indexes fewer on requests, each a B-tree the ledger writer updated for every row
// (about a microsecond a row each, `llmgw_ledger_bench`). Every query filtering by key has the
// form `(?3 = '' OR key_name = ?3)` beside a time range, which reads requests_started_at, so
// requests_key was never read. A session's spend (the status line) comes from session_totals: one
// row per session, which the ledger upserts once per batch, from the same sums as session_buckets.
constexpr std::string_view k_v14_session_totals = R"sql(
DROP INDEX requests_key;
DROP INDEX requests_session;
CREATE TABLE session_totals (
  session_id TEXT PRIMARY KEY,
  requests INTEGER NOT NULL,
  cost_usd_pico INTEGER NOT NULL,
  last_bucket INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO session_totals
  SELECT session_id, SUM(requests), SUM(cost_usd_pico), MAX(bucket) FROM session_buckets WHERE session_id <> ''
  GROUP BY session_id;
)sql";

// Version 15: the request log's filters by agent, provider and model read request_runs instead of
// three indexes on requests, which the ledger writer updated for every row (1.2 of a row's 3-4 us
// inside `llmgw serve`). A run is the span of ids, from one batch of the writer, that holds every
// row of one agent, provider and model (served, else requested) in that batch: the ledger writes
// one run per combination and batch (a few rows per 1,024 requests under load). The spans of one
// batch may overlap; those of two batches never do (a batch's ids are consecutive), so the log
// reads each batch's spans, newest first, and within them the rows that match (store/
// dashboard_requests.cpp). Rows stored before this version get their runs as if they had been
// written in batches of 1,024 ids (each block's key, its lowest possible id, is below every id
// written after it).
constexpr std::string_view k_v15_request_runs = R"sql(
CREATE TABLE request_runs (
  first_id INTEGER PRIMARY KEY,
  last_id INTEGER NOT NULL,
  batch_first INTEGER NOT NULL,
  agent TEXT NOT NULL,
  provider TEXT NOT NULL,
  model TEXT NOT NULL,
  requests INTEGER NOT NULL,
  errors INTEGER NOT NULL
);
INSERT INTO request_runs (first_id, last_id, batch_first, agent, provider, model, requests, errors)
  SELECT MIN(id), MAX(id), id / 1024 * 1024, agent, provider, COALESCE(NULLIF(served_model, ''), requested_model),
         COUNT(*), SUM(outcome <> 'ok')
  FROM requests GROUP BY id / 1024, agent, provider, COALESCE(NULLIF(served_model, ''), requested_model);
CREATE INDEX request_runs_agent ON request_runs(agent);
CREATE INDEX request_runs_provider ON request_runs(provider);
CREATE INDEX request_runs_model ON request_runs(model);
DROP INDEX requests_agent;
DROP INDEX requests_provider;
DROP INDEX requests_model;
)sql";

constexpr std::array<Migration, 15> k_migrations{{
    {1, "requests ledger", k_v1_requests},
    {2, "caps, rate limits, virtual keys", k_v2_policy},
    {3, "routing state", k_v3_routing_state},
    {4, "price basis", k_v4_price_basis},
    {5, "session index, rate windows", k_v5_sessions_and_windows},
    {6, "usage rollup of pruned rows, cap alerts", k_v6_usage_rollup},
    {7, "dashboard usage buckets, request log indexes", k_v7_dashboard},
    {8, "users on keys, requests, spend and rollup", k_v8_users},
    {9, "team mode cap leases", k_v9_cap_leases},
    {10, "shared price imports", k_v10_shared_prices},
    {11, "request row keys", k_v11_row_keys},
    {12, "team mode rate leases", k_v12_rate_leases},
    {13, "bucket sums written by the ledger per batch", k_v13_bucket_sums},
    {14, "session totals, two request indexes fewer", k_v14_session_totals},
    {15, "request runs for the log's filters, three request indexes fewer", k_v15_request_runs},
}};

void refuse_newer(const Db& db, int found, int latest) {
  if (found > latest) {
    throw Error(db.path() + ": database schema version " + std::to_string(found) + " is newer than this llmgw (" +
                std::to_string(latest) + "); upgrade llmgw");
  }
}

} // namespace

std::span<const Migration> migrations() { return k_migrations; }

int latest_schema_version() { return k_migrations.back().version; }

void migrate(Db& db, std::span<const Migration> steps) {
  const int latest = steps.empty() ? 0 : steps.back().version;
  // Checked before taking the write lock so an up-to-date database opens without waiting on
  // a writer (the CLI opens the file while `serve` writes to it).
  const int before = db.user_version();
  refuse_newer(db, before, latest);
  if (before == latest) return;
  Transaction transaction(db);
  db.connection().lock_for_migration();
  const int current = db.user_version(); // another process may have migrated meanwhile
  refuse_newer(db, current, latest);
  for (const Migration& step : steps) {
    if (step.version <= current) continue;
    try {
      db.exec(std::string(step.sql));
    } catch (const Error& e) {
      throw Error("migration to schema version " + std::to_string(step.version) + " (" + std::string(step.description) +
                  ") failed: " + e.what());
    }
  }
  db.connection().set_schema_version(latest);
  transaction.commit();
}

} // namespace llmgw::store
