#include "store/prune.hpp"

#include "store/request_rows.hpp"

#include <sys/stat.h>

namespace llmgw::store {
namespace {

// Sums of the rows to prune per bucket and dimension, added to what earlier prunes folded there.
constexpr std::string_view k_fold_requests_sql = R"sql(
INSERT INTO usage_rollup (bucket, provider, model, agent, project, key_name, user_name, requests, errors,
  input_uncached_tokens, cache_read_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens,
  reasoning_tokens, cost_usd_pico, unpriced, billed_to_client_cost_usd_pico, estimated, family_priced)
SELECT started_at_ms / 900000, provider, COALESCE(NULLIF(served_model, ''), requested_model), agent, project,
  key_name, user_name, COUNT(*), SUM(CASE WHEN outcome <> 'ok' THEN 1 ELSE 0 END), SUM(input_uncached_tokens),
  SUM(cache_read_tokens),
  SUM(cache_write_5m_tokens), SUM(cache_write_1h_tokens), SUM(output_tokens), SUM(reasoning_tokens),
  SUM(cost_usd_pico), SUM(unpriced), SUM(CASE WHEN billed_to_client <> 0 THEN cost_usd_pico ELSE 0 END),
  SUM(CASE WHEN usage_source = 'estimated' THEN 1 ELSE 0 END), SUM(CASE WHEN price_basis = 'family' THEN 1 ELSE 0 END)
FROM requests WHERE started_at_ms < ?1 GROUP BY 1, 2, 3, 4, 5, 6, 7
ON CONFLICT (bucket, provider, model, agent, project, key_name, user_name) DO UPDATE SET
  requests = usage_rollup.requests + excluded.requests, errors = usage_rollup.errors + excluded.errors,
  input_uncached_tokens = usage_rollup.input_uncached_tokens + excluded.input_uncached_tokens,
  cache_read_tokens = usage_rollup.cache_read_tokens + excluded.cache_read_tokens,
  cache_write_5m_tokens = usage_rollup.cache_write_5m_tokens + excluded.cache_write_5m_tokens,
  cache_write_1h_tokens = usage_rollup.cache_write_1h_tokens + excluded.cache_write_1h_tokens,
  output_tokens = usage_rollup.output_tokens + excluded.output_tokens,
  reasoning_tokens = usage_rollup.reasoning_tokens + excluded.reasoning_tokens,
  cost_usd_pico = usage_rollup.cost_usd_pico + excluded.cost_usd_pico,
  unpriced = usage_rollup.unpriced + excluded.unpriced,
  billed_to_client_cost_usd_pico =
    usage_rollup.billed_to_client_cost_usd_pico + excluded.billed_to_client_cost_usd_pico,
  estimated = usage_rollup.estimated + excluded.estimated,
  family_priced = usage_rollup.family_priced + excluded.family_priced
)sql";

// The provider report's counts of tries (reports.cpp k_tries_sql), under the provider tried.
constexpr std::string_view k_fold_attempts_sql = R"sql(
INSERT INTO usage_rollup (bucket, provider, model, agent, project, key_name, user_name, retried, fell_back)
SELECT r.started_at_ms / 900000, a.provider, COALESCE(NULLIF(r.served_model, ''), r.requested_model), r.agent,
  r.project, r.key_name, r.user_name,
  SUM(CASE WHEN a.n < (SELECT MAX(b.n) FROM attempts b WHERE b.request_id = a.request_id) THEN 1 ELSE 0 END),
  SUM(CASE WHEN a.n = 1 AND r.provider <> a.provider THEN 1 ELSE 0 END)
FROM attempts a JOIN requests r ON r.id = a.request_id WHERE r.started_at_ms < ?1 GROUP BY 1, 2, 3, 4, 5, 6, 7
ON CONFLICT (bucket, provider, model, agent, project, key_name, user_name) DO UPDATE SET
  retried = usage_rollup.retried + excluded.retried, fell_back = usage_rollup.fell_back + excluded.fell_back
)sql";

// The database's size: the file and its WAL, or PostgreSQL's size of the database.
int64_t database_bytes(Db& db) {
  if (db.dialect() == Dialect::postgres) {
    Statement size = db.prepare("SELECT pg_database_size(current_database())");
    return size.step() ? size.column_int64(0) : 0;
  }
  const std::string& path = db.path();
  struct stat info {};
  int64_t total = 0;
  for (const std::string& file : {path, path + "-wal"})
    if (::stat(file.c_str(), &info) == 0) total += static_cast<int64_t>(info.st_size);
  return total;
}

int64_t scalar(Db& db, std::string_view sql, int64_t cutoff_ms) {
  Statement query = db.prepare(sql);
  query.bind_int64(1, cutoff_ms);
  return query.step() ? query.column_int64(0) : 0;
}

void run(Db& db, std::string_view sql, int64_t cutoff_ms) {
  Statement statement = db.prepare(sql);
  statement.bind_int64(1, cutoff_ms);
  statement.run();
}

} // namespace

int64_t retention_cutoff_ms(int days, int64_t now_ms) {
  if (days <= 0) return 0;
  return now_ms - static_cast<int64_t>(days) * 86'400'000;
}

PruneResult prune_ledger(Db& db, int64_t before_ms, bool dry_run) {
  PruneResult result;
  // A whole bucket at a time: a bucket is then either folded or kept, never split.
  result.cutoff_ms = before_ms <= 0 ? 0 : before_ms / k_spend_bucket_ms * k_spend_bucket_ms;
  constexpr std::string_view k_count_attempts =
      "SELECT COUNT(*) FROM attempts WHERE request_id IN (SELECT id FROM requests WHERE started_at_ms < ?1)";
  if (dry_run) {
    result.rows = scalar(db, "SELECT COUNT(*) FROM requests WHERE started_at_ms < ?1", result.cutoff_ms);
    result.attempts = scalar(db, k_count_attempts, result.cutoff_ms);
    return result;
  }
  result.bytes_before = database_bytes(db);
  {
    Transaction transaction(db);
    result.rows = scalar(db, "SELECT COUNT(*) FROM requests WHERE started_at_ms < ?1", result.cutoff_ms);
    if (result.rows > 0) {
      result.attempts = scalar(db, k_count_attempts, result.cutoff_ms);
      run(db, k_fold_requests_sql, result.cutoff_ms);
      run(db, k_fold_attempts_sql, result.cutoff_ms);
      run(db, "DELETE FROM attempts WHERE request_id IN (SELECT id FROM requests WHERE started_at_ms < ?1)",
          result.cutoff_ms);
      run(db, "DELETE FROM requests WHERE started_at_ms < ?1", result.cutoff_ms);
      // The request log's runs wholly below the oldest row left (one that spans kept rows stays).
      if (db.dialect() == Dialect::sqlite)
        db.exec("DELETE FROM request_runs WHERE first_id < (SELECT COALESCE(MIN(id), 9223372036854775807) FROM "
                "requests) AND last_id < (SELECT COALESCE(MIN(id), 9223372036854775807) FROM requests)");
    }
    transaction.commit();
  }
  if (result.rows > 0 && db.dialect() == Dialect::sqlite) {
    // A file made before auto-vacuum was on (Db::configure) is converted once, by a full VACUUM;
    // after that each prune frees its pages with incremental_vacuum.
    bool incremental = false;
    {
      Statement mode = db.prepare("PRAGMA auto_vacuum"); // finalized before VACUUM, which needs none open
      incremental = mode.step() && mode.column_int64(0) == 2;
    }
    if (!incremental) {
      db.exec("PRAGMA auto_vacuum=INCREMENTAL");
      db.exec("VACUUM");
      result.vacuumed = true;
    } else {
      db.exec("PRAGMA incremental_vacuum");
    }
    // The freed pages leave the main file when the WAL is checkpointed; truncate the WAL too.
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  }
  result.bytes_after = database_bytes(db);
  return result;
}

} // namespace llmgw::store
