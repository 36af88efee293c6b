#pragma once
// The gateway's own HTTP/1.1 server. Requests and responses are httplib's Request and Response
// (the pipeline and the upstream client share them), but the serving loop is ours, because
// httplib's costs a poll() before every read and write, splits every response into a head and a
// body send, wakes each idle keep-alive connection every 10 ms and reads bodies 4 KB at a time.
//
// Model: one thread per open connection, taken from a ThreadPool that grows on demand up to
// max_threads and shrinks when idle. Sockets are blocking with kernel timeouts (SO_RCVTIMEO /
// SO_SNDTIMEO), so a kept-alive connection waiting for its next request costs no CPU and a
// request costs one recv and one sendmsg (head and body together). Streams use the chunked
// content provider of httplib::Response (always sent chunked): one sendmsg per chunk.
#include "core/http/thread_pool.hpp"

#include <httplib.h>

#include <atomic>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_set>

namespace llmgw::core::http {

struct ServerLimits {
  size_t max_body_bytes = 32u * 1024 * 1024;
  int max_threads = 128;         // connections served at once; more wait to be picked up
  int keep_alive_seconds = 5;    // advertised in Keep-Alive; the server waits twice that
  int write_timeout_seconds = 60;
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

  // Listen on host:port (0 = a free port). Returns the port, or -1 when it cannot.
  int bind(const std::string& host, int port);
  // Accept connections until stop(). Call once, after bind().
  void serve();
  // Stop accepting, close every connection (a request being answered finishes first) and wait
  // for the connection threads to end.
  void stop();

private:
  void submit(int fd);
  void serve_connection(int fd);
  void forget(int fd);

  ServerLimits m_limits;
  Handler m_handler, m_refusal;
  std::atomic<int> m_listen{-1};
  std::atomic<bool> m_stopping{false};

  std::mutex m_mutex;
  std::unordered_set<int> m_open; // accepted and not yet closed (stop() shuts them down)
  ThreadPool m_threads;           // declared last: it ends first, while the rest is still there
};

} // namespace llmgw::core::http
