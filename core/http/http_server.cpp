#include "core/http/http_server.hpp"

#include "core/http/peer.hpp"
#include "core/http/server_request.hpp"
#include "core/http/server_response.hpp"
#include "core/platform/socket.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <exception>

namespace llmgw::core::http {
namespace {

using wire::ReadResult;

// Without a wait for the next request of its own, a thread's reads still wake this often to
// check a trickling body against its deadline.
constexpr int k_read_tick_ms = 1000;

PollerTimeouts poller_timeouts(const ServerLimits& limits) {
  // A kept-alive connection is closed after twice the advertised idle time, so a client that
  // reuses it at the last moment never races the close.
  return {std::chrono::seconds(limits.head_timeout_seconds), std::chrono::seconds(2 * limits.keep_alive_seconds)};
}

// The status and reason of a request the server refuses on its own.
void set_refusal(ReadResult read, const char* reason, const httplib::Request& request, httplib::Response& response) {
  response.status = read == ReadResult::malformed ? 400 : request.method.empty() ? 431 : 413;
  response.reason = reason != nullptr ? reason
                    : read == ReadResult::malformed
                        ? "malformed HTTP request (request line, a header, or the body's length or chunks)"
                    : response.status == 431 ? "request head (request line and headers) is larger than 64 KB"
                                             : "request body is larger than the limit";
}

// Whether the request's body is larger than limit, or of a size not known from its head (chunked).
bool large_body(const httplib::Request& request, size_t limit) {
  if (wire::has_header(request.headers, "Transfer-Encoding")) return true;
  const auto length = wire::parse_decimal(wire::header_value(request.headers, "Content-Length"));
  return length && *length > limit;
}

} // namespace

HttpServer::HttpServer(ServerLimits limits, Handler handler, Handler refusal)
    : m_limits(limits), m_handler(std::move(handler)), m_refusal(std::move(refusal)),
      m_poller(
          poller_timeouts(limits), [this](int fd) { prepare_socket(fd); },
          [this](std::unique_ptr<Connection> connection) { dispatch(std::move(connection)); },
          [this](std::unique_ptr<platform::Fiber> fiber) { move_to_thread(std::move(fiber)); }, limits.event_loop),
      m_threads(limits.max_threads) {}

HttpServer::~HttpServer() {
  stop();
  int fd = m_listen.exchange(-1);
  if (fd >= 0) ::close(fd);
}

int HttpServer::bind(const std::string& host, int port) {
  if (!m_poller.ok()) return -1;
  // Each connection is a descriptor, and an idle one costs the poller nothing else: the usual soft
  // limit of 1024 (256 on macOS) would turn clients away long before anything else runs short.
  platform::raise_descriptor_limit();
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (::getaddrinfo(host.c_str(), service.c_str(), &hints, &found) != 0) return -1;
  int bound = -1;
  for (addrinfo* at = found; at != nullptr && bound < 0; at = at->ai_next) {
    // Non-blocking: the poller accepts every pending connection, then waits for more.
    int fd = platform::open_socket(at->ai_family, at->ai_socktype, at->ai_protocol, true);
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
  if (!m_stopping) m_poller.run(m_listen.load());
}

void HttpServer::prepare_socket(int fd) const {
  int yes = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
  // Blocking, with a short read timeout: it is how long a thread waits for the next request
  // before handing the connection to the poller, and how often a stalled body is checked.
  const int wait_ms = m_limits.next_request_wait_ms;
  wire::set_timeout_ms(fd, SO_RCVTIMEO, wait_ms > 0 ? wait_ms : k_read_tick_ms);
  wire::set_timeout(fd, SO_SNDTIMEO, m_limits.write_timeout_seconds);
}

void HttpServer::dispatch(std::unique_ptr<Connection> connection) {
  Connection* handed = connection.get();
  if (m_limits.event_loop) {
    std::unique_ptr<platform::Fiber> fiber;
    try {
      fiber =
          std::make_unique<platform::Fiber>([this, handed] { serve_connection(std::unique_ptr<Connection>(handed)); });
    } catch (const std::exception&) {
      return m_poller.close(std::move(connection)); // out of memory: drop it, keep serving the others
    }
    connection.release(); // the fiber owns it now
    fiber->set_home(handed->fd, &m_poller);
    return m_poller.start(std::move(fiber));
  }
  try {
    m_threads.run([this, handed] { serve_connection(std::unique_ptr<Connection>(handed)); });
    connection.release(); // the task owns it now (a queued task still runs in stop())
  } catch (const std::exception&) {
    // No thread for it (out of memory or threads, or stopping): drop it, keep serving the others.
    m_poller.close(std::move(connection));
  }
}

// A fiber that asked for a thread (it is about to block on something other than a socket read).
void HttpServer::move_to_thread(std::unique_ptr<platform::Fiber> fiber) {
  platform::Fiber* handed = fiber.get();
  try {
    m_threads.run([handed] {
      std::unique_ptr<platform::Fiber> own(handed);
      own->resume(false); // off the loop it never suspends again: it runs to its end
    });
    fiber.release();
  } catch (const std::exception&) {
    fiber->resume(false); // no thread for it: it ends here, holding up the loop meanwhile
  }
}

void HttpServer::serve_connection(std::unique_ptr<Connection> connection) {
  std::string head;
  while (!m_stopping) {
    ReadResult read = connection->reader.take_head(head);
    if (read == ReadResult::incomplete) {
      // A fiber gives the connection back to the poller at once: waiting on the loop would cost
      // the same epoll arming, and one that went to a thread should free it.
      wire::Fill got = platform::Fiber::current() != nullptr ? wire::Fill::timeout : await_next_request(*connection);
      if (got == wire::Fill::data) continue;
      if (got == wire::Fill::closed) break;
      m_poller.watch_kept_alive(std::move(connection));
      return;
    }
    if (!answer(*connection, read, head)) break;
  }
  m_poller.close(std::move(connection));
}

// Back-to-back requests on a kept-alive connection come within a moment: one blocking recv here
// costs less than a trip through the poller (an epoll_ctl and two thread wake-ups). Once only,
// and only with nothing buffered, so a slow sender goes to the poller and holds no thread.
wire::Fill HttpServer::await_next_request(Connection& connection) {
  if (!connection.reader.empty() || m_limits.next_request_wait_ms <= 0) return wire::Fill::timeout;
  return connection.reader.receive();
}

bool HttpServer::answer(Connection& connection, ReadResult read, const std::string& head) {
  httplib::Request request;
  httplib::Response response;
  const char* refused = nullptr;
  if (read == ReadResult::ok && !parse_request_head(head, request)) read = ReadResult::malformed;
  // Once per connection: team mode keeps the dashboard and the loopback API to local clients.
  if (connection.peer.empty()) connection.peer = peer_address(connection.fd);
  request.remote_addr = connection.peer;
  if (read == ReadResult::ok && (refused = framing_error(request)) != nullptr) read = ReadResult::malformed;
  if (read == ReadResult::ok) {
    // A large body is read and handled on a thread: a blocking read takes it straight into place
    // (on the loop it would cost a wake-up per piece), and its parsing would hold up the loop.
    if (large_body(request, m_limits.loop_body_bytes)) leave_event_loop(connection);
    // However the body trickles in, it holds this thread for body_timeout_seconds at most.
    connection.reader.set_deadline(std::chrono::steady_clock::now() +
                                   std::chrono::seconds(m_limits.body_timeout_seconds));
    read = read_request_body(connection.fd, connection.reader, request, m_limits.max_body_bytes);
    connection.reader.clear_deadline();
  }
  if (read == ReadResult::closed) return false;
  if (read != ReadResult::ok) {
    // The rest of the request was not read: answer and close.
    set_refusal(read, refused, request, response);
    m_refusal(request, response);
    write_response(connection.fd, request, response, false, m_limits.keep_alive_seconds);
    leave_event_loop(connection); // the discarding blocks on the socket for a while
    discard_input(connection.fd);
    return false;
  }
  const bool keep_alive = wants_keep_alive(request);
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
  const bool kept =
      write_response(connection.fd, request, response, keep_alive && !m_stopping, m_limits.keep_alive_seconds);
  // Their nodes hold the next request's headers.
  wire::keep_headers_whole(request.headers);
  wire::recycle_headers(response.headers);
  return kept;
}

// Before reads of the connection that block: on a thread, where the loop must not go on watching
// the socket (it would wake for every piece of a large body).
void HttpServer::leave_event_loop(Connection& connection) {
  m_poller.unwatch(connection.fd);
  platform::leave_event_loop();
}

void HttpServer::stop() {
  m_stopping = true;
  // Ends serve(), closes the connections between requests and shuts down the others, which
  // wakes a thread reading or writing one; a connection queued for a thread is closed when one
  // takes it.
  m_poller.stop();
  m_threads.stop();
}

} // namespace llmgw::core::http
