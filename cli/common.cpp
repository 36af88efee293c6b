#include "cli/common.hpp"

#include "core/config/config.hpp"
#include "store/connection.hpp"

#include <arpa/inet.h>
#include <cctype>
#include <cstdlib>

namespace llmgw::cli {

std::string resolve_db_path(const GlobalOptions& options) {
  if (!options.db_path.empty()) return options.db_path;
  const char* env = std::getenv("LLMGW_DB");
  if (env != nullptr && *env != '\0') return env;
  std::string configured = core::config::configured_store_url(options.config_path);
  if (!configured.empty()) return configured;
  return core::config::default_db_path();
}

std::string display_db(const std::string& location) {
  return store::is_postgres_url(location) ? store::redact_url(location) : location;
}

std::string gateway_base_url(const std::string& host, int port) {
  std::string dial = host;
  if (host == "0.0.0.0" || host.empty())
    dial = "127.0.0.1";
  else if (host == "::" || host == "[::]")
    dial = "[::1]";
  else if (host.find(':') != std::string::npos && host.front() != '[')
    dial = "[" + host + "]";
  return "http://" + dial + ":" + std::to_string(port);
}

bool is_loopback_host(std::string_view host) {
  std::string name(host);
  if (name.size() > 2 && name.front() == '[' && name.back() == ']') name = name.substr(1, name.size() - 2);
  std::string lower;
  for (char c : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "localhost" || lower == "localhost.") return true;
  in_addr v4{};
  if (::inet_pton(AF_INET, name.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (::inet_pton(AF_INET6, name.c_str(), &v6) != 1) return false;
  return IN6_IS_ADDR_LOOPBACK(&v6) || (IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127);
}

} // namespace llmgw::cli
