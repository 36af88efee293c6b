#include "core/dispatch/stream_relay.hpp"

#include "core/http/wire.hpp"
#include "core/policy/redaction.hpp"
#include "core/protocol/error_body.hpp"

#include <algorithm>
#include <exception>

namespace llmgw::core::dispatch {

StreamRelay::StreamRelay(http::ThreadPool& readers, http::UpstreamPool::Lease lease, httplib::Request request,
                         Settings settings)
    : m_lease(std::move(lease)), m_request(std::move(request)), m_client_format(settings.formats.client),
      m_hide_usage_chunk(settings.hide_usage_chunk), m_keepalive_interval(settings.keepalive_interval),
      m_max_body_bytes(settings.max_body_bytes), m_secret(std::move(settings.secret)),
      m_guard(std::move(settings.guard)), m_readers(readers), m_observer(settings.formats.upstream),
      m_translator(std::move(settings.translator)) {}

StreamRelay::~StreamRelay() { finish(); }

void StreamRelay::start() {
  m_request.response_handler = [this](const httplib::Response& response) { return on_head(response); };
  m_request.content_receiver = [this](const char* data, size_t size, uint64_t, uint64_t) {
    return on_data(data, size);
  };
  // OpenSSL through httplib blocks on its socket: a TLS stream goes on on threads from the start.
  if (m_lease.client().blocks()) platform::leave_event_loop();
  if (!platform::on_event_loop()) {
    m_readers.run([this] {
      run();
      reading_ended();
    });
    m_started = true;
    return;
  }
  m_started = true;
  m_inline = true;
  m_reader = std::make_unique<platform::Fiber>([this] { run(); });
  // It sends the request and comes back when it waits for the answer (or would block: a
  // connection to open).
  m_reader->resume(true);
  if (m_reader->done())
    reading_ended();
  else if (m_reader->ask() == platform::Fiber::Ask::leave)
    go_threaded();
}

void StreamRelay::run() {
  httplib::Response response;
  httplib::Error error = httplib::Error::Success;
  bool ok = false;
  try {
    ok = m_lease.client().send(m_request, response, error);
  } catch (const std::exception&) {
    // Nothing may escape a reader; the client's side sees a broken upstream.
    error = httplib::Error::Unknown;
  }
  std::lock_guard lock(m_mutex);
  if (!m_head_ready) {
    m_head.error = http::describe(error);
    m_head_ready = true;
  }
  on_upstream_end(ok);
  m_cv.notify_all();
}

void StreamRelay::reading_ended() {
  std::lock_guard lock(m_mutex);
  m_done = true;
  m_cv.notify_all(); // a reader thread's last use of this object: finish() may free it next
}

bool StreamRelay::on_head(const httplib::Response& response) {
  std::lock_guard lock(m_mutex);
  m_head.connected = true;
  m_head.status = response.status;
  m_head.headers = response.headers;
  const auto type = http::wire::header_value(response.headers, "Content-Type");
  m_head.event_stream = response.status < 300 && type.substr(0, 17) == "text/event-stream";
  // A whole answer announced past the limit is not read at all.
  const std::string* announced = http::wire::find_header(response.headers, "Content-Length");
  const auto length = announced ? http::wire::parse_decimal(*announced) : std::nullopt;
  if (!m_head.event_stream && announced && (!length || *length > m_max_body_bytes)) m_head.too_large = true;
  m_head_ready = true;
  m_cv.notify_all();
  return !m_cancelled && !m_head.too_large;
}

void StreamRelay::relay_event(const http::SseEvent& event, std::string& out, bool at_end) {
  auto info = m_observer.observe_event(event);
  if (m_translator)
    m_translator->feed(event, out);
  else if ((!at_end || m_observer.complete()) && !(m_hide_usage_chunk && info.usage_only_chunk))
    out.append(event.raw);
}

void StreamRelay::fail_stream(std::string& out, int status, const std::string& message) {
  m_cut = true;
  out += protocol::stream_error_event(m_client_format, status, message);
  if (m_translator) m_translator.reset(); // nothing more is translated after the error
}

void StreamRelay::fail_internally(std::string& out, std::string_view what) {
  m_internal_error = "llmgw internal error: " + std::string(what);
  fail_stream(out, 500, m_internal_error);
}

bool StreamRelay::on_data(const char* data, size_t size) {
  if (!m_head.event_stream) {
    std::lock_guard lock(m_mutex);
    if (m_body.size() + size > m_max_body_bytes) {
      m_head.too_large = true;
      return false;
    }
    m_body.append(data, size);
    return !m_cancelled;
  }
  std::string& out = m_relayed; // keeps its capacity from event to event
  out.clear();
  bool broken = false;
  try {
    m_parser.feed(std::string_view(data, size), [&](const http::SseEvent& event) { relay_event(event, out, false); });
  } catch (const std::exception& error) {
    // The translator reports an event it cannot make sense of in-band itself (a 502 error event),
    // so what arrives here is llmgw's own failure: a 500 in the client's format ends the stream
    // instead of leaving it hanging (or taking the reader thread down).
    fail_internally(out, error.what());
    broken = true;
  } catch (...) {
    fail_internally(out, "unknown exception");
    broken = true;
  }
  policy::redact_in_place(out, m_secret);
  std::optional<std::string> stop = m_guard && !broken && !m_observer.complete() ? m_guard(m_observer) : std::nullopt;
  std::unique_lock lock(m_mutex);
  if (broken || stop) {
    m_pending += out;
    m_cancelled = true;
    if (stop) {
      // End the client's stream here, in its own format; returning false cancels the upstream read.
      m_pending += protocol::stream_error_event(m_client_format, 402, *stop);
      m_stopped = true;
    }
    m_cv.notify_all();
    return false;
  }
  m_final_queued = m_final_queued || (m_translator ? m_translator->ended() : m_observer.complete());
  if (m_sink != nullptr && m_pending.empty()) {
    // The client's side is pumping and nothing waits to go before these bytes: straight out,
    // from this thread. A slow client slows this read by itself (the write blocks).
    if (out.empty()) return !m_cancelled;
    const bool final_event = m_final_queued;
    if (!write_in_order(lock, *m_sink, out)) return false;
    if (final_event) m_final_written = true;
    return true;
  }
  m_pending += out;
  m_cv.notify_all();
  // Back-pressure: a slow client slows the upstream read instead of growing memory. On the loop
  // the caller's fiber writes only once this one waits for the socket: both go on on threads.
  while (m_pending.size() >= k_max_pending_bytes && !m_cancelled) {
    if (!platform::on_event_loop()) {
      m_cv.wait(lock);
      continue;
    }
    lock.unlock();
    platform::leave_event_loop();
    lock.lock();
  }
  return !m_cancelled;
}

// Called with m_mutex held. Decides whether the stream ended cleanly and, if it did not, ends
// the client's stream in its own format (a partial upstream block is never forwarded).
void StreamRelay::on_upstream_end(bool transport_ok) {
  (void)transport_ok; // a stream is judged by its events: a clean close before the final one is a cut too
  if (!m_head.event_stream || m_cancelled) return;
  std::string tail;
  try {
    m_parser.finish([&](const http::SseEvent& event) { relay_event(event, tail, true); });
    const bool finished = m_observer.complete() || m_observer.saw_error();
    if (m_translator && finished) m_translator->finish(tail);
    m_final_queued = m_final_queued || (m_translator ? m_translator->ended() : m_observer.complete());
    // A translated stream must end with the client format's final event or an error event.
    if (!finished || (m_translator && !m_translator->ended() && !m_observer.saw_error()))
      fail_stream(tail, 502, "upstream stream ended before the response was complete");
  } catch (const std::exception& error) {
    fail_internally(tail, error.what());
  } catch (...) {
    fail_internally(tail, "unknown exception");
  }
  policy::redact_in_place(tail, m_secret);
  m_pending += tail;
}

const StreamRelay::Head& StreamRelay::wait_head() {
  // On the loop only this fiber resumes the reader, so what it wrote is there to read unlocked.
  while (m_inline && !m_head_ready) drive(SteadyClock::time_point::max());
  std::unique_lock lock(m_mutex);
  m_cv.wait(lock, [&] { return m_head_ready; });
  return m_head;
}

std::string StreamRelay::wait_body() {
  while (m_inline && !m_done) drive(SteadyClock::time_point::max());
  std::unique_lock lock(m_mutex);
  m_cv.wait(lock, [&] { return m_done; });
  return std::move(m_body);
}

bool StreamRelay::write_locked(httplib::DataSink& sink, std::string_view bytes) {
  if (m_client_gone || !sink.write(bytes.data(), bytes.size())) return false;
  const auto now = std::chrono::steady_clock::now();
  if (!bytes.empty() && !m_first_byte_at) m_first_byte_at = now;
  m_head_flushed = true;
  m_last_write = now.time_since_epoch().count();
  return true;
}

bool StreamRelay::write_in_order(std::unique_lock<std::mutex>& lock, httplib::DataSink& sink, std::string_view bytes) {
  std::unique_lock write(m_write_mutex);
  lock.unlock();
  if (write_locked(sink, bytes)) return true;
  write.unlock();
  m_client_gone = true;
  cancel();
  return false;
}

void StreamRelay::attach(httplib::DataSink& sink) {
  std::lock_guard lock(m_mutex);
  m_sink = &sink;
}

void StreamRelay::detach() {
  {
    std::lock_guard lock(m_mutex);
    m_sink = nullptr;
  }
  std::lock_guard write(m_write_mutex); // a write the upstream thread began has ended
}

StreamRelay::SteadyClock::time_point StreamRelay::quiet_until(SteadyClock::time_point coalesce_until) const {
  return m_head_flushed ? SteadyClock::time_point(SteadyClock::duration(m_last_write.load())) + m_keepalive_interval
                        : coalesce_until;
}

std::string StreamRelay::shutdown_event() const {
  return protocol::stream_error_event(m_client_format, 503, "llmgw is shutting down");
}

bool StreamRelay::pump(httplib::DataSink& sink) { return m_inline ? pump_inline(sink) : pump_threaded(sink); }

bool StreamRelay::pump_threaded(httplib::DataSink& sink) {
  attach(sink);
  struct DetachAtExit {
    StreamRelay* relay;
    ~DetachAtExit() { relay->detach(); }
  } detach_at_exit{this};
  // Quiet until quiet_until(): the keep-alive comments keep idle timeouts away and notice a gone client.
  const auto coalesce_until = SteadyClock::now() + k_head_coalesce;
  auto quiet = [&] { return quiet_until(coalesce_until); };
  auto ready = [&] { return !m_pending.empty() || m_done || m_aborted || m_client_gone; };
  // A client that hangs up (and the upstream, which keeps billing, with it) is noticed at once:
  // the loop that watches its connection says so. Made before the lock, so it ends after it.
  platform::HomeListener client_reports([this] {
    {
      std::lock_guard lock(m_mutex);
      m_client_reported = true;
    }
    m_cv.notify_all();
  });
  std::unique_lock lock(m_mutex);
  for (;;) {
    if (!ready()) {
      // Otherwise in short slices, so that a hang-up is noticed within a fraction of a second
      // where no loop tells of it.
      const auto now = SteadyClock::now();
      if (now < quiet())
        m_cv.wait_until(lock, std::min(quiet(), now + k_liveness_check), [&] { return ready() || m_client_reported; });
      m_client_reported = false; // looked at below (or written to, when ready)
      if (ready()) continue;
      if (SteadyClock::now() < quiet()) {
        lock.unlock();
        bool alive = false;
        {
          std::lock_guard write(m_write_mutex);
          alive = !m_client_gone && sink.is_writable();
        }
        if (!alive) {
          m_client_gone = true;
          cancel();
          return false;
        }
        lock.lock();
        continue;
      }
      // Silent until now: the head goes alone (a zero-length write), later a keep-alive comment.
      if (!write_in_order(lock, sink, m_head_flushed ? ": keepalive\n\n" : "")) return false;
      lock.lock();
      continue;
    }
    if (m_client_gone) return false;
    std::string out;
    out.swap(m_pending);
    const bool done = m_done;
    const bool final_event = m_final_queued;
    const bool aborted = m_aborted && !done;
    m_cv.notify_all(); // room again for an upstream thread held back by a slow client
    if (aborted) {
      m_sink = nullptr; // nothing from the upstream thread after the error event
      m_abort_written = true;
      out += shutdown_event();
      if (!write_in_order(lock, sink, out)) return false;
      cancel();
      sink.done();
      return true;
    }
    if (!out.empty() || done) {
      // Once done, the upstream thread has ended: this is the last write (done() takes a head not
      // yet sent along).
      if (out.empty())
        lock.unlock();
      else if (!write_in_order(lock, sink, out))
        return false;
      if (final_event) m_final_written = true;
      if (done) {
        sink.done();
        return true;
      }
      lock.lock();
    }
  }
}

void StreamRelay::cancel() {
  {
    std::lock_guard lock(m_mutex);
    if (m_done || m_cancelled) return;
    m_cancelled = true;
  }
  m_cv.notify_all();
  m_lease.client().stop(); // breaks a blocking upstream read at once
}

void StreamRelay::finish() {
  if (m_finished) return;
  m_finished = true;
  cancel();
  if (m_inline) {
    end_reader();
  } else if (m_started) {
    std::unique_lock lock(m_mutex);
    m_cv.wait(lock, [&] { return m_done; });
  }
  if (m_cancelled) m_lease.discard();
}

void StreamRelay::abort() {
  {
    std::lock_guard lock(m_mutex);
    m_aborted = true;
  }
  m_cv.notify_all();
}

} // namespace llmgw::core::dispatch
