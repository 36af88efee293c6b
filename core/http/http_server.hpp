#pragma once
// The gateway's own HTTP/1.1 server. Requests and responses are httplib's Request and Response
// (the pipeline and the upstream client share them), but the serving loop is ours, because
// httplib's costs a poll() before every read and write, splits every response into a head and a
// body send, wakes each idle keep-alive connection every 10 ms and reads bodies 4 KB at a time.
//
// Model: one event loop, the ConnectionPoller (connection_poller.hpp, on the thread that calls
// serve()), accepts connections and watches them with epoll between requests, reading each
// head without blocking. Once a head is whole, the request runs as a fiber (platform/fiber.hpp)
// on that same thread: it reads the body, runs the handler and writes the answer in one sendmsg,
// and wherever it would wait for a socket to become readable (the rest of a body, the provider's
// answer) it yields to the loop, which serves the other connections meanwhile. So at any
// concurrency the request path costs no thread wake-up and no context switch per hop, as nginx's
// worker does. A request about to block in any other way (a stream, TLS, a connect, a back-off,
// the database, a large body, a slow reader) moves its fiber to a thread from a ThreadPool (up
// to max_threads, growing on demand, shrinking when idle) and ends there; a stream keeps that
// thread to its end. Streams use the chunked content provider of httplib::Response (always sent
// chunked): one sendmsg per chunk. With event_loop off every request goes to a thread at once
// and a thread waits next_request_wait_ms on its own for a kept-alive connection's next request.
#include "core/http/connection_poller.hpp"
#include "core/http/thread_pool.hpp"

#include <httplib.h>

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

namespace llmgw::core::http {

struct ServerLimits {
  size_t max_body_bytes = 32u * 1024 * 1024;
  int max_threads = 128;              // requests answered at once; more wait for a thread
  int keep_alive_seconds = 5;         // advertised in Keep-Alive; an idle connection is closed after twice that
  int head_timeout_seconds = 10;      // a request head arrives whole within this of the accept (or of its first byte)
  int body_timeout_seconds = 60;      // a request body arrives whole within this of its head, however it trickles
  int write_timeout_seconds = 60;     // a client that reads nothing for this long is dropped
  int next_request_wait_ms = 50;      // a thread's own wait for a kept-alive connection's next request
  bool event_loop = true;             // requests start as fibers on the poller's thread (else: on a thread each)
  size_t loop_body_bytes = 64 * 1024; // a larger request body is read and handled on a thread
};

class HttpServer {
public:
  // handler answers a request. refusal fills the body of a response the server decided on itself
  // (400 malformed, 413 too large, 431 head too large, 500 handler threw) and of any response
  // >= 400 the handler left without a body; response.status is set when it is called, and
  // response.reason says why when the server refused on its own.
  using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;
  HttpServer(ServerLimits limits, Handler handler, Handler refusal);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Listen on host:port (0 = a free port). Returns the port, or -1 when it cannot. Raises the
  // process's open-file limit to its hard limit, so thousands of connections fit.
  int bind(const std::string& host, int port);
  // Accept and watch connections until stop(). Call once, after bind().
  void serve();
  // Stop accepting, close every connection (a request being answered finishes first) and wait
  // for serve() to return and for the connection threads to end.
  void stop();

private:
  void prepare_socket(int fd) const;
  void dispatch(std::unique_ptr<Connection> connection);
  void move_to_thread(std::unique_ptr<platform::Fiber> fiber);
  void serve_connection(std::unique_ptr<Connection> connection);
  bool answer(Connection& connection, wire::ReadResult read, const std::string& head);
  wire::Fill await_next_request(Connection& connection);
  void leave_event_loop(Connection& connection);

  ServerLimits m_limits;
  Handler m_handler, m_refusal;
  std::atomic<int> m_listen{-1};
  std::atomic<bool> m_stopping{false};
  ConnectionPoller m_poller; // before m_threads: the threads hand connections back to it
  ThreadPool m_threads;      // declared last: it ends first, while the rest is still there
};

} // namespace llmgw::core::http
