#include "store/pg_migrations.hpp"

#include <array>

namespace llmgw::store {
namespace {

// Version 1: the schema of SQLite's versions 1-7 (migrations.cpp, whose comments say what each
// table is for) in one step. Ids are BIGSERIAL, integers BIGINT; SQLite's triggers are plpgsql
// functions. Every change to caps, limits, keys or overrides bumps settings_revision and notifies
// channel llmgw_settings with the new revision, so other instances can LISTEN instead of polling.
constexpr std::string_view k_v1_schema = R"sql(
CREATE TABLE requests (
  id BIGSERIAL PRIMARY KEY,
  started_at_ms BIGINT NOT NULL,
  duration_ms BIGINT NOT NULL DEFAULT 0,
  ttfb_ms BIGINT NOT NULL DEFAULT -1,
  agent TEXT NOT NULL DEFAULT '',
  session_id TEXT NOT NULL DEFAULT '',
  endpoint TEXT NOT NULL DEFAULT '',
  provider TEXT NOT NULL DEFAULT '',
  requested_model TEXT NOT NULL DEFAULT '',
  served_model TEXT NOT NULL DEFAULT '',
  streamed BIGINT NOT NULL DEFAULT 0,
  http_status BIGINT NOT NULL DEFAULT 0,
  outcome TEXT NOT NULL DEFAULT 'ok',
  input_uncached_tokens BIGINT NOT NULL DEFAULT 0,
  cache_read_tokens BIGINT NOT NULL DEFAULT 0,
  cache_write_5m_tokens BIGINT NOT NULL DEFAULT 0,
  cache_write_1h_tokens BIGINT NOT NULL DEFAULT 0,
  output_tokens BIGINT NOT NULL DEFAULT 0,
  reasoning_tokens BIGINT NOT NULL DEFAULT 0,
  cost_usd_pico BIGINT NOT NULL DEFAULT 0,
  price_version TEXT NOT NULL DEFAULT '',
  usage_source TEXT NOT NULL DEFAULT 'missing',
  unpriced BIGINT NOT NULL DEFAULT 0,
  billed_to_client BIGINT NOT NULL DEFAULT 0,
  upstream_request_id TEXT NOT NULL DEFAULT '',
  error_message TEXT NOT NULL DEFAULT '',
  key_name TEXT NOT NULL DEFAULT '',
  project TEXT NOT NULL DEFAULT '',
  price_basis TEXT NOT NULL DEFAULT ''
);
CREATE INDEX requests_started_at ON requests(started_at_ms);
CREATE INDEX requests_key ON requests(key_name, started_at_ms);
CREATE INDEX requests_session ON requests(session_id, cost_usd_pico);
CREATE INDEX requests_agent ON requests(agent);
CREATE INDEX requests_provider ON requests(provider);
CREATE INDEX requests_model ON requests((COALESCE(NULLIF(served_model, ''), requested_model)));
CREATE INDEX requests_errors ON requests(outcome) WHERE outcome <> 'ok';
CREATE TABLE caps (
  id BIGSERIAL PRIMARY KEY,
  period TEXT NOT NULL,
  scope TEXT NOT NULL,
  value TEXT NOT NULL DEFAULT '',
  limit_pico BIGINT NOT NULL,
  warn_percent BIGINT NOT NULL DEFAULT 80,
  created_at_ms BIGINT NOT NULL,
  UNIQUE (period, scope, value)
);
CREATE TABLE rate_limits (
  id BIGSERIAL PRIMARY KEY,
  scope TEXT NOT NULL,
  value TEXT NOT NULL,
  requests_per_minute BIGINT NOT NULL DEFAULT 0,
  tokens_per_minute BIGINT NOT NULL DEFAULT 0,
  created_at_ms BIGINT NOT NULL,
  UNIQUE (scope, value)
);
CREATE TABLE virtual_keys (
  id BIGSERIAL PRIMARY KEY,
  name TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  token_hint TEXT NOT NULL,
  project TEXT NOT NULL DEFAULT '',
  agent TEXT NOT NULL DEFAULT '',
  models TEXT NOT NULL DEFAULT '',
  for_run BIGINT NOT NULL DEFAULT 0,
  created_at_ms BIGINT NOT NULL,
  revoked_at_ms BIGINT
);
CREATE UNIQUE INDEX virtual_keys_active_name ON virtual_keys(name) WHERE revoked_at_ms IS NULL;
CREATE TABLE route_overrides (
  id BIGSERIAL PRIMARY KEY,
  target TEXT NOT NULL,
  match_model TEXT NOT NULL DEFAULT '',
  match_agent TEXT NOT NULL DEFAULT '',
  created_at_ms BIGINT NOT NULL,
  UNIQUE (match_model, match_agent)
);
CREATE TABLE settings_revision (id BIGINT PRIMARY KEY CHECK (id = 1), revision BIGINT NOT NULL);
INSERT INTO settings_revision VALUES (1, 0);
CREATE FUNCTION llmgw_bump_settings() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  next BIGINT;
BEGIN
  UPDATE settings_revision SET revision = revision + 1 WHERE id = 1 RETURNING revision INTO next;
  PERFORM pg_notify('llmgw_settings', next::text);
  RETURN NULL;
END $$;
CREATE TRIGGER caps_changed AFTER INSERT OR UPDATE OR DELETE ON caps
  FOR EACH ROW EXECUTE FUNCTION llmgw_bump_settings();
CREATE TRIGGER limits_changed AFTER INSERT OR UPDATE OR DELETE ON rate_limits
  FOR EACH ROW EXECUTE FUNCTION llmgw_bump_settings();
CREATE TRIGGER keys_changed AFTER INSERT OR UPDATE OR DELETE ON virtual_keys
  FOR EACH ROW EXECUTE FUNCTION llmgw_bump_settings();
CREATE TRIGGER overrides_changed AFTER INSERT OR UPDATE OR DELETE ON route_overrides
  FOR EACH ROW EXECUTE FUNCTION llmgw_bump_settings();
CREATE TABLE spend_buckets (
  bucket BIGINT NOT NULL,
  provider TEXT NOT NULL,
  agent TEXT NOT NULL,
  project TEXT NOT NULL,
  key_name TEXT NOT NULL,
  cost_usd_pico BIGINT NOT NULL,
  PRIMARY KEY (bucket, provider, agent, project, key_name)
);
CREATE TABLE attempts (
  request_id BIGINT NOT NULL REFERENCES requests(id),
  n BIGINT NOT NULL,
  provider TEXT NOT NULL,
  model TEXT NOT NULL,
  http_status BIGINT NOT NULL,
  latency_ms BIGINT NOT NULL,
  error TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (request_id, n)
);
CREATE TABLE cap_state (
  cap_id BIGINT PRIMARY KEY,
  reserved_pico BIGINT NOT NULL,
  updated_at_ms BIGINT NOT NULL
);
CREATE TABLE routing_state (
  id BIGINT PRIMARY KEY CHECK (id = 1),
  state TEXT NOT NULL,
  updated_at_ms BIGINT NOT NULL
);
CREATE TABLE rate_windows (
  provider TEXT NOT NULL,
  agent TEXT NOT NULL,
  name TEXT NOT NULL,
  value TEXT NOT NULL,
  updated_at_ms BIGINT NOT NULL,
  PRIMARY KEY (provider, agent, name)
);
CREATE TABLE usage_rollup (
  bucket BIGINT NOT NULL,
  provider TEXT NOT NULL,
  model TEXT NOT NULL,
  agent TEXT NOT NULL,
  project TEXT NOT NULL,
  key_name TEXT NOT NULL,
  requests BIGINT NOT NULL DEFAULT 0,
  errors BIGINT NOT NULL DEFAULT 0,
  input_uncached_tokens BIGINT NOT NULL DEFAULT 0,
  cache_read_tokens BIGINT NOT NULL DEFAULT 0,
  cache_write_5m_tokens BIGINT NOT NULL DEFAULT 0,
  cache_write_1h_tokens BIGINT NOT NULL DEFAULT 0,
  output_tokens BIGINT NOT NULL DEFAULT 0,
  reasoning_tokens BIGINT NOT NULL DEFAULT 0,
  cost_usd_pico BIGINT NOT NULL DEFAULT 0,
  unpriced BIGINT NOT NULL DEFAULT 0,
  billed_to_client_cost_usd_pico BIGINT NOT NULL DEFAULT 0,
  estimated BIGINT NOT NULL DEFAULT 0,
  family_priced BIGINT NOT NULL DEFAULT 0,
  retried BIGINT NOT NULL DEFAULT 0,
  fell_back BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (bucket, provider, model, agent, project, key_name)
);
CREATE TABLE cap_alerts (
  cap_id BIGINT NOT NULL,
  kind TEXT NOT NULL,
  period_start_ms BIGINT NOT NULL,
  sent_at_ms BIGINT NOT NULL,
  PRIMARY KEY (cap_id, kind)
);
CREATE TABLE usage_buckets (
  bucket BIGINT NOT NULL,
  provider TEXT NOT NULL,
  agent TEXT NOT NULL,
  model TEXT NOT NULL,
  project TEXT NOT NULL,
  key_name TEXT NOT NULL,
  requests BIGINT NOT NULL,
  errors BIGINT NOT NULL,
  input_tokens BIGINT NOT NULL,
  cache_read_tokens BIGINT NOT NULL,
  cache_write_tokens BIGINT NOT NULL,
  output_tokens BIGINT NOT NULL,
  cost_usd_pico BIGINT NOT NULL,
  PRIMARY KEY (bucket, provider, agent, model, project, key_name)
);
CREATE TABLE session_buckets (
  bucket BIGINT NOT NULL,
  session_id TEXT NOT NULL,
  agent TEXT NOT NULL,
  requests BIGINT NOT NULL,
  errors BIGINT NOT NULL,
  input_tokens BIGINT NOT NULL,
  cache_read_tokens BIGINT NOT NULL,
  cache_write_tokens BIGINT NOT NULL,
  output_tokens BIGINT NOT NULL,
  cost_usd_pico BIGINT NOT NULL,
  PRIMARY KEY (bucket, session_id, agent)
);
CREATE FUNCTION llmgw_requests_buckets() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  failed BIGINT := CASE WHEN NEW.outcome <> 'ok' THEN 1 ELSE 0 END;
  written BIGINT := NEW.cache_write_5m_tokens + NEW.cache_write_1h_tokens;
BEGIN
  INSERT INTO usage_buckets AS u VALUES (NEW.started_at_ms / 900000, NEW.provider, NEW.agent,
      COALESCE(NULLIF(NEW.served_model, ''), NEW.requested_model), NEW.project, NEW.key_name, 1, failed,
      NEW.input_uncached_tokens, NEW.cache_read_tokens, written, NEW.output_tokens, NEW.cost_usd_pico)
    ON CONFLICT (bucket, provider, agent, model, project, key_name) DO UPDATE SET requests = u.requests + 1,
      errors = u.errors + failed, input_tokens = u.input_tokens + NEW.input_uncached_tokens,
      cache_read_tokens = u.cache_read_tokens + NEW.cache_read_tokens,
      cache_write_tokens = u.cache_write_tokens + written, output_tokens = u.output_tokens + NEW.output_tokens,
      cost_usd_pico = u.cost_usd_pico + NEW.cost_usd_pico;
  INSERT INTO session_buckets AS s VALUES (NEW.started_at_ms / 900000, NEW.session_id, NEW.agent, 1, failed,
      NEW.input_uncached_tokens, NEW.cache_read_tokens, written, NEW.output_tokens, NEW.cost_usd_pico)
    ON CONFLICT (bucket, session_id, agent) DO UPDATE SET requests = s.requests + 1, errors = s.errors + failed,
      input_tokens = s.input_tokens + NEW.input_uncached_tokens,
      cache_read_tokens = s.cache_read_tokens + NEW.cache_read_tokens,
      cache_write_tokens = s.cache_write_tokens + written, output_tokens = s.output_tokens + NEW.output_tokens,
      cost_usd_pico = s.cost_usd_pico + NEW.cost_usd_pico;
  RETURN NULL;
END $$;
CREATE TRIGGER requests_buckets_insert AFTER INSERT ON requests
  FOR EACH ROW EXECUTE FUNCTION llmgw_requests_buckets();
)sql";

// Version 2: SQLite's versions 8 to 10. Users on keys and rows, with a user dimension in the spend
// caps count and in the rollup of pruned rows; the budget slices instances lease from each cap
// (team caps); prices imported into the shared store, a change notifying like caps and keys.
constexpr std::string_view k_v2_team = R"sql(
ALTER TABLE virtual_keys ADD COLUMN user_name TEXT NOT NULL DEFAULT '';
ALTER TABLE requests ADD COLUMN user_name TEXT NOT NULL DEFAULT '';
ALTER TABLE spend_buckets ADD COLUMN user_name TEXT NOT NULL DEFAULT '';
ALTER TABLE spend_buckets DROP CONSTRAINT spend_buckets_pkey;
ALTER TABLE spend_buckets ADD PRIMARY KEY (bucket, provider, agent, project, key_name, user_name);
ALTER TABLE usage_rollup ADD COLUMN user_name TEXT NOT NULL DEFAULT '';
ALTER TABLE usage_rollup DROP CONSTRAINT usage_rollup_pkey;
ALTER TABLE usage_rollup ADD PRIMARY KEY (bucket, provider, model, agent, project, key_name, user_name);
CREATE TABLE cap_leases (
  cap_id BIGINT NOT NULL,
  period_start_ms BIGINT NOT NULL,
  instance_id TEXT NOT NULL,
  period_end_ms BIGINT NOT NULL,
  granted_pico BIGINT NOT NULL,
  written_pico BIGINT NOT NULL,
  used_pico BIGINT NOT NULL,
  updated_at_ms BIGINT NOT NULL,
  PRIMARY KEY (cap_id, period_start_ms, instance_id)
);
CREATE INDEX cap_leases_instance ON cap_leases(instance_id);
CREATE TABLE cap_lease_turns (
  cap_id BIGINT NOT NULL,
  period_start_ms BIGINT NOT NULL,
  period_end_ms BIGINT NOT NULL,
  turns BIGINT NOT NULL,
  PRIMARY KEY (cap_id, period_start_ms)
);
CREATE TABLE shared_prices (
  id BIGINT PRIMARY KEY CHECK (id = 1),
  document TEXT NOT NULL,
  updated_at_ms BIGINT NOT NULL
);
CREATE TRIGGER shared_prices_changed AFTER INSERT OR UPDATE OR DELETE ON shared_prices
  FOR EACH ROW EXECUTE FUNCTION llmgw_bump_settings();
)sql";

// Version 3: SQLite's version 11, row keys that make a retried ledger batch idempotent.
constexpr std::string_view k_v3_row_keys = R"sql(
ALTER TABLE requests ADD COLUMN row_key TEXT;
CREATE UNIQUE INDEX requests_row_key ON requests(row_key) WHERE row_key IS NOT NULL;
)sql";

// Version 4: SQLite's version 12, the rate-limit shares of team mode.
constexpr std::string_view k_v4_rate_leases = R"sql(
CREATE TABLE rate_leases (
  rule_id BIGINT NOT NULL,
  window_start_ms BIGINT NOT NULL,
  instance_id TEXT NOT NULL,
  requests BIGINT NOT NULL,
  tokens BIGINT NOT NULL,
  spare_requests BIGINT NOT NULL DEFAULT 0,
  spare_tokens BIGINT NOT NULL DEFAULT 0,
  updated_at_ms BIGINT NOT NULL,
  PRIMARY KEY (rule_id, window_start_ms, instance_id)
);
CREATE INDEX rate_leases_instance ON rate_leases(instance_id);
CREATE TABLE rate_lease_turns (
  rule_id BIGINT PRIMARY KEY,
  turns BIGINT NOT NULL
);
)sql";

// Version 5: SQLite's version 13, the dashboard's bucket sums written by the ledger per batch.
constexpr std::string_view k_v5_bucket_sums = R"sql(
DROP TRIGGER requests_buckets_insert ON requests;
DROP FUNCTION llmgw_requests_buckets();
)sql";

// Version 6: SQLite's version 14 in part: a session's spend comes from session_totals
// (store/reports.cpp), so requests_session goes. requests_key stays: PostgreSQL may plan a query
// with its parameters' values, and then reads it for one key's rows.
constexpr std::string_view k_v6_session_totals = R"sql(
DROP INDEX requests_session;
CREATE TABLE session_totals (
  session_id TEXT PRIMARY KEY,
  requests BIGINT NOT NULL,
  cost_usd_pico BIGINT NOT NULL,
  last_bucket BIGINT NOT NULL
);
INSERT INTO session_totals
  SELECT session_id, SUM(requests), SUM(cost_usd_pico), MAX(bucket) FROM session_buckets WHERE session_id <> ''
  GROUP BY session_id;
)sql";

constexpr std::array<Migration, 6> k_pg_migrations{{
    {1, "schema of SQLite version 7: ledger, settings, buckets, rollup, alerts", k_v1_schema},
    {2, "schema of SQLite versions 8-10: users, cap leases, shared prices", k_v2_team},
    {3, "request row keys", k_v3_row_keys},
    {4, "team mode rate leases", k_v4_rate_leases},
    {5, "bucket sums written by the ledger per batch", k_v5_bucket_sums},
    {6, "session totals", k_v6_session_totals},
}};

} // namespace

std::span<const Migration> pg_migrations() { return k_pg_migrations; }

} // namespace llmgw::store
