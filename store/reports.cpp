#include "store/reports.hpp"

#include "store/request_rows.hpp"

#include <algorithm>
#include <cstdlib>
#include <string>

namespace llmgw::store {
namespace {

// A row's price basis ('exact', 'alias', 'family'; '' when unpriced or recorded before migration 4).
constexpr const char* k_price_basis_sql = "price_basis";

constexpr std::string_view k_model_sql = "COALESCE(NULLIF(served_model, ''), requested_model)";

// A local date of `seconds` (an SQL expression of Unix seconds) as text: 'day' (YYYY-MM-DD), the
// Monday of its 'week', or 'month' (YYYY-MM). SQLite's 'localtime' goes through localtime_r, so TZ
// (after tzset) decides the day; PostgreSQL uses the session's TimeZone, which the connection keeps
// equal to the process's (store/pg_connection.cpp).
std::string local_date_sql(Dialect dialect, std::string_view unit, std::string_view seconds) {
  const std::string at(seconds);
  if (dialect == Dialect::postgres) {
    if (unit == "week") return "to_char(date_trunc('week', to_timestamp(" + at + ")), 'YYYY-MM-DD')";
    return "to_char(to_timestamp(" + at + "), '" + (unit == "day" ? "YYYY-MM-DD" : "YYYY-MM") + "')";
  }
  // Back six days, then forward to a Monday ('weekday 1' keeps a Monday): the week's Monday.
  if (unit == "week") return "date(" + at + ", 'unixepoch', 'localtime', '-6 days', 'weekday 1')";
  return "strftime('" + std::string(unit == "day" ? "%Y-%m-%d" : "%Y-%m") + "', " + at + ", 'unixepoch', 'localtime')";
}

std::string group_key_sql(Dialect dialect, GroupBy group) {
  switch (group) {
  case GroupBy::none: return "''";
  case GroupBy::model: return std::string(k_model_sql);
  case GroupBy::provider: return "provider";
  case GroupBy::agent: return "agent";
  case GroupBy::day: return local_date_sql(dialect, "day", "started_at_ms / 1000");
  case GroupBy::session: return "session_id";
  case GroupBy::key: return "key_name";
  case GroupBy::project: return "project";
  case GroupBy::user: return "user_name";
  case GroupBy::week: return local_date_sql(dialect, "week", "started_at_ms / 1000");
  case GroupBy::month: return local_date_sql(dialect, "month", "started_at_ms / 1000");
  }
  return "''";
}

// The group's value on usage_rollup (rows folded in by `ledger prune`): sessions are not kept there.
std::string rollup_key_sql(Dialect dialect, GroupBy group) {
  switch (group) {
  case GroupBy::model: return "model";
  case GroupBy::provider: return "provider";
  case GroupBy::agent: return "agent";
  case GroupBy::day: return local_date_sql(dialect, "day", "bucket * 900");
  case GroupBy::week: return local_date_sql(dialect, "week", "bucket * 900");
  case GroupBy::month: return local_date_sql(dialect, "month", "bucket * 900");
  case GroupBy::key: return "key_name";
  case GroupBy::project: return "project";
  case GroupBy::user: return "user_name";
  case GroupBy::none:
  case GroupBy::session: return "''";
  }
  return "''";
}

// The rows kept (?1..?3) and the pruned sums (buckets ?4..?5, ?3) in one report: each part is
// summed per group, then the two are added.
std::string usage_sql(Dialect dialect, GroupBy group, const std::string& basis) {
  const std::string grouped = group == GroupBy::none ? "" : " GROUP BY key";
  // MAX(key): without GROUP BY, PostgreSQL takes no bare column beside the sums.
  std::string sql = std::string(group == GroupBy::none ? "SELECT MAX(key)" : "SELECT key") +
                    ", SUM(n), SUM(e), SUM(i), SUM(cr), SUM(c5), SUM(c1), SUM(o), SUM(r), SUM(c), SUM(u), "
                    "SUM(b), SUM(est), SUM(f), SUM(rt), SUM(fb) FROM (SELECT ";
  sql += group_key_sql(dialect, group);
  sql +=
      " AS key, COUNT(*) AS n, SUM(CASE WHEN outcome <> 'ok' THEN 1 ELSE 0 END) AS e, SUM(input_uncached_tokens) AS i, "
      "SUM(cache_read_tokens) "
      "AS cr, SUM(cache_write_5m_tokens) AS c5, SUM(cache_write_1h_tokens) AS c1, SUM(output_tokens) AS o, "
      "SUM(reasoning_tokens) AS r, SUM(cost_usd_pico) AS c, SUM(unpriced) AS u, SUM(CASE WHEN billed_to_client "
      "<> 0 THEN cost_usd_pico ELSE 0 END) AS b, SUM(CASE WHEN usage_source = 'estimated' THEN 1 ELSE 0 END) AS est, "
      "SUM(CASE WHEN ";
  sql += basis;
  sql += " = 'family' THEN 1 ELSE 0 END) AS f, 0 AS rt, 0 AS fb FROM requests WHERE started_at_ms >= ?1 AND "
         "started_at_ms < ?2 AND "
         "(?3 = '' OR key_name = ?3)" +
         grouped + " UNION ALL SELECT ";
  sql += rollup_key_sql(dialect, group);
  sql += " AS key, SUM(requests), SUM(errors), SUM(input_uncached_tokens), SUM(cache_read_tokens), "
         "SUM(cache_write_5m_tokens), SUM(cache_write_1h_tokens), SUM(output_tokens), SUM(reasoning_tokens), "
         "SUM(cost_usd_pico), SUM(unpriced), SUM(billed_to_client_cost_usd_pico), SUM(estimated), "
         "SUM(family_priced), SUM(retried), SUM(fell_back) FROM usage_rollup WHERE bucket >= ?4 AND bucket < ?5 AND "
         "(?3 = '' OR key_name = ?3)" +
         grouped + ") AS parts";
  if (group == GroupBy::none) return sql; // no GROUP BY: always exactly one row
  sql += " GROUP BY key ORDER BY ";
  sql += is_period(group) ? "key ASC" : "SUM(c) DESC, key ASC";
  return sql;
}

// The first 15-minute bucket starting at or after `ms` (a rollup bucket is in a window when its
// start is).
int64_t first_bucket_from(int64_t ms) { return ms / k_spend_bucket_ms + (ms % k_spend_bucket_ms > 0 ? 1 : 0); }

// Binds the window: ?1..?3 for requests, ?4..?5 for usage_rollup.
void bind_window(Statement& query, const UsageFilter& filter) {
  query.bind_int64(1, filter.since_ms);
  query.bind_int64(2, filter.until_ms);
  query.bind_text(3, filter.key_name);
  query.bind_int64(4, first_bucket_from(filter.since_ms));
  query.bind_int64(5, first_bucket_from(filter.until_ms));
}

UsageRow read_usage_row(const Statement& row) {
  UsageRow out;
  out.key = row.column_text(0);
  out.requests = row.column_int64(1);
  out.errors = row.column_int64(2);
  out.input_uncached_tokens = row.column_int64(3);
  out.cache_read_tokens = row.column_int64(4);
  out.cache_write_5m_tokens = row.column_int64(5);
  out.cache_write_1h_tokens = row.column_int64(6);
  out.output_tokens = row.column_int64(7);
  out.reasoning_tokens = row.column_int64(8);
  out.cost_usd_pico = row.column_int64(9);
  out.unpriced_requests = row.column_int64(10);
  out.billed_to_client_cost_usd_pico = row.column_int64(11);
  out.estimated_requests = row.column_int64(12);
  out.family_priced_requests = row.column_int64(13);
  return out;
}

std::string select_requests_sql(std::string_view tail) {
  std::string sql = "SELECT id, ";
  sql += k_request_columns;
  sql += ", price_basis FROM requests ";
  sql += tail;
  return sql;
}

// The column after the record's (k_request_columns has 27).
constexpr int k_price_basis_column = 28;

std::vector<LoggedRequest> read_logged(Statement& query) {
  std::vector<LoggedRequest> rows;
  while (query.step())
    rows.push_back({query.column_int64(0), read_request(query, 1), query.column_text(k_price_basis_column)});
  return rows;
}

// Per provider: tries that failed and were followed by another, and requests that left it.
constexpr std::string_view k_tries_sql = R"sql(
SELECT a.provider,
       SUM(CASE WHEN a.n < (SELECT MAX(b.n) FROM attempts b WHERE b.request_id = a.request_id) THEN 1 ELSE 0 END),
       SUM(CASE WHEN a.n = 1 AND r.provider <> a.provider THEN 1 ELSE 0 END)
FROM attempts a JOIN requests r ON r.id = a.request_id
WHERE r.started_at_ms >= ?1 AND r.started_at_ms < ?2 AND (?3 = '' OR r.key_name = ?3)
GROUP BY a.provider
)sql";

void add_tries(Db& db, const UsageFilter& filter, std::vector<UsageRow>& rows) {
  Statement query = db.prepare(k_tries_sql);
  query.bind_int64(1, filter.since_ms);
  query.bind_int64(2, filter.until_ms);
  query.bind_text(3, filter.key_name);
  while (query.step()) {
    const std::string provider = query.column_text(0);
    auto row = std::find_if(rows.begin(), rows.end(), [&](const UsageRow& r) { return r.key == provider; });
    if (row == rows.end()) { // every request that tried it was served elsewhere
      rows.push_back(UsageRow{});
      row = rows.end() - 1;
      row->key = provider;
    }
    row->retried += query.column_int64(1);
    row->fell_back += query.column_int64(2);
  }
}

} // namespace

std::vector<InexactModel> inexact_models(Db& db, const UsageFilter& filter) {
  const std::string basis = k_price_basis_sql;
  std::string sql = "SELECT model, SUM(u), SUM(e), SUM(f) FROM (SELECT ";
  sql += k_model_sql;
  sql += " AS model, SUM(unpriced) AS u, SUM(CASE WHEN usage_source = 'estimated' THEN 1 ELSE 0 END) AS e, "
         "SUM(CASE WHEN " +
         basis +
         " = 'family' THEN 1 ELSE 0 END) AS f FROM requests WHERE started_at_ms >= ?1 AND started_at_ms < ?2 AND (?3 "
         "= '' OR key_name = ?3) AND (unpriced <> 0 OR usage_source = 'estimated' OR " +
         basis +
         " = 'family') GROUP BY model UNION ALL SELECT model, SUM(unpriced), SUM(estimated), SUM(family_priced) FROM "
         "usage_rollup WHERE bucket >= ?4 AND bucket < ?5 AND (?3 = '' OR key_name = ?3) AND (unpriced > 0 OR "
         "estimated > 0 OR family_priced > 0) GROUP BY model) AS parts GROUP BY model ORDER BY model";
  Statement query = db.prepare(sql);
  bind_window(query, filter);
  std::vector<InexactModel> models;
  while (query.step())
    models.push_back({query.column_text(0), query.column_int64(1), query.column_int64(2), query.column_int64(3)});
  return models;
}

SessionSpend session_spend(Db& db, const std::string& session_id) {
  SessionSpend spend;
  if (session_id.empty()) return spend;
  // One row per session, kept by the ledger with its rows (the sums of the session's buckets).
  auto sums = db.prepare("SELECT requests, cost_usd_pico, last_bucket FROM session_totals WHERE session_id = ?1");
  sums.bind_text(1, session_id);
  if (!sums.step() || sums.column_int64(0) == 0) return spend;
  spend.requests = sums.column_int64(0);
  spend.cost_usd_pico = sums.column_int64(1);
  // The latest row of its newest bucket, read backwards through requests_started_at.
  const int64_t newest_bucket = sums.column_int64(2);
  auto latest =
      db.prepare("SELECT agent, key_name, project, provider, user_name FROM requests WHERE started_at_ms >= "
                 "?1 AND started_at_ms < ?2 AND session_id = ?3 ORDER BY started_at_ms DESC, id DESC LIMIT 1");
  latest.bind_int64(1, newest_bucket * k_spend_bucket_ms);
  latest.bind_int64(2, (newest_bucket + 1) * k_spend_bucket_ms);
  latest.bind_text(3, session_id);
  if (latest.step()) {
    spend.agent = latest.column_text(0);
    spend.key_name = latest.column_text(1);
    spend.project = latest.column_text(2);
    spend.provider = latest.column_text(3);
    spend.user_name = latest.column_text(4);
  }
  return spend;
}

std::string_view to_string(GroupBy group) {
  switch (group) {
  case GroupBy::none: return "none";
  case GroupBy::model: return "model";
  case GroupBy::provider: return "provider";
  case GroupBy::agent: return "agent";
  case GroupBy::day: return "day";
  case GroupBy::session: return "session";
  case GroupBy::key: return "key";
  case GroupBy::project: return "project";
  case GroupBy::week: return "week";
  case GroupBy::month: return "month";
  case GroupBy::user: return "user";
  }
  return "none";
}

bool is_period(GroupBy group) { return group == GroupBy::day || group == GroupBy::week || group == GroupBy::month; }

void UsageRow::add(const UsageRow& other) {
  requests += other.requests;
  errors += other.errors;
  input_uncached_tokens += other.input_uncached_tokens;
  cache_read_tokens += other.cache_read_tokens;
  cache_write_5m_tokens += other.cache_write_5m_tokens;
  cache_write_1h_tokens += other.cache_write_1h_tokens;
  output_tokens += other.output_tokens;
  reasoning_tokens += other.reasoning_tokens;
  cost_usd_pico += other.cost_usd_pico;
  unpriced_requests += other.unpriced_requests;
  billed_to_client_cost_usd_pico += other.billed_to_client_cost_usd_pico;
  estimated_requests += other.estimated_requests;
  family_priced_requests += other.family_priced_requests;
  retried += other.retried;
  fell_back += other.fell_back;
}

std::vector<UsageRow> usage_report(Db& db, const UsageFilter& filter, GroupBy group) {
  Statement query = db.prepare(usage_sql(db.dialect(), group, k_price_basis_sql));
  bind_window(query, filter);
  std::vector<UsageRow> rows;
  while (query.step()) {
    rows.push_back(read_usage_row(query));
    if (group != GroupBy::provider) continue; // tries are counted per provider only
    rows.back().retried = query.column_int64(14);
    rows.back().fell_back = query.column_int64(15);
  }
  if (group == GroupBy::provider) add_tries(db, filter, rows);
  return rows;
}

std::map<int64_t, std::vector<core::Attempt>> attempts_of(Db& db, const std::vector<int64_t>& request_ids) {
  std::map<int64_t, std::vector<core::Attempt>> found;
  auto select = db.prepare(
      "SELECT provider, model, http_status, latency_ms, error FROM attempts WHERE request_id = ?1 ORDER BY n");
  for (int64_t id : request_ids) {
    select.reset();
    select.bind_int64(1, id);
    while (select.step())
      found[id].push_back({select.column_text(0), select.column_text(1), static_cast<int>(select.column_int64(2)),
                           select.column_int64(3), select.column_text(4)});
  }
  return found;
}

std::vector<LoggedRequest> recent_requests(Db& db, int limit, int64_t after_id) {
  if (after_id > 0) return requests_after(db, after_id, limit);
  Statement query = db.prepare(select_requests_sql("ORDER BY id DESC LIMIT ?1"));
  query.bind_int64(1, limit);
  std::vector<LoggedRequest> rows = read_logged(query);
  std::reverse(rows.begin(), rows.end());
  return rows;
}

std::vector<LoggedRequest> requests_after(Db& db, int64_t after_id, int limit) {
  Statement query = db.prepare(select_requests_sql("WHERE id > ?1 ORDER BY id ASC LIMIT ?2"));
  query.bind_int64(1, after_id);
  query.bind_int64(2, limit);
  return read_logged(query);
}

std::string glob_to_regex(std::string_view glob) {
  std::string regex = "^";
  bool in_set = false;
  for (const char c : glob) {
    if (in_set) {
      regex += c == '\\' ? std::string("\\\\") : std::string(1, c);
      in_set = c != ']';
    } else if (c == '*') {
      regex += ".*";
    } else if (c == '?') {
      regex += '.';
    } else if (c == '[') {
      regex += c;
      in_set = true;
    } else {
      if (std::string_view(".^$+(){}|\\]").find(c) != std::string_view::npos) regex += '\\';
      regex += c;
    }
  }
  return regex + "$";
}

std::vector<LoggedRequest> filtered_requests(Db& db, const LogFilter& filter, int limit, int64_t after_id) {
  // The model filter is a glob; PostgreSQL has no GLOB, so it gets the glob as a regex (?9).
  const bool postgres = db.dialect() == Dialect::postgres;
  const std::string match = postgres ? " ~ ?9" : " GLOB ?1";
  const std::string where = "WHERE (?1 = '' OR served_model" + match + " OR requested_model" + match +
                            ") AND (?2 = '' OR agent = "
                            "?2) AND (?3 = '' OR provider = ?3) AND (?4 = '' OR (?4 = 'ok' AND outcome = 'ok') OR "
                            "(?4 = 'error' AND outcome <> 'ok') OR (?4 NOT IN ('ok', 'error') AND http_status = ?8)) "
                            "AND "
                            "started_at_ms >= ?5 AND id > ?6 ";
  Statement query =
      db.prepare(select_requests_sql(where + (after_id > 0 ? "ORDER BY id ASC" : "ORDER BY id DESC") + " LIMIT ?7"));
  query.bind_text(1, filter.model);
  query.bind_text(2, filter.agent);
  query.bind_text(3, filter.provider);
  query.bind_text(4, filter.status);
  query.bind_int64(5, filter.since_ms);
  query.bind_int64(6, after_id);
  query.bind_int64(7, limit);
  // A status that is not a number matches as SQLite's CAST did: its leading digits, else 0.
  query.bind_int64(8, std::strtoll(filter.status.c_str(), nullptr, 10));
  if (postgres) query.bind_text(9, glob_to_regex(filter.model));
  std::vector<LoggedRequest> rows = read_logged(query);
  if (after_id == 0) std::reverse(rows.begin(), rows.end());
  return rows;
}

} // namespace llmgw::store
