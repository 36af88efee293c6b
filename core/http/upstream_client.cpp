#include "core/http/upstream_client.hpp"

#include "core/http/proxy.hpp"
#include "core/http/tcp_probe.hpp"
#include "core/http/wire.hpp"
#include "core/platform/fiber.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace llmgw::core::http {
namespace {

// Whether a kept-alive connection is still usable: the server may have closed it while idle.
bool still_open(int fd) {
  char byte;
  ssize_t got = ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

std::string request_head(const httplib::Request& request, const std::string& host_header) {
  std::string head;
  head.reserve(512);
  head += request.method;
  head += ' ';
  head += request.path.empty() ? "/" : request.path;
  head += " HTTP/1.1\r\nHost: ";
  head += host_header;
  head += "\r\n";
  bool accept = false, agent = false;
  for (const auto& [name, value] : request.headers) {
    if (wire::iequals(name, "Host") || wire::iequals(name, "Content-Length") || wire::iequals(name, "Connection") ||
        wire::iequals(name, "Transfer-Encoding"))
      continue;
    accept = accept || wire::iequals(name, "Accept");
    agent = agent || wire::iequals(name, "User-Agent");
    head += name;
    head += ": ";
    head += value;
    head += "\r\n";
  }
  if (!accept) head += "Accept: */*\r\n";
  if (!agent) head += "User-Agent: llmgw/" LLMGW_VERSION "\r\n";
  if (!request.body.empty() || request.method == "POST" || request.method == "PUT" || request.method == "PATCH") {
    head += "Content-Length: ";
    head += std::to_string(request.body.size());
    head += "\r\n";
  }
  head += "\r\n";
  return head;
}

bool parse_status_line(std::string_view line, httplib::Response& response) {
  line = wire::trim(line);
  if (line.substr(0, 5) != "HTTP/" || line.size() < 12 || line[8] != ' ') return false;
  auto code = wire::parse_decimal(line.substr(9, 3));
  if (!code || *code < 100 || *code > 999) return false;
  response.version.assign(line.substr(0, 8));
  response.status = static_cast<int>(*code);
  response.reason.assign(line.size() > 13 ? line.substr(13) : std::string_view());
  return true;
}

} // namespace

const char* describe(httplib::Error error) {
  using httplib::Error;
  switch (error) {
  case Error::Success: return "no error";
  case Error::Connection: return "connection failed (refused, reset or no route)";
  case Error::BindIPAddress: return "cannot bind the local address";
  case Error::Read: return "the connection broke or timed out while reading the answer";
  case Error::Write: return "the connection broke or timed out while sending the request";
  case Error::ExceedRedirectCount: return "too many redirects";
  case Error::Canceled: return "cancelled";
  case Error::SSLConnection: return "TLS handshake failed";
  case Error::SSLLoadingCerts:
    return "cannot load the trusted CA certificates (system store, SSL_CERT_FILE or SSL_CERT_DIR)";
  case Error::SSLServerVerification:
    return "the provider's TLS certificate failed verification (not signed by a trusted CA, expired, or issued for "
           "another host name; SSL_CERT_FILE or SSL_CERT_DIR add a CA)";
  case Error::UnsupportedMultipartBoundaryChars: return "unsupported multipart boundary";
  case Error::Compression: return "cannot decompress the answer";
  case Error::ConnectionTimeout: return "connection timed out";
  case Error::Unknown: break;
  }
  return "unknown transport error";
}

UpstreamClient::UpstreamClient(const std::string& origin, UpstreamTimeouts timeouts) : m_timeouts(timeouts) {
  if (origin.rfind("http://", 0) != 0) {
    m_tls = std::make_unique<httplib::Client>(origin);
    m_tls->set_tcp_nodelay(true);
    m_tls->set_keep_alive(true);
    m_tls->set_connection_timeout(timeouts.connect_seconds, 0);
    m_tls->set_read_timeout(timeouts.read_seconds, 0);
    m_tls->set_write_timeout(timeouts.read_seconds, 0);
    // Bodies are relayed byte for byte; upstreams are asked for identity encoding anyway.
    m_tls->set_decompress(false);
    // The provider's certificate is checked against the system's CAs (and SSL_CERT_FILE /
    // SSL_CERT_DIR) and its host name; httplib does so by default, and it stays so.
    m_tls->enable_server_certificate_verification(true);
    // Through the user's proxy (https_proxy, no_proxy) as the agent itself would go.
    if (const auto proxy = proxy_for_origin(origin)) {
      m_tls->set_proxy(proxy->host, proxy->port);
      if (!proxy->user.empty()) m_tls->set_proxy_basic_auth(proxy->user, proxy->password);
    }
    return;
  }
  m_host_header = origin.substr(7);
  m_target = split_origin(origin);
}

UpstreamClient::~UpstreamClient() { disconnect(); }

void UpstreamClient::stop() {
  if (m_tls) {
    m_tls->stop();
    return;
  }
  m_stopped = true;
  std::lock_guard lock(m_fd_mutex);
  if (m_fd >= 0) ::shutdown(m_fd, SHUT_RDWR);
}

void UpstreamClient::disconnect() {
  std::lock_guard lock(m_fd_mutex);
  if (m_fd >= 0) ::close(m_fd);
  m_fd = -1;
  m_watch = {}; // its number may be reused by a socket the loop does not watch
}

bool UpstreamClient::connect(httplib::Error& error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  error = httplib::Error::Connection;
  if (::getaddrinfo(m_target.host.c_str(), m_target.port.c_str(), &hints, &found) != 0) return false;
  int fd = -1;
  bool timed_out = false;
  for (addrinfo* at = found; at != nullptr && fd < 0; at = at->ai_next)
    fd = connect_within(*at, m_timeouts.connect_seconds * 1000, &timed_out);
  ::freeaddrinfo(found);
  if (fd < 0) {
    if (timed_out) error = httplib::Error::ConnectionTimeout;
    return false;
  }
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  int yes = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
  wire::set_timeout(fd, SO_RCVTIMEO, m_timeouts.read_seconds);
  wire::set_timeout(fd, SO_SNDTIMEO, m_timeouts.read_seconds);
  std::lock_guard lock(m_fd_mutex);
  m_fd = fd;
  m_watch = {};
  if (m_stopped) ::shutdown(fd, SHUT_RDWR);
  return true;
}

bool UpstreamClient::send(httplib::Request& request, httplib::Response& response, httplib::Error& error) {
  if (m_tls) {
    platform::leave_event_loop(); // OpenSSL through httplib blocks on its socket
    return m_tls->send(request, response, error);
  }
  error = httplib::Error::Success;
  // A kept-alive connection the server closed while idle is replaced; a request whose write
  // fails on a reused connection is sent once more on a fresh one (nothing reached the server).
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (m_stopped) {
      error = httplib::Error::Canceled;
      return false;
    }
    // A connection used a moment ago is trusted without the peek (a system call per request):
    // no server closes an idle connection that fast, and if one did, the answer's first read
    // finds the close and the request is sent once more on a fresh connection.
    const bool recent = m_fd >= 0 && std::chrono::steady_clock::now() - m_last_used < k_trusted_idle;
    const bool reused = m_fd >= 0 && (recent || still_open(m_fd));
    if (!reused) {
      platform::leave_event_loop(); // the name lookup and the connect block
      disconnect();
      if (!connect(error)) return false;
    }
    bool retry = false;
    if (exchange(request, response, error, retry, recent)) return true;
    disconnect();
    if (!(retry && reused)) break;
  }
  if (m_stopped) error = httplib::Error::Canceled;
  return false;
}

bool UpstreamClient::exchange(const httplib::Request& request, httplib::Response& response, httplib::Error& error,
                              bool& retry, bool unchecked) {
  const std::string head = request_head(request, m_host_header);
  // A thread reads this connection now (a stream, a large body): the loop that watched it must
  // not wake for every arrival. Asked again after the send, which may leave the loop.
  if (!platform::on_event_loop()) platform::stop_watching(m_watch, m_fd);
  iovec iov[2] = {{const_cast<char*>(head.data()), head.size()},
                  {const_cast<char*>(request.body.data()), request.body.size()}};
  if (!wire::send_all(m_fd, iov, 2)) {
    error = httplib::Error::Write;
    retry = true;
    return false;
  }
  wire::SocketReader reader(m_fd);
  reader.set_wait(std::chrono::seconds(m_timeouts.read_seconds));
  const bool on_loop = platform::on_event_loop(); // the send may have left it
  if (on_loop)
    reader.set_watch(&m_watch);
  else
    platform::stop_watching(m_watch, m_fd);
  // On the event loop the answer is never there the moment the request left: wait for it first
  // instead of a read that finds nothing (a system call per request).
  if (on_loop && platform::wait_readable(m_fd, std::chrono::seconds(m_timeouts.read_seconds), &m_watch) ==
                     platform::Fiber::Wake::timeout) {
    error = httplib::Error::Read;
    return false;
  }
  if (unchecked) {
    // Closed before a single byte of the answer: the server had closed the idle connection.
    const wire::Fill first = reader.receive();
    if (first != wire::Fill::data) {
      error = httplib::Error::Read;
      retry = first == wire::Fill::closed;
      return false;
    }
  }
  std::string text;
  // 1xx answers (100 Continue, 103 Early Hints) come before the real one.
  do {
    response.headers.clear();
    if (reader.read_head(text) != wire::ReadResult::ok) {
      error = httplib::Error::Read;
      return false;
    }
    size_t line_end = text.find('\n');
    if (!parse_status_line(std::string_view(text).substr(0, line_end), response) ||
        (line_end != std::string::npos &&
         !wire::parse_header_lines(std::string_view(text).substr(line_end + 1), response.headers))) {
      error = httplib::Error::Read;
      return false;
    }
  } while (response.status >= 100 && response.status < 200);
  if (request.response_handler && !request.response_handler(response)) {
    error = httplib::Error::Canceled;
    return false;
  }

  uint64_t offset = 0, total = 0;
  auto deliver = [&](const char* data, size_t size) {
    if (!request.content_receiver) {
      response.body.append(data, size);
      return true;
    }
    bool more = request.content_receiver(data, size, offset, total);
    offset += size;
    if (!more) error = httplib::Error::Canceled;
    return more;
  };
  const std::string_view connection = wire::header_value(response.headers, "Connection");
  bool keep = !wire::lists_token(connection, "close") &&
              (response.version != "HTTP/1.0" || wire::lists_token(connection, "keep-alive"));
  bool ok = true;
  const bool no_body = request.method == "HEAD" || response.status == 204 || response.status == 304;
  auto length = wire::parse_decimal(wire::header_value(response.headers, "Content-Length"));
  if (no_body) {
  } else if (wire::lists_token(wire::header_value(response.headers, "Transfer-Encoding"), "chunked")) {
    ok = reader.read_chunked(deliver, SIZE_MAX) == wire::ReadResult::ok;
  } else if (length) {
    total = *length;
    if (!request.content_receiver) {
      response.body.reserve(*length);
      ok = reader.read_exact(response.body, *length);
    } else {
      ok = reader.read_counted(*length, deliver);
    }
  } else {
    keep = false; // the body ends when the connection does
    ok = reader.read_to_end(deliver);
  }
  if (!ok) {
    if (error == httplib::Error::Success) error = httplib::Error::Read;
    return false;
  }
  if (!keep || !reader.empty())
    disconnect();
  else
    m_last_used = std::chrono::steady_clock::now();
  return true;
}

} // namespace llmgw::core::http
