// libpq is loaded only when a postgres:// store is opened (store/libpq.cpp): `llmgw serve` on a
// SQLite ledger never maps it, and without it a postgres:// store is a clear error, not a crash.
// (The PostgreSQL run of test_postgres_store.cpp checks that serve on PostgreSQL does map it.)
#include "tests/integration/runtime_serve.hpp"
#include "tests/support/fake_upstream.hpp"

#include <httplib.h>

#include <doctest/doctest.h>
#include <fstream>
#include <sstream>

using namespace llmgw;
using namespace llmgw::test;

namespace {

std::string mapped_files(pid_t pid) {
  std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
  std::ostringstream text;
  text << maps.rdbuf();
  return text.str();
}

} // namespace

#if defined(__linux__) // /proc/PID/maps
TEST_CASE("llmgw serve on a SQLite ledger serves and records without ever loading libpq") {
  FakeUpstream upstream;
  TempDir dir;
  std::ofstream(dir.file("config.toml")) << "default_provider = \"anthropic\"\n[providers.anthropic]\nkind = "
                                            "\"anthropic\"\nbase_url = \""
                                         << upstream.base_url() << "\"\napi_key_env = \"LLMGW_IT_KEY\"\n";
  RuntimeServe serve(dir, EnvVars{{"LLMGW_IT_KEY", "fake-key-for-tests"}});
  httplib::Client client("127.0.0.1", serve.port());
  const auto answer = client.Post("/v1/messages", {{"x-api-key", serve.token()}, {"anthropic-version", "2023-06-01"}},
                                  R"({"model":"claude-sonnet-4-5","max_tokens":10,"messages":[]})", "application/json");
  REQUIRE(answer);
  CHECK(answer->status == 200);
  const std::string maps = mapped_files(serve.pid());
  REQUIRE(maps.find("libsqlite3") != std::string::npos); // the check reads the right process
  CHECK(maps.find("libpq") == std::string::npos);
  CHECK(maps.find("libgssapi") == std::string::npos);
  CHECK(maps.find("libldap") == std::string::npos);
  CHECK(serve.stop(SIGTERM) == 0);
}
#endif

TEST_CASE("a postgres:// store without libpq is an error naming the package to install, not a crash") {
  TempDir dir;
  std::ofstream(dir.file("config.toml")) << "";
  const std::string url = "postgres://team:s3cret@127.0.0.1:1/nowhere";
  const auto result = run_shell(cli_env(dir) + "LLMGW_LIBPQ=/nonexistent/libpq.so.5 " + LLMGW_BINARY + " --config " +
                                dir.file("config.toml") + " --db " + url + " key list 2>&1");
  INFO(result.output);
  CHECK(result.exit_code == 1); // an Error caught in main, not a signal (-1)
  CHECK(result.output.find("cannot load libpq (/nonexistent/libpq.so.5") != std::string::npos);
  CHECK(result.output.find("apt install libpq5") != std::string::npos);
  CHECK(result.output.find("brew install libpq") != std::string::npos);
  CHECK(result.output.find("postgres://team:***@127.0.0.1:1/nowhere") != std::string::npos);
  CHECK(result.output.find("s3cret") == std::string::npos);
}
