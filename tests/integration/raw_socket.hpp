#pragma once
// Raw sockets to a server on 127.0.0.1, for tests where each byte on the wire (or its absence) is
// the test's choice.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <string>

namespace llmgw::test {

// Connects with TCP_NODELAY (each send is a segment of its own) and a read timeout.
inline int connect_to(int port, int read_timeout_ms = 5000) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  int yes = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
  timeval tv{read_timeout_ms / 1000, (read_timeout_ms % 1000) * 1000};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

inline void send_text(int fd, const std::string& text) {
  REQUIRE(::send(fd, text.data(), text.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(text.size()));
}

// Reads until the peer closes (or the read timeout passes).
inline std::string read_to_close(int fd) {
  std::string all;
  char buffer[65536];
  for (ssize_t got; (got = ::recv(fd, buffer, sizeof buffer, 0)) > 0;) all.append(buffer, static_cast<size_t>(got));
  return all;
}

// Reads until text holds `count` whole responses with Content-Length bodies (or the read
// timeout passes, or the peer closes).
inline std::string read_responses(int fd, int count) {
  std::string all;
  char buffer[65536];
  auto complete = [&] {
    size_t at = 0;
    for (int i = 0; i < count; ++i) {
      size_t head_end = all.find("\r\n\r\n", at);
      if (head_end == std::string::npos) return false;
      size_t length_at = all.find("Content-Length: ", at);
      if (length_at == std::string::npos || length_at > head_end) return false;
      size_t length = std::stoul(all.substr(length_at + 16));
      at = head_end + 4 + length;
      if (all.size() < at) return false;
    }
    return true;
  };
  while (!complete()) {
    ssize_t got = ::recv(fd, buffer, sizeof buffer, 0);
    if (got <= 0) break;
    all.append(buffer, static_cast<size_t>(got));
  }
  return all;
}

// Sends text on a new connection and reads until the server closes it.
inline std::string ask_and_close(int port, const std::string& text) {
  int fd = connect_to(port);
  send_text(fd, text);
  std::string answer = read_to_close(fd);
  ::close(fd);
  return answer;
}

inline int count_of(const std::string& text, const std::string& part) {
  int count = 0;
  for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++count;
  return count;
}

// Thousands of connections, each a descriptor at both ends: lift the soft limit to the hard one.
inline void allow_descriptors(rlim_t wanted) {
  rlimit limit{};
  REQUIRE(::getrlimit(RLIMIT_NOFILE, &limit) == 0);
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
    ::getrlimit(RLIMIT_NOFILE, &limit);
  }
  REQUIRE_MESSAGE(limit.rlim_cur >= wanted, "the open-file limit is too low for this test (ulimit -n)");
}

} // namespace llmgw::test
