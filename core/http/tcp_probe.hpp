#pragma once
// Whether something accepts TCP connections at an address right now (no request is sent), and
// the connect-with-deadline and origin parsing the upstream client shares with it.
#include <netdb.h>

#include <string>

namespace llmgw::core::http {

struct HostPort {
  std::string host; // a name, an IPv4 address or an IPv6 address without brackets
  std::string port;
};
// "https://api.openai.com" -> {api.openai.com, 443}; "http://[::1]:8080" -> {::1, 8080}.
HostPort split_origin(const std::string& origin);

// A socket connected to address within timeout_ms (still non-blocking), or -1; timed_out says
// whether the deadline passed.
int connect_within(const addrinfo& address, int timeout_ms, bool* timed_out = nullptr);

// host may be a name, an IPv4 address or an IPv6 address without brackets.
bool tcp_accepts(const std::string& host, const std::string& port, int timeout_ms);

// The same for an origin such as "https://api.openai.com" or "http://[::1]:8080" (port from the
// scheme when none is given).
bool origin_accepts(const std::string& origin, int timeout_ms);

} // namespace llmgw::core::http
