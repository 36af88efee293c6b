// `llmgw usage --by session` shows each session's cache-read share of its prompt.
#include "core/policy/periods.hpp"
#include "store/ledger.hpp"
#include "tests/support/shell.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace llmgw;
using namespace llmgw::test;

TEST_CASE("usage --by session has a cache read % column: cache_read / (input + cache_read + cache_write)") {
  TempDir dir;
  const std::string db = dir.file("llmgw.db");
  {
    store::Ledger ledger(db);
    core::RequestRecord r;
    r.started_at_ms = core::policy::now_ms() - 1000;
    r.agent = "claude-code";
    r.provider = "anthropic";
    r.served_model = "claude-sonnet-4-5";
    r.http_status = 200;
    r.session_id = "warm";
    r.usage.input_uncached_tokens = 100;
    r.usage.cache_read_tokens = 800;
    r.usage.cache_write_5m_tokens = 100;
    ledger.record(r);
    r.session_id = "cold";
    r.usage.cache_read_tokens = 0;
    r.usage.cache_write_5m_tokens = 300;
    ledger.record(r);
  }
  const auto table = run_shell(std::string(LLMGW_BINARY) + " --db " + db + " usage --by session < /dev/null");
  REQUIRE(table.exit_code == 0);
  CHECK(table.output.find("cache read %") != std::string::npos);
  CHECK(table.output.find("80%") != std::string::npos); // warm: 800 / 1000
  CHECK(table.output.find(" 0%") != std::string::npos); // cold: never read
  const auto json = nlohmann::json::parse(
      run_shell(std::string(LLMGW_BINARY) + " --db " + db + " usage --by session --json < /dev/null").output);
  CAPTURE(json.dump());
  bool warm = false;
  for (const auto& row : json.at("rows"))
    if (row.at("key") == "warm") warm = row.at("cache_read_share").get<double>() == doctest::Approx(0.8);
  CHECK(warm);
}
