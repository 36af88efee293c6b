#include "store/pg_listener.hpp"

#include "store/connection.hpp"
#include "store/db.hpp"
#include "store/libpq.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

namespace llmgw::store {
namespace {

std::string trimmed_message(const char* text) {
  std::string out = text != nullptr ? text : "";
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

void make_nonblocking(int fd) {
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  ::fcntl(fd, F_SETFD, FD_CLOEXEC);
}

} // namespace

WakePipe::WakePipe() {
  // pipe() and fcntl rather than pipe2: macOS has no pipe2.
  if (::pipe(m_fds) != 0) throw Error(std::string("cannot create a pipe: ") + std::strerror(errno));
  make_nonblocking(m_fds[0]);
  make_nonblocking(m_fds[1]);
}

WakePipe::~WakePipe() {
  ::close(m_fds[0]);
  ::close(m_fds[1]);
}

void WakePipe::signal() {
  const char byte = 1;
  // A full pipe already holds a wake-up: nothing lost when this write fails.
  [[maybe_unused]] const ssize_t n = ::write(m_fds[1], &byte, 1);
}

void WakePipe::drain() {
  char bytes[64];
  while (::read(m_fds[0], bytes, sizeof bytes) > 0) {}
}

struct PgListener::Conn {
  PGconn* conn = nullptr;
  ~Conn() { libpq().finish(conn); }
};

PgListener::PgListener(const std::string& url, const std::string& channel)
    : m_conn(std::make_unique<Conn>()), m_channel(channel) {
  const std::string name = redact_url(url);
  // The defaults go first so that the URL's own win. Keep-alives: a peer that vanished without
  // closing the connection is noticed within about a minute instead of never.
  const char* keys[] = {"connect_timeout",
                        "application_name",
                        "keepalives_idle",
                        "keepalives_interval",
                        "keepalives_count",
                        "dbname",
                        nullptr};
  const char* values[] = {"5", "llmgw-listen", "30", "10", "3", url.c_str(), nullptr};
  m_conn->conn = libpq().connectdb_params(keys, values, 1);
  if (m_conn->conn == nullptr) throw Error(name + ": cannot connect: out of memory");
  libpq().set_notice_processor(
      m_conn->conn, [](void*, const char*) {}, nullptr);
  if (libpq().status(m_conn->conn) != CONNECTION_OK)
    throw BusyError(name + ": cannot connect: " + trimmed_message(libpq().error_message(m_conn->conn)));
  char* quoted = libpq().escape_identifier(m_conn->conn, channel.c_str(), channel.size());
  if (quoted == nullptr)
    throw Error(name + ": bad channel name: " + trimmed_message(libpq().error_message(m_conn->conn)));
  const std::string sql = std::string("LISTEN ") + quoted;
  libpq().freemem(quoted);
  PGresult* result = libpq().exec(m_conn->conn, sql.c_str());
  const bool ok = result != nullptr && libpq().result_status(result) == PGRES_COMMAND_OK;
  const std::string message =
      trimmed_message(result != nullptr ? libpq().result_error_message(result) : libpq().error_message(m_conn->conn));
  libpq().clear(result);
  if (!ok) throw BusyError(name + ": LISTEN failed: " + message);
}

PgListener::~PgListener() = default;

bool PgListener::take_notifications() {
  bool found = false;
  while (PGnotify* notify = libpq().notifies(m_conn->conn)) {
    found = found || m_channel == notify->relname;
    libpq().freemem(notify);
  }
  return found;
}

PgListener::Wait PgListener::wait(std::chrono::milliseconds timeout, WakePipe& wake) {
  PGconn* conn = m_conn->conn;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  // Notifications read along with an earlier reply wait in libpq's queue, not on the socket.
  if (take_notifications()) return Wait::notified;
  for (;;) {
    if (libpq().status(conn) != CONNECTION_OK) return Wait::lost;
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd fds[2] = {{libpq().socket(conn), POLLIN, 0}, {wake.read_fd(), POLLIN, 0}};
    const int ready = ::poll(fds, 2, static_cast<int>(std::max<int64_t>(left.count(), 0)));
    if (ready < 0 && errno != EINTR) return Wait::lost;
    if (fds[1].revents != 0) {
      wake.drain();
      return Wait::woken;
    }
    if (fds[0].revents != 0) {
      // A server ending the session (pg_terminate_backend, shutdown) sends an error and closes:
      // PQconsumeInput then fails or the status is no longer OK.
      if (libpq().consume_input(conn) == 0) return Wait::lost;
      if (take_notifications()) return Wait::notified;
      continue; // a notice or a parameter change: keep waiting
    }
    if (ready == 0) return Wait::timed_out;
  }
}

} // namespace llmgw::store
