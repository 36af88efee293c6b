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

} // namespace llmgw::cli
