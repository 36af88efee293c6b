// The dashboard's request log, one request's detail and the caps (store/dashboard_data.hpp).
#include "core/dashboard/rows.hpp"
#include "store/dashboard_data.hpp"
#include "store/reports.hpp"
#include "store/request_rows.hpp"
#include "store/settings.hpp"

#include <algorithm>

namespace llmgw::store {

using nlohmann::json;

namespace {

bool filters_by_run(const core::dashboard::RequestFilter& filter) {
  return !filter.agent.empty() || !filter.provider.empty() || !filter.model.empty();
}

// The conditions on requests of the filters given, so the planner sees only those (parameters ?2
// agent, ?3 provider, ?4 model).
std::string request_conditions(const core::dashboard::RequestFilter& filter) {
  std::string sql;
  if (!filter.agent.empty()) sql += " AND agent = ?2";
  if (!filter.provider.empty()) sql += " AND provider = ?3";
  if (!filter.model.empty()) sql += " AND COALESCE(NULLIF(served_model, ''), requested_model) = ?4";
  if (filter.status == "ok") sql += " AND outcome = 'ok'";
  if (filter.status == "error") sql += " AND outcome <> 'ok'";
  return sql;
}

// Parameters ?2..?4 of request_conditions (and of request_runs' filters).
void bind_filter_values(Statement& query, const core::dashboard::RequestFilter& filter) {
  if (!filter.agent.empty()) query.bind_text(2, filter.agent);
  if (!filter.provider.empty()) query.bind_text(3, filter.provider);
  if (!filter.model.empty()) query.bind_text(4, filter.model);
}

} // namespace

std::string DashboardData::requests_sql(const core::dashboard::RequestFilter& filter) {
  // PostgreSQL, or no filter by agent, provider or model: requests by id, newest first (the
  // errors through their partial index; PostgreSQL's filters through its indexes on requests).
  return "SELECT id, " + std::string(k_request_columns) + " FROM requests WHERE id < ?1" + request_conditions(filter) +
         " ORDER BY id DESC LIMIT ?5";
}

void DashboardData::bind_requests_sql(Statement& query, const core::dashboard::RequestFilter& filter) {
  query.bind_int64(1, filter.before_id > 0 ? filter.before_id : INT64_MAX);
  bind_filter_values(query, filter);
  query.bind_int64(5, filter.limit);
}

void DashboardData::requests_by_runs(const core::dashboard::RequestFilter& filter, json& rows) {
  // The runs that begin below before_id and hold a match, newest first: ordered by their first id,
  // so the runs of one batch come together (two batches' spans never overlap).
  std::string runs_sql = "SELECT first_id, last_id, batch_first FROM request_runs WHERE first_id < ?1";
  if (!filter.agent.empty()) runs_sql += " AND agent = ?2";
  if (!filter.provider.empty()) runs_sql += " AND provider = ?3";
  if (!filter.model.empty()) runs_sql += " AND model = ?4";
  if (filter.status == "ok") runs_sql += " AND errors < requests";
  if (filter.status == "error") runs_sql += " AND errors > 0";
  runs_sql += " ORDER BY first_id DESC";
  auto runs = prepare(runs_sql);
  const int64_t below = filter.before_id > 0 ? filter.before_id : INT64_MAX;
  runs.bind_int64(1, below);
  bind_filter_values(runs, filter);
  // Within a batch's spans, the rows that match, newest first (?6..?7: the span, cut at
  // before_id; one upper bound, so that SQLite seeks to it: given two, it may pick id < before_id
  // and read every row from there down to the span).
  auto within = prepare("SELECT id, " + std::string(k_request_columns) + " FROM requests WHERE id >= ?6 AND id <= ?7" +
                        request_conditions(filter) + " ORDER BY id DESC LIMIT ?5");
  int64_t batch = 0, low = 0, high = 0;
  const auto read_batch = [&] {
    within.reset(); // and its parameters cleared
    bind_filter_values(within, filter);
    within.bind_int64(5, filter.limit - static_cast<int64_t>(rows.size()));
    within.bind_int64(6, low);
    within.bind_int64(7, std::min(high, below - 1));
    while (within.step()) rows.push_back(core::dashboard::request_row(within.column_int64(0), read_request(within, 1)));
  };
  bool open = false;
  while (runs.step()) {
    const int64_t first = runs.column_int64(0), last = runs.column_int64(1), batch_first = runs.column_int64(2);
    if (open && batch_first == batch) {
      low = std::min(low, first);
      high = std::max(high, last);
      continue;
    }
    if (open) {
      read_batch();
      if (static_cast<int64_t>(rows.size()) >= filter.limit) return;
    }
    open = true;
    batch = batch_first;
    low = first;
    high = last;
  }
  if (open) read_batch();
}

json DashboardData::requests(const core::dashboard::RequestFilter& filter) {
  std::lock_guard lock(m_mutex);
  json rows = json::array();
  if (filter.limit <= 0) return {{"requests", std::move(rows)}};
  if (m_db.dialect() == Dialect::sqlite && filters_by_run(filter)) {
    requests_by_runs(filter, rows);
  } else {
    auto query = prepare(requests_sql(filter));
    bind_requests_sql(query, filter);
    while (query.step()) rows.push_back(core::dashboard::request_row(query.column_int64(0), read_request(query, 1)));
  }
  return {{"requests", std::move(rows)}};
}

std::optional<json> DashboardData::request(int64_t id) {
  std::lock_guard lock(m_mutex);
  auto query = prepare("SELECT id, " + std::string(k_request_columns) + " FROM requests WHERE id = ?1");
  query.bind_int64(1, id);
  if (!query.step()) return std::nullopt;
  core::RequestRecord record = read_request(query, 1);
  auto attempts = attempts_of(m_db, {id});
  if (auto found = attempts.find(id); found != attempts.end()) record.attempts = std::move(found->second);
  return core::dashboard::request_detail(id, record, record.price_basis);
}

json DashboardData::caps(bool hard, int64_t now_ms) {
  std::lock_guard lock(m_mutex);
  const auto reserved = cap_reservations(m_db);
  json caps = json::array();
  for (const auto& cap : list_caps(m_db)) {
    const int64_t spent = cap_spent(m_db, cap, now_ms);
    const auto held = reserved.find(cap.id);
    const int64_t reserved_pico = held == reserved.end() ? 0 : held->second;
    const int64_t remaining = std::max<int64_t>(0, cap.limit_pico - spent - reserved_pico);
    caps.push_back(
        {{"id", cap.id},
         {"scope", core::policy::to_string(cap.scope)},
         {"name", cap.value},
         {"period", core::policy::to_string(cap.period)},
         {"limit_usd", core::dashboard::usd(cap.limit_pico)},
         {"spent_usd", core::dashboard::usd(spent)},
         {"reserved_usd", core::dashboard::usd(reserved_pico)},
         {"remaining_usd", core::dashboard::usd(remaining)},
         {"used_ratio",
          cap.limit_pico > 0 ? static_cast<double>(spent + reserved_pico) / static_cast<double>(cap.limit_pico) : 0.0},
         {"warn_ratio", cap.warn_percent / 100.0},
         {"hard", hard}});
  }
  return {{"caps", std::move(caps)}};
}

} // namespace llmgw::store
