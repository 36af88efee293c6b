#pragma once
// The dashboard's reads of the ledger (core::dashboard::DataSource), on a connection of its own:
// never the ledger writer's, and no lock of the request path is held while a query runs. Sums
// come from usage_buckets and session_buckets (migration 7), the request log from requests by id
// (its filters by agent, provider and model through request_runs, migration 15, on SQLite; through
// indexes on requests on PostgreSQL); no answer scans the ledger. One query at a time (a mutex
// over the connection).
#include "core/dashboard/data_source.hpp"
#include "store/db.hpp"

#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace llmgw::store {

class DashboardData : public core::dashboard::DataSource {
public:
  // Opens db_path (already migrated by the ledger) for reading.
  explicit DashboardData(const std::string& db_path);

  nlohmann::json summary(int64_t now_ms) override;
  nlohmann::json spend(int days, const std::string& by, int64_t now_ms) override;
  nlohmann::json breakdown(const std::string& by, core::dashboard::Range range, int64_t now_ms) override;
  nlohmann::json caps(bool hard, int64_t now_ms) override;
  nlohmann::json requests(const core::dashboard::RequestFilter& filter) override;
  std::optional<nlohmann::json> request(int64_t id) override;
  nlohmann::json cache_health(core::dashboard::Range range, int64_t now_ms) override;

  // The SQL requests() runs for a filter (for EXPLAIN QUERY PLAN in tests); parameters ?1.. are
  // bound by bind_requests_sql.
  static std::string requests_sql(const core::dashboard::RequestFilter& filter);
  static void bind_requests_sql(Statement& query, const core::dashboard::RequestFilter& filter);

  // Every SQL text prepared so far (for EXPLAIN QUERY PLAN in tests: no answer scans a table).
  std::vector<std::string> statements_seen();

private:
  Statement prepare(const std::string& sql);
  // SQLite, filtered by agent, provider or model: through request_runs (migration 15).
  void requests_by_runs(const core::dashboard::RequestFilter& filter, nlohmann::json& rows);

  std::mutex m_mutex;
  Db m_db;
  std::set<std::string> m_statements;
};

// Local midnight that starts the first day of range around now_ms (7d: today and the 6 days
// before).
int64_t range_start_ms(core::dashboard::Range range, int64_t now_ms);
// Local midnight `days_back` days before the day of now_ms.
int64_t day_start_ms(int64_t now_ms, int days_back);

} // namespace llmgw::store
