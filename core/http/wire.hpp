#pragma once
// HTTP/1.1 on a blocking socket, shared by llmgw's server (http_server.hpp) and its client for
// plain-HTTP upstreams (upstream_client.hpp): buffered reads, head and chunked-body parsing, and
// gathered writes that never raise SIGPIPE.
#include <httplib.h>

#include <sys/uio.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace llmgw::core::platform {
struct SocketWatch;
}

namespace llmgw::core::http::wire {

constexpr size_t k_max_head_bytes = 64 * 1024;
constexpr size_t k_read_chunk = 64 * 1024;

// ASCII case folding: header names and the tokens in their values are ASCII (RFC 9110 §5.1), so
// no locale may change what matches. Inline and without a library call per character.
constexpr unsigned char ascii_lower(unsigned char c) { return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c; }
constexpr bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(static_cast<unsigned char>(a[i])) != ascii_lower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}
// The order of cpp-httplib's header map (its comparator folds with tolower, in the C locale
// llmgw runs in), without a call per character.
constexpr bool iless(std::string_view a, std::string_view b) {
  const size_t common = a.size() < b.size() ? a.size() : b.size();
  for (size_t i = 0; i < common; ++i) {
    const unsigned char x = ascii_lower(static_cast<unsigned char>(a[i]));
    const unsigned char y = ascii_lower(static_cast<unsigned char>(b[i]));
    if (x != y) return x < y;
  }
  return a.size() < b.size();
}

// Header lookups that scan instead of asking the map. The map compares names through its
// comparator, which calls tolower for every character on the way down the tree (and
// get_header_value copies the name and the value into strings): a tenth of a small request's
// instructions, more with the SDKs' dozen x-stainless-* headers. A message has a few dozen
// headers at most, and a scan that compares lengths first rejects almost every name at once. The
// first value wins, as in the map.
const std::string* find_header(const httplib::Headers& headers, std::string_view name);
// The value of name, or "" when it is absent.
std::string_view header_value(const httplib::Headers& headers, std::string_view name);
size_t header_count(const httplib::Headers& headers, std::string_view name);
inline bool has_header(const httplib::Headers& headers, std::string_view name) {
  return find_header(headers, name) != nullptr;
}

// SO_RCVTIMEO / SO_SNDTIMEO in whole seconds, or in milliseconds.
void set_timeout(int fd, int option, int seconds);
void set_timeout_ms(int fd, int option, int milliseconds);
// Whether a comma-separated header value (Connection, Transfer-Encoding, Expect) lists token.
bool lists_token(std::string_view value, std::string_view token);
std::string_view trim(std::string_view text);
// The value of the first of names present in headers (case-insensitive), or "".
std::string_view first_header(const httplib::Headers& headers, std::initializer_list<std::string_view> names);
// A Content-Length value: digits only.
std::optional<size_t> parse_decimal(std::string_view text);

// Sends every buffer (iov is consumed); false when the peer is gone or the send timeout passed.
bool send_all(int fd, iovec* iov, int count);
bool send_text(int fd, std::string_view text);

// Parses "Name: value" lines (after the start line) into headers; false on a malformed line.
// The lines are put in the map's order first (names folded once) and inserted at its front, last
// first, one comparison each.
bool parse_header_lines(std::string_view lines, httplib::Headers& headers);

// Header maps are built and dropped by every request: their nodes (a name and a value each) are
// kept by the thread for the next maps it builds, so a request's headers cost no allocation once
// the thread has served a few. append_header takes a kept node (or makes one) and puts it at the
// end of headers (the caller keeps the map's order, or the hint costs a descent); recycle_headers
// empties headers into the thread's nodes (at most 256 kept; one with a name or value of over 256
// bytes is freed).
void append_header(httplib::Headers& headers, std::string_view name, std::string_view value);
void recycle_headers(httplib::Headers& headers);
// As recycle_headers, for a map nothing changed after it was built (a request's head, the headers
// for a provider): it is kept whole (a few per thread), and the next map with the same names,
// byte for byte and in the map's order, takes it over (parse_header_lines, take_kept_headers).
void keep_headers_whole(httplib::Headers& headers);
// As keep_headers_whole, for the map of a request sent to a provider: httplib's client (https://)
// adds Host and Content-Length to it as it sends (Connection and Proxy-Authorization at times),
// which the map for a provider never holds before (pipeline::upstream_headers); they go first.
void keep_sent_headers(httplib::Headers& headers);
struct NameValue {
  std::string_view name;
  std::string_view value;
};
// Into an empty headers, a kept map with exactly these names (in the map's order: as iless sorts
// them, repeated names in the order given), its values assigned from lines; false when there is
// none (headers is left empty).
bool take_kept_headers(httplib::Headers& headers, const std::vector<NameValue>& lines);
// Takes the header at `at` out of headers, keeping its node as recycle_headers does; returns the next.
httplib::Headers::iterator erase_header(httplib::Headers& headers, httplib::Headers::iterator at);
// As append_header, where the name may belong anywhere in the map; the value is value_parts joined.
void insert_header(httplib::Headers& headers, std::string_view name,
                   std::initializer_list<std::string_view> value_parts);

// incomplete: only from take_head and head_state (the head has not all arrived yet).
enum class ReadResult { ok, closed, too_large, malformed, incomplete };
// What one recv() gave: bytes, nothing before the socket's timeout (or at once, non-blocking),
// or the end (EOF, reset, error).
enum class Fill { data, timeout, closed };

// Bytes read from a socket and not yet consumed.
class SocketReader {
public:
  explicit SocketReader(int fd) : m_fd(fd) {}

  // Reads until the buffer holds a whole head (start line, headers, blank line); head gets it
  // (without the blank line) and it is consumed. closed: EOF, error or timeout first.
  ReadResult read_head(std::string& head);
  // Takes a whole head from the buffer as read_head does, reading nothing: incomplete when the
  // buffer does not hold one yet. Scanning resumes where the last call stopped, so a head that
  // arrives a byte at a time costs linear time.
  ReadResult take_head(std::string& head);
  // Whether the buffer holds a whole head (ok), too much for one (too_large), or not yet.
  ReadResult head_state();
  // Reads exactly size bytes into out (appended), buffered ones first.
  bool read_exact(std::string& out, size_t size);
  // Reads size bytes, giving each piece to deliver as it arrives.
  bool read_counted(size_t size, const std::function<bool(const char*, size_t)>& deliver);
  // Reads a chunked body, giving each piece to deliver (false from it: closed). too_large when the
  // body passes max_bytes.
  ReadResult read_chunked(const std::function<bool(const char*, size_t)>& deliver, size_t max_bytes);
  // Reads until the peer closes, giving each piece to deliver.
  bool read_to_end(const std::function<bool(const char*, size_t)>& deliver);

  bool empty() const { return m_in.empty(); }
  size_t buffered() const { return m_in.size(); }
  // One more recv() into the buffer; false on EOF, error or timeout (with a deadline set, a
  // socket timeout before it is waited out again).
  bool fill();
  // Exactly one recv() into the buffer, with recv's flags (MSG_DONTWAIT for the poller).
  Fill receive(int flags = 0);

  // Reads give up at deadline, however the bytes trickle in; the socket's timeout then only
  // sets how often a silent peer is checked. Without one (the default) a socket timeout ends a read.
  void set_deadline(std::chrono::steady_clock::time_point deadline) { m_deadline = deadline; }
  void clear_deadline() { m_deadline.reset(); }
  // How long one read waits for the peer on the event loop (where the socket does not block):
  // by default the socket's own SO_RCVTIMEO, looked up once.
  void set_wait(std::chrono::milliseconds wait) { m_wait = wait; }
  // The socket's watch, for its waits on the event loop (see platform::SocketWatch).
  void set_watch(platform::SocketWatch* watch) { m_watch = watch; }

private:
  ssize_t recv_some(char* into, size_t size, int flags);
  std::chrono::milliseconds wait();
  bool read_line(std::string& line);
  size_t find_head_end();
  bool wait_again() const;

  int m_fd;
  std::string m_in;
  size_t m_head_scanned = 0; // m_in before this holds no head's end (reset when a head is taken)
  std::optional<std::chrono::steady_clock::time_point> m_deadline;
  std::chrono::milliseconds m_wait{0}; // 0: not looked up yet
  platform::SocketWatch* m_watch = nullptr;
  bool m_drained = false; // on the loop: the last read took less than it asked, so the socket was empty
};

} // namespace llmgw::core::http::wire
