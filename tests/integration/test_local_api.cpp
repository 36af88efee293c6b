// The loopback API the CLI calls on a running server, and what it makes true: a key made with
// the CLI works at once; `providers` and `config show` report the server's keys, not the shell's;
// serve warns when a provider key is llmgw's own token or a virtual key.
#include "tests/integration/runtime_serve.hpp"
#include "tests/support/fake_upstream.hpp"
#include "core/policy/keys.hpp"
#include "store/settings.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <doctest/doctest.h>
#include <fstream>

using namespace llmgw;
using namespace llmgw::test;

namespace {

void write_config(const TempDir& dir, const FakeUpstream& upstream, const std::string& more = "") {
  std::ofstream(dir.file("config.toml")) << "default_provider = \"anthropic\"\n[server]\nshutdown_grace_seconds = 2\n"
                                         << "[providers.anthropic]\nkind = \"anthropic\"\nbase_url = \""
                                         << upstream.base_url() << "\"\napi_key_env = \"LLMGW_IT_KEY\"\n"
                                         << more;
}

const std::string k_body = R"({"model":"claude-sonnet-4-5","max_tokens":5,"messages":[]})";

int post_with(int port, const std::string& key) {
  httplib::Client client("127.0.0.1", port);
  auto reply = client.Post("/v1/messages", httplib::Headers{{"x-api-key", key}, {"anthropic-version", "2023-06-01"}},
                           k_body, "application/json");
  return reply ? reply->status : 0;
}

} // namespace

TEST_CASE("a key made with llmgw key create works at once, 20 times in a row") {
  FakeUpstream upstream;
  upstream.on("POST", "/v1/messages",
              [](const RecordedRequest&) { return anthropic_reply("claude-sonnet-4-5", "ok", 10, 0, 0, 5); });
  TempDir dir;
  write_config(dir, upstream);
  RuntimeServe serve(dir, {{"LLMGW_IT_KEY", "fake-key-for-tests"}});
  for (int i = 0; i < 20; ++i) {
    auto created = run_shell(cli_env(dir) + LLMGW_BINARY + " --config " + dir.file("config.toml") + " --db " +
                             dir.file("llmgw.db") + " key create k" + std::to_string(i));
    REQUIRE(created.exit_code == 0);
    const size_t at = created.output.find("\nllmgw-vk-"); // stdout's token after stderr's line
    REQUIRE(at != std::string::npos);
    const std::string token = created.output.substr(at + 1, created.output.find('\n', at + 1) - at - 1);
    CHECK(post_with(serve.port(), token) == 200);
  }
  CHECK(upstream.calls() == 20);
}

TEST_CASE("the server looks up a key it does not know yet before refusing it") {
  FakeUpstream upstream;
  upstream.on("POST", "/v1/messages",
              [](const RecordedRequest&) { return anthropic_reply("claude-sonnet-4-5", "ok", 10, 0, 0, 5); });
  TempDir dir;
  write_config(dir, upstream);
  RuntimeServe serve(dir, {{"LLMGW_IT_KEY", "fake-key-for-tests"}});
  store::Db db(dir.file("llmgw.db"));
  for (int i = 0; i < 5; ++i) { // written straight to the store: nobody tells the server
    const std::string token = core::policy::generate_key_token();
    store::insert_key(db, {"direct" + std::to_string(i), core::policy::sha256_hex(token), "", "", ""}, "hint", false);
    CHECK(post_with(serve.port(), token) == 200);
  }
  CHECK(post_with(serve.port(), core::policy::generate_key_token()) == 401); // unknown stays refused
  store::revoke_key(db, "direct0");
}

TEST_CASE("the loopback API answers the gateway token only, never to a page, and never shows a key") {
  FakeUpstream upstream;
  TempDir dir;
  write_config(dir, upstream);
  RuntimeServe serve(dir, {{"LLMGW_IT_KEY", "fake-key-for-tests"}});
  httplib::Client client("127.0.0.1", serve.port());
  CHECK(client.Get("/llmgw/api/status")->status == 401);
  const std::string vk = core::policy::generate_key_token();
  {
    store::Db db(dir.file("llmgw.db"));
    store::insert_key(db, {"vk", core::policy::sha256_hex(vk), "", "", ""}, "hint", false);
  }
  CHECK(client.Get("/llmgw/api/status", httplib::Headers{{"x-api-key", vk}})->status == 401);
  const httplib::Headers bearer{{"Authorization", "Bearer " + serve.token()}};
  auto page = client.Get("/llmgw/api/status",
                         httplib::Headers{{"Authorization", "Bearer " + serve.token()}, {"Origin", "http://evil"}});
  CHECK(page->status == 403);
  auto status = client.Get("/llmgw/api/status", bearer);
  REQUIRE(status->status == 200);
  const auto doc = nlohmann::json::parse(status->body);
  CHECK(doc["pid"] == serve.pid());
  CHECK(doc["port"] == serve.port());
  CHECK(doc["version"] == LLMGW_VERSION);
  auto providers = client.Get("/llmgw/api/providers", httplib::Headers{{"x-api-key", serve.token()}});
  REQUIRE(providers->status == 200);
  CHECK(providers->body.find("fake-key") == std::string::npos);
  CHECK(nlohmann::json::parse(providers->body)["providers"][0]["keys"][0]["state"] == "set");
  CHECK(client.Post("/llmgw/api/reload", bearer, "", "application/json")->status == 200);
  CHECK(client.Get("/llmgw/api/reload", bearer)->status == 405);
}

TEST_CASE("llmgw providers and config show report the server's keys; without a server, the local view, labelled") {
  FakeUpstream upstream;
  TempDir dir;
  write_config(dir, upstream,
               "[providers.other]\nkind = \"openai_compatible\"\nbase_url = \"" + upstream.base_url() +
                   "/v1\"\napi_key_env = \"LLMGW_CLI_ONLY_KEY\"\n");
  // The server has LLMGW_IT_KEY and not LLMGW_CLI_ONLY_KEY; the CLI's shell the other way round.
  RuntimeServe serve(dir, {{"LLMGW_IT_KEY", "fake-key-for-tests"}});
  const std::string cli_shell = "env -u LLMGW_IT_KEY LLMGW_CLI_ONLY_KEY=fake-cli-key ";
  auto listed = llmgw_cli(dir, "providers --json", cli_shell);
  INFO(listed.output);
  REQUIRE(listed.exit_code == 0);
  auto providers = nlohmann::json::parse(listed.output);
  REQUIRE(providers.size() == 2);
  CHECK(providers[0]["key_view"] == "server");
  CHECK(providers[0]["key_present"] == true);
  CHECK(providers[0]["key"] == "LLMGW_IT_KEY set");
  CHECK(providers[1]["key_present"] == false);
  CHECK(providers[1]["key"] == "LLMGW_CLI_ONLY_KEY NOT SET");
  auto text = llmgw_cli(dir, "providers", cli_shell);
  INFO(text.output);
  CHECK(text.output.find("keys as the running server sees them") != std::string::npos);
  CHECK(text.output.find("fake-") == std::string::npos);
  for (size_t start = 0, end; (end = text.output.find('\n', start)) != std::string::npos; start = end + 1) {
    const std::string line = text.output.substr(start, end - start);
    size_t columns = 0;
    for (char c : line) columns += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
    CHECK_MESSAGE(columns <= 80, line);
  }
  auto config = llmgw_cli(dir, "config show --json", cli_shell);
  INFO(config.output);
  const auto values = nlohmann::json::parse(config.output)["values"];
  int seen = 0;
  for (const auto& value : values) {
    if (value["key"] == "providers.anthropic.key") {
      CHECK(value["value"] == "set");
      CHECK(value["origin"] == "running server");
      ++seen;
    }
    if (value["key"] == "providers.other.key") {
      CHECK(value["value"] == "not set");
      ++seen;
    }
  }
  CHECK(seen == 2);
  REQUIRE(serve.stop(SIGTERM) == 0);
  auto local = llmgw_cli(dir, "providers", cli_shell);
  INFO(local.output);
  CHECK(local.output.find("no llmgw server is running: keys as this shell sees them") != std::string::npos);
  CHECK(local.output.find("LLMGW_IT_KEY NOT SET") != std::string::npos);
  CHECK(local.output.find("LLMGW_CLI_ONLY_KEY set") != std::string::npos);
}

TEST_CASE("serve warns once when a provider key is the gateway token or a virtual key") {
  FakeUpstream upstream;
  TempDir dir;
  write_config(dir, upstream,
               "[providers.second]\nkind = \"anthropic\"\nbase_url = \"" + upstream.base_url() +
                   "\"\napi_key_env = \"LLMGW_IT_KEY_2\"\n");
  const std::string gateway_token = "llmgw-test-gateway-token-0123456789";
  std::ofstream(dir.file("token")) << gateway_token << "\n";
  const std::string vk = core::policy::generate_key_token();
  {
    store::Db db(dir.file("llmgw.db"));
    store::insert_key(db, {"laptop", core::policy::sha256_hex(vk), "", "", ""}, "hint", false);
  }
  RuntimeServe serve(dir, {{"LLMGW_IT_KEY", gateway_token}, {"LLMGW_IT_KEY_2", vk}});
  const std::string log = serve.log();
  INFO(log);
  const std::string token_warning = "provider anthropic: LLMGW_IT_KEY holds the gateway token";
  const std::string key_warning = "provider second: LLMGW_IT_KEY_2 holds virtual key 'laptop'";
  CHECK(log.find(token_warning) != std::string::npos);
  CHECK(log.find(token_warning, log.find(token_warning) + 1) == std::string::npos); // once
  CHECK(log.find(key_warning) != std::string::npos);
  CHECK(log.find(gateway_token) == std::string::npos);
  CHECK(log.find(vk) == std::string::npos);
  auto listed = llmgw_cli(dir, "providers --json");
  INFO(listed.output);
  auto providers = nlohmann::json::parse(listed.output);
  CHECK(providers[0]["keys"][0]["state"] == "gateway token");
  CHECK(providers[1]["keys"][0]["state"] == "virtual key");
  CHECK(listed.output.find(gateway_token) == std::string::npos);
  CHECK(listed.output.find(vk.substr(0, 12)) == std::string::npos);
}
