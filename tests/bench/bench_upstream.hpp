#pragma once
// The benchmark's fake provider: a thread-per-connection HTTP/1.1 server on 127.0.0.1 that answers
// from precomputed bytes, so it costs a few microseconds per request and is never what gets
// measured. tests/support/FakeUpstream is built for fidelity (recording, faults), not speed.
//
// Replies, picked from the request alone:
//   POST .../messages            -> an Anthropic Messages reply or stream
//   POST anything else           -> an OpenAI Chat Completions reply or stream (with OpenAI's own
//                                   response headers when the body holds k_provider_headers_marker)
//   GET                          -> 200 {"status":"ok"}
// A body containing "stream":true gets an SSE stream whose first event goes out with the head at
// once; when the body also contains k_stall_marker, the rest of the stream waits stall_ms (or
// until the client goes away). With k_paced_marker instead, the stream is paced like a real
// model's: the first event at once, then k_paced_events content events k_paced_interval_ms apart
// (each its own write), then the finish chunk, the usage chunk and [DONE].
#include <atomic>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace llmgw::bench {

// Put this in a message's text to make the fake stall after the first event of its stream.
inline constexpr const char* k_stall_marker = "bench-stall-after-first-event";
// Put this in a message's text to get the small chat answer with the two dozen headers OpenAI's
// API answers with (rate limits, request id, processing time, Cloudflare's, a cookie).
inline constexpr const char* k_provider_headers_marker = "bench-provider-headers";
// Put this in a message's text to get a paced OpenAI chat stream.
inline constexpr const char* k_paced_marker = "bench-paced-stream";
inline constexpr int k_paced_events = 20;
inline constexpr int k_paced_interval_ms = 10;

class BenchUpstream {
public:
  // Binds 127.0.0.1 on an ephemeral port and starts accepting. Throws std::runtime_error.
  explicit BenchUpstream(int stall_ms);
  // Closes every connection (waking stalls) and joins all threads.
  ~BenchUpstream();
  BenchUpstream(const BenchUpstream&) = delete;
  BenchUpstream& operator=(const BenchUpstream&) = delete;

  int port() const { return m_port; }
  // Streams currently stalled after their first event.
  int stalled_streams() const { return m_stalled.load(); }
  // Requests answered so far.
  long requests() const { return m_requests.load(); }
  // Ends every stall, now and later: stalled streams send their remaining events at once.
  void end_stalls();
  // Undoes end_stalls() once no stream is stalled any more (waiting up to 2 s for that), so the
  // next streams stall again; false when some stream was still stalled.
  bool rearm_stalls();

private:
  struct Connection {
    int fd = -1;
    std::thread thread;
    std::atomic<bool> done{false};
  };

  void accept_loop();
  void serve(Connection& connection);
  // Answers one request; false when the connection must close.
  bool answer(int fd, const std::string& request, size_t body_begin, size_t body_end, bool close);
  bool stall(int fd);
  // Sends the paced events and the end of the stream (the head and first event are out already).
  bool pace(int fd);
  void reap_finished();

  int m_listen_fd = -1;
  int m_wake_fds[2] = {-1, -1}; // a pipe made readable by end_stalls()
  int m_port = 0;
  int m_stall_ms;
  std::atomic<bool> m_stopping{false};
  std::atomic<int> m_stalled{0};
  std::atomic<long> m_requests{0};
  std::mutex m_mutex;
  std::list<std::unique_ptr<Connection>> m_connections;
  std::thread m_acceptor;
};

} // namespace llmgw::bench
