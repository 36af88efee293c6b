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

TEST_CASE("llmgw service install refuses a database URL with a password, and never prints it") {
  TempDir home;
  const std::string env = "env -i HOME=" + home.path() + " PATH=" + home.file("nothing") + " ";
  for (const char* url :
       {"postgres://team:s3cret-pw@db.example/llmgw", "postgresql://db.example/llmgw?password=s3cret-pw"}) {
    auto refused = run_shell(env + LLMGW_BINARY + " --db '" + url + "' service install --print");
    INFO(refused.output);
    CHECK(refused.exit_code == 1);
    CHECK(refused.output.find("s3cret-pw") == std::string::npos);
    CHECK(refused.output.find("PGPASSWORD") != std::string::npos);
  }
  // Without a password the URL goes into the unit as given (libpq finds the password in ~/.pgpass).
  auto printed = run_shell(env + LLMGW_BINARY + " --db postgres://team@db.example/llmgw service install --print");
  INFO(printed.output);
  CHECK(printed.exit_code == 0);
  CHECK(printed.output.find("--db postgres://team@db.example/llmgw") != std::string::npos);
}
