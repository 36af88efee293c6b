#pragma once
// HTTP/1.1 on a blocking socket, shared by llmgw's server (http_server.hpp) and its client for
// plain-HTTP upstreams (upstream_client.hpp): buffered reads, head and chunked-body parsing, and
// gathered writes that never raise SIGPIPE.
#include <httplib.h>

#include <sys/uio.h>

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace llmgw::core::http::wire {

constexpr size_t k_max_head_bytes = 64 * 1024;
constexpr size_t k_read_chunk = 64 * 1024;

bool iequals(std::string_view a, std::string_view b);
// SO_RCVTIMEO / SO_SNDTIMEO in whole seconds.
void set_timeout(int fd, int option, int seconds);
// Whether a comma-separated header value (Connection, Transfer-Encoding, Expect) lists token.
bool lists_token(std::string_view value, std::string_view token);
std::string_view trim(std::string_view text);
// A Content-Length value: digits only.
std::optional<size_t> parse_decimal(std::string_view text);

// Sends every buffer (iov is consumed); false when the peer is gone or the send timeout passed.
bool send_all(int fd, iovec* iov, int count);
bool send_text(int fd, std::string_view text);

// Parses "Name: value" lines (after the start line) into headers; false on a malformed line.
bool parse_header_lines(std::string_view lines, httplib::Headers& headers);

enum class ReadResult { ok, closed, too_large, malformed };

// Bytes read from a socket and not yet consumed.
class SocketReader {
public:
  explicit SocketReader(int fd) : m_fd(fd) {}

  // Reads until the buffer holds a whole head (start line, headers, blank line); head gets it
  // (without the blank line) and it is consumed. closed: EOF, error or timeout first.
  ReadResult read_head(std::string& head);
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
  // One more recv() into the buffer; false on EOF, error or timeout.
  bool fill();

private:
  bool read_line(std::string& line);

  int m_fd;
  std::string m_in;
};

} // namespace llmgw::core::http::wire
