#pragma once
// Relays one streamed upstream response to the client; SSE blocks are observed for usage. The
// real status is known before the client's status line is written (DESIGN.md §3). The loop's
// side is in stream_relay_loop.cpp.
//
// On the event loop (a kept-alive http:// provider connection) the upstream is read by a fiber
// nested in the request's own: the request's fiber resumes it, waits on the loop for the socket
// it waits for (or for its own next tick: a keep-alive comment, a look at the client), and writes
// what it read. No thread and no hand-off: an event costs the loop one wake-up, as in nginx.
//
// Otherwise (TLS, a connection to open, a client that reads slowly, a burst past the buffer) both
// go on on threads, the reader on one of its own from a ThreadPool: once the client's side
// is pumping, that thread writes each event to the client itself (no wake-up of the client's
// thread per event); the client's thread only watches: keep-alive comments during silence, a
// client that hung up, the end, shutdown. What cannot go straight out (events before the pump
// began, an in-band error) goes through a small bounded buffer the client's thread writes, in
// order. A relay begun on the loop moves to threads the first time either side would block.
#include "core/http/sse_parser.hpp"
#include "core/http/thread_pool.hpp"
#include "core/http/upstream_pool.hpp"
#include "core/platform/fiber.hpp"
#include "core/protocol/response_observer.hpp"
#include "core/translate/translator.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace llmgw::core::dispatch {

class StreamRelay {
public:
  struct Head {
    bool connected = false; // false: no HTTP response at all (see error)
    int status = 0;
    httplib::Headers headers;
    bool event_stream = false; // 2xx text/event-stream: relay block by block
    std::string error;         // transport error when not connected
    bool too_large = false;    // a whole answer longer than max_body_bytes (not read)
  };

  // Asked after each batch of events with what the stream has shown so far; a message ends the
  // stream there (the client gets it as an in-band error event) and cancels the upstream.
  using Guard = std::function<std::optional<std::string>(const protocol::ResponseObserver&)>;

  // The upstream speaks `upstream` (observed for accounting); the client hears `client`. With a
  // translator, events reach the client translated; without, byte for byte.
  struct Formats {
    protocol::ApiFormat upstream;
    protocol::ApiFormat client;
  };
  // How the relay reads and rewrites what it relays.
  struct Settings {
    Formats formats;
    bool hide_usage_chunk = false; // drop the usage-only Chat chunk llmgw asked for
    std::chrono::seconds keepalive_interval{15};
    size_t max_body_bytes = 64u * 1024 * 1024; // a whole (non-stream) answer read past this fails
    std::string secret;                        // the provider key: never relayed, even if echoed
    Guard guard;
    std::unique_ptr<translate::StreamTranslator> translator;
  };
  StreamRelay(http::ThreadPool& readers, http::UpstreamPool::Lease lease, httplib::Request request, Settings settings);
  ~StreamRelay();
  StreamRelay(const StreamRelay&) = delete;
  StreamRelay& operator=(const StreamRelay&) = delete;

  // Start reading the upstream: on the event loop when the caller runs there and the connection
  // can be read there, on one of readers' threads otherwise.
  void start();
  // Block until the upstream's status and headers are known (or the connection failed).
  const Head& wait_head();
  // For heads that are not relayed as a stream: the whole response body (empty when too large).
  std::string wait_body();
  // The client's chunked content provider: lends `sink` to the upstream thread, which writes the
  // events, and returns once the stream ended (true, done() called) or the client has gone away
  // (false). Meanwhile it sends a keep-alive comment after a silence, notices a client that hung up
  // and writes what was buffered. The sink is no longer touched by the relay once pump returned.
  bool pump(httplib::DataSink& sink);
  // Stop the upstream if it still runs and wait until its reading ended. Safe to call twice.
  void finish();
  // Shutdown deadline passed: end the client's stream now with an in-band error.
  void abort();

  // The head as the reader saw it; complete once wait_body() returned.
  const Head& head() const { return m_head; }
  const protocol::ResponseObserver& observer() const { return m_observer; }
  bool client_gone() const { return m_client_gone; }
  // The protocol's final event reached the client (it may hang up right after, as Codex does).
  bool final_event_written() const { return m_final_written; }
  // The upstream stream ended before its protocol's final event (or the connection broke).
  bool cut() const { return m_cut; }
  // The guard ended the stream (a spend cap in hard mode).
  bool stopped() const { return m_stopped; }
  // The stream was ended by abort() (llmgw shutting down).
  bool aborted() const { return m_abort_written; }
  // What ended the stream when llmgw itself failed relaying it (a translator that threw something
  // other than TranslateError); empty otherwise. Read it after finish().
  const std::string& internal_error() const { return m_internal_error; }
  // Milliseconds from `since` to the first byte written to the client, if any was.
  std::optional<std::chrono::steady_clock::time_point> first_byte_at() const { return m_first_byte_at; }

private:
  using SteadyClock = std::chrono::steady_clock;
  // What drive() did: the reader read (or ended), the caller's own time came first, or both
  // sides moved to threads.
  enum class Drive { read, quiet, left };

  void run();
  // Marks the reading ended, after the reading fiber (or thread) is done with this object.
  void reading_ended();
  // On the loop: waits for what the reader waits for, until `until` at most, and resumes it.
  Drive drive(SteadyClock::time_point until);
  // Leaves the loop (when on it) and hands the reader to a thread of its own.
  void go_threaded();
  bool pump_inline(httplib::DataSink& sink);
  bool pump_threaded(httplib::DataSink& sink);
  // Until when the client's side may stay silent: the head waits until coalesce_until for an
  // event to leave with (the HTTP server holds it until the first write, so both go in one
  // segment); after it, a silence of keepalive_interval since the last write gets an SSE comment.
  SteadyClock::time_point quiet_until(SteadyClock::time_point coalesce_until) const;
  // The in-band error that ends the client's stream when llmgw shuts down.
  std::string shutdown_event() const;
  // Resumes a cancelled (or ended) reader until it is done, on whatever thread this is.
  void end_reader();
  bool on_head(const httplib::Response& response);
  bool on_data(const char* data, size_t size);
  void on_upstream_end(bool transport_ok);
  void cancel();
  // Write to the client; m_write_mutex held (or the only writer). Remembers the first byte and
  // the last write.
  bool write_locked(httplib::DataSink& sink, std::string_view bytes);
  // Write `bytes` in order after everything queued before (`lock` holds m_mutex and is released
  // once m_write_mutex is taken). False when the client has gone away (the upstream is cancelled).
  bool write_in_order(std::unique_lock<std::mutex>& lock, httplib::DataSink& sink, std::string_view bytes);
  // The upstream thread's events go straight to the client while pump() runs.
  void attach(httplib::DataSink& sink);
  void detach();
  // Observe and (translate or) copy one upstream event into out.
  void relay_event(const http::SseEvent& event, std::string& out, bool at_end);
  // End the client's stream with an in-band error (called with m_mutex held or before sharing).
  void fail_stream(std::string& out, int status, const std::string& message);
  // End the client's stream with a 500 for llmgw's own failure and remember it (internal_error()).
  void fail_internally(std::string& out, std::string_view what);

  static constexpr std::chrono::milliseconds k_liveness_check{250};
  // How long the first pump waits for an event to send with the response head (the HTTP server
  // holds the head until the first write, so both leave in one segment).
  static constexpr std::chrono::milliseconds k_head_coalesce{3};
  static constexpr size_t k_max_pending_bytes = 4 * 1024 * 1024;

  http::UpstreamPool::Lease m_lease;
  httplib::Request m_request;
  protocol::ApiFormat m_client_format;
  bool m_hide_usage_chunk;
  std::chrono::seconds m_keepalive_interval;
  size_t m_max_body_bytes;
  std::string m_secret;
  Guard m_guard;
  http::ThreadPool& m_readers;
  bool m_started = false;
  // The upstream's reader as a fiber, when the relay began on the loop; m_inline while the
  // caller's fiber resumes it there (the caller's side only: a thread never looks at either).
  std::unique_ptr<platform::Fiber> m_reader;
  bool m_inline = false;
  bool m_peek = false; // the last wait ended at the caller's tick: an edge may have gone by
  std::string m_taken; // what the caller's fiber took from m_pending to write

  // Touched only by the upstream thread until m_done, then only by the client side.
  http::SseParser m_parser;
  protocol::ResponseObserver m_observer;
  std::unique_ptr<translate::StreamTranslator> m_translator;
  std::string m_relayed; // what one read made of its events, for the client

  std::mutex m_mutex;
  std::condition_variable m_cv;
  Head m_head;
  bool m_head_ready = false;
  std::string m_pending; // bytes ready for the client
  std::string m_body;    // whole body of a non-relayed response
  bool m_done = false;
  bool m_cancelled = false;
  bool m_aborted = false;
  bool m_cut = false;
  bool m_stopped = false;
  std::string m_internal_error;   // written by the upstream thread before m_done
  bool m_final_queued = false;    // the final event is in m_pending or was already taken
  bool m_client_reported = false; // the loop told of a report on the client's connection (pump_threaded)
  bool m_finished = false;
  bool m_abort_written = false;        // touched only by the client side
  httplib::DataSink* m_sink = nullptr; // while pump() runs: the upstream thread writes to it

  // Writes to the client, from either thread, hold m_write_mutex (taken after m_mutex, never
  // before it); it orders them and guards what follows.
  std::mutex m_write_mutex;
  std::atomic<bool> m_client_gone{false};
  std::atomic<bool> m_final_written{false};
  std::atomic<bool> m_head_flushed{false}; // something was written (the head went with it)
  std::atomic<std::chrono::steady_clock::rep> m_last_write{0};
  std::optional<std::chrono::steady_clock::time_point> m_first_byte_at;
};

} // namespace llmgw::core::dispatch
