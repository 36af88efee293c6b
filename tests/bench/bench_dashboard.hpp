#pragma once
// An open dashboard, as a browser tab keeps it: logged in through a one-time code, the live log
// (server-sent events) always connected, and every view's API asked twice a second. The benchmark
// runs it against one of two identical llmgw instances to measure what an open dashboard costs
// the requests going through (issue 17: "requests are not slowed while the dashboard is open").
#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

namespace llmgw::bench {

class DashboardViewer {
public:
  // Logs in to the llmgw at 127.0.0.1:port with its gateway token and starts watching. Throws
  // std::runtime_error when the login fails.
  DashboardViewer(int port, const std::string& token);
  ~DashboardViewer();
  DashboardViewer(const DashboardViewer&) = delete;
  DashboardViewer& operator=(const DashboardViewer&) = delete;

  // Ends both threads (within about a second). Idempotent.
  void stop();

  int64_t events() const { return m_events.load(); }             // live-log events received
  int64_t views() const { return m_views.load(); }               // API answers with status 200
  int64_t failed_views() const { return m_failed_views.load(); } // API answers without
  int64_t view_max_ms() const { return m_view_max_ms.load(); }   // the slowest API answer

private:
  void watch_live();
  void poll_views();

  int m_port;
  std::string m_cookie; // "llmgw_session=..."
  std::atomic<bool> m_stopping{false};
  std::atomic<int64_t> m_events{0}, m_views{0}, m_failed_views{0}, m_view_max_ms{0};
  std::thread m_live, m_poller;
};

} // namespace llmgw::bench
