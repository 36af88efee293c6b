#pragma once
// A fake OTLP/HTTP trace collector on 127.0.0.1 (httplib): records each POST /v1/traces (JSON
// bodies parsed), answers 200, or holds every export until released (a stalled collector).
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace llmgw::test {

struct CollectedExport {
  std::string content_type;
  std::string authorization;
  nlohmann::json body; // null unless the body was JSON
};

class FakeCollector {
public:
  FakeCollector();
  ~FakeCollector();
  FakeCollector(const FakeCollector&) = delete;
  FakeCollector& operator=(const FakeCollector&) = delete;

  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(m_port); }
  // From now on, exports are held (never answered) until release().
  void stall();
  void release();
  // Whether an export reached the collector and is being held (waits up to 5 s).
  bool wait_stalled();
  std::vector<CollectedExport> exports() const;
  // Every span received (OTLP/JSON), once at least `count` arrived or 10 s passed.
  std::vector<nlohmann::json> wait_spans(size_t count) const;
  // A 127.0.0.1 port nothing listens on (bound, then closed).
  static int closed_port();

private:
  std::vector<nlohmann::json> spans_locked() const;

  httplib::Server m_server;
  std::thread m_thread;
  int m_port = 0;
  mutable std::mutex m_mutex;
  mutable std::condition_variable m_changed;
  std::vector<CollectedExport> m_exports;
  bool m_stall = false;
  int m_held = 0;
};

} // namespace llmgw::test
