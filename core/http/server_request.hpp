#pragma once
// The server's side of a request on the wire: the head parsed into httplib's Request, the
// framing rules that keep one request from being read as two (request smuggling), and the body.
#include "core/http/wire.hpp"

#include <httplib.h>

#include <string_view>

namespace llmgw::core::http {

// Parses the request line and headers of head (as SocketReader::take_head gives it) into request.
// False when the request line or a header line is malformed.
bool parse_request_head(std::string_view head, httplib::Request& request);

// Why a parsed head must be refused with 400 and its connection closed, or nullptr when it may
// be served: Content-Length together with Transfer-Encoding, a Transfer-Encoding other than
// chunked, an HTTP/1.1 request without Host, more than one Host (RFC 9112 §3.2, §6.1, §6.3).
const char* framing_error(const httplib::Request& request);

// Reads the body the head announced (Content-Length or chunked) into request.body, after
// "100 Continue" when the client waits for it. too_large past max_bytes, malformed for a broken
// length or chunk, closed when the peer went away or the reader's deadline passed.
wire::ReadResult read_request_body(int fd, wire::SocketReader& reader, httplib::Request& request, size_t max_bytes);

// Whether the client asked to keep the connection open (HTTP/1.1 unless "close"; HTTP/1.0 only
// with "keep-alive").
bool wants_keep_alive(const httplib::Request& request);

} // namespace llmgw::core::http
