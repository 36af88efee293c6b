#include "store/dashboard_data.hpp"

#include "core/dashboard/rows.hpp"
#include "core/policy/periods.hpp"
#include "store/request_rows.hpp"

#include <algorithm>
#include <map>
#include <vector>

namespace llmgw::store {
namespace {

namespace dashboard = core::dashboard;
using dashboard::usd;
using nlohmann::json;

int64_t bucket_of(int64_t ms) { return core::policy::floor_div(ms, k_spend_bucket_ms); }

// Sums over a set of rows of usage_buckets or session_buckets.
struct Sums {
  int64_t requests = 0, errors = 0, input = 0, cache_read = 0, cache_write = 0, output = 0, cost = 0;
};

// The SELECT list reading Sums from columns 1.. (column 0 is the group's name).
constexpr std::string_view k_sums_sql = "SUM(requests), SUM(errors), SUM(input_tokens), SUM(cache_read_tokens), "
                                        "SUM(cache_write_tokens), SUM(output_tokens), SUM(cost_usd_pico)";

Sums read_sums(const Statement& row, int first) {
  return {row.column_int64(first),     row.column_int64(first + 1), row.column_int64(first + 2),
          row.column_int64(first + 3), row.column_int64(first + 4), row.column_int64(first + 5),
          row.column_int64(first + 6)};
}

json totals_json(const Sums& sums) {
  return {{"cost_usd", usd(sums.cost)},
          {"requests", sums.requests},
          {"input_tokens", sums.input},
          {"output_tokens", sums.output},
          {"cache_read_tokens", sums.cache_read},
          {"cache_write_tokens", sums.cache_write},
          {"errors", sums.errors}};
}

json usage_row(const std::string& name, const Sums& sums) {
  return {{"name", name},
          {"requests", sums.requests},
          {"errors", sums.errors},
          {"cost_usd", usd(sums.cost)},
          {"input_tokens", sums.input},
          {"output_tokens", sums.output},
          {"cache_read_tokens", sums.cache_read},
          {"cache_write_tokens", sums.cache_write},
          {"cache_read_share", dashboard::cache_read_share(sums.input, sums.cache_read, sums.cache_write)}};
}

Sums totals_since(Statement query, int64_t since_ms) {
  query.bind_int64(1, bucket_of(since_ms));
  return query.step() ? read_sums(query, 1) : Sums{};
}

const std::string k_totals_sql = "SELECT '', " + std::string(k_sums_sql) + " FROM usage_buckets WHERE bucket >= ?1";

std::string_view usage_column(const std::string& by) {
  if (by == "agent") return "agent";
  if (by == "provider") return "provider";
  if (by == "project") return "project";
  if (by == "key") return "key_name";
  return "model";
}

// "YYYY-MM-DD" of a local midnight.
std::string day_label(int64_t ms) {
  const std::tm tm = core::policy::local_tm(ms);
  char text[48];
  std::snprintf(text, sizeof text, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
  return text;
}

} // namespace

int64_t day_start_ms(int64_t now_ms, int days_back) {
  std::tm tm = core::policy::local_tm(now_ms);
  tm.tm_mday -= days_back;
  tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
  tm.tm_isdst = -1;
  return core::policy::local_to_ms(tm);
}

int64_t range_start_ms(dashboard::Range range, int64_t now_ms) {
  switch (range) {
  case dashboard::Range::today: return day_start_ms(now_ms, 0);
  case dashboard::Range::days7: return day_start_ms(now_ms, 6);
  case dashboard::Range::days30: return day_start_ms(now_ms, 29);
  case dashboard::Range::month: return core::policy::period_start_ms(core::policy::Period::month, now_ms);
  }
  return 0;
}

DashboardData::DashboardData(const std::string& db_path) : m_db(db_path, DbOptions{5000, false}) {}

Statement DashboardData::prepare(const std::string& sql) {
  m_statements.insert(sql);
  return m_db.prepare(sql);
}

std::vector<std::string> DashboardData::statements_seen() {
  std::lock_guard lock(m_mutex);
  return {m_statements.begin(), m_statements.end()};
}

json DashboardData::summary(int64_t now_ms) {
  std::lock_guard lock(m_mutex);
  return {{"today", totals_json(totals_since(prepare(k_totals_sql), range_start_ms(dashboard::Range::today, now_ms)))},
          {"month", totals_json(totals_since(prepare(k_totals_sql), range_start_ms(dashboard::Range::month, now_ms)))}};
}

json DashboardData::spend(int days, const std::string& by, int64_t now_ms) {
  // Day i starts at starts[i]; the buckets of a day are [bucket_of(starts[i]), bucket_of(starts[i+1])).
  std::vector<int64_t> starts;
  json labels = json::array();
  for (int back = days - 1; back >= 0; --back) {
    starts.push_back(day_start_ms(now_ms, back));
    labels.push_back(day_label(starts.back()));
  }
  // Summed per day and name in SQL: one range of buckets per local day (DST makes days uneven),
  // each read through the bucket key. The day bounds are integers computed here.
  std::string days_sql = "WITH days(d, lo, hi) AS (VALUES ";
  for (size_t d = 0; d < starts.size(); ++d) {
    const int64_t hi = d + 1 < starts.size() ? bucket_of(starts[d + 1]) : INT64_MAX;
    days_sql += (d ? ", (" : "(") + std::to_string(d) + ", " + std::to_string(bucket_of(starts[d])) + ", " +
                std::to_string(hi) + ")";
  }
  days_sql += ") SELECT d, " + std::string(usage_column(by)) +
              ", SUM(cost_usd_pico) FROM days JOIN usage_buckets ON bucket >= lo AND bucket < hi GROUP BY 1, 2";
  std::lock_guard lock(m_mutex);
  auto query = prepare(days_sql);
  std::map<std::string, std::vector<int64_t>> per_name;
  std::map<std::string, int64_t> total;
  while (query.step()) {
    const auto day = static_cast<size_t>(query.column_int64(0));
    const std::string name = query.column_text(1);
    auto& values = per_name[name];
    values.resize(starts.size());
    values[day] += query.column_int64(2);
    total[name] += query.column_int64(2);
  }
  std::vector<std::pair<int64_t, std::string>> ranked;
  for (const auto& [name, cost] : total) ranked.emplace_back(-cost, name);
  std::sort(ranked.begin(), ranked.end());
  json series = json::array();
  std::vector<int64_t> other(starts.size());
  bool has_other = false;
  for (size_t i = 0; i < ranked.size(); ++i) {
    const auto& values = per_name[ranked[i].second];
    if (i >= 8) {
      has_other = true;
      for (size_t d = 0; d < values.size(); ++d) other[d] += values[d];
      continue;
    }
    json list = json::array();
    for (int64_t pico : values) list.push_back(usd(pico));
    series.push_back({{"name", ranked[i].second}, {"values", std::move(list)}});
  }
  if (has_other) {
    json list = json::array();
    for (int64_t pico : other) list.push_back(usd(pico));
    series.push_back({{"name", "other"}, {"values", std::move(list)}});
  }
  return {{"days", std::move(labels)}, {"series", std::move(series)}};
}

json DashboardData::breakdown(const std::string& by, dashboard::Range range, int64_t now_ms) {
  const bool session = by == "session";
  const std::string sql = "SELECT " + std::string(session ? "session_id" : usage_column(by)) + " AS name, " +
                          std::string(k_sums_sql) + " FROM " + (session ? "session_buckets" : "usage_buckets") +
                          " WHERE bucket >= ?1 GROUP BY name HAVING SUM(requests) > 0 "
                          "ORDER BY SUM(cost_usd_pico) DESC, SUM(requests) DESC, name LIMIT 50";
  std::lock_guard lock(m_mutex);
  auto query = prepare(sql);
  query.bind_int64(1, bucket_of(range_start_ms(range, now_ms)));
  json rows = json::array();
  while (query.step()) rows.push_back(usage_row(query.column_text(0), read_sums(query, 1)));
  return {{"rows", std::move(rows)}};
}

json DashboardData::cache_health(dashboard::Range range, int64_t now_ms) {
  // Per session (and agent) over the range (ties in name order, the same on every backend); a session that wrote to the
  // cache and never read from it paid for writes nobody used. The session-less rows ('') say nothing of that.
  const std::string per_session =
      "SELECT session_id, agent, SUM(requests) AS requests, SUM(input_tokens) AS input, "
      "SUM(cache_read_tokens) AS cache_read, SUM(cache_write_tokens) AS cache_write, "
      "CASE WHEN session_id <> '' AND SUM(cache_read_tokens) = 0 THEN SUM(cache_write_tokens) ELSE 0 END AS never "
      "FROM session_buckets WHERE bucket >= ?1 GROUP BY session_id, agent";
  std::lock_guard lock(m_mutex);
  const int64_t first = bucket_of(range_start_ms(range, now_ms));
  auto row_json = [](const Statement& row, const char* key) {
    const int64_t input = row.column_int64(3), read = row.column_int64(4), write = row.column_int64(5);
    return json{{key, row.column_text(0)},
                {"agent", row.column_text(1)},
                {"requests", row.column_int64(2)},
                {"input_tokens", input},
                {"cache_read_tokens", read},
                {"cache_write_tokens", write},
                {"cache_read_share", dashboard::cache_read_share(input, read, write)},
                {"writes_never_read", row.column_int64(6)}};
  };
  json sessions = json::array();
  auto top = prepare("SELECT * FROM (" + per_session +
                     ") AS per_session WHERE session_id <> '' ORDER BY input + cache_read + cache_write DESC, "
                     "session_id, agent LIMIT 50");
  top.bind_int64(1, first);
  while (top.step()) sessions.push_back(row_json(top, "session"));
  json agents = json::array();
  auto by_agent = prepare("SELECT agent, agent, SUM(requests), SUM(input), SUM(cache_read), SUM(cache_write), "
                          "SUM(never) FROM (" +
                          per_session +
                          ") AS per_session GROUP BY agent ORDER BY SUM(input + cache_read + cache_write) DESC, agent");
  by_agent.bind_int64(1, first);
  while (by_agent.step()) {
    json row = row_json(by_agent, "agent");
    agents.push_back(std::move(row));
  }
  return {{"sessions", std::move(sessions)}, {"agents", std::move(agents)}};
}

} // namespace llmgw::store
