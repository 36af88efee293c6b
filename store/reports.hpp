#pragma once
// Named report queries over the ledger; they return plain structs and never print.
#include "core/accounting/request_record.hpp"
#include "store/db.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace llmgw::store {

// Half-open time window [since_ms, until_ms) in unix epoch milliseconds.
struct UsageFilter {
  int64_t since_ms = 0;
  int64_t until_ms = INT64_MAX;
  std::string key_name; // only this virtual key's rows ("" = all)
};

// How usage_report() groups rows. `model` is the served model, else the requested one;
// `day` is the local calendar day (TZ) as "YYYY-MM-DD", `week` the local week's Monday as
// "YYYY-MM-DD" (ISO weeks start on Monday), `month` the local month as "YYYY-MM".
enum class GroupBy { none, model, provider, agent, day, session, key, project, week, month, user };

// "none", "model", "provider", "agent", "day", "session", "key", "project", "week", "month", "user"
// (the virtual key's user).
std::string_view to_string(GroupBy group);
// day, week and month: rows are periods, ordered by date.
bool is_period(GroupBy group);

// Sums over one group; money in integer pico-USD.
struct UsageRow {
  std::string key; // the group's value; "" for GroupBy::none
  int64_t requests = 0;
  int64_t errors = 0; // outcome other than ok
  int64_t input_uncached_tokens = 0;
  int64_t cache_read_tokens = 0;
  int64_t cache_write_5m_tokens = 0;
  int64_t cache_write_1h_tokens = 0;
  int64_t output_tokens = 0;
  int64_t reasoning_tokens = 0;
  int64_t cost_usd_pico = 0;
  int64_t unpriced_requests = 0;              // no known price: their cost (0) is not in cost_usd_pico
  int64_t estimated_requests = 0;             // usage estimated by llmgw (usage_source 'estimated')
  int64_t family_priced_requests = 0;         // priced by a family rule of the price table (price_basis 'family')
  int64_t billed_to_client_cost_usd_pico = 0; // part of cost_usd_pico the client's own plan paid
  // GroupBy::provider only: failed tries at this provider that another try followed (retries and
  // fallbacks), and requests that began here and were served by another provider (fallbacks).
  int64_t retried = 0;
  int64_t fell_back = 0;

  // Add another row's sums into this one (the key is kept).
  void add(const UsageRow& other);
  // True when some of its requests are unpriced, estimated or family-priced.
  bool inexact() const { return unpriced_requests + estimated_requests + family_priced_requests > 0; }
};

// Usage in the window grouped as asked. GroupBy::none gives exactly one row (zeros when empty).
// By provider, a provider that only failed (every request fell back elsewhere) has a row too.
// Ordered by cost descending then key; periods (day, week, month) by date ascending.
std::vector<UsageRow> usage_report(Db& db, const UsageFilter& filter, GroupBy group);

// Per model (served, else requested), the requests in the window whose cost is not exact; only
// models with at least one such request, by name. Names the models in report footnotes.
struct InexactModel {
  std::string model;
  int64_t unpriced_requests = 0;
  int64_t estimated_requests = 0;
  int64_t family_priced_requests = 0;
};
std::vector<InexactModel> inexact_models(Db& db, const UsageFilter& filter);

// One ledger row with its id (ids only grow; `log --follow` polls by id).
struct LoggedRequest {
  int64_t id = 0;
  core::RequestRecord record;
  std::string price_basis; // "exact", "alias", "family", or "" when not recorded
};

// One session's cost so far (all its rows, paid by the client's plan or not) and who its latest
// row says it is. Served from the index on (session_id, cost_usd_pico) and one row by id.
struct SessionSpend {
  int64_t requests = 0;
  int64_t cost_usd_pico = 0;
  std::string agent, key_name, project, provider, user_name; // of the latest row; "" when none
};
SessionSpend session_spend(Db& db, const std::string& session_id);

// after_id == 0: the newest `limit` rows. after_id > 0: requests_after(db, after_id, limit).
// Either way returned oldest first.
std::vector<LoggedRequest> recent_requests(Db& db, int limit, int64_t after_id = 0);

// What `llmgw log` shows: every field "" (or 0) matches all rows.
struct LogFilter {
  std::string model;    // served or requested model; a glob with '*' / '?' ("claude-*")
  std::string agent;    // exactly
  std::string provider; // exactly
  std::string status;   // "ok" (outcome ok), "error" (any other outcome) or an HTTP status ("429")
  int64_t since_ms = 0; // started at or after
};
// With after_id == 0 the newest `limit` matching rows, else the first `limit` matching rows above
// after_id; either way oldest first.
std::vector<LoggedRequest> filtered_requests(Db& db, const LogFilter& filter, int limit, int64_t after_id = 0);

// SQLite's GLOB pattern (*, ?, [set]) as an anchored POSIX regex: the model filter on PostgreSQL.
std::string glob_to_regex(std::string_view glob);

// The attempts of each request id given that had more than one, in order.
std::map<int64_t, std::vector<core::Attempt>> attempts_of(Db& db, const std::vector<int64_t>& request_ids);

// The first `limit` rows with an id above after_id (0 = from the start), oldest first.
std::vector<LoggedRequest> requests_after(Db& db, int64_t after_id, int limit);

} // namespace llmgw::store
