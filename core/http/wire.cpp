#include "core/http/wire.hpp"

#include "core/platform/fiber.hpp"
#include "core/platform/socket.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <vector>

namespace llmgw::core::http::wire {

void set_timeout(int fd, int option, int seconds) { set_timeout_ms(fd, option, seconds * 1000); }

void set_timeout_ms(int fd, int option, int milliseconds) {
  timeval tv{};
  tv.tv_sec = milliseconds / 1000;
  tv.tv_usec = (milliseconds % 1000) * 1000;
  ::setsockopt(fd, SOL_SOCKET, option, &tv, sizeof tv);
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) text.remove_suffix(1);
  return text;
}

const std::string* find_header(const httplib::Headers& headers, std::string_view name) {
  for (const auto& [key, value] : headers)
    if (iequals(key, name)) return &value;
  return nullptr;
}

std::string_view header_value(const httplib::Headers& headers, std::string_view name) {
  const std::string* value = find_header(headers, name);
  return value ? std::string_view(*value) : std::string_view();
}

size_t header_count(const httplib::Headers& headers, std::string_view name) {
  size_t count = 0;
  for (const auto& header : headers) count += iequals(header.first, name) ? 1 : 0;
  return count;
}

std::string_view first_header(const httplib::Headers& headers, std::initializer_list<std::string_view> names) {
  for (std::string_view name : names)
    if (const std::string* value = find_header(headers, name)) return *value;
  return {};
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

namespace {

// A header name's bytes folded to lower case in one lookup. The three that end or refuse a name
// (the colon; a space or a tab before it) fold to k_name_special, as 0xFF itself does.
constexpr unsigned char k_name_special = 0xFF;
constexpr std::array<unsigned char, 256> k_name_bytes = [] {
  std::array<unsigned char, 256> table{};
  for (size_t c = 0; c < table.size(); ++c) table[c] = ascii_lower(static_cast<unsigned char>(c));
  table[' '] = table['\t'] = table[':'] = k_name_special;
  return table;
}();

struct HeaderLine {
  std::string_view name;
  std::string_view value;
  std::string_view key; // name in lower case (ASCII), in the thread's buffer: the map's order
};

// Stable, as the map keeps repeated names in the order they came. Insertion sort for the usual
// few dozen lines; a hostile head of thousands goes to std::stable_sort. Names are compared folded
// once each: folding in every comparison cost more than the rest of the parse with the two dozen
// headers a provider answers with, a third of them x-ratelimit-*.
void sort_header_lines(std::vector<HeaderLine>& lines) {
  // Inline: cheaper than a call to memcmp for names this short (callgrind: 0.92× the parse of a
  // provider's two dozen headers), and eight bytes at a time was not (1.05×).
  auto less = [](const HeaderLine& a, const HeaderLine& b) {
    const size_t common = std::min(a.key.size(), b.key.size());
    for (size_t i = 0; i < common; ++i)
      if (a.key[i] != b.key[i]) return static_cast<unsigned char>(a.key[i]) < static_cast<unsigned char>(b.key[i]);
    return a.key.size() < b.key.size();
  };
  if (lines.size() > 32) return std::stable_sort(lines.begin(), lines.end(), less);
  for (size_t i = 1; i < lines.size(); ++i) {
    HeaderLine line = lines[i];
    size_t j = i;
    for (; j > 0 && less(line, lines[j - 1]); --j) lines[j] = lines[j - 1];
    lines[j] = line;
  }
}

void prepend_header(httplib::Headers& headers, std::string_view name, std::string_view value);

} // namespace

bool parse_header_lines(std::string_view lines, httplib::Headers& headers) {
  // Reused by every head this thread parses (a fiber does not yield in here); looked up once, as
  // each use of a thread_local goes through its TLS wrapper.
  thread_local std::vector<HeaderLine> reused;
  thread_local std::string reused_keys;
  std::vector<HeaderLine>& parsed = reused;
  std::string& keys = reused_keys;
  parsed.clear();
  if (keys.size() < lines.size()) keys.resize(lines.size());
  size_t names = 0; // the folded names' length, all together
  const bool ok = [&] {
    while (!lines.empty()) {
      size_t next = lines.find('\n');
      std::string_view line = lines.substr(0, next);
      lines = next == std::string_view::npos ? std::string_view() : lines.substr(next + 1);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.empty()) break;
      // A name is a token (no spaces before the colon); obsolete line folding is refused. It is
      // folded on the way, into the buffer (as long as the lines: no name outgrows it).
      char* key = keys.data() + names;
      size_t colon = 0;
      for (; colon < line.size(); ++colon) {
        const char c = line[colon];
        const unsigned char folded = k_name_bytes[static_cast<unsigned char>(c)];
        if (folded == k_name_special) {
          if (c == ':') break;
          if (c == ' ' || c == '\t') return false;
        }
        key[colon] = static_cast<char>(folded);
      }
      if (colon == 0 || colon == line.size()) return false;
      parsed.push_back({line.substr(0, colon), trim(line.substr(colon + 1)), std::string_view(key, colon)});
      names += colon;
    }
    return true;
  }();
  if (ok) {
    // In the map's order, each goes in at the front, last first: the hint then holds after one
    // comparison with the name before which it goes, and the insertion needs none (at the end it
    // takes two; in the order they came each would descend the tree). Repeated names, put in
    // before the ones that came earlier, end in the order they came. Were the orders ever to
    // differ, the hint is only a hint: the map stays right.
    sort_header_lines(parsed);
    if (headers.empty())
      for (auto line = parsed.rbegin(); line != parsed.rend(); ++line) prepend_header(headers, line->name, line->value);
    else // a name already there goes after its namesakes only from the end (two comparisons each)
      for (const auto& line : parsed) append_header(headers, line.name, line.value);
  }
  // A hostile head of thousands of lines does not leave its buffers to the thread.
  if (parsed.capacity() > 256) parsed = std::vector<HeaderLine>();
  if (keys.capacity() > 16384) keys = std::string();
  return ok;
}

namespace {

constexpr size_t k_kept_nodes = 256;
constexpr size_t k_kept_text = 256;

std::vector<httplib::Headers::node_type>& kept_nodes() {
  thread_local std::vector<httplib::Headers::node_type> nodes;
  return nodes;
}

// A kept node holding name and an empty value, or an empty handle when the thread has none.
httplib::Headers::node_type kept_node(std::vector<httplib::Headers::node_type>& kept, std::string_view name) {
  if (kept.empty()) return {};
  auto node = std::move(kept.back());
  kept.pop_back();
  node.key().assign(name);
  node.mapped().clear();
  return node;
}

// Keeps node for the thread's next headers, or frees it.
void keep_node(std::vector<httplib::Headers::node_type>& kept, httplib::Headers::node_type node) {
  if (kept.size() >= k_kept_nodes || node.key().capacity() > k_kept_text || node.mapped().capacity() > k_kept_text)
    return;
  if (kept.capacity() < k_kept_nodes) kept.reserve(k_kept_nodes);
  kept.push_back(std::move(node));
}

// Puts name and value, in a kept node when the thread has one, into headers at hint.
void put_header(httplib::Headers& headers, httplib::Headers::const_iterator hint, std::string_view name,
                std::string_view value) {
  auto node = kept_node(kept_nodes(), name);
  if (node.empty()) {
    headers.emplace_hint(hint, std::string(name), std::string(value));
    return;
  }
  node.mapped().assign(value);
  headers.insert(hint, std::move(node));
}

void prepend_header(httplib::Headers& headers, std::string_view name, std::string_view value) {
  put_header(headers, headers.begin(), name, value);
}

} // namespace

void append_header(httplib::Headers& headers, std::string_view name, std::string_view value) {
  put_header(headers, headers.end(), name, value);
}

void insert_header(httplib::Headers& headers, std::string_view name,
                   std::initializer_list<std::string_view> value_parts) {
  auto node = kept_node(kept_nodes(), name);
  if (node.empty()) {
    std::string value;
    for (std::string_view part : value_parts) value.append(part);
    headers.emplace(std::string(name), std::move(value));
    return;
  }
  for (std::string_view part : value_parts) node.mapped().append(part);
  headers.insert(std::move(node));
}

void recycle_headers(httplib::Headers& headers) {
  auto& kept = kept_nodes();
  while (!headers.empty() && kept.size() < k_kept_nodes) keep_node(kept, headers.extract(headers.begin()));
  headers.clear();
}

httplib::Headers::iterator erase_header(httplib::Headers& headers, httplib::Headers::iterator at) {
  auto next = std::next(at);
  keep_node(kept_nodes(), headers.extract(at));
  return next;
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
