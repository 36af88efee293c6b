#pragma once
// Run a shell command line in tests (the real `llmgw` binary, mostly) and keep what it printed.
#include <string>

namespace llmgw::test {

struct CommandResult {
  int exit_code = -1; // -1 when it did not exit normally
  std::string output; // stdout and stderr together
};

CommandResult run_shell(const std::string& command);

} // namespace llmgw::test
