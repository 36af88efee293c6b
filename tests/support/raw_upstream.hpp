#pragma once
// A provider that writes exactly the bytes a test gives it (headers no HTTP library would send,
// such as an absurd Content-Length), one request per connection, on 127.0.0.1.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <stdexcept>
#include <string>
#include <thread>

namespace llmgw::test {

class RawUpstream {
public:
  // reply: the bytes to write for a request (its head and body as received).
  explicit RawUpstream(std::function<std::string(const std::string& request)> reply) : m_reply(std::move(reply)) {
    m_listen = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(m_listen, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(m_listen, 64) != 0)
      throw std::runtime_error("raw upstream: cannot listen");
    socklen_t size = sizeof address;
    ::getsockname(m_listen, reinterpret_cast<sockaddr*>(&address), &size);
    m_port = ntohs(address.sin_port);
    m_thread = std::thread([this] { serve(); });
  }
  ~RawUpstream() {
    m_stopping = true;
    ::shutdown(m_listen, SHUT_RDWR);
    m_thread.join();
    ::close(m_listen);
  }
  RawUpstream(const RawUpstream&) = delete;
  RawUpstream& operator=(const RawUpstream&) = delete;

  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(m_port); }
  int calls() const { return m_calls.load(); }

private:
  void serve() {
    while (!m_stopping) {
      pollfd entry{m_listen, POLLIN, 0};
      if (::poll(&entry, 1, 100) <= 0) continue;
      int fd = ::accept(m_listen, nullptr, nullptr);
      if (fd < 0) continue;
      int yes = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
      std::string request = read_request(fd);
      ++m_calls;
      const std::string bytes = m_reply(request);
      for (size_t sent = 0; sent < bytes.size();) {
        ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) break;
        sent += static_cast<size_t>(n);
      }
      ::shutdown(fd, SHUT_WR);
      char sink[4096];
      timeval timeout{1, 0};
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
      while (::recv(fd, sink, sizeof sink, 0) > 0) {}
      ::close(fd);
    }
  }
  static std::string read_request(int fd) {
    std::string text;
    char buffer[65536];
    timeval timeout{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    size_t need = std::string::npos;
    while (need == std::string::npos || text.size() < need) {
      ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
      if (n <= 0) break;
      text.append(buffer, static_cast<size_t>(n));
      size_t head_end = text.find("\r\n\r\n");
      if (need == std::string::npos && head_end != std::string::npos) {
        size_t length = 0;
        for (const char* name : {"Content-Length: ", "content-length: "})
          if (size_t at = text.find(name); at != std::string::npos && at < head_end)
            length = std::stoul(text.substr(at + std::string(name).size()));
        need = head_end + 4 + length;
      }
    }
    return text;
  }

  std::function<std::string(const std::string&)> m_reply;
  int m_listen = -1;
  int m_port = 0;
  std::atomic<bool> m_stopping{false};
  std::atomic<int> m_calls{0};
  std::thread m_thread;
};

} // namespace llmgw::test
