#include "store/request_rows.hpp"

#include <cstring>

namespace llmgw::store {

namespace {

// ?first, ... ?(first + count - 1): one parameter per column.
std::string parameters(int count, int first = 1) {
  std::string list;
  for (int n = first; n < first + count; ++n) list += (n > first ? ", ?" : "?") + std::to_string(n);
  return list;
}

// The upsert adding BucketSums to a row of `table` keyed by `key_columns` (key_count of them, bound
// first, the sums after them as bind_sums binds them).
std::string add_bucket_sums_sql(std::string_view table, std::string_view key_columns, int key_count) {
  const std::string t(table);
  std::string sql = "INSERT INTO " + t + " (" + std::string(key_columns) +
                    ", requests, errors, input_tokens, cache_read_tokens, cache_write_tokens, output_tokens, "
                    "cost_usd_pico) VALUES (" +
                    parameters(key_count + 7) + ") ON CONFLICT (" + std::string(key_columns) + ") DO UPDATE SET ";
  const char* sums[] = {"requests",           "errors",        "input_tokens", "cache_read_tokens",
                        "cache_write_tokens", "output_tokens", "cost_usd_pico"};
  const char* separator = "";
  for (const char* sum : sums) {
    sql += separator + std::string(sum) + " = " + t + "." + sum + " + excluded." + sum;
    separator = ", ";
  }
  return sql;
}

// A bucket and five names (a spend or usage bucket's key; UsageKey is the same tuple) as
// parameters 1..6.
void bind_six_part_key(Statement& add, const SpendKey& key) {
  add.bind_int64(1, std::get<0>(key));
  add.bind_text_in_place(2, std::get<1>(key));
  add.bind_text_in_place(3, std::get<2>(key));
  add.bind_text_in_place(4, std::get<3>(key));
  add.bind_text_in_place(5, std::get<4>(key));
  add.bind_text_in_place(6, std::get<5>(key));
}

void bind_sums(Statement& add, int first, const BucketSums& sums) {
  add.bind_int64(first, sums.requests);
  add.bind_int64(first + 1, sums.errors);
  add.bind_int64(first + 2, sums.input_tokens);
  add.bind_int64(first + 3, sums.cache_read_tokens);
  add.bind_int64(first + 4, sums.cache_write_tokens);
  add.bind_int64(first + 5, sums.output_tokens);
  add.bind_int64(first + 6, sums.cost_usd_pico);
}

} // namespace

const std::string_view k_request_columns =
    "started_at_ms, duration_ms, ttfb_ms, agent, session_id, endpoint, provider, requested_model, "
    "served_model, streamed, http_status, outcome, input_uncached_tokens, cache_read_tokens, "
    "cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, cost_usd_pico, "
    "price_version, usage_source, unpriced, billed_to_client, upstream_request_id, error_message, key_name, project, "
    "price_basis, user_name";

const std::string k_insert_request_sql = "INSERT INTO requests (" + std::string(k_request_columns) +
                                         ", row_key) VALUES (" + parameters(30) +
                                         ") ON CONFLICT (row_key) WHERE row_key IS NOT NULL DO NOTHING RETURNING id";

// OR FAIL: a statement that fails keeps the rows before it instead of undoing them, so SQLite keeps
// no statement journal; the writer rolls the whole transaction back and tries it again.
std::string append_requests_sql(int rows) {
  std::string sql = "INSERT OR FAIL INTO requests (" + std::string(k_request_columns) + ") VALUES ";
  for (int row = 0; row < rows; ++row)
    sql += (row > 0 ? ", (" : "(") + parameters(k_request_column_count, row * k_request_column_count + 1) + ")";
  return sql;
}

const std::string_view k_insert_attempt_sql =
    "INSERT INTO attempts (request_id, n, provider, model, http_status, latency_ms, error) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";

const std::string_view k_add_spend_sql =
    "INSERT INTO spend_buckets (bucket, provider, agent, project, key_name, user_name, cost_usd_pico) VALUES (?1, ?2, "
    "?3, ?4, ?5, ?6, ?7) ON CONFLICT (bucket, provider, agent, project, key_name, user_name) DO UPDATE SET "
    "cost_usd_pico = spend_buckets.cost_usd_pico + excluded.cost_usd_pico";

const std::string k_add_usage_sql =
    add_bucket_sums_sql("usage_buckets", "bucket, provider, agent, model, project, key_name", 6);

const std::string k_add_session_sql = add_bucket_sums_sql("session_buckets", "bucket, session_id, agent", 3);

const std::string_view k_add_session_total_sql =
    "INSERT INTO session_totals (session_id, requests, cost_usd_pico, last_bucket) VALUES (?1, ?2, ?3, ?4) ON "
    "CONFLICT (session_id) DO UPDATE SET requests = session_totals.requests + excluded.requests, cost_usd_pico = "
    "session_totals.cost_usd_pico + excluded.cost_usd_pico, last_bucket = CASE WHEN excluded.last_bucket > "
    "session_totals.last_bucket THEN excluded.last_bucket ELSE session_totals.last_bucket END";

const std::string_view k_add_run_sql =
    "INSERT INTO request_runs (first_id, last_id, batch_first, agent, provider, model, requests, errors) VALUES (?1, "
    "?2, ?3, ?4, ?5, ?6, ?7, ?8)";

const std::string_view k_extend_run_sql = "UPDATE request_runs SET last_id = ?1, requests = requests + ?2, errors = "
                                          "errors + ?3 WHERE first_id = ?4 AND last_id = ?5 RETURNING first_id";

RunKey run_key(const core::RequestRecord& r) { return {r.agent, r.provider, r.model()}; }

void bind_run(Statement& add, const RunKey& key, const RequestRun& run, int64_t batch_first) {
  add.bind_int64(1, run.first_id);
  add.bind_int64(2, run.last_id);
  add.bind_int64(3, batch_first);
  add.bind_text_in_place(4, std::get<0>(key));
  add.bind_text_in_place(5, std::get<1>(key));
  add.bind_text_in_place(6, std::get<2>(key));
  add.bind_int64(7, run.requests);
  add.bind_int64(8, run.errors);
}

void BucketSums::add(const core::RequestRecord& r) {
  ++requests;
  errors += r.outcome != core::Outcome::ok ? 1 : 0;
  input_tokens += r.usage.input_uncached_tokens;
  cache_read_tokens += r.usage.cache_read_tokens;
  cache_write_tokens += r.usage.cache_write_5m_tokens + r.usage.cache_write_1h_tokens;
  output_tokens += r.usage.output_tokens;
  cost_usd_pico += r.cost_usd_pico;
}

UsageKey usage_key(const core::RequestRecord& r) {
  return {r.started_at_ms / k_spend_bucket_ms, r.provider, r.agent, r.model(), r.project, r.key_name};
}

SessionKey session_key(const core::RequestRecord& r) {
  return {r.started_at_ms / k_spend_bucket_ms, r.session_id, r.agent};
}

void bind_usage(Statement& add, const UsageKey& key, const BucketSums& sums) {
  bind_six_part_key(add, key);
  bind_sums(add, 7, sums);
}

void bind_session(Statement& add, const SessionKey& key, const BucketSums& sums) {
  add.bind_int64(1, std::get<0>(key));
  add.bind_text_in_place(2, std::get<1>(key));
  add.bind_text_in_place(3, std::get<2>(key));
  bind_sums(add, 4, sums);
}

bool counts_toward_caps(const core::RequestRecord& record) {
  return !record.billed_to_client && record.cost_usd_pico != 0;
}

SpendKey spend_key(const core::RequestRecord& r) {
  return {r.started_at_ms / k_spend_bucket_ms, r.provider, r.agent, r.project, r.key_name, r.user_name};
}

void bind_spend(Statement& add, const SpendKey& key, int64_t cost_usd_pico) {
  bind_six_part_key(add, key);
  add.bind_int64(7, cost_usd_pico);
}

BoundValues::Slot& BoundValues::slot(int index) {
  if (static_cast<size_t>(index) >= m_slots.size()) m_slots.resize(static_cast<size_t>(index) + 1);
  return m_slots[static_cast<size_t>(index)];
}

bool BoundValues::same_text(int index, std::string_view value) {
  Slot& held = slot(index);
  if (held.kind == Kind::text && held.size == value.size() &&
      (value.empty() || std::memcmp(held.data, value.data(), value.size()) == 0))
    return true; // it keeps pointing at the earlier row's equal text, alive as long as this one
  held = {Kind::text, value.data(), value.size(), 0};
  return false;
}

bool BoundValues::same_int(int index, int64_t value) {
  Slot& held = slot(index);
  if (held.kind == Kind::number && held.number == value) return true;
  held = {Kind::number, nullptr, 0, value};
  return false;
}

void bind_request(Statement& insert, const core::RequestRecord& r, int row, BoundValues* bound) {
  const int o = row * k_request_column_count;
  const auto number = [&](int column, int64_t value) {
    if (bound == nullptr || !bound->same_int(o + column, value)) insert.bind_int64(o + column, value);
  };
  const auto text = [&](int column, std::string_view value) {
    if (bound == nullptr || !bound->same_text(o + column, value)) insert.bind_text_in_place(o + column, value);
  };
  number(1, r.started_at_ms);
  number(2, r.duration_ms);
  number(3, r.ttfb_ms);
  text(4, r.agent);
  text(5, r.session_id);
  text(6, r.endpoint);
  text(7, r.provider);
  text(8, r.requested_model);
  text(9, r.served_model);
  number(10, r.streamed ? 1 : 0);
  number(11, r.http_status);
  text(12, core::to_string(r.outcome));
  number(13, r.usage.input_uncached_tokens);
  number(14, r.usage.cache_read_tokens);
  number(15, r.usage.cache_write_5m_tokens);
  number(16, r.usage.cache_write_1h_tokens);
  number(17, r.usage.output_tokens);
  number(18, r.usage.reasoning_tokens);
  number(19, r.cost_usd_pico);
  text(20, r.price_version);
  text(21, core::to_string(r.usage_source));
  number(22, r.unpriced ? 1 : 0);
  number(23, r.billed_to_client ? 1 : 0);
  text(24, r.upstream_request_id);
  text(25, r.error_message);
  text(26, r.key_name);
  text(27, r.project);
  text(28, r.price_basis);
  text(29, r.user_name);
}

core::RequestRecord read_request(const Statement& row, int first_column) {
  int c = first_column;
  core::RequestRecord r;
  r.started_at_ms = row.column_int64(c++);
  r.duration_ms = row.column_int64(c++);
  r.ttfb_ms = row.column_int64(c++);
  r.agent = row.column_text(c++);
  r.session_id = row.column_text(c++);
  r.endpoint = row.column_text(c++);
  r.provider = row.column_text(c++);
  r.requested_model = row.column_text(c++);
  r.served_model = row.column_text(c++);
  r.streamed = row.column_int64(c++) != 0;
  r.http_status = static_cast<int>(row.column_int64(c++));
  r.outcome = core::outcome_from_string(row.column_text(c++));
  r.usage.input_uncached_tokens = row.column_int64(c++);
  r.usage.cache_read_tokens = row.column_int64(c++);
  r.usage.cache_write_5m_tokens = row.column_int64(c++);
  r.usage.cache_write_1h_tokens = row.column_int64(c++);
  r.usage.output_tokens = row.column_int64(c++);
  r.usage.reasoning_tokens = row.column_int64(c++);
  r.cost_usd_pico = row.column_int64(c++);
  r.price_version = row.column_text(c++);
  r.usage_source = core::usage_source_from_string(row.column_text(c++));
  r.unpriced = row.column_int64(c++) != 0;
  r.billed_to_client = row.column_int64(c++) != 0;
  r.upstream_request_id = row.column_text(c++);
  r.error_message = row.column_text(c++);
  r.key_name = row.column_text(c++);
  r.project = row.column_text(c++);
  r.price_basis = row.column_text(c++);
  r.user_name = row.column_text(c++);
  // Not a column of its own: upstream usage was seen exactly when the source says "reported".
  r.usage.reported = r.usage_source == core::UsageSource::reported;
  return r;
}

} // namespace llmgw::store
