#include "store/rate_windows.hpp"

#include <algorithm>

namespace llmgw::store {

const std::string_view k_clear_rate_windows_sql = "DELETE FROM rate_windows WHERE provider = ?1 AND agent = ?2";

const std::string_view k_put_rate_window_sql =
    "INSERT INTO rate_windows (provider, agent, name, value, updated_at_ms) VALUES (?1, ?2, ?3, ?4, ?5) "
    "ON CONFLICT (provider, agent, name) DO UPDATE SET value = excluded.value, updated_at_ms = excluded.updated_at_ms";

void put_rate_windows(Statement& clear, Statement& put, const core::RequestRecord& record) {
  if (record.rate_windows.empty()) return;
  // A window the provider stopped sending must not linger beside the fresh ones.
  clear.reset();
  clear.bind_text(1, record.provider);
  clear.bind_text(2, record.agent);
  clear.run();
  for (const auto& [name, value] : record.rate_windows) {
    put.reset();
    put.bind_text(1, record.provider);
    put.bind_text(2, record.agent);
    put.bind_text(3, name);
    put.bind_text(4, value);
    put.bind_int64(5, record.started_at_ms + record.duration_ms);
    put.run();
  }
}

std::vector<ProviderWindows> latest_rate_windows(Db& db) {
  // Per provider, the agent whose headers arrived last (one plan is shared by its agents).
  auto select = db.prepare(R"sql(
SELECT w.provider, w.agent, w.updated_at_ms, w.name, w.value FROM rate_windows w
JOIN (SELECT provider, MAX(updated_at_ms) AS at FROM rate_windows GROUP BY provider) latest
  ON latest.provider = w.provider
WHERE w.agent = (SELECT agent FROM rate_windows x WHERE x.provider = w.provider AND x.updated_at_ms = latest.at
                 ORDER BY agent LIMIT 1)
ORDER BY w.provider, w.name
)sql");
  std::vector<ProviderWindows> found;
  while (select.step()) {
    std::string provider = select.column_text(0);
    if (found.empty() || found.back().provider != provider) {
      found.push_back({provider, select.column_text(1), select.column_int64(2), {}});
    }
    found.back().updated_at_ms = std::max(found.back().updated_at_ms, select.column_int64(2));
    found.back().headers.emplace_back(select.column_text(3), select.column_text(4));
  }
  return found;
}

} // namespace llmgw::store
