// Every failure path answers in the caller's API format with the right status and still leaves
// one ledger row: upstream errors, unreachable and stalled upstreams, cut streams, clients that
// hang up, malformed and oversized bodies, missing tokens, browsers and foreign Host names.
#include "core/platform/poller.hpp"
#include "tests/integration/hangup_scenario.hpp"
#include "tests/integration/stream_client.hpp"
#include "tests/support/test_gateway.hpp"

#include <doctest/doctest.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <nlohmann/json.hpp>
#include <sys/socket.h>
#include <unistd.h>

using namespace llmgw;
using namespace llmgw::test;

namespace {

const std::string k_chat = R"({"model":"gpt-4.1","messages":[{"role":"user","content":"hi"}]})";
const std::string k_messages = R"({"model":"claude-sonnet-4-5","max_tokens":5,"messages":[]})";

// A port nothing listens on: bind an ephemeral port, read it, close the socket again.
int free_port() {
  int sock = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(sock, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  socklen_t size = sizeof address;
  ::getsockname(sock, reinterpret_cast<sockaddr*>(&address), &size);
  ::close(sock);
  return ntohs(address.sin_port);
}

} // namespace

TEST_CASE("an upstream error reaches the client with its status, body and retry-after") {
  FakeUpstream upstream;
  auto error = anthropic_error(429, "rate_limit_error", "Number of request tokens has exceeded your limit");
  error.headers.emplace("retry-after", "7");
  error.headers.emplace("anthropic-ratelimit-requests-remaining", "0");
  error.headers.emplace("set-cookie", "session=upstream"); // never relayed
  upstream.on("POST", "/v1/messages", [&](const RecordedRequest&) { return error; });
  auto config = fake_config(upstream);
  config.routing.attempts = 1; // retries are test_routing.cpp's subject; here the answer passes through
  TestGateway gateway(config);
  auto client = gateway.client();
  for (bool stream : {false, true}) {
    std::string body =
        stream ? R"({"model":"claude-sonnet-4-5","max_tokens":5,"stream":true,"messages":[]})" : k_messages;
    auto result = post_streaming(*client, "/v1/messages", TestGateway::anthropic_auth(), body);
    CHECK(result.status == 429);
    CHECK(result.body == error.body);
    CHECK(result.headers.find("retry-after")->second == "7");
    CHECK(result.headers.count("anthropic-ratelimit-requests-remaining") == 1);
    CHECK(result.headers.count("set-cookie") == 0);
    CHECK(result.headers.count("Content-Type") == 1);
  }
  auto rows = gateway.wait_rows(2);
  REQUIRE(rows.size() == 2);
  for (const auto& row : rows) {
    CHECK(row.record.outcome == core::Outcome::upstream_error);
    CHECK(row.record.http_status == 429);
    CHECK(row.record.error_message.find("exceeded") != std::string::npos);
  }
}

TEST_CASE("an unreachable upstream gives 502 in the caller's format") {
  FakeUpstream upstream;
  auto config = fake_config(upstream);
  int dead = free_port();
  config.providers[0].base_url = "http://127.0.0.1:" + std::to_string(dead) + "/v1";
  config.providers[1].base_url = "http://127.0.0.1:" + std::to_string(dead);
  TestGateway gateway(config);
  auto client = gateway.client();
  auto anthropic = client->Post("/v1/messages", TestGateway::anthropic_auth(), k_messages, "application/json");
  REQUIRE(anthropic);
  CHECK(anthropic->status == 502);
  auto a = nlohmann::json::parse(anthropic->body);
  CHECK(a["type"] == "error");
  CHECK(a["error"]["type"] == "api_error");
  auto openai = post_streaming(*client, "/v1/chat/completions", TestGateway::openai_auth(),
                               R"({"model":"gpt-4.1","stream":true,"messages":[]})");
  CHECK(openai.status == 502);
  CHECK(nlohmann::json::parse(openai.body)["error"]["message"].get<std::string>().find("cannot reach") == 0);
  auto rows = gateway.rows();
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].record.outcome == core::Outcome::unreachable);
  CHECK(rows[1].record.outcome == core::Outcome::unreachable);
}

TEST_CASE("an upstream that stalls past the read timeout gives 502") {
  FakeUpstream upstream;
  upstream.on("POST", "/v1/chat/completions", [](const RecordedRequest&) {
    auto reply = openai_chat_reply("gpt-4.1", "late", 1, 0, 1);
    reply.delay_before_headers_ms = 3000;
    return reply;
  });
  auto config = fake_config(upstream);
  config.server.read_timeout_seconds = 1;
  TestGateway gateway(config);
  auto client = gateway.client();
  auto started = std::chrono::steady_clock::now();
  auto response = client->Post("/v1/chat/completions", TestGateway::openai_auth(), k_chat, "application/json");
  REQUIRE(response);
  CHECK(response->status == 502);
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::milliseconds(2900));
  auto rows = gateway.rows();
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].record.outcome == core::Outcome::unreachable);
}

TEST_CASE("an upstream that cuts the stream ends the client's stream cleanly and records upstream_cut") {
  FakeUpstream upstream;
  auto full = anthropic_stream("claude-sonnet-4-5", {"one", "two", "three"}, 40, 0, 0, 9);
  FakeResponse cut = full;
  cut.chunks.resize(4); // message_start, ping, content_block_start, first delta
  cut.chunks.back() = cut.chunks.back().substr(0, cut.chunks.back().size() / 2); // half an event
  cut.cut_after_chunks = true;
  upstream.on("POST", "/v1/messages", [&](const RecordedRequest&) { return cut; });
  TestGateway gateway(fake_config(upstream));
  auto client = gateway.client();
  auto result = post_streaming(*client, "/v1/messages", TestGateway::anthropic_auth(),
                               R"({"model":"claude-sonnet-4-5","max_tokens":5,"stream":true,"messages":[]})");
  CHECK(result.status == 200);
  std::string whole_events = cut.chunks[0] + cut.chunks[1] + cut.chunks[2];
  CHECK(result.body.substr(0, whole_events.size()) == whole_events);
  std::string tail = result.body.substr(whole_events.size());
  CHECK(tail.rfind("event: error\ndata: ", 0) == 0);
  CHECK(tail.size() >= 2);
  CHECK(tail.substr(tail.size() - 2) == "\n\n");
  auto rows = gateway.wait_rows(1);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].record.outcome == core::Outcome::upstream_cut);
  CHECK(rows[0].record.usage.input_uncached_tokens == 40);
  // message_start's usage (output_tokens: 1) is not the final count: the row says estimated.
  CHECK(rows[0].record.usage_source == core::UsageSource::estimated);
  CHECK(rows[0].record.usage.output_tokens >= 1);
}

TEST_CASE("a client that hangs up mid-stream cancels the upstream and records client_closed") {
  FakeUpstream upstream;
  TestGateway gateway(fake_config(upstream));
  check_hangup_cancels_upstream(upstream, gateway);
}

TEST_CASE("malformed JSON gets 400 in the caller's format") {
  FakeUpstream upstream;
  TestGateway gateway(fake_config(upstream));
  auto client = gateway.client();
  auto anthropic =
      client->Post("/v1/messages", TestGateway::anthropic_auth(), R"({"model": "x", )", "application/json");
  REQUIRE(anthropic);
  CHECK(anthropic->status == 400);
  CHECK(nlohmann::json::parse(anthropic->body)["error"]["type"] == "invalid_request_error");
  auto openai = client->Post("/v1/chat/completions", TestGateway::openai_auth(), "[1,2]", "application/json");
  REQUIRE(openai);
  CHECK(openai->status == 400);
  CHECK(nlohmann::json::parse(openai->body)["error"]["type"] == "invalid_request_error");
  auto no_model =
      client->Post("/v1/chat/completions", TestGateway::openai_auth(), R"({"messages":[]})", "application/json");
  REQUIRE(no_model);
  CHECK(no_model->status == 400);
  CHECK(upstream.calls() == 0);
  auto rows = gateway.rows();
  REQUIRE(rows.size() == 3);
  CHECK(rows[0].record.outcome == core::Outcome::bad_request);
}

TEST_CASE("a body nested deeper than 128 levels gets 400 naming the limit, passed through or translated") {
  FakeUpstream upstream;
  TestGateway gateway(fake_config(upstream));
  auto client = gateway.client();
  // 100,000 '[' in a tool schema (200 KB) once overflowed the stack where a translated body was
  // serialised, and where a passed-through one carrying a wrapped signature was re-serialised.
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  for (std::string model : {"claude-sonnet-4-5", "gpt-4.1"}) {
    CAPTURE(model);
    const std::string body = R"({"model":")" + model +
                             R"(","max_tokens":5,"messages":[{"role":"assistant","content":[)"
                             R"({"type":"thinking","thinking":"t","signature":"llmgw1.openai.abc"}]}],)"
                             R"("tools":[{"name":"t","input_schema":{"type":"object","properties":{"x":)" +
                             deep + "}}}]}";
    auto response = client->Post("/v1/messages", TestGateway::anthropic_auth(), body, "application/json");
    REQUIRE(response);
    CHECK(response->status == 400);
    const auto error = nlohmann::json::parse(response->body)["error"];
    CHECK(error["type"] == "invalid_request_error");
    CHECK(error["message"] == "request body nests JSON deeper than 128 levels");
  }
  CHECK(upstream.calls() == 0);
}

TEST_CASE("a body over the configured limit gets 413 in the caller's format") {
  FakeUpstream upstream;
  auto config = fake_config(upstream);
  config.server.max_body_bytes = 1024;
  TestGateway gateway(config);
  auto client = gateway.client();
  std::string big = R"({"model":"claude-sonnet-4-5","max_tokens":5,"messages":[{"role":"user","content":")" +
                    std::string(4096, 'x') + R"("}]})";
  auto response = client->Post("/v1/messages", TestGateway::anthropic_auth(), big, "application/json");
  REQUIRE(response);
  CHECK(response->status == 413);
  CHECK(nlohmann::json::parse(response->body)["error"]["type"] == "request_too_large");
  CHECK(upstream.calls() == 0);
}

TEST_CASE("requests without the gateway token get 401 in the caller's format") {
  FakeUpstream upstream;
  TestGateway gateway(fake_config(upstream));
  auto client = gateway.client();
  auto none = client->Post("/v1/messages", httplib::Headers{}, k_messages, "application/json");
  REQUIRE(none);
  CHECK(none->status == 401);
  CHECK(nlohmann::json::parse(none->body)["error"]["type"] == "authentication_error");
  auto wrong = client->Post("/v1/chat/completions", httplib::Headers{{"Authorization", "Bearer nope"}}, k_chat,
                            "application/json");
  REQUIRE(wrong);
  CHECK(wrong->status == 401);
  CHECK(wrong->body.find("nope") == std::string::npos);
  auto bearer_on_anthropic = client->Post("/v1/messages", TestGateway::openai_auth(), k_messages, "application/json");
  REQUIRE(bearer_on_anthropic);
  CHECK(bearer_on_anthropic->status == 200);
  CHECK(upstream.calls() == 1);
}

TEST_CASE("browser origins and foreign Host names are refused, but not Node fetch headers") {
  FakeUpstream upstream;
  TestGateway gateway(fake_config(upstream));
  auto client = gateway.client();
  auto headers = TestGateway::anthropic_auth();
  headers.emplace("Origin", "https://evil.example");
  auto browser = client->Post("/v1/messages", headers, k_messages, "application/json");
  REQUIRE(browser);
  CHECK(browser->status == 403);
  auto rebinding = TestGateway::anthropic_auth();
  rebinding.emplace("Host", "attacker.example:8787");
  auto foreign = client->Post("/v1/messages", rebinding, k_messages, "application/json");
  REQUIRE(foreign);
  CHECK(foreign->status == 403);
  CHECK(upstream.calls() == 0);
  auto node = TestGateway::anthropic_auth();
  node.emplace("sec-fetch-mode", "cors");
  node.emplace("anthropic-dangerous-direct-browser-access", "true");
  auto fine = client->Post("/v1/messages", node, k_messages, "application/json");
  REQUIRE(fine);
  CHECK(fine->status == 200);
}

TEST_CASE("a model no provider serves gets an error naming the config to change") {
  FakeUpstream upstream;
  auto config = fake_config(upstream);
  config.default_provider.clear();
  TestGateway gateway(config);
  auto client = gateway.client();
  auto response = client->Post("/v1/chat/completions", TestGateway::openai_auth(),
                               R"({"model":"mystery-model","messages":[]})", "application/json");
  REQUIRE(response);
  CHECK(response->status == 404);
  auto message = nlohmann::json::parse(response->body)["error"]["message"].get<std::string>();
  CHECK(message.find("[models]") != std::string::npos);
  CHECK(message.find("config.toml") != std::string::npos);
  CHECK(upstream.calls() == 0);
}

TEST_CASE("provider keys never reach the client, even when the upstream echoes them") {
  FakeUpstream upstream;
  upstream.on("POST", "/v1/chat/completions", [](const RecordedRequest& request) {
    std::string key = request.headers.find("Authorization")->second.substr(7);
    return openai_error(401, "invalid_request_error", "Incorrect API key provided: " + key, "invalid_api_key");
  });
  TestGateway gateway(fake_config(upstream));
  auto client = gateway.client();
  auto response = client->Post("/v1/chat/completions", TestGateway::openai_auth(), k_chat, "application/json");
  REQUIRE(response);
  CHECK(response->status == 401);
  CHECK(response->body.find("test-openai-key-not-real") == std::string::npos);
  auto rows = gateway.rows();
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].record.error_message.find("test-openai-key-not-real") == std::string::npos);
}

TEST_CASE("a client that hangs up while the upstream is silent is noticed at once") {
  FakeUpstream upstream;
  auto stalled = anthropic_stream("claude-sonnet-4-5", {"a"}, 9, 0, 0, 1);
  stalled.chunks.resize(2); // message_start and ping, then silence
  stalled.stall_after_chunks_ms = 10000;
  upstream.on("POST", "/v1/messages", [&](const RecordedRequest&) { return stalled; });
  TestGateway gateway(fake_config(upstream));
  auto client = gateway.client();
  auto started = std::chrono::steady_clock::now();
  auto result = post_streaming(*client, "/v1/messages", TestGateway::anthropic_auth(),
                               R"({"model":"claude-sonnet-4-5","max_tokens":5,"stream":true,"messages":[]})",
                               [](const std::string&) { return false; });
  client.reset();
  const auto hung_up = std::chrono::steady_clock::now();
  // The stream is relayed on a thread (its provider connection was new); the event loop, which
  // watches the client's connection on epoll, tells that thread of the hang-up: the provider's
  // connection goes within milliseconds, not at the relay's next look at its client (every 250 ms,
  // which is all the poll() fallback has).
  const bool loop_tells = core::platform::default_poller() == core::platform::PollerKind::epoll;
  for (int i = 0; i < 1000 && !upstream.saw_disconnect(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  CHECK(upstream.saw_disconnect());
  CHECK(std::chrono::steady_clock::now() - hung_up < std::chrono::milliseconds(loop_tells ? 150 : 1000));
  auto rows = gateway.wait_rows(1, 3000);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].record.outcome == core::Outcome::client_closed);
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::milliseconds(2500));
}

TEST_CASE("a client that hangs up right after the final event still gets an ok row") {
  FakeUpstream upstream;
  auto reply = openai_responses_stream("gpt-4.1", {"done"}, 30, 0, 4);
  reply.stall_after_chunks_ms = 3000; // the upstream keeps the connection open a while
  upstream.on("POST", "/v1/responses", [&](const RecordedRequest&) { return reply; });
  TestGateway gateway(fake_config(upstream));
  auto client = gateway.client();
  std::string seen;
  post_streaming(*client, "/v1/responses", TestGateway::openai_auth(),
                 R"({"model":"gpt-4.1","stream":true,"input":"hi"})", [&](const std::string& chunk) {
                   seen += chunk;
                   return seen.find("response.completed") == std::string::npos;
                 });
  client.reset();
  auto rows = gateway.wait_rows(1, 5000);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].record.outcome == core::Outcome::ok);
  CHECK(rows[0].record.usage.output_tokens == 4);
}

TEST_CASE("header values outlive attribution: agent and session are recorded intact") {
  FakeUpstream upstream;
  TestGateway gateway(fake_config(upstream));
  auto client = gateway.client();
  auto headers = TestGateway::anthropic_auth();
  headers.emplace("User-Agent", "claude-cli/2.1.330 (external, sdk-cli)");
  headers.emplace("x-claude-code-session-id", "0b8f0a52-5d7c-4f7e-9d43-1b2c3d4e5f60");
  auto response = client->Post("/v1/messages", headers, R"({"model":"claude-sonnet-4-5","max_tokens":5,"messages":[]})",
                               "application/json");
  REQUIRE(response);
  auto rows = gateway.rows();
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].record.agent == "claude-code");
  CHECK(rows[0].record.session_id == "0b8f0a52-5d7c-4f7e-9d43-1b2c3d4e5f60");
}
