#pragma once
// Sends spans to an OTLP/HTTP collector from a thread of its own: a bounded queue, batches (every
// flush interval or batch_spans spans), a timeout per export and a few retries with backoff on
// 429/502/503/504 and connection errors. A slow or dead collector never slows a request: what
// does not fit in the queue is dropped and counted.
#include "core/config/config.hpp"
#include "core/telemetry/otlp_encode.hpp"
#include "core/telemetry/span.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace httplib {
class Client;
}

namespace llmgw::core::telemetry {

struct ExporterOptions {
  std::string url;                            // http(s)://host[:port]/path, e.g. .../v1/traces
  std::map<std::string, std::string> headers; // sent with each export; values are secrets
  bool protobuf = false;                      // http/protobuf; else http/json
  Producer producer;
  size_t max_queue_spans = 2048;
  size_t batch_spans = 512;
  std::chrono::milliseconds flush_interval{1000};
  std::chrono::milliseconds timeout{5000}; // connect, and then each read or write, per export
  int max_tries = 3;
  std::chrono::milliseconds backoff{500}; // before the second try; doubled after each
};

// Options for [telemetry] (producer: service.name and llmgw's version); nullopt when it is off.
std::optional<ExporterOptions> exporter_options(const config::TelemetryConfig& telemetry);

struct ExporterStats {
  int64_t spans_exported = 0; // accepted by the collector (2xx)
  int64_t spans_dropped = 0;  // queue full, export given up, or still queued when stop() gave up
  int64_t exports_failed = 0; // batches given up after their tries
  std::string last_error;     // the latest failure ("HTTP 503", "Connection"), "" when none; no secrets
};

class Exporter {
public:
  explicit Exporter(ExporterOptions options); // starts the export thread
  ~Exporter();                                // stop() with a 5 s grace if not stopped
  Exporter(const Exporter&) = delete;
  Exporter& operator=(const Exporter&) = delete;

  // Queues the spans of one request, all or none (none when the queue is full or stopped).
  // Takes a lock briefly; never waits for I/O.
  void enqueue(std::vector<Span> spans);
  // Exports what is queued within `grace`, then gives up on the rest (counted as dropped) and
  // joins the thread. Idempotent.
  void stop(std::chrono::milliseconds grace);
  ExporterStats stats() const;

private:
  void run();
  void export_batch(const std::vector<Span>& batch);
  bool post(const std::string& body, std::string& error, bool& retryable);
  void note_failure(const std::string& error);

  ExporterOptions m_options;
  std::string m_path; // the URL's path
  std::unique_ptr<httplib::Client> m_client;
  mutable std::mutex m_mutex;
  std::condition_variable m_wake; // spans queued, stop asked, abort
  std::condition_variable m_done_signal;
  std::deque<Span> m_queue;
  bool m_stopping = false;
  bool m_abort = false; // the grace is over: no more tries
  bool m_done = false;  // the thread has left its loop
  bool m_failing = false;
  std::atomic<int64_t> m_exported{0}, m_dropped{0}, m_failed{0};
  std::string m_last_error; // under m_mutex
  std::thread m_thread;
};

} // namespace llmgw::core::telemetry
