// `llmgw manpage` on the real binary: the page the packages install (cmake/packaging.cmake).
#include "tests/support/shell.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <string>

using llmgw::test::run_shell;
using llmgw::test::TempDir;

TEST_CASE("llmgw manpage lists every command, is hidden from --help, and groff renders it without a warning") {
  TempDir dir;
  const std::string page = dir.file("llmgw.1");
  const auto made = run_shell(std::string(LLMGW_BINARY) + " manpage > " + page);
  REQUIRE(made.exit_code == 0);
  const auto text = run_shell("cat " + page);
  for (const char* command : {"serve", "usage", "log", "init", "env", "config show", "prices", "cap set", "limit set",
                              "key create", "run", "use", "providers"}) {
    CAPTURE(command);
    CHECK(text.output.find(".SS \"llmgw " + std::string(command) + "\"") != std::string::npos);
  }
  CHECK(run_shell(std::string(LLMGW_BINARY) + " --help").output.find("manpage") == std::string::npos);
  // -ww: every warning; -z: no output, only the diagnostics.
  const auto rendered = run_shell("groff -man -Tutf8 -ww -z " + page);
  CHECK(rendered.exit_code == 0);
  CHECK(rendered.output == "");
}
