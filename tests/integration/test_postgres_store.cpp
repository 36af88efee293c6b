// The real `llmgw` on a PostgreSQL store (the test cluster of tests/support/pg_cluster.sh; run by
// ctest's "integration (PostgreSQL)" entry with --no-skip): `[store] url` in config.toml, --db and
// LLMGW_DB select it; key create, cap set, a request through `serve` and usage read one database.
#include "store/reports.hpp"
#include "store/settings.hpp"
#include "tests/integration/runtime_serve.hpp"
#include "tests/support/fake_upstream.hpp"
#include "tests/support/shell.hpp"
#include "tests/support/store_dir.hpp"

#include <nlohmann/json.hpp>

#include <csignal>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <fstream>
#include <iterator>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace llmgw;
using namespace llmgw::test;

namespace {

std::string config_text(const FakeUpstream& upstream, const std::string& url) {
  return "default_provider = \"anthropic\"\n[store]\nurl = \"" + url +
         "\"\n[providers.anthropic]\nkind = \"anthropic\"\nbase_url = \"" + upstream.base_url() +
         "\"\napi_key_env = \"LLMGW_IT_KEY\"\n";
}

// `llmgw --config DIR/config.toml ARGUMENTS` with private XDG dirs; `prefix` goes before it (env).
CommandResult run_llmgw(const StoreDir& dir, const std::string& arguments, const std::string& prefix = "") {
  return run_shell(prefix + " XDG_CONFIG_HOME=" + dir.plain_file("config") +
                   " XDG_DATA_HOME=" + dir.plain_file("data") + " LLMGW_IT_KEY=fake-key-for-tests " + LLMGW_BINARY +
                   " --config " + dir.plain_file("config.toml") + " " + arguments + " 2>&1");
}

} // namespace

TEST_SUITE("postgres store" * doctest::skip()) {
  TEST_CASE("key create, cap set, a request through serve and usage all use the PostgreSQL store") {
    FakeUpstream upstream;
    StoreDir dir;
    const std::string url = dir.file("llmgw.db");
    std::ofstream(dir.plain_file("config.toml")) << config_text(upstream, url);

    const auto key = run_llmgw(dir, "key create alice");
    INFO(key.output);
    REQUIRE(key.exit_code == 0);
    const size_t at = key.output.find("llmgw-vk-");
    REQUIRE(at != std::string::npos);
    const std::string token = key.output.substr(at, key.output.find('\n', at) - at);
    const auto cap = run_llmgw(dir, "cap set --day 5");
    CHECK(cap.exit_code == 0);
    CHECK(cap.output.find("cap 1: $5") != std::string::npos);

    // No --db: the store comes from [store] url.
    RuntimeServe serve(dir.temp(), EnvVars{{"LLMGW_IT_KEY", "fake-key-for-tests"}}, 0, "");
    CHECK(serve.log().find("ledger: " + url) != std::string::npos);
    httplib::Client client("127.0.0.1", serve.port());
    const httplib::Headers auth{{"x-api-key", token}, {"anthropic-version", "2023-06-01"}};
    const std::string body = R"({"model":"claude-sonnet-4-5","max_tokens":10,"messages":[]})";
    const auto answer = client.Post("/v1/messages", auth, body, "application/json");
    REQUIRE(answer);
    CHECK(answer->status == 200);
#if defined(__linux__)
    { // libpq is loaded (dlopen) for a postgres:// store: see test_libpq_loading.cpp for SQLite
      std::ifstream maps("/proc/" + std::to_string(serve.pid()) + "/maps");
      const std::string mapped((std::istreambuf_iterator<char>(maps)), std::istreambuf_iterator<char>());
      CHECK(mapped.find("/libpq.so") != std::string::npos);
    }
#endif
    CHECK(serve.stop(SIGTERM) == 0); // flushes the ledger

    const auto usage = run_llmgw(dir, "usage --today --json");
    INFO(usage.output);
    REQUIRE(usage.exit_code == 0);
    const auto report = nlohmann::json::parse(usage.output.substr(usage.output.find('{')));
    CHECK(report["total"]["requests"] == 1);
    CHECK(report["total"]["cost_usd_pico"].get<int64_t>() > 0);
    // The same database through --db and LLMGW_DB, with a config that names none.
    std::ofstream(dir.plain_file("config.toml")) << "";
    const auto by_flag = run_llmgw(dir, "--db " + url + " usage --today --json");
    CHECK(by_flag.output.find("\"requests\": 1") != std::string::npos);
    const auto by_env = run_llmgw(dir, "cap list --json", "LLMGW_DB=" + url);
    CHECK(by_env.output.find("\"limit_usd_pico\": 5000000000000") != std::string::npos);

    store::Db db(url);
    const auto rows = store::recent_requests(db, 10);
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].record.key_name == "alice");
    CHECK(store::list_caps(db).size() == 1);
  }

  TEST_CASE("config show names the store's origin; a password in the URL appears nowhere") {
    StoreDir dir;
    const std::string url = dir.file("llmgw.db");
    const std::string with_password = "postgres://team:s3cret@127.0.0.1:1/nowhere";
    std::ofstream(dir.plain_file("config.toml")) << "[store]\nurl = \"" + url + "\"\n";
    const auto shown = run_llmgw(dir, "config show");
    INFO(shown.output);
    CHECK(shown.output.find("store.url") != std::string::npos);
    CHECK(shown.output.find("config.toml:2") != std::string::npos);
    const auto flagged = run_llmgw(dir, "--db " + with_password + " config show");
    CHECK(flagged.output.find("s3cret") == std::string::npos);
    CHECK(flagged.output.find("flag --db") != std::string::npos);
    const auto failed = run_llmgw(dir, "--db " + with_password + " key list");
    CHECK(failed.exit_code != 0);
    CHECK(failed.output.find("postgres://team:***@127.0.0.1:1/nowhere") != std::string::npos);
    CHECK(failed.output.find("s3cret") == std::string::npos);
  }
}
