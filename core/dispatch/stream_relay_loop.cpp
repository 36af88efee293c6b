// StreamRelay on the event loop (see stream_relay.hpp): the request's fiber resumes the reading
// fiber nested in it, waits on the loop for what that one waits for, and writes what it read;
// both move to threads (go_threaded) the first time either would block.
#include "core/dispatch/stream_relay.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <exception>

namespace llmgw::core::dispatch {

StreamRelay::Drive StreamRelay::drive(SteadyClock::time_point until) {
  using platform::Fiber;
  if (m_reader->done()) return Drive::read;
  // A write the client could not take at once moved the caller to a thread: the reader follows.
  if (!platform::on_event_loop() || m_reader->ask() != Fiber::Ask::readable) {
    go_threaded();
    return Drive::left;
  }
  const int fd = m_reader->fd();
  Fiber::Wake wake = Fiber::Wake::ready;
  // After a wait that ended at the caller's own tick, the socket's edge (the loop watches it
  // edge-triggered) may have gone by unseen: a look at the socket tells.
  char byte;
  const bool arrived =
      m_peek && (::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT) >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK));
  m_peek = false;
  if (!arrived) {
    const auto deadline = m_reader->deadline();
    const auto left = std::max(std::min(deadline, until) - SteadyClock::now(), SteadyClock::duration::zero());
    // Its client's own report (a hang-up, most likely) ends the wait too: the caller looks.
    wake = platform::wait_readable(fd, std::chrono::ceil<std::chrono::milliseconds>(left), m_reader->watch(), true);
    if (wake == Fiber::Wake::home || (wake == Fiber::Wake::timeout && SteadyClock::now() < deadline)) {
      m_peek = true;
      return Drive::quiet;
    }
  }
  m_reader->set_wake(wake);
  m_reader->resume(true);
  if (m_reader->done())
    reading_ended();
  else if (m_reader->ask() == Fiber::Ask::leave)
    go_threaded();
  return m_inline ? Drive::read : Drive::left;
}

void StreamRelay::go_threaded() {
  m_inline = false;
  platform::leave_event_loop(); // from here on the client's side waits for the reader
  if (m_reader->ask() == platform::Fiber::Ask::readable) {
    // A thread reads the socket from now on: the loop must not wake for its arrivals.
    if (platform::SocketWatch* watch = m_reader->watch()) platform::stop_watching(*watch, m_reader->fd());
    m_reader->set_wake(platform::Fiber::Wake::ready);
  }
  try {
    m_readers.run([this] {
      m_reader->resume(false);
      reading_ended();
    });
  } catch (const std::exception&) {
    // No thread to read on: the stream ends as a broken upstream.
    cancel();
    end_reader();
  }
}

void StreamRelay::end_reader() {
  while (!m_reader->done()) {
    // Cancelled: its socket is shut down, so every read or write it tries fails at once.
    m_reader->set_wake(platform::Fiber::Wake::ready);
    m_reader->resume(platform::on_event_loop() && m_reader->ask() != platform::Fiber::Ask::leave);
  }
  reading_ended();
}

bool StreamRelay::pump_inline(httplib::DataSink& sink) {
  // The only writer: no write lock, and what the reader left is taken between its turns.
  auto write = [&](std::string_view bytes) {
    if (write_locked(sink, bytes)) return true;
    m_client_gone = true;
    cancel();
    return false;
  };
  const auto coalesce_until = SteadyClock::now() + k_head_coalesce;
  for (;;) {
    std::string& out = m_taken; // both keep their capacity: no allocation per event
    out.clear();
    bool done = false, aborted = false;
    {
      std::lock_guard lock(m_mutex); // abort() comes from another thread
      out.swap(m_pending);
      done = m_done;
      aborted = m_aborted && !done;
    }
    if (aborted) {
      m_abort_written = true;
      out += shutdown_event();
      if (!write(out)) return false;
      cancel();
      sink.done();
      return true;
    }
    if (!out.empty() && !write(out)) return false;
    if (m_final_queued && (!out.empty() || done)) m_final_written = true;
    if (done) {
      sink.done();
      return true;
    }
    // As pump_threaded: quiet until quiet_until(), with a look at the client every k_liveness_check.
    const auto quiet = quiet_until(coalesce_until);
    const Drive step = drive(std::min(quiet, SteadyClock::now() + k_liveness_check));
    if (step == Drive::left) return pump_threaded(sink);
    if (step == Drive::read) continue;
    if (!m_head_flushed || SteadyClock::now() >= quiet) {
      if (!write(m_head_flushed ? ": keepalive\n\n" : "")) return false;
    } else if (!sink.is_writable()) {
      m_client_gone = true;
      cancel();
      return false;
    }
  }
}

} // namespace llmgw::core::dispatch
