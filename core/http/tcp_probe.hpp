#pragma once
// Whether something accepts TCP connections at an address right now. No request is sent.
#include <string>

namespace llmgw::core::http {

// host may be a name, an IPv4 address or an IPv6 address without brackets.
bool tcp_accepts(const std::string& host, const std::string& port, int timeout_ms);

// The same for an origin such as "https://api.openai.com" or "http://[::1]:8080" (port from the
// scheme when none is given).
bool origin_accepts(const std::string& origin, int timeout_ms);

} // namespace llmgw::core::http
