#pragma once
// Run a program under a pseudo-terminal of a given size, as a user's shell would: its stdout is a
// tty (isatty, TIOCGWINSZ), and what it printed comes back with "\r\n" turned into "\n".
#include <string>
#include <vector>

namespace llmgw::test {

struct PtyResult {
  int exit_code = -1; // -1 when it did not exit normally (or ran past the timeout and was killed)
  std::string output; // stdout and stderr together
};

// argv[0] is the program's path. `environment` entries ("NAME=value") are added to this process's
// environment, in which COLUMNS is unset first; an entry "-NAME" unsets NAME. Bounded: killed after
// 20 seconds.
PtyResult run_in_pty(const std::vector<std::string>& argv, unsigned short columns,
                     const std::vector<std::string>& environment = {});

} // namespace llmgw::test
