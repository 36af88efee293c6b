#pragma once
// HTTP/1.1 framing helpers shared by the benchmark's client and its upstream: just enough to find
// where a message's head and body end, so neither side pays for a general-purpose parser.
#include <cstddef>
#include <string>
#include <string_view>

namespace llmgw::bench {

inline constexpr size_t k_npos = std::string::npos;

// The head of one message: what framing needs, nothing else.
struct MessageHead {
  size_t body_begin = 0;         // offset of the first body byte in the buffer
  int status = 0;                // responses only
  long long content_length = -1; // -1 when absent
  bool chunked = false;
  bool close = false;            // "Connection: close" or HTTP/1.0
  std::string_view method, path; // requests only; views into the buffer
};

// Parses the head at the start of buffer; false while "\r\n\r\n" has not arrived yet.
bool parse_head(std::string_view buffer, bool is_response, MessageHead& head);

// Offset just past the end of a chunked body starting at begin (trailers not supported), or
// k_npos while it is incomplete. Sets malformed on a bad chunk-size line.
size_t chunked_body_end(std::string_view buffer, size_t begin, bool& malformed);

// Offset just past the body of the message whose head is given, or k_npos while incomplete.
size_t body_end(std::string_view buffer, const MessageHead& head, bool& malformed);

} // namespace llmgw::bench
