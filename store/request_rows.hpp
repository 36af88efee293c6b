#pragma once
// Mapping between core::RequestRecord and the columns of the `requests` table.
#include "core/accounting/request_record.hpp"
#include "store/db.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace llmgw::store {

// INSERT of one request row with every column bound (parameters 1..29, id left to the database),
// returning its id; parameter 30 is the row's key (NULL for none): a row whose key is already
// stored is not inserted again and returns no id.
extern const std::string k_insert_request_sql;
// The columns a request row binds (k_request_columns).
constexpr int k_request_column_count = 29;
// The same insert of `rows` rows at once (row r's columns are parameters 29r+1..29r+29), without a
// row key or RETURNING, for SQLite, whose rows need no key (a commit is never in doubt) and whose
// ids are consecutive up to the connection's last rowid (the writer holds the write lock; a new
// rowid is the largest plus one). RETURNING and the upsert clause cost SQLite about as much as the
// row itself, and so do a statement's start and end, shared here by its rows.
std::string append_requests_sql(int rows);
// The record columns in the order read_request() expects, for SELECT lists ("id" excluded).
extern const std::string_view k_request_columns;

// Adds a row's cost to its spend bucket (parameters 1..7); run only for rows that count toward caps.
extern const std::string_view k_add_spend_sql;
// The 15-minute UTC bucket of a unix epoch millisecond (spend_buckets.bucket).
constexpr int64_t k_spend_bucket_ms = 900'000;
// True when a row's cost counts toward caps (and so goes into spend_buckets).
bool counts_toward_caps(const core::RequestRecord& record);
// What a spend_buckets row is keyed by: bucket, provider, agent, project, key name, user name. The
// bucket keys view the record's text: a batch's maps of them live no longer than its rows, and a
// row's keys cost no copies (the writer's CPU per row is bounded).
using SpendKey =
    std::tuple<int64_t, std::string_view, std::string_view, std::string_view, std::string_view, std::string_view>;
SpendKey spend_key(const core::RequestRecord& record);
void bind_spend(Statement& add, const SpendKey& key, int64_t cost_usd_pico);

// The dashboard's sums (migration 7): usage_buckets by bucket, provider, agent, model (served, else
// requested), project and key name; session_buckets by bucket, session id and agent. The ledger adds
// a batch's rows up per bucket and upserts each bucket once (parameters: the key, then the sums).
struct BucketSums {
  int64_t requests = 0;
  int64_t errors = 0;
  int64_t input_tokens = 0;
  int64_t cache_read_tokens = 0;
  int64_t cache_write_tokens = 0;
  int64_t output_tokens = 0;
  int64_t cost_usd_pico = 0;
  void add(const core::RequestRecord& record);
};
extern const std::string k_add_usage_sql;
extern const std::string k_add_session_sql;
using UsageKey = SpendKey;
using SessionKey = std::tuple<int64_t, std::string_view, std::string_view>;
UsageKey usage_key(const core::RequestRecord& record);
SessionKey session_key(const core::RequestRecord& record);
void bind_usage(Statement& add, const UsageKey& key, const BucketSums& sums);
void bind_session(Statement& add, const SessionKey& key, const BucketSums& sums);
// A session's row of session_totals (migration 14, the status line's session spend): the batch's
// requests and cost added, the newest bucket kept (parameters 1..4: session id, requests, cost,
// bucket). Sessions without an id have no row.
extern const std::string_view k_add_session_total_sql;

// The request log's runs (SQLite, migration 15): the span of ids in one batch that holds its rows of
// one agent, provider and model (served, else requested), added once per combination and batch.
struct RequestRun {
  int64_t first_id = 0;
  int64_t last_id = 0;
  int64_t requests = 0;
  int64_t errors = 0;
};
using RunKey = std::tuple<std::string_view, std::string_view, std::string_view>; // agent, provider, model
RunKey run_key(const core::RequestRecord& record);
// Parameters 1..8: first id, last id, the batch's first id, agent, provider, model, requests, errors.
extern const std::string_view k_add_run_sql;
void bind_run(Statement& add, const RunKey& key, const RequestRun& run, int64_t batch_first);
// The run whose ids are ?4..?5 grown to last id ?1, by ?2 requests and ?3 errors; returns its first
// id if it is there.
extern const std::string_view k_extend_run_sql;

// One attempt of the request just inserted (parameters 1..7: request id, n, provider, model,
// status, latency, error).
extern const std::string_view k_insert_attempt_sql;

// What a statement's parameters hold since it last ran, so that a row binds only the values that
// differ from those of the row bound at its place before: most of a row repeats the one before it
// (agent, provider, models, outcome, price version, the empty fields), and binding a row's 29
// values was a sixth of the ledger writer's instructions a row (SQLite takes about 150 for a text).
// Text is remembered by the pointer bound: valid only while every row bound since the last
// forget() is alive.
class BoundValues {
public:
  // Before the rows bound so far go away (the ledger: at each batch's start).
  void forget() { m_slots.clear(); }
  // True when parameter `index` already holds `value`; otherwise records it, to be bound now.
  bool same_text(int index, std::string_view value);
  bool same_int(int index, int64_t value);

private:
  enum class Kind : uint8_t { none, text, number };
  struct Slot {
    Kind kind = Kind::none;
    const char* data = nullptr;
    size_t size = 0;
    int64_t number = 0;
  };
  Slot& slot(int index);
  std::vector<Slot> m_slots;
};

// Bind every field of a record to a statement prepared from k_insert_request_sql. Text is bound in
// place, without a copy: the record must outlive the statement's next step.
// `row` > 0 binds it as that row of an append_requests_sql statement. With `bound`, a parameter that
// already holds the value (see BoundValues) is left as it is.
void bind_request(Statement& insert, const core::RequestRecord& record, int row = 0, BoundValues* bound = nullptr);

// Read a record from the current row, whose columns from `first_column` on are k_request_columns.
core::RequestRecord read_request(const Statement& row, int first_column);

} // namespace llmgw::store
