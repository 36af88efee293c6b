// Team mode (server.public, issue 18 point 5) on a real `llmgw serve`: the Host allow-list, virtual
// keys only (the gateway token refused in the caller's format), users on keys, `usage --by user`,
// caps per user, and the shipped nginx example accepted by nginx.
#include "tests/integration/runtime_serve.hpp"
#include "tests/support/fake_upstream.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <doctest/doctest.h>
#include <csignal>
#include <fstream>
#include <map>
#include <sstream>
#include <unistd.h>

using namespace llmgw;
using namespace llmgw::test;

namespace {

const std::string k_host = "llm.team.example";
const std::string k_anthropic_body = R"({"model":"claude-sonnet-4-5","max_tokens":5,"messages":[]})";
const std::string k_openai_body = R"({"model":"gpt-4.1","messages":[{"role":"user","content":"hi"}]})";

// Two providers on one fake upstream; team mode with one listed host unless `server` says otherwise.
void write_team_config(const TempDir& dir, const FakeUpstream& upstream,
                       const std::string& server = "public = true\nhosts = [\"llm.team.example\"]\n") {
  std::ofstream(dir.file("config.toml")) << "default_provider = \"anthropic\"\n[server]\nshutdown_grace_seconds = 2\n"
                                         << server << "[providers.anthropic]\nkind = \"anthropic\"\nbase_url = \""
                                         << upstream.base_url() << "\"\napi_key_env = \"LLMGW_IT_KEY\"\n"
                                         << "[providers.openai]\nkind = \"openai\"\nbase_url = \""
                                         << upstream.base_url() << "/v1\"\napi_key_env = \"LLMGW_IT_KEY\"\n";
}

void serve_replies(FakeUpstream& upstream) {
  upstream.on("POST", "/v1/messages",
              [](const RecordedRequest&) { return anthropic_reply("claude-sonnet-4-5", "ok", 1000, 0, 0, 500); });
  upstream.on("POST", "/v1/chat/completions",
              [](const RecordedRequest&) { return openai_chat_reply("gpt-4.1", "ok", 1000, 0, 500); });
}

// `llmgw key create NAME ARGS`: the token it prints once.
std::string create_key(const TempDir& dir, const std::string& name, const std::string& args = "") {
  const auto created = llmgw_cli(dir, "key create " + name + " " + args);
  REQUIRE_MESSAGE(created.exit_code == 0, created.output);
  const size_t at = created.output.find("llmgw-vk-");
  REQUIRE(at != std::string::npos);
  return created.output.substr(at, created.output.find('\n', at) - at);
}

httplib::Result post(int port, const std::string& host, const std::string& key, bool anthropic) {
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(10, 0);
  httplib::Headers headers{{"Host", host}};
  if (anthropic) {
    headers.emplace("x-api-key", key);
    headers.emplace("anthropic-version", "2023-06-01");
    return client.Post("/v1/messages", headers, k_anthropic_body, "application/json");
  }
  headers.emplace("Authorization", "Bearer " + key);
  return client.Post("/v1/chat/completions", headers, k_openai_body, "application/json");
}

nlohmann::json body_of(const httplib::Result& reply) {
  REQUIRE(reply);
  return nlohmann::json::parse(reply->body, nullptr, false);
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

} // namespace

TEST_CASE("team mode: a Host listed in server.hosts is served, any other is refused in the caller's format") {
  FakeUpstream upstream;
  serve_replies(upstream);
  TempDir dir;
  write_team_config(dir, upstream);
  const std::string key = create_key(dir, "laptop", "--user alice");
  RuntimeServe serve(dir, {{"LLMGW_IT_KEY", "fake-key-for-tests"}});
  CHECK(post(serve.port(), k_host, key, true)->status == 200);
  CHECK(post(serve.port(), "LLM.Team.Example:443", key, false)->status == 200); // any case, port ignored
  const auto loopback = post(serve.port(), "127.0.0.1:" + std::to_string(serve.port()), key, true);
  REQUIRE(loopback);
  CHECK(loopback->status == 403);
  const auto anthropic = body_of(loopback);
  CHECK(anthropic["type"] == "error");
  CHECK(anthropic["error"]["message"].get<std::string>().find("server.hosts") != std::string::npos);
  const auto other = post(serve.port(), "evil.example", key, false);
  REQUIRE(other);
  CHECK(other->status == 403);
  CHECK(body_of(other)["error"]["message"].get<std::string>().find("server.hosts") != std::string::npos);
  CHECK(upstream.calls() == 2);
}

TEST_CASE("team mode: the gateway token gets 401 saying a virtual key is needed, on OpenAI and Anthropic routes") {
  FakeUpstream upstream;
  serve_replies(upstream);
  TempDir dir;
  write_team_config(dir, upstream);
  RuntimeServe serve(dir, {{"LLMGW_IT_KEY", "fake-key-for-tests"}});
  const auto anthropic = post(serve.port(), k_host, serve.token(), true);
  REQUIRE(anthropic);
  CHECK(anthropic->status == 401);
  const auto anthropic_body = body_of(anthropic);
  CHECK(anthropic_body["type"] == "error");
  CHECK(anthropic_body["error"]["message"].get<std::string>().find("virtual key") != std::string::npos);
  const auto openai = post(serve.port(), k_host, serve.token(), false);
  REQUIRE(openai);
  CHECK(openai->status == 401);
  const auto openai_body = body_of(openai);
  CHECK(openai_body.contains("error"));
  CHECK_FALSE(openai_body.contains("type"));
  CHECK(openai_body["error"]["message"].get<std::string>().find("virtual key") != std::string::npos);
  CHECK(openai->body.find(serve.token()) == std::string::npos); // never echoed
  CHECK(post(serve.port(), k_host, "llmgw-vk-unknown", true)->status == 401);
  CHECK(upstream.calls() == 0);
  // The loopback API still answers the CLI on this machine (loopback Host and peer, the token),
  // but not a request a proxy relayed.
  httplib::Client local("127.0.0.1", serve.port());
  const httplib::Headers token{{"Authorization", "Bearer " + serve.token()}};
  const auto status = local.Get("/llmgw/api/status", token);
  REQUIRE(status);
  CHECK(status->status == 200);
  httplib::Headers relayed = token;
  relayed.emplace("X-Forwarded-For", "203.0.113.7");
  const auto proxied = local.Get("/llmgw/api/status", relayed);
  REQUIRE(proxied);
  CHECK(proxied->status == 403);
  // /metrics takes the gateway token (not a virtual key), as on a personal server.
  const auto metrics =
      local.Get("/metrics", httplib::Headers{{"Host", k_host}, {"Authorization", "Bearer " + serve.token()}});
  REQUIRE(metrics);
  CHECK(metrics->status == 200);
}

TEST_CASE("team mode: start-up refuses public = true without hosts; with them any --host may be bound") {
  FakeUpstream upstream;
  TempDir dir;
  write_team_config(dir, upstream, "public = true\n");
  const auto refused = llmgw_cli(dir, "serve --port 0", "LLMGW_IT_KEY=x");
  CHECK(refused.exit_code != 0);
  CHECK(refused.output.find("server.public = true") != std::string::npos);
  CHECK(refused.output.find("needs server.hosts") != std::string::npos);
  // LLMGW_HOSTS supplies them; a host other machines reach is bound without --allow-remote.
  const auto started = llmgw_cli(dir, "serve --host 0.0.0.0 --port 0 2>&1 & pid=$!; sleep 2; kill $pid; wait $pid",
                                 "LLMGW_IT_KEY=x LLMGW_HOSTS=llm.team.example");
  CHECK(started.output.find("listening on http://0.0.0.0:") != std::string::npos);
  CHECK(started.output.find("team mode") != std::string::npos);
}

TEST_CASE("key create --user: key list shows the user, as a column and in --json") {
  TempDir dir;
  FakeUpstream upstream;
  write_team_config(dir, upstream);
  create_key(dir, "alice-laptop", "--user alice@team.example --project web");
  create_key(dir, "ci");
  const auto listed = llmgw_cli(dir, "key list");
  CHECK(listed.output.find("alice@team.example") != std::string::npos);
  const auto json = nlohmann::json::parse(llmgw_cli(dir, "key list --json").output, nullptr, false);
  REQUIRE(json.is_array());
  REQUIRE(json.size() == 2);
  CHECK(json[0]["name"] == "alice-laptop");
  CHECK(json[0]["user"] == "alice@team.example");
  CHECK(json[1]["user"] == "");
  CHECK(llmgw_cli(dir, "key create bad --user 'a b'").exit_code != 0);
}

TEST_CASE("team mode: usage --by user sums each user's requests; a user cap refuses that user with 402 only") {
  FakeUpstream upstream;
  serve_replies(upstream);
  TempDir dir;
  write_team_config(dir, upstream);
  const std::string alice = create_key(dir, "alice-laptop", "--user alice");
  const std::string alice_ci = create_key(dir, "alice-ci", "--user alice");
  const std::string bob = create_key(dir, "bob-laptop", "--user bob");
  {
    RuntimeServe serve(dir, {{"LLMGW_IT_KEY", "fake-key-for-tests"}});
    CHECK(post(serve.port(), k_host, alice, true)->status == 200);
    CHECK(post(serve.port(), k_host, alice_ci, false)->status == 200);
    CHECK(post(serve.port(), k_host, bob, true)->status == 200);
    CHECK(serve.stop(SIGTERM) == 0); // the ledger is flushed
  }
  const auto usage = nlohmann::json::parse(llmgw_cli(dir, "usage --by user --json").output, nullptr, false);
  REQUIRE(usage.is_object());
  std::map<std::string, int64_t> requests;
  for (const auto& row : usage["rows"]) requests[row["key"].get<std::string>()] = row["requests"].get<int64_t>();
  CHECK(requests["alice"] == 2);
  CHECK(requests["bob"] == 1);
  // Spend so far counts under the user: a cap below it is already reached for alice alone.
  REQUIRE(llmgw_cli(dir, "cap set --day 0.000001 --user alice").exit_code == 0);
  REQUIRE(llmgw_cli(dir, "cap set --day 1000 --user bob").exit_code == 0);
  const auto caps = nlohmann::json::parse(llmgw_cli(dir, "cap list --json").output, nullptr, false);
  REQUIRE(caps.is_array());
  REQUIRE(caps.size() == 2);
  CHECK(caps[0]["scope"] == "user");
  CHECK(caps[0]["spent_usd_pico"].get<int64_t>() > 0);
  CHECK(caps[1]["spent_usd_pico"].get<int64_t>() > 0);
  CHECK(caps[1]["spent_usd_pico"].get<int64_t>() < caps[0]["spent_usd_pico"].get<int64_t>());
  RuntimeServe serve(dir, {{"LLMGW_IT_KEY", "fake-key-for-tests"}});
  const int calls = upstream.calls();
  const auto refused = post(serve.port(), k_host, alice_ci, true);
  REQUIRE(refused);
  CHECK(refused->status == 402);
  CHECK(refused->body.find("for user alice") != std::string::npos);
  CHECK(post(serve.port(), k_host, bob, true)->status == 200);
  CHECK(upstream.calls() == calls + 1);
  CHECK(llmgw_cli(dir, "cap set --day 5 --user carol").exit_code != 0); // no key belongs to carol
}

TEST_CASE("packaging/nginx-team.conf passes nginx -t (test certificates made by openssl)") {
  const std::string nginx = "/usr/sbin/nginx";
  REQUIRE_MESSAGE(::access(nginx.c_str(), X_OK) == 0, "nginx missing: packaging/setup-deps.sh --test installs it");
  TempDir dir;
  const std::string root = dir.path();
  const auto made = run_shell("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=llm.team.example -keyout " +
                              root + "/privkey.pem -out " + root + "/fullchain.pem 2>&1");
  REQUIRE_MESSAGE(made.exit_code == 0, made.output);
  std::string config = read_text(std::string(LLMGW_TEST_FIXTURES) + "/../../packaging/nginx-team.conf");
  REQUIRE(config.find("proxy_buffering off;") != std::string::npos);
  REQUIRE(config.find("proxy_set_header Host $host;") != std::string::npos);
  // Certificates, logs and nginx's temp files in the test's directory.
  auto replace_all = [&](const std::string& from, const std::string& to) {
    for (size_t at = config.find(from); at != std::string::npos; at = config.find(from, at + to.size()))
      config.replace(at, from.size(), to);
  };
  replace_all("/etc/ssl/llm.team.example/", root + "/");
  replace_all("/var/log/nginx/", root + "/");
  std::string temp_paths = "http {\n";
  for (const char* kind : {"client_body", "proxy", "fastcgi", "uwsgi", "scgi"})
    temp_paths += "  " + std::string(kind) + "_temp_path " + root + "/" + kind + ";\n";
  replace_all("\nhttp {\n", "\n" + temp_paths);
  std::ofstream(root + "/nginx.conf") << config;
  const auto checked =
      run_shell(nginx + " -t -p " + root + " -e " + root + "/error.log -c " + root + "/nginx.conf 2>&1");
  CHECK_MESSAGE(checked.exit_code == 0, checked.output);
  CHECK(checked.output.find("test is successful") != std::string::npos);
}
