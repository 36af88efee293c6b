#pragma once
// [alerts] command: runs the user's command when a spend cap crosses its warn threshold and when
// it is reached, once per cap and period (remembered in the database across restarts). A
// UsageSink in front of the ledger wakes its thread after finished requests (at most every 100 ms); it reads
// the caps' spend, claims the alert in the database and runs the command, so neither a slow
// command nor the database ever holds up a request.
#include "cli/alert_command.hpp"
#include "core/accounting/request_record.hpp"
#include "core/pipeline/gateway.hpp"
#include "core/policy/rules.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace llmgw::cli {

class CapAlerts : public core::UsageSink {
public:
  // Hands every record on to `next`. Call start() once the gateway exists.
  CapAlerts(core::UsageSink& next, std::string db_path);
  ~CapAlerts() override;
  CapAlerts(const CapAlerts&) = delete;
  CapAlerts& operator=(const CapAlerts&) = delete;

  using core::UsageSink::record;
  void record(core::RequestRecord&& record) override;
  // Starts the thread, which checks the caps at once and after every finished request.
  void start(core::pipeline::Gateway& gateway);
  // Ends the thread (a command still running is killed). Idempotent.
  void stop();
  // Checks of the caps done and commands run so far (for tests).
  int checks() const { return m_checks.load(); }
  int runs() const { return m_runs.load(); }

private:
  void run();
  void check(const std::vector<std::string>& refusals);
  void alert(const core::policy::CapRule& cap, const char* kind, int64_t spent_pico, int64_t period_start_ms);
  // Claims the alert in the database unless this process already saw it claimed for the period.
  bool claim(int64_t cap_id, const char* kind, int64_t period_start_ms, int64_t now_ms);

  core::UsageSink& m_next;
  std::string m_db_path;
  core::pipeline::Gateway* m_gateway = nullptr;
  std::mutex m_mutex;
  std::condition_variable m_wake;
  bool m_dirty = true;                 // check the caps (start, and after each request)
  std::vector<std::string> m_refusals; // messages of cap refusals since the last check
  std::atomic<bool> m_stopping{false};
  std::atomic<int> m_checks{0};
  std::atomic<int> m_runs{0};
  std::map<std::pair<int64_t, std::string>, int64_t> m_claimed; // (cap id, kind) -> period start; thread only
  std::thread m_thread;
};

} // namespace llmgw::cli
