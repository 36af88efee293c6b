#pragma once
// One keep-alive connection's worth of client for an upstream origin. https:// origins go
// through httplib's client (OpenSSL); http:// origins (Ollama, vLLM, llama.cpp, a local proxy)
// through llmgw's own HTTP/1.1 client: one sendmsg for head and body, one recv per arriving
// piece, no poll() around each call, so a local model server sees the gateway add only the
// loopback hops.
#include "core/http/tcp_probe.hpp"
#include "core/platform/fiber.hpp"

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>

namespace llmgw::core::http {

struct UpstreamTimeouts {
  int connect_seconds = 10;
  int read_seconds = 600;
};

// What a failed upstream exchange means, in words for an error message or a log line
// ("the provider's TLS certificate is not trusted ...") instead of httplib's enumerator name.
const char* describe(httplib::Error error);

class UpstreamClient {
public:
  UpstreamClient(const std::string& origin, UpstreamTimeouts timeouts);
  ~UpstreamClient();
  UpstreamClient(const UpstreamClient&) = delete;
  UpstreamClient& operator=(const UpstreamClient&) = delete;

  // As httplib::Client::send: request.path is the path and query; response_handler (head) and
  // content_receiver (body pieces, as they arrive) are honoured, either returning false cancels.
  // False when no full response arrived; error says why.
  bool send(httplib::Request& request, httplib::Response& response, httplib::Error& error);
  // From another thread: break a blocking connect, write or read at once.
  void stop();
  // Whether every exchange leaves the event loop (TLS: OpenSSL through httplib blocks).
  bool blocks() const { return m_tls != nullptr; }

private:
  bool connect(httplib::Error& error);
  void disconnect();
  bool exchange(const httplib::Request& request, httplib::Response& response, httplib::Error& error, bool& retry,
                bool unchecked);

  static constexpr std::chrono::milliseconds k_trusted_idle{1000};

  std::unique_ptr<httplib::Client> m_tls;
  HostPort m_target;         // where to connect
  std::string m_host_header; // the origin's authority as written, for the Host header
  UpstreamTimeouts m_timeouts;
  std::mutex m_fd_mutex; // guards closing m_fd against stop() shutting it down
  int m_fd = -1;
  platform::SocketWatch m_watch;                     // the event loop watching m_fd, if one does
  std::chrono::steady_clock::time_point m_last_used; // when m_fd last ended an exchange and was kept
  std::atomic<bool> m_stopped{false};
};

} // namespace llmgw::core::http
