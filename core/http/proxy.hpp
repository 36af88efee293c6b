#pragma once
// The outbound HTTP proxy for an https provider, from the environment as curl reads it:
// https_proxy / HTTPS_PROXY (lower case first), unless no_proxy / NO_PROXY lists the host. TLS
// goes through the proxy in a CONNECT tunnel, so the certificate check is still end to end.
#include <functional>
#include <optional>
#include <string>

namespace llmgw::core::http {

struct ProxySetting {
  std::string host; // a name, an IPv4 address or an IPv6 address without brackets
  int port = 80;
  std::string user, password; // from user:password@ in the URL (percent-decoded); empty: none
};

// Reads an environment variable; nullptr when unset.
using EnvLookup = std::function<const char*(const char*)>;
// This process's environment (std::getenv).
const char* process_env(const char* name);

// "http://user:pw@proxy:3128", "proxy:3128" or "http://[::1]:3128"; nullopt when empty or not
// an http:// proxy (https:// and socks proxies are not supported).
std::optional<ProxySetting> parse_proxy_url(const std::string& url);

// Whether a no_proxy list ("localhost,.corp.example,10.0.0.1,*") exempts host: "*" matches
// everything, "name" matches name and its subdomains, ".name" and "*.name" only subdomains and
// name itself; a ":port" on an entry is ignored; case-insensitive.
bool no_proxy_matches(const std::string& list, const std::string& host);

// The proxy URL in force for https origins (https_proxy, else HTTPS_PROXY), or nullptr.
const char* https_proxy_url(const EnvLookup& env = process_env);

// The proxy to reach an https host through, or nullopt for a direct connection.
std::optional<ProxySetting> https_proxy_for(const std::string& host, const EnvLookup& env = process_env);

// The same for an origin ("https://api.openai.com"): http:// origins (local model servers) are
// always reached directly.
std::optional<ProxySetting> proxy_for_origin(const std::string& origin, const EnvLookup& env = process_env);

} // namespace llmgw::core::http
