#include "core/http/server_response.hpp"

#include "core/http/wire.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <chrono>
#include <string>
#include <string_view>

namespace llmgw::core::http {
namespace {

const char* reason_phrase(int status) {
  switch (status) {
  case 100: return "Continue";
  case 200: return "OK";
  case 201: return "Created";
  case 202: return "Accepted";
  case 204: return "No Content";
  case 206: return "Partial Content";
  case 301: return "Moved Permanently";
  case 302: return "Found";
  case 304: return "Not Modified";
  case 307: return "Temporary Redirect";
  case 308: return "Permanent Redirect";
  case 400: return "Bad Request";
  case 401: return "Unauthorized";
  case 402: return "Payment Required";
  case 403: return "Forbidden";
  case 404: return "Not Found";
  case 405: return "Method Not Allowed";
  case 408: return "Request Timeout";
  case 409: return "Conflict";
  case 411: return "Length Required";
  case 413: return "Payload Too Large";
  case 415: return "Unsupported Media Type";
  case 422: return "Unprocessable Entity";
  case 429: return "Too Many Requests";
  case 431: return "Request Header Fields Too Large";
  case 500: return "Internal Server Error";
  case 501: return "Not Implemented";
  case 502: return "Bad Gateway";
  case 503: return "Service Unavailable";
  case 504: return "Gateway Timeout";
  case 505: return "HTTP Version Not Supported";
  case 529: return "Site Overloaded";
  default: return status < 400 ? "OK" : status < 500 ? "Client Error" : "Server Error";
  }
}

// Whether the client is still there: a hang-up shows as POLLRDHUP, or as a readable socket
// whose peek returns 0.
bool peer_open(int fd) {
  pollfd entry{fd, static_cast<short>(POLLIN | POLLRDHUP), 0};
  if (::poll(&entry, 1, 0) <= 0) return true;
  if ((entry.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)) != 0) return false;
  char byte;
  return ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT) != 0;
}

// A chunk's size line ("1a2b\r\n") into out; returns its length. A streamed event's every write
// makes one, so without a format string.
size_t chunk_prefix(size_t size, char (&out)[24]) {
  static constexpr char k_digits[] = "0123456789abcdef";
  char reversed[16];
  size_t count = 0;
  do {
    reversed[count++] = k_digits[size & 0xF];
    size >>= 4;
  } while (size != 0);
  for (size_t i = 0; i < count; ++i) out[i] = reversed[count - 1 - i];
  out[count] = '\r';
  out[count + 1] = '\n';
  return count + 2;
}

bool framing_header(const std::string& name) {
  return wire::iequals(name, "Content-Length") || wire::iequals(name, "Transfer-Encoding") ||
         wire::iequals(name, "Connection") || wire::iequals(name, "Keep-Alive");
}

std::string response_head(const httplib::Response& response, std::string_view framing, bool keep_alive,
                          int keep_alive_seconds) {
  std::string head;
  head.reserve(256);
  head += "HTTP/1.1 ";
  head += std::to_string(response.status);
  head += ' ';
  head += reason_phrase(response.status);
  head += "\r\n";
  for (const auto& [name, value] : response.headers) {
    if (framing_header(name)) continue;
    head += name;
    head += ": ";
    head += value;
    head += "\r\n";
  }
  if (!wire::has_header(response.headers, "Content-Type") && (!response.body.empty() || response.content_provider_))
    head += "Content-Type: text/plain\r\n";
  head += framing;
  if (keep_alive) {
    head += "Keep-Alive: timeout=";
    head += std::to_string(keep_alive_seconds);
    head += "\r\n";
  } else {
    head += "Connection: close\r\n";
  }
  head += "\r\n";
  return head;
}

// Runs a content provider until it calls done(); each write is one chunk in one sendmsg. The
// response head goes out with the first write (a zero-length write sends it alone), so a stream's
// head and first event reach the client in one segment. Every provider is sent chunked (the
// gateway only streams). Returns whether the whole response went out.
bool write_chunked(int fd, httplib::Response& response, std::string head) {
  bool ok = true, done = false;
  size_t offset = 0;
  auto send = [&](iovec* iov, int count) {
    iov[0] = {head.data(), head.size()}; // empty once the head went out
    ok = wire::send_all(fd, iov, count);
    head.clear();
    return ok;
  };
  httplib::DataSink sink;
  sink.write = [&](const char* data, size_t size) {
    if (!ok) return false;
    char prefix[24];
    const size_t prefix_size = size > 0 ? chunk_prefix(size, prefix) : 0;
    iovec iov[4] = {{},
                    {prefix, prefix_size},
                    {const_cast<char*>(data), size},
                    {const_cast<char*>("\r\n"), size > 0 ? size_t{2} : size_t{0}}};
    offset += size;
    return send(iov, 4);
  };
  sink.done = [&] {
    if (done) return;
    done = true;
    iovec iov[2] = {{}, {const_cast<char*>("0\r\n\r\n"), 5}};
    if (ok) send(iov, 2);
  };
  sink.is_writable = [&] { return ok && peer_open(fd); };
  while (ok && !done)
    if (!response.content_provider_(offset, 0, sink)) ok = false;
  response.content_provider_success_ = ok && done;
  return ok && done;
}

} // namespace

bool write_response(int fd, const httplib::Request& request, httplib::Response& response, bool keep_alive,
                    int keep_alive_seconds) {
  const bool head_only = request.method == "HEAD";
  if (response.content_provider_) {
    std::string head = response_head(response, "Transfer-Encoding: chunked\r\n", keep_alive, keep_alive_seconds);
    if (head_only) return wire::send_text(fd, head) && keep_alive;
    return write_chunked(fd, response, std::move(head)) && keep_alive;
  }
  const std::string head = response_head(response, "Content-Length: " + std::to_string(response.body.size()) + "\r\n",
                                         keep_alive, keep_alive_seconds);
  iovec iov[2] = {{const_cast<char*>(head.data()), head.size()},
                  {response.body.data(), head_only ? 0 : response.body.size()}};
  return wire::send_all(fd, iov, 2) && keep_alive;
}

void discard_input(int fd) {
  ::shutdown(fd, SHUT_WR);
  wire::set_timeout(fd, SO_RCVTIMEO, 1);
  char sink[wire::k_read_chunk];
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (std::chrono::steady_clock::now() < deadline && ::recv(fd, sink, sizeof sink, 0) > 0) {}
}

} // namespace llmgw::core::http
