// Probes and side paths real clients send (CLIENTS.md §3.6): answered fast, in the right shape.
#include "tests/support/test_gateway.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace llmgw;
using namespace llmgw::test;

TEST_CASE("Claude Code's HEAD /api/hello probe and /healthz are answered without a token") {
  FakeUpstream upstream;
  TestGateway gateway(fake_config(upstream));
  auto client = gateway.client();
  auto hello = client->Head("/api/hello");
  REQUIRE(hello);
  CHECK(hello->status == 200);
  auto health = client->Get("/healthz");
  REQUIRE(health);
  CHECK(nlohmann::json::parse(health->body)["status"] == "ok");
  CHECK(upstream.calls() == 0);
}

TEST_CASE("Codex's WebSocket upgrade attempt gets a fast plain HTTP answer") {
  FakeUpstream upstream;
  TestGateway gateway(fake_config(upstream));
  auto client = gateway.client();
  auto started = std::chrono::steady_clock::now();
  auto response = client->Get(
      "/v1/responses",
      {{"Upgrade", "websocket"}, {"Connection", "Upgrade"}, {"Authorization", std::string("Bearer ") + k_test_token}});
  REQUIRE(response);
  CHECK(response->status == 426); // Codex falls back at once on 426; on 405 it retries with backoff
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::milliseconds(500));
}

TEST_CASE("GET /v1/models answers in the Anthropic or OpenAI shape by the request's headers") {
  FakeUpstream upstream;
  auto config = fake_config(upstream);
  config.aliases["fast"] = {{"anthropic/claude-haiku-4-5"}};
  TestGateway gateway(config);
  auto client = gateway.client();
  auto anthropic = client->Get("/v1/models?limit=1000", TestGateway::anthropic_auth());
  REQUIRE(anthropic);
  auto a = nlohmann::json::parse(anthropic->body);
  CHECK(a["data"][0]["type"] == "model");
  CHECK(a.contains("has_more"));
  auto openai = client->Get("/v1/models", TestGateway::openai_auth());
  REQUIRE(openai);
  auto o = nlohmann::json::parse(openai->body);
  CHECK(o["object"] == "list");
  bool has_fast = false;
  for (const auto& model : o["data"]) has_fast = has_fast || model["id"] == "fast";
  CHECK(has_fast);
  auto refused = client->Get("/v1/models");
  REQUIRE(refused);
  CHECK(refused->status == 401);
}

TEST_CASE("a base URL with /v1 missing or doubled still reaches the endpoint, others get a helpful 404") {
  FakeUpstream upstream;
  TestGateway gateway(fake_config(upstream));
  auto client = gateway.client();
  std::string body = R"({"model":"claude-sonnet-4-5","max_tokens":5,"messages":[]})";
  for (const char* path : {"/messages", "/v1/v1/messages"}) {
    auto response = client->Post(path, TestGateway::anthropic_auth(), body, "application/json");
    REQUIRE(response);
    CHECK(response->status == 200);
  }
  auto lost = client->Post("/v2/chat", TestGateway::openai_auth(), "{}", "application/json");
  REQUIRE(lost);
  CHECK(lost->status == 404);
  // It names the address the client used, port included.
  const std::string message = nlohmann::json::parse(lost->body)["error"]["message"].get<std::string>();
  CHECK(message.find("http://127.0.0.1:" + std::to_string(gateway.port()) + "/v1") != std::string::npos);
}
