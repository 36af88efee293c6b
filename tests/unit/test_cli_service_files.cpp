// The systemd user unit and the launchd agent `llmgw service install` writes: generated into a
// temp dir and checked by the tools that read them (systemd-analyze, python3's plistlib).
#include "cli/service_files.hpp"
#include "tests/support/shell.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>
#include <fstream>
#include <nlohmann/json.hpp>

using namespace llmgw::cli;
using llmgw::test::run_shell;
using llmgw::test::TempDir;

namespace {

ServiceSpec spec_in(const TempDir& home) {
  return {LLMGW_BINARY,
          {"--config", home.file("my config.toml"), "--db", home.file("100%.db")},
          home.file(".config/llmgw/env"),
          home.file("Library/Logs/llmgw")};
}

bool have(const std::string& program) { return run_shell("command -v " + program + " >/dev/null").exit_code == 0; }

} // namespace

TEST_CASE("service: the systemd unit runs this binary's serve, restarts on failure and reads the env file") {
  TempDir home;
  const std::string unit = systemd_unit(spec_in(home));
  INFO(unit);
  CHECK(unit.find("ExecStart=" + std::string(LLMGW_BINARY) + " --config \"" + home.file("my config.toml") + "\" --db " +
                  home.file("100%%.db") + " serve\n") != std::string::npos);
  CHECK(unit.find("Restart=on-failure\n") != std::string::npos);
  CHECK(unit.find("EnvironmentFile=-" + home.file(".config/llmgw/env") + "\n") != std::string::npos);
  CHECK(unit.find("WantedBy=default.target\n") != std::string::npos);
  CHECK(unit.find("journalctl --user -u llmgw") != std::string::npos);
  CHECK(systemd_unit_path("/home/me", "") == "/home/me/.config/systemd/user/llmgw.service");
  CHECK(systemd_unit_path("/home/me", "/xdg") == "/xdg/systemd/user/llmgw.service");
  CHECK(systemd_unit_path("/home/me", "relative") == "/home/me/.config/systemd/user/llmgw.service");

  const std::string path = home.file("llmgw.service");
  std::ofstream(path) << unit;
  if (!have("systemd-analyze")) {
    MESSAGE("systemd-analyze is not installed: the unit is not verified by systemd");
    return;
  }
  auto verified = run_shell("systemd-analyze verify " + path);
  INFO(verified.output);
  CHECK(verified.exit_code == 0);
}

TEST_CASE("service: the launchd agent is a valid plist with the keys launchd needs") {
  TempDir home;
  const std::string plist =
      launchd_plist(spec_in(home), {{"ANTHROPIC_API_KEY", "fake-<key>&"}, {"OPENAI_API_KEY", "fake2"}});
  const std::string path = home.file("dev.llmgw.plist");
  std::ofstream(path) << plist;
  if (!have("python3")) {
    MESSAGE("python3 is not installed: the plist is not parsed");
    return;
  }
  auto parsed = run_shell("python3 -c 'import plistlib,sys,json; print(json.dumps(plistlib.load(open(sys.argv[1],"
                          "\"rb\"))))' " +
                          path);
  INFO(plist);
  INFO(parsed.output);
  REQUIRE(parsed.exit_code == 0);
  const auto doc = nlohmann::json::parse(parsed.output);
  CHECK(doc["Label"] == "dev.llmgw");
  CHECK(doc["ProgramArguments"] == nlohmann::json::array({LLMGW_BINARY, "--config", home.file("my config.toml"), "--db",
                                                          home.file("100%.db"), "serve"}));
  CHECK(doc["RunAtLoad"] == true);
  CHECK(doc["KeepAlive"]["SuccessfulExit"] == false);
  CHECK(doc["StandardOutPath"] == home.file("Library/Logs/llmgw/llmgw.log"));
  CHECK(doc["StandardErrorPath"] == home.file("Library/Logs/llmgw/llmgw.err.log"));
  CHECK(doc["EnvironmentVariables"]["ANTHROPIC_API_KEY"] == "fake-<key>&");
  CHECK(doc["EnvironmentVariables"]["OPENAI_API_KEY"] == "fake2");
  CHECK(launchd_plist_path("/Users/me") == "/Users/me/Library/LaunchAgents/dev.llmgw.plist");
}

TEST_CASE("service: the env file's KEY=VALUE lines, with export, quotes and comments") {
  const auto env = parse_env_file("# keys\n\nANTHROPIC_API_KEY=fake-a\nexport OPENAI_API_KEY=\"fake b\"\n"
                                  "  GEMINI_API_KEY = 'fake-c'  \nnot a line\n=nameless\n");
  REQUIRE(env.size() == 3);
  CHECK(env[0] == std::make_pair(std::string("ANTHROPIC_API_KEY"), std::string("fake-a")));
  CHECK(env[1] == std::make_pair(std::string("OPENAI_API_KEY"), std::string("fake b")));
  CHECK(env[2] == std::make_pair(std::string("GEMINI_API_KEY"), std::string("fake-c")));
  CHECK(parse_env_file(env_file_template()).empty());
}
