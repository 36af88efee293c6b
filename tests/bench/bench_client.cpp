#include "tests/bench/bench_client.hpp"

#include "tests/bench/bench_http.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

namespace llmgw::bench {
namespace {

using Clock = std::chrono::steady_clock;

double micros_since(Clock::time_point start) {
  return std::chrono::duration<double, std::micro>(Clock::now() - start).count();
}

std::string host_line(int port) { return "Host: 127.0.0.1:" + std::to_string(port) + "\r\n"; }

} // namespace

std::string make_post(int port, const std::string& path, const std::string& extra_headers, const std::string& body) {
  return "POST " + path + " HTTP/1.1\r\n" + host_line(port) + extra_headers +
         "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::string make_get(int port, const std::string& path) {
  return "GET " + path + " HTTP/1.1\r\n" + host_line(port) + "\r\n";
}

Connection::Connection(int port, int timeout_ms) : m_port(port), m_timeout_ms(timeout_ms) {}

Connection::~Connection() { close(); }

void Connection::close() {
  if (m_fd >= 0) ::close(m_fd);
  m_fd = -1;
  m_buffer.clear();
}

bool Connection::ensure_connected(std::string& error) {
  if (m_fd >= 0) return true;
  m_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (m_fd < 0) {
    error = std::string("socket: ") + std::strerror(errno);
    return false;
  }
  int yes = 1;
  ::setsockopt(m_fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
  timeval timeout{m_timeout_ms / 1000, (m_timeout_ms % 1000) * 1000};
  ::setsockopt(m_fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::setsockopt(m_fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(m_port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(m_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    error = std::string("connect: ") + std::strerror(errno);
    close();
    return false;
  }
  return true;
}

bool Connection::send_all(const std::string& bytes, std::string& error) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(m_fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error = std::string("send: ") + std::strerror(errno);
      return false;
    }
    sent += static_cast<size_t>(n);
  }
  return true;
}

bool Connection::receive(std::string& error) {
  char chunk[65536];
  while (true) {
    const ssize_t n = ::recv(m_fd, chunk, sizeof chunk, 0);
    if (n > 0) {
      m_buffer.append(chunk, static_cast<size_t>(n));
      return true;
    }
    if (n < 0 && errno == EINTR) continue;
    error = n == 0 ? "connection closed by server" : std::string("recv: ") + std::strerror(errno);
    return false;
  }
}

Exchange Connection::exchange(const std::string& request) { return run(request, false); }

Exchange Connection::open_stream(const std::string& request) {
  Exchange result = run(request, true);
  return result;
}

Exchange Connection::run(const std::string& request, bool stop_at_first_byte) {
  Exchange result;
  m_buffer.clear();
  // A keep-alive connection the server closed while idle is only noticed on use: retry once.
  const bool reused = m_fd >= 0;
  if (!ensure_connected(result.error)) return result;
  const auto start = Clock::now();
  if (!send_all(request, result.error)) {
    close();
    return reused ? run(request, stop_at_first_byte) : result;
  }
  MessageHead head;
  bool have_head = false, have_first_byte = false;
  size_t event_scan = 0; // where the search for the first "data:" resumes
  while (true) {
    if (!have_head && parse_head(m_buffer, true, head)) {
      have_head = true;
      result.status = head.status;
    }
    if (have_head && !have_first_byte &&
        (m_buffer.size() > head.body_begin || (!head.chunked && head.content_length <= 0))) {
      have_first_byte = true;
      result.first_byte_us = micros_since(start);
      if (stop_at_first_byte) {
        result.ok = true;
        result.total_us = result.first_byte_us;
        return result; // the caller closes the connection
      }
    }
    if (have_head && result.first_event_us == 0 && m_buffer.size() > head.body_begin) {
      const size_t from = std::max(head.body_begin, event_scan);
      if (m_buffer.find("data:", from) != std::string::npos)
        result.first_event_us = micros_since(start);
      else
        event_scan = m_buffer.size() < 4 ? 0 : m_buffer.size() - 4; // "data:" may straddle two reads
    }
    if (have_head) {
      bool malformed = false;
      const size_t end = body_end(m_buffer, head, malformed);
      if (malformed) {
        result.error = "malformed chunked body";
        close();
        return result;
      }
      if (end != k_npos) {
        result.total_us = micros_since(start);
        result.ok = true;
        if (head.close)
          close();
        else
          m_buffer.erase(0, end);
        return result;
      }
    }
    if (!receive(result.error)) {
      const bool nothing_read = m_buffer.empty();
      close();
      return reused && nothing_read ? run(request, stop_at_first_byte) : result;
    }
  }
}

} // namespace llmgw::bench
