// The runtime file of a running server: its JSON, which server the CLI picks, stale files.
#include "cli/fitted_table.hpp"
#include "cli/runtime_file.hpp"
#include "tests/support/scoped_env.hpp"
#include "tests/support/temp_dir.hpp"

#include <httplib.h>

#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace llmgw::cli;
using llmgw::test::ScopedEnv;
using llmgw::test::TempDir;

namespace {

RunningServer server_at(int64_t pid, int port, const std::string& db, const std::string& config) {
  return {pid, "127.0.0.1", port, "0.1.0", 1'700'000'000'000, config, db, "/tmp/token", ""};
}

// A pid no process has: a child that has exited and been reaped.
int64_t dead_pid() {
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ::waitpid(child, nullptr, 0);
  return child;
}

void write_file(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path) << text;
}

} // namespace

TEST_CASE("runtime file: its JSON round-trips and junk is not a runtime file") {
  const auto server = server_at(42, 9123, "/d/llmgw.db", "/c/config.toml");
  const auto parsed = parse_runtime_json(runtime_json(server));
  REQUIRE(parsed);
  CHECK(parsed->pid == 42);
  CHECK(parsed->port == 9123);
  CHECK(parsed->db_path == "/d/llmgw.db");
  CHECK(parsed->config_path == "/c/config.toml");
  CHECK(parsed->token_path == "/tmp/token");
  CHECK(parsed->base_url() == "http://127.0.0.1:9123");
  for (const char* junk :
       {"", "{", "[]", R"({"pid":1})", R"({"pid":"x","host":"h","port":1})", R"({"pid":1,"host":"h","port":70000})"})
    CHECK_FALSE_MESSAGE(parse_runtime_json(junk), junk);
}

TEST_CASE("runtime file: in $XDG_RUNTIME_DIR/llmgw, else $XDG_STATE_HOME/llmgw, else ~/.local/state/llmgw") {
  ScopedEnv env;
  env.set("HOME", "/home/me");
  env.set("XDG_RUNTIME_DIR", "/run/user/1000");
  CHECK(runtime_dir() == "/run/user/1000/llmgw");
  env.unset("XDG_RUNTIME_DIR");
  env.set("XDG_STATE_HOME", "/state");
  CHECK(runtime_dir() == "/state/llmgw");
  env.set("XDG_STATE_HOME", "relative"); // ignored, as XDG says
  CHECK(runtime_dir() == "/home/me/.local/state/llmgw");
}

TEST_CASE("runtime file: the CLI picks the server of its database, then of its config; stale files go") {
  TempDir dir;
  ScopedEnv env;
  env.set("XDG_RUNTIME_DIR", dir.path());
  env.unset("LLMGW_DB");
  env.unset("LLMGW_CONFIG");
  httplib::Server first, second;
  const int first_port = first.bind_to_any_port("127.0.0.1");
  const int second_port = second.bind_to_any_port("127.0.0.1");
  std::thread t1([&] { first.listen_after_bind(); }), t2([&] { second.listen_after_bind(); });
  const std::string run = dir.path() + "/llmgw/";
  // Live (this process's pid, a port that answers): one per database.
  write_file(run + "serve-1.json",
             runtime_json(server_at(::getpid(), first_port, dir.file("a.db"), dir.file("a.toml"))));
  write_file(run + "serve-2.json",
             runtime_json(server_at(::getpid(), second_port, dir.file("b.db"), dir.file("b.toml"))));
  // Stale: a crashed server's pid.
  write_file(run + "serve-3.json", runtime_json(server_at(dead_pid(), first_port, dir.file("c.db"), "")));
  write_file(run + "serve-4.json", "not json");

  GlobalOptions by_db{dir.file("b.toml"), dir.file("a.db")};
  auto found = find_running_server(by_db);
  REQUIRE(found);
  CHECK(found->port == first_port); // the database wins over the config
  GlobalOptions by_config{dir.file("b.toml"), dir.file("other.db")};
  found = find_running_server(by_config);
  REQUIRE(found);
  CHECK(found->port == second_port);
  CHECK_FALSE(find_running_server(GlobalOptions{dir.file("x.toml"), dir.file("c.db")}));
  CHECK_FALSE(std::filesystem::exists(run + "serve-3.json"));
  CHECK_FALSE(std::filesystem::exists(run + "serve-4.json"));
  first.stop();
  second.stop();
  t1.join();
  t2.join();
  // Its port no longer answers: ignored.
  CHECK_FALSE(find_running_server(by_db));
}

TEST_CASE("fitted table: cells of the flexible columns are cut with … until every line fits 80 columns") {
  CHECK(fit_text("short", 10) == "short");
  CHECK(fit_text("0123456789abc", 10) == "012345678…");
  CHECK(fit_text("héllo wörld", 5) == "héll…");
  const std::string long_text(200, 'x');
  const std::string table = render_fitted({{"name", Align::left}, {"state", Align::left}, {"n", Align::right}},
                                          {{"anthropic", long_text, "1"}, {"openai", "ok", "22"}}, {1});
  size_t start = 0;
  for (size_t end; (end = table.find('\n', start)) != std::string::npos; start = end + 1) {
    size_t columns = 0;
    for (size_t i = start; i < end; ++i) columns += (static_cast<unsigned char>(table[i]) & 0xC0) != 0x80 ? 1 : 0;
    CHECK(columns <= 80);
  }
  CHECK(table.find("…") != std::string::npos);
  CHECK(table.find("openai") != std::string::npos);
}
