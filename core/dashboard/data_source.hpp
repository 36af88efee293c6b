#pragma once
// What the dashboard reads from the ledger (store/dashboard_data.hpp implements it on a SQLite
// connection of its own, never the writer's). Answers are the JSON bodies of docs/dashboard-api.md.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace llmgw::core::dashboard {

// A window of local calendar days ending today: "today", "7d" (today and the 6 days before),
// "30d", "month" (this calendar month).
enum class Range { today, days7, days30, month };

struct RequestFilter {
  int limit = 100;
  int64_t before_id = 0; // 0 = from the newest
  std::string model, agent, provider;
  std::string status; // "", "ok" or "error"
};

class DataSource {
public:
  virtual ~DataSource() = default;
  // {"today":{...},"month":{...}} (generated_at_ms is added by the caller).
  virtual nlohmann::json summary(int64_t now_ms) = 0;
  // by: "model" or "agent"; days 1..366.
  virtual nlohmann::json spend(int days, const std::string& by, int64_t now_ms) = 0;
  // by: agent, model, provider, project, key, session.
  virtual nlohmann::json breakdown(const std::string& by, Range range, int64_t now_ms) = 0;
  // hard: [caps] hard from the config in force.
  virtual nlohmann::json caps(bool hard, int64_t now_ms) = 0;
  virtual nlohmann::json requests(const RequestFilter& filter) = 0;
  // nullopt when there is no such row.
  virtual std::optional<nlohmann::json> request(int64_t id) = 0;
  virtual nlohmann::json cache_health(Range range, int64_t now_ms) = 0;
};

} // namespace llmgw::core::dashboard
