#include "core/http/http_server.hpp"

#include "core/http/wire.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string_view>
#include <thread>

namespace llmgw::core::http {
namespace {

using wire::ReadResult;

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

// Parses the request line and headers of head into request.
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
  request.path = httplib::detail::decode_url(request.target.substr(0, query), false);
  if (query != std::string::npos) httplib::detail::parse_query_text(request.target.substr(query + 1), request.params);
  return true;
}

// Reads the body the head announced (Content-Length or chunked) into request.body.
ReadResult read_request_body(int fd, wire::SocketReader& reader, httplib::Request& request, size_t max_bytes) {
  const bool expect_continue = request.version == "HTTP/1.1" &&
                               wire::lists_token(request.get_header_value("Expect"), "100-continue");
  auto send_continue = [&] { return wire::send_text(fd, "HTTP/1.1 100 Continue\r\n\r\n"); };
  auto te = request.headers.find("Transfer-Encoding");
  if (te != request.headers.end()) {
    if (!wire::lists_token(te->second, "chunked")) return ReadResult::malformed;
    if (expect_continue && reader.empty() && !send_continue()) return ReadResult::closed;
    return reader.read_chunked(
        [&](const char* data, size_t size) {
          request.body.append(data, size);
          return true;
        },
        max_bytes);
  }
  size_t length = 0;
  bool seen = false;
  auto [first, last] = request.headers.equal_range("Content-Length");
  for (auto it = first; it != last; ++it) {
    std::optional<size_t> value = wire::parse_decimal(it->second);
    if (!value || (seen && *value != length)) return ReadResult::malformed;
    length = *value;
    seen = true;
  }
  if (length > max_bytes) return ReadResult::too_large;
  if (length == 0) return ReadResult::ok;
  if (expect_continue && reader.empty() && !send_continue()) return ReadResult::closed;
  request.body.reserve(length);
  return reader.read_exact(request.body, length) ? ReadResult::ok : ReadResult::closed;
}

// After refusing a request whose body was left unread: let the client finish sending and read
// the answer (closing with unread bytes would reset the connection and lose the answer).
void discard_input(int fd) {
  ::shutdown(fd, SHUT_WR);
  wire::set_timeout(fd, SO_RCVTIMEO, 1);
  char sink[wire::k_read_chunk];
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (std::chrono::steady_clock::now() < deadline && ::recv(fd, sink, sizeof sink, 0) > 0) {
  }
}

bool wants_keep_alive(const httplib::Request& request) {
  auto it = request.headers.find("Connection");
  if (request.version == "HTTP/1.0") return it != request.headers.end() && wire::lists_token(it->second, "keep-alive");
  return it == request.headers.end() || !wire::lists_token(it->second, "close");
}

bool framing_header(const std::string& name) {
  return wire::iequals(name, "Content-Length") || wire::iequals(name, "Transfer-Encoding") || wire::iequals(name, "Connection") ||
         wire::iequals(name, "Keep-Alive");
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
  if (!response.has_header("Content-Type") && (!response.body.empty() || response.content_provider_))
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
    int prefix_size = size > 0 ? std::snprintf(prefix, sizeof prefix, "%zx\r\n", size) : 0;
    iovec iov[4] = {{},
                    {prefix, static_cast<size_t>(prefix_size)},
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

// Writes the response; false when the connection must be closed afterwards.
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

} // namespace

HttpServer::HttpServer(ServerLimits limits, Handler handler, Handler refusal)
    : m_limits(limits), m_handler(std::move(handler)), m_refusal(std::move(refusal)), m_threads(limits.max_threads) {}

HttpServer::~HttpServer() {
  stop();
  int fd = m_listen.exchange(-1);
  if (fd >= 0) ::close(fd);
}

int HttpServer::bind(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (::getaddrinfo(host.c_str(), service.c_str(), &hints, &found) != 0) return -1;
  int bound = -1;
  for (addrinfo* at = found; at != nullptr && bound < 0; at = at->ai_next) {
    int fd = ::socket(at->ai_family, at->ai_socktype | SOCK_CLOEXEC, at->ai_protocol);
    if (fd < 0) continue;
    int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    if (::bind(fd, at->ai_addr, at->ai_addrlen) == 0 && ::listen(fd, SOMAXCONN) == 0) {
      sockaddr_storage address{};
      socklen_t size = sizeof address;
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size);
      bound = ntohs(address.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&address)->sin6_port
                                                  : reinterpret_cast<sockaddr_in*>(&address)->sin_port);
      m_listen = fd;
    } else {
      ::close(fd);
    }
  }
  ::freeaddrinfo(found);
  return bound;
}

void HttpServer::serve() {
  const int listener = m_listen.load();
  while (!m_stopping) {
    int fd = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (m_stopping) break;
      // A connection reset before it was accepted is nothing; anything else (out of descriptors
      // or memory) gets a short pause instead of a busy loop.
      if (errno != EINTR && errno != ECONNABORTED && errno != EPROTO)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    int yes = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
    // A kept-alive connection is closed after twice the advertised idle time, so a client that
    // reuses it at the last moment never races the close; a stalled request body is dropped then too.
    wire::set_timeout(fd, SO_RCVTIMEO, 2 * m_limits.keep_alive_seconds);
    wire::set_timeout(fd, SO_SNDTIMEO, m_limits.write_timeout_seconds);
    submit(fd);
  }
}

void HttpServer::submit(int fd) {
  std::lock_guard lock(m_mutex);
  if (m_stopping) {
    ::close(fd);
    return;
  }
  m_open.insert(fd);
  try {
    m_threads.run([this, fd] { serve_connection(fd); });
  } catch (const std::exception&) {
    // No thread for it (out of memory or threads): drop the connection, keep serving the others.
    m_open.erase(fd);
    ::close(fd);
  }
}

void HttpServer::forget(int fd) {
  {
    std::lock_guard lock(m_mutex);
    m_open.erase(fd);
  }
  ::close(fd);
}

void HttpServer::serve_connection(int fd) {
  wire::SocketReader reader(fd);
  bool keep_alive = true;
  std::string head;
  while (keep_alive && !m_stopping) {
    httplib::Request request;
    httplib::Response response;
    ReadResult read = reader.read_head(head);
    if (read == ReadResult::closed) break;
    if (read == ReadResult::ok)
      read = parse_request_head(head, request) ? read_request_body(fd, reader, request, m_limits.max_body_bytes)
                                               : ReadResult::malformed;
    if (read == ReadResult::closed) break;
    if (read != ReadResult::ok) {
      // The rest of the request was not read: answer and close.
      response.status = read == ReadResult::malformed ? 400 : request.method.empty() ? 431 : 413;
      response.reason = read == ReadResult::malformed
                            ? "malformed HTTP request (request line, a header, or the body's length or chunks)"
                        : response.status == 431 ? "request head (request line and headers) is larger than 64 KB"
                                                 : "request body is larger than the limit";
      m_refusal(request, response);
      write_response(fd, request, response, false, m_limits.keep_alive_seconds);
      discard_input(fd);
      break;
    }
    keep_alive = wants_keep_alive(request);
    try {
      m_handler(request, response);
      if (response.status == -1) response.status = 200;
    } catch (const std::exception&) {
      // What the handler left to run once the answer is written (its releaser) still runs.
      auto after_reply = std::move(response.content_provider_resource_releaser_);
      response = httplib::Response();
      response.content_provider_resource_releaser_ = std::move(after_reply);
      response.status = 500;
    }
    if (response.status >= 400 && response.body.empty() && !response.content_provider_) m_refusal(request, response);
    keep_alive = write_response(fd, request, response, keep_alive && !m_stopping, m_limits.keep_alive_seconds);
  }
  forget(fd);
}

void HttpServer::stop() {
  {
    std::lock_guard lock(m_mutex);
    if (!m_stopping.exchange(true)) {
      int listener = m_listen.load();
      if (listener >= 0) ::shutdown(listener, SHUT_RDWR); // wakes accept()
    }
    // Wakes a thread waiting for a connection's next request; a connection still queued for a
    // thread is closed as soon as one takes it.
    for (int fd : m_open) ::shutdown(fd, SHUT_RDWR);
  }
  m_threads.stop();
}

} // namespace llmgw::core::http
