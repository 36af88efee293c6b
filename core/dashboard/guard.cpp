#include "core/dashboard/guard.hpp"

#include "core/http/wire.hpp"

namespace llmgw::core::dashboard {

using http::wire::iequals;

bool host_allowed(const httplib::Request& request, const std::string& bound_host) {
  if (!request.has_header("Host")) return request.version == "HTTP/1.0";
  const std::string header = request.get_header_value("Host");
  std::string_view host = header;
  if (!host.empty() && host.front() == '[')
    host = host.substr(0, host.find(']') + 1);
  else
    host = host.substr(0, host.find(':'));
  for (std::string_view loopback : {"127.0.0.1", "localhost", "[::1]"})
    if (iequals(host, loopback)) return true;
  return !bound_host.empty() && iequals(host, bound_host);
}

bool own_origin(std::string_view origin, const std::string& bound_host, int port) {
  const std::string suffix = ":" + std::to_string(port);
  for (std::string_view host : {std::string_view("127.0.0.1"), std::string_view("localhost"), std::string_view("[::1]"),
                                std::string_view(bound_host)}) {
    if (host.empty() || host == "0.0.0.0" || host == "::") continue; // a wildcard is no origin
    const std::string own = "http://" + std::string(host) + suffix;
    if (iequals(origin, own)) return true;
  }
  return false;
}

void set_security_headers(httplib::Response& response) {
  response.set_header("Content-Security-Policy",
                      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                      "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
  response.set_header("X-Content-Type-Options", "nosniff");
  response.set_header("Referrer-Policy", "no-referrer");
  response.set_header("X-Frame-Options", "DENY");
  response.set_header("Cache-Control", "no-store");
}

std::string cookie_value(const httplib::Request& request, std::string_view name) {
  const size_t count = request.get_header_value_count("Cookie");
  for (size_t i = 0; i < count; ++i) {
    const std::string header = request.get_header_value("Cookie", i);
    std::string_view rest = header;
    while (!rest.empty()) {
      const size_t end = rest.find(';');
      std::string_view pair = rest.substr(0, end);
      rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
      while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
      const size_t equals = pair.find('=');
      if (equals != std::string_view::npos && pair.substr(0, equals) == name)
        return std::string(pair.substr(equals + 1));
    }
  }
  return "";
}

std::string session_cookie(const std::string& session) {
  return std::string(k_session_cookie) + "=" + session + "; HttpOnly; SameSite=Strict; Path=/";
}

} // namespace llmgw::core::dashboard
