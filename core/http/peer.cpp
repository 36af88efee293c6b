#include "core/http/peer.hpp"

#include "core/http/wire.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

namespace llmgw::core::http {

std::string peer_address(int fd) {
  sockaddr_storage address{};
  socklen_t size = sizeof address;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&address), &size) != 0) return "";
  char text[INET6_ADDRSTRLEN] = {};
  const void* raw = address.ss_family == AF_INET6
                        ? static_cast<const void*>(&reinterpret_cast<const sockaddr_in6*>(&address)->sin6_addr)
                        : static_cast<const void*>(&reinterpret_cast<const sockaddr_in*>(&address)->sin_addr);
  if (address.ss_family != AF_INET && address.ss_family != AF_INET6) return "";
  return ::inet_ntop(address.ss_family, raw, text, sizeof text) != nullptr ? std::string(text) : std::string();
}

bool is_loopback_address(std::string_view address) {
  const std::string text(address);
  in_addr v4{};
  if (::inet_pton(AF_INET, text.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (::inet_pton(AF_INET6, text.c_str(), &v6) != 1) return false;
  if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
  return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
}

bool direct_loopback_client(const httplib::Request& request) {
  if (!is_loopback_address(request.remote_addr)) return false;
  for (std::string_view relayed : {"Forwarded", "X-Forwarded-For", "X-Real-IP"})
    if (wire::has_header(request.headers, relayed)) return false;
  return true;
}

} // namespace llmgw::core::http
