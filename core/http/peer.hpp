#pragma once
// Who is on the other end of a request: the peer address the server saw, and whether a client on
// this machine sent the request itself (not a proxy relaying someone else's).
#include <httplib.h>

#include <string>
#include <string_view>

namespace llmgw::core::http {

// The numeric address of a connected socket's peer ("127.0.0.1", "::1"); "" when unknown.
std::string peer_address(int fd);

// True for 127.0.0.0/8, ::1 and ::ffff:127.0.0.0/104 (numeric addresses only).
bool is_loopback_address(std::string_view address);

// The request came from a loopback peer and carries none of the headers a proxy adds
// (Forwarded, X-Forwarded-For, X-Real-IP): a proxy on this machine relays other machines' requests
// from a loopback address, so its peer address alone proves nothing.
bool direct_loopback_client(const httplib::Request& request);

} // namespace llmgw::core::http
