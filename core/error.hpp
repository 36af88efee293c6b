#pragma once
// The one exception type of start-up, config, CLI and store code; caught once in main.
#include <stdexcept>
#include <string>

namespace llmgw {

class Error : public std::runtime_error {
public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

} // namespace llmgw
