// The dashboard's request log, one request's detail and the caps (store/dashboard_data.hpp).
#include "core/dashboard/rows.hpp"
#include "store/dashboard_data.hpp"
#include "store/reports.hpp"
#include "store/request_rows.hpp"
#include "store/settings.hpp"

#include <algorithm>

namespace llmgw::store {

using nlohmann::json;

std::string DashboardData::requests_sql(const core::dashboard::RequestFilter& filter) {
  // Only the filters given are in the SQL, so the planner sees them and picks their index
  // (each keeps rowid order within a value: newest first without a sort).
  std::string sql = "SELECT id, ";
  sql += k_request_columns;
  sql += " FROM requests WHERE id < ?1";
  if (!filter.agent.empty()) sql += " AND agent = ?2";
  if (!filter.provider.empty()) sql += " AND provider = ?3";
  if (!filter.model.empty()) sql += " AND COALESCE(NULLIF(served_model, ''), requested_model) = ?4";
  if (filter.status == "ok") sql += " AND outcome = 'ok'";
  if (filter.status == "error") sql += " AND outcome <> 'ok'";
  sql += " ORDER BY id DESC LIMIT ?5";
  return sql;
}

void DashboardData::bind_requests_sql(Statement& query, const core::dashboard::RequestFilter& filter) {
  query.bind_int64(1, filter.before_id > 0 ? filter.before_id : INT64_MAX);
  if (!filter.agent.empty()) query.bind_text(2, filter.agent);
  if (!filter.provider.empty()) query.bind_text(3, filter.provider);
  if (!filter.model.empty()) query.bind_text(4, filter.model);
  query.bind_int64(5, filter.limit);
}

json DashboardData::requests(const core::dashboard::RequestFilter& filter) {
  std::lock_guard lock(m_mutex);
  auto query = prepare(requests_sql(filter));
  bind_requests_sql(query, filter);
  json rows = json::array();
  while (query.step()) rows.push_back(core::dashboard::request_row(query.column_int64(0), read_request(query, 1)));
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
