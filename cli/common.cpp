#include "cli/common.hpp"

#include "core/config/config.hpp"

#include <cstdlib>

namespace llmgw::cli {

std::string resolve_db_path(const GlobalOptions& options) {
  if (!options.db_path.empty()) return options.db_path;
  const char* env = std::getenv("LLMGW_DB");
  if (env != nullptr && *env != '\0') return env;
  return core::config::default_db_path();
}

std::string gateway_base_url(const std::string& host, int port) {
  std::string dial = host;
  if (host == "0.0.0.0" || host.empty()) dial = "127.0.0.1";
  else if (host == "::" || host == "[::]") dial = "[::1]";
  else if (host.find(':') != std::string::npos && host.front() != '[') dial = "[" + host + "]";
  return "http://" + dial + ":" + std::to_string(port);
}

} // namespace llmgw::cli
