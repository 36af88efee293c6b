#pragma once
// The dashboard's browser-facing guards: which Host and Origin it answers, the security headers
// on every answer, the session cookie.
#include <httplib.h>

#include <string>
#include <string_view>

namespace llmgw::core::dashboard {

// The session cookie's name.
inline constexpr std::string_view k_session_cookie = "llmgw_session";

// Host is a loopback name (127.0.0.1, localhost, [::1]) or the address the server is bound to:
// a page whose DNS name was rebound to 127.0.0.1 still sends its own name.
bool host_allowed(const httplib::Request& request, const std::string& bound_host);
// origin is the gateway's own: http://127.0.0.1:PORT, http://localhost:PORT, http://[::1]:PORT or
// http://BOUND_HOST:PORT (letter case ignored in the host).
bool own_origin(std::string_view origin, const std::string& bound_host, int port);
// Content-Security-Policy, nosniff, no referrer, no framing, no caching.
void set_security_headers(httplib::Response& response);
// The value of cookie `name` in the Cookie header(s), "" when absent.
std::string cookie_value(const httplib::Request& request, std::string_view name);
// The Set-Cookie value of a new session: HttpOnly, SameSite=Strict, Path=/.
std::string session_cookie(const std::string& session);

} // namespace llmgw::core::dashboard
