#include "core/platform/fallback.hpp"

#include <cstdlib>
#include <string_view>

namespace llmgw::core::platform {

bool posix_fallback() {
  static const bool forced = [] {
    const char* value = std::getenv("LLMGW_POSIX_FALLBACK");
    return value != nullptr && std::string_view(value) == "1";
  }();
  return forced;
}

} // namespace llmgw::core::platform
