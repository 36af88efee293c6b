#include "core/http/wire.hpp"

#include "core/platform/fiber.hpp"
#include "core/platform/socket.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>

namespace llmgw::core::http::wire {

void set_timeout(int fd, int option, int seconds) { set_timeout_ms(fd, option, seconds * 1000); }

void set_timeout_ms(int fd, int option, int milliseconds) {
  timeval tv{};
  tv.tv_sec = milliseconds / 1000;
  tv.tv_usec = (milliseconds % 1000) * 1000;
  ::setsockopt(fd, SOL_SOCKET, option, &tv, sizeof tv);
}

bool lists_token(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    size_t comma = value.find(',');
    if (iequals(trim(value.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

std::optional<size_t> parse_decimal(std::string_view text) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  size_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<size_t>(c - '0');
  }
  return value;
}

bool send_all(int fd, iovec* iov, int count) {
  while (count > 0 && iov->iov_len == 0) {
    ++iov;
    --count;
  }
  // On the event loop a send must not block it: one the socket cannot take at once goes on on a
  // thread (a client reading slowly), where it blocks as usual.
  bool on_loop = platform::on_event_loop();
  while (count > 0) {
    msghdr message{};
    message.msg_iov = iov;
    message.msg_iovlen = static_cast<size_t>(count);
    ssize_t sent = platform::send_message(fd, message, on_loop ? MSG_DONTWAIT : 0);
    if (sent < 0) {
      if (errno == EINTR) continue;
      if (on_loop && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        platform::leave_event_loop();
        on_loop = false;
        continue;
      }
      return false;
    }
    auto left = static_cast<size_t>(sent);
    while (count > 0 && left >= iov->iov_len) {
      left -= iov->iov_len;
      ++iov;
      --count;
    }
    if (count > 0) {
      iov->iov_base = static_cast<char*>(iov->iov_base) + left;
      iov->iov_len -= left;
    }
  }
  return true;
}

bool send_text(int fd, std::string_view text) {
  iovec iov{const_cast<char*>(text.data()), text.size()};
  return send_all(fd, &iov, 1);
}

std::chrono::milliseconds SocketReader::wait() {
  if (m_wait.count() == 0) {
    timeval tv{};
    socklen_t size = sizeof tv;
    const bool set = ::getsockopt(m_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, &size) == 0 && (tv.tv_sec > 0 || tv.tv_usec > 0);
    m_wait = set ? std::chrono::milliseconds(tv.tv_sec * 1000 + tv.tv_usec / 1000 + (tv.tv_usec % 1000 != 0))
                 : std::chrono::hours(24 * 365); // none: as good as forever
  }
  return m_wait;
}

ssize_t SocketReader::recv_some(char* into, size_t size, int flags) {
  if ((flags & MSG_DONTWAIT) != 0 || !platform::on_event_loop()) {
    m_drained = false;
    return ::recv(m_fd, into, size, flags);
  }
  // On the event loop: the fiber waits for the socket, as a blocking recv would, up to the socket's
  // timeout. A read that took less than it asked emptied the socket: the next one waits first
  // instead of a read that finds nothing (a system call per streamed event, as nginx saves it).
  // What arrives after that read wakes the wait, the loop's watch being edge- or level-triggered.
  if (m_drained) {
    m_drained = false;
    if (platform::wait_readable(m_fd, wait(), m_watch) == platform::Fiber::Wake::timeout) {
      errno = EAGAIN;
      return -1;
    }
  }
  for (;;) {
    const ssize_t got = ::recv(m_fd, into, size, flags | MSG_DONTWAIT);
    m_drained = got > 0 && static_cast<size_t>(got) < size;
    if (got >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) return got;
    if (platform::wait_readable(m_fd, wait(), m_watch) == platform::Fiber::Wake::timeout) {
      errno = EAGAIN;
      return -1;
    }
  }
}

Fill SocketReader::receive(int flags) {
  char chunk[k_read_chunk];
  for (;;) {
    ssize_t got = recv_some(chunk, sizeof chunk, flags);
    if (got > 0) {
      m_in.append(chunk, static_cast<size_t>(got));
      return Fill::data;
    }
    if (got < 0 && errno == EINTR) continue;
    return got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) ? Fill::timeout : Fill::closed;
  }
}

// After a socket timeout: whether a deadline is set and still ahead.
bool SocketReader::wait_again() const { return m_deadline && std::chrono::steady_clock::now() < *m_deadline; }

bool SocketReader::fill() {
  // A peer trickling bytes never lets the socket time out: the deadline is checked before each read.
  if (m_deadline && std::chrono::steady_clock::now() >= *m_deadline) return false;
  for (;;) {
    Fill got = receive();
    if (got == Fill::data) return true;
    if (got == Fill::closed || !wait_again()) return false;
  }
}

size_t SocketReader::find_head_end() {
  // Tolerate blank lines before a message (RFC 9112 §2.2).
  size_t start = m_in.find_first_not_of("\r\n");
  if (start != 0) {
    m_in.erase(0, start == std::string::npos ? m_in.size() : start);
    m_head_scanned = 0;
  }
  for (size_t at = m_in.find('\n', m_head_scanned); at != std::string::npos; at = m_in.find('\n', at + 1)) {
    size_t end = at + 1 < m_in.size() && m_in[at + 1] == '\n'                           ? at + 2
                 : at + 2 < m_in.size() && m_in[at + 1] == '\r' && m_in[at + 2] == '\n' ? at + 3
                                                                                        : 0;
    if (end == 0) continue;
    m_head_scanned = at;
    return end;
  }
  // The last bytes may be the start of the blank line: look at them again next time.
  m_head_scanned = m_in.size() > 3 ? m_in.size() - 3 : 0;
  return 0;
}

ReadResult SocketReader::head_state() {
  size_t end = find_head_end();
  if (end > k_max_head_bytes || (end == 0 && m_in.size() > k_max_head_bytes)) return ReadResult::too_large;
  return end == 0 ? ReadResult::incomplete : ReadResult::ok;
}

ReadResult SocketReader::take_head(std::string& head) {
  ReadResult state = head_state();
  if (state != ReadResult::ok) return state;
  size_t end = find_head_end(); // found again at once: the scan resumes at the head's last line
  head.assign(m_in, 0, m_in[end - 2] == '\r' ? end - 2 : end - 1);
  m_in.erase(0, end);
  m_head_scanned = 0;
  return ReadResult::ok;
}

ReadResult SocketReader::read_head(std::string& head) {
  for (;;) {
    ReadResult state = take_head(head);
    if (state != ReadResult::incomplete) return state;
    if (!fill()) return ReadResult::closed;
  }
}

bool SocketReader::read_exact(std::string& out, size_t size) {
  size_t have = std::min(size, m_in.size());
  const size_t base = out.size();
  out.append(m_in, 0, have);
  m_in.erase(0, have);
  if (have == size) return true;
  out.resize(base + size);
  while (have < size) {
    ssize_t got = m_deadline && std::chrono::steady_clock::now() >= *m_deadline
                      ? 0
                      : recv_some(out.data() + base + have, size - have, 0);
    if (got < 0 && (errno == EINTR || ((errno == EAGAIN || errno == EWOULDBLOCK) && wait_again()))) continue;
    if (got <= 0) {
      out.resize(base + have);
      return false;
    }
    have += static_cast<size_t>(got);
  }
  return true;
}

bool SocketReader::read_counted(size_t size, const std::function<bool(const char*, size_t)>& deliver) {
  while (size > 0) {
    if (m_in.empty() && !fill()) return false;
    const size_t take = std::min(size, m_in.size());
    if (!deliver(m_in.data(), take)) return false;
    m_in.erase(0, take);
    size -= take;
  }
  return true;
}

bool SocketReader::read_line(std::string& line) {
  size_t scanned = 0;
  for (;;) {
    size_t at = m_in.find('\n', scanned);
    if (at != std::string::npos) {
      line.assign(m_in, 0, at);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      m_in.erase(0, at + 1);
      return true;
    }
    scanned = m_in.size();
    if (m_in.size() > k_max_head_bytes || !fill()) return false;
  }
}

ReadResult SocketReader::read_chunked(const std::function<bool(const char*, size_t)>& deliver, size_t max_bytes) {
  std::string line;
  size_t total = 0;
  for (;;) {
    if (!read_line(line)) return ReadResult::closed;
    std::string_view digits = trim(std::string_view(line).substr(0, line.find(';')));
    if (digits.empty() || digits.size() > 15) return ReadResult::malformed;
    size_t size = 0;
    for (char c : digits) {
      int value = c >= '0' && c <= '9'   ? c - '0'
                  : c >= 'a' && c <= 'f' ? c - 'a' + 10
                  : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                         : -1;
      if (value < 0) return ReadResult::malformed;
      size = size * 16 + static_cast<size_t>(value);
    }
    if (size == 0) break;
    total += size;
    if (total > max_bytes) return ReadResult::too_large;
    // Deliver what has arrived as it arrives: a streamed event must not wait for its chunk's end.
    if (!read_counted(size, deliver)) return ReadResult::closed;
    if (!read_line(line)) return ReadResult::closed;
    if (!line.empty()) return ReadResult::malformed;
  }
  do { // trailer fields, ignored
    if (!read_line(line)) return ReadResult::closed;
  } while (!line.empty());
  return ReadResult::ok;
}

bool SocketReader::read_to_end(const std::function<bool(const char*, size_t)>& deliver) {
  for (;;) {
    if (!m_in.empty()) {
      if (!deliver(m_in.data(), m_in.size())) return false;
      m_in.clear();
    }
    if (!fill()) return true;
  }
}

} // namespace llmgw::core::http::wire
