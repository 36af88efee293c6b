// `llmgw service` where no user service manager can be reached: the unit is still written (0600,
// this binary's absolute path), and start / stop / install say why they cannot go on, exit 1.
#include "tests/support/shell.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

using namespace llmgw::test;

TEST_CASE("llmgw service without systemctl: the unit is written, the commands say why they stop, exit 1") {
  TempDir home;
  // PATH without systemctl: a machine (or container) that does not run systemd.
  const std::string env = "env -i HOME=" + home.path() + " PATH=" + home.file("nothing") + " ";
  auto printed = run_shell(env + LLMGW_BINARY + " service install --print");
  INFO(printed.output);
  CHECK(printed.exit_code == 0);
  CHECK(printed.output.find("ExecStart=" + std::string(LLMGW_BINARY) + " serve") != std::string::npos);
  struct stat info {};
  const std::string unit = home.file(".config/systemd/user/llmgw.service");
  CHECK(::stat(unit.c_str(), &info) != 0); // --print writes nothing

  auto installed = run_shell(env + LLMGW_BINARY + " service install");
  INFO(installed.output);
  CHECK(installed.exit_code == 1);
  CHECK(installed.output.find("systemctl not found") != std::string::npos);
  REQUIRE(::stat(unit.c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);
  std::ifstream in(unit);
  std::stringstream text;
  text << in.rdbuf();
  CHECK(text.str().find("Restart=on-failure") != std::string::npos);
  REQUIRE(::stat(home.file(".config/llmgw/env").c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);

  auto dry = run_shell(env + LLMGW_BINARY + " service start --dry-run");
  CHECK(dry.exit_code == 0);
  CHECK(dry.output.find("would run: systemctl --user start llmgw.service") != std::string::npos);
  auto started = run_shell(env + LLMGW_BINARY + " service start");
  INFO(started.output);
  CHECK(started.exit_code == 1);
  CHECK(started.output.find("systemctl not found") != std::string::npos);
  auto removed = run_shell(env + LLMGW_BINARY + " service uninstall");
  INFO(removed.output);
  CHECK(removed.exit_code == 1); // removed, but systemd could not be told
  CHECK(::stat(unit.c_str(), &info) != 0);
}
