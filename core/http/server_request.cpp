#include "core/http/server_request.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace llmgw::core::http {

bool parse_request_head(std::string_view head, httplib::Request& request) {
  size_t line_end = head.find('\n');
  std::string_view line = wire::trim(head.substr(0, line_end));
  size_t space1 = line.find(' ');
  size_t space2 = space1 == std::string_view::npos ? space1 : line.find(' ', space1 + 1);
  if (space2 == std::string_view::npos || line.find(' ', space2 + 1) != std::string_view::npos) return false;
  request.method.assign(line.substr(0, space1));
  request.target.assign(line.substr(space1 + 1, space2 - space1 - 1));
  request.version.assign(line.substr(space2 + 1));
  if (request.method.empty() || request.target.empty() || request.target.front() != '/' ||
      (request.version != "HTTP/1.1" && request.version != "HTTP/1.0"))
    return false;
  if (line_end != std::string_view::npos && !wire::parse_header_lines(head.substr(line_end + 1), request.headers))
    return false;
  size_t query = request.target.find('?');
  const std::string_view path = std::string_view(request.target).substr(0, query);
  if (path.find('%') == std::string_view::npos)
    request.path.assign(path); // nothing to decode: no copy made to be decoded
  else
    request.path = httplib::detail::decode_url(std::string(path), false);
  if (query != std::string::npos) httplib::detail::parse_query_text(request.target.substr(query + 1), request.params);
  return true;
}

const char* framing_error(const httplib::Request& request) {
  // Headers compare names case-insensitively, so "host" and "HOST" are the same header here.
  const size_t hosts = wire::header_count(request.headers, "Host");
  if (hosts > 1) return "malformed HTTP request: more than one Host header";
  if (hosts == 0 && request.version == "HTTP/1.1")
    return "malformed HTTP request: HTTP/1.1 request without a Host header";
  const size_t codings = wire::header_count(request.headers, "Transfer-Encoding");
  if (codings == 0) return nullptr;
  // A proxy in front that reads the other header than we do would see a different request
  // boundary: refuse the ambiguity instead of picking one (RFC 9112 §6.1).
  if (wire::has_header(request.headers, "Content-Length"))
    return "malformed HTTP request: both Content-Length and Transfer-Encoding (ambiguous body length)";
  if (codings > 1 || !wire::iequals(wire::trim(wire::header_value(request.headers, "Transfer-Encoding")), "chunked"))
    return "malformed HTTP request: the only Transfer-Encoding accepted is chunked";
  return nullptr;
}

wire::ReadResult read_request_body(int fd, wire::SocketReader& reader, httplib::Request& request, size_t max_bytes) {
  const bool expect_continue =
      request.version == "HTTP/1.1" && wire::lists_token(wire::header_value(request.headers, "Expect"), "100-continue");
  auto send_continue = [&] { return wire::send_text(fd, "HTTP/1.1 100 Continue\r\n\r\n"); };
  if (wire::has_header(request.headers, "Transfer-Encoding")) { // chunked: framing_error() allows nothing else
    if (expect_continue && reader.empty() && !send_continue()) return wire::ReadResult::closed;
    return reader.read_chunked(
        [&](const char* data, size_t size) {
          request.body.append(data, size);
          return true;
        },
        max_bytes);
  }
  size_t length = 0;
  bool seen = false;
  for (const auto& [name, text] : request.headers) {
    if (!wire::iequals(name, "Content-Length")) continue;
    std::optional<size_t> value = wire::parse_decimal(text);
    if (!value || (seen && *value != length)) return wire::ReadResult::malformed;
    length = *value;
    seen = true;
  }
  if (length > max_bytes) return wire::ReadResult::too_large;
  if (length == 0) return wire::ReadResult::ok;
  if (expect_continue && reader.empty() && !send_continue()) return wire::ReadResult::closed;
  request.body.reserve(length);
  return reader.read_exact(request.body, length) ? wire::ReadResult::ok : wire::ReadResult::closed;
}

bool wants_keep_alive(const httplib::Request& request) {
  const std::string* connection = wire::find_header(request.headers, "Connection");
  if (request.version == "HTTP/1.0") return connection && wire::lists_token(*connection, "keep-alive");
  return !connection || !wire::lists_token(*connection, "close");
}

} // namespace llmgw::core::http
