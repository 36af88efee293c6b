// The real `llmgw` binary's command-line habits: `help [CMD]`, "did you mean" for unknown commands
// and options, global options after the subcommand, exit code 2 for usage errors, and completion
// scripts for bash, zsh and fish generated from the command tree.
#include "tests/support/shell.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <string>
#include <vector>

using namespace llmgw::test;

namespace {

CommandResult llmgw_run(const std::string& args) {
  return run_shell("env -u COLUMNS " + std::string(LLMGW_BINARY) + " " + args + " < /dev/null");
}

bool has_program(const std::string& name) { return run_shell("command -v " + name + " > /dev/null").exit_code == 0; }

const std::vector<std::string> k_commands{"serve", "usage", "log", "init", "env",       "config", "prices",    "cap",
                                          "limit", "key",   "run", "use",  "providers", "help",   "completion"};

} // namespace

TEST_CASE("help lists every command, and help CMD shows that command's options") {
  const auto top = llmgw_run("help");
  CHECK(top.exit_code == 0);
  for (const std::string& command : k_commands) CHECK(top.output.find(command) != std::string::npos);
  const auto usage = llmgw_run("help usage");
  CHECK(usage.exit_code == 0);
  CHECK(usage.output.find("--breakdown") != std::string::npos);
  CHECK(usage.output.find("llmgw usage") != std::string::npos);
  const auto nested = llmgw_run("help cap set");
  CHECK(nested.exit_code == 0);
  CHECK(nested.output.find("--warn") != std::string::npos);
  const auto unknown = llmgw_run("help usgae");
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.output.find("did you mean 'usage'?") != std::string::npos);
  CHECK(llmgw_run("usage --help").exit_code == 0);
  CHECK(llmgw_run("--version").exit_code == 0);
}

TEST_CASE("an unknown command or option is a usage error with the nearest name suggested") {
  const auto bogus = llmgw_run("lgo");
  CHECK(bogus.exit_code == 2);
  CHECK(bogus.output.find("unknown command 'lgo'") != std::string::npos);
  CHECK(bogus.output.find("did you mean 'log'?") != std::string::npos);
  CHECK(bogus.output.find("A subcommand is required") == std::string::npos);
  const auto nested = llmgw_run("key lsit");
  CHECK(nested.exit_code == 2);
  CHECK(nested.output.find("did you mean 'list'?") != std::string::npos);
  const auto option = llmgw_run("usage --brekdown");
  CHECK(option.exit_code == 2);
  CHECK(option.output.find("unknown option '--brekdown'") != std::string::npos);
  CHECK(option.output.find("did you mean '--breakdown'?") != std::string::npos);
  CHECK(option.output.find("llmgw help usage") != std::string::npos);
  const auto nothing = llmgw_run("");
  CHECK(nothing.exit_code == 2);
  CHECK(nothing.output.find("a command is required") != std::string::npos);
  CHECK(llmgw_run("usage --by colour").exit_code == 2); // not one of the groupings
  CHECK(llmgw_run("cap rm").exit_code == 2);            // a missing argument
  CHECK(llmgw_run("log -n lots").exit_code == 2);       // a malformed number
}

TEST_CASE("global options work after the subcommand too") {
  TempDir dir;
  const std::string db = dir.file("late.db");
  const auto late = llmgw_run("key list --db " + db);
  CHECK(late.exit_code == 0);
  CHECK(late.output.find("no keys") != std::string::npos);
  const auto nested = llmgw_run("cap list --json --db=" + db);
  CHECK(nested.exit_code == 0);
  CHECK(nested.output == "[]\n");
  std::ofstream(dir.file("config.toml")) << "[server]\nport = 1\n";
  const auto config = llmgw_run("config path --config " + dir.file("config.toml"));
  CHECK(config.exit_code == 0);
  CHECK(config.output.find(dir.file("config.toml")) != std::string::npos);
}

TEST_CASE("completion scripts list the commands; bash's and zsh's parse") {
  TempDir dir;
  const auto bash = llmgw_run("completion bash");
  REQUIRE(bash.exit_code == 0);
  for (const std::string& command : k_commands) CHECK(bash.output.find(command) != std::string::npos);
  CHECK(bash.output.find("--breakdown") != std::string::npos);
  CHECK(bash.output.find("complete -o default -F _llmgw llmgw") != std::string::npos);
  std::ofstream(dir.file("llmgw.bash")) << bash.output;
  CHECK(run_shell("bash -n " + dir.file("llmgw.bash")).exit_code == 0);
  // The script completes for real: the words after `llmgw key ` and after `llmgw us`.
  const std::string complete = "source " + dir.file("llmgw.bash") +
                               "; COMP_WORDS=(llmgw key ''); COMP_CWORD=2; _llmgw; echo \"${COMPREPLY[*]}\"; "
                               "COMP_WORDS=(llmgw us); COMP_CWORD=1; _llmgw; echo \"${COMPREPLY[*]}\"";
  std::ofstream(dir.file("complete.sh")) << complete;
  const auto words = run_shell("bash " + dir.file("complete.sh"));
  CHECK(words.output.find("create list revoke") != std::string::npos);
  CHECK(words.output.find("usage use") != std::string::npos);
  const auto zsh = llmgw_run("completion zsh");
  REQUIRE(zsh.exit_code == 0);
  CHECK(zsh.output.rfind("#compdef llmgw", 0) == 0);
  for (const std::string& command : k_commands) CHECK(zsh.output.find(command) != std::string::npos);
  if (has_program("zsh")) {
    std::ofstream(dir.file("_llmgw")) << zsh.output;
    CHECK(run_shell("zsh -n " + dir.file("_llmgw")).exit_code == 0);
  }
  const auto fish = llmgw_run("completion fish");
  REQUIRE(fish.exit_code == 0);
  for (const std::string& command : k_commands) CHECK(fish.output.find("-a " + command + " ") != std::string::npos);
  CHECK(fish.output.find("__fish_seen_subcommand_from key") != std::string::npos);
  if (has_program("fish")) {
    std::ofstream(dir.file("llmgw.fish")) << fish.output;
    CHECK(run_shell("fish -n " + dir.file("llmgw.fish")).exit_code == 0);
  }
  CHECK(llmgw_run("completion tcsh").exit_code == 2);
}
