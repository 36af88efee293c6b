#include "core/http/tcp_probe.hpp"

#include "core/platform/socket.hpp"

#include <cerrno>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace llmgw::core::http {
int connect_within(const addrinfo& address, int timeout_ms, bool* timed_out) {
  if (timed_out != nullptr) *timed_out = false;
  const int fd = platform::open_socket(address.ai_family, SOCK_STREAM, 0, true);
  if (fd < 0) return -1;
  bool open = ::connect(fd, address.ai_addr, address.ai_addrlen) == 0;
  if (!open && errno == EINPROGRESS) {
    pollfd waiter{fd, POLLOUT, 0};
    int error = 0;
    socklen_t length = sizeof error;
    const int ready = ::poll(&waiter, 1, timeout_ms);
    if (ready == 0 && timed_out != nullptr) *timed_out = true;
    open = ready == 1 && ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0 && error == 0;
  }
  if (open) return fd;
  ::close(fd);
  return -1;
}

bool tcp_accepts(const std::string& host, const std::string& port, int timeout_ms) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.c_str(), port.c_str(), &hints, &found) != 0) return false;
  bool open = false;
  for (const addrinfo* address = found; address != nullptr && !open; address = address->ai_next)
    if (const int fd = connect_within(*address, timeout_ms); fd >= 0) {
      ::close(fd);
      open = true;
    }
  ::freeaddrinfo(found);
  return open;
}

HostPort split_origin(const std::string& origin) {
  const size_t scheme_end = origin.find("://");
  std::string host = scheme_end == std::string::npos ? origin : origin.substr(scheme_end + 3);
  std::string port = origin.rfind("https://", 0) == 0 ? "443" : "80";
  if (!host.empty() && host.front() == '[') { // [::1]:8080
    const size_t close = host.find(']');
    if (close + 1 < host.size() && host[close + 1] == ':') port = host.substr(close + 2);
    host = host.substr(1, close - 1);
  } else if (const size_t colon = host.rfind(':'); colon != std::string::npos) {
    port = host.substr(colon + 1);
    host = host.substr(0, colon);
  }
  return {host, port};
}

bool origin_accepts(const std::string& origin, int timeout_ms) {
  const HostPort target = split_origin(origin);
  return tcp_accepts(target.host, target.port, timeout_ms);
}

} // namespace llmgw::core::http
