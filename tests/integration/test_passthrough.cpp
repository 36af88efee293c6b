// Passthrough fidelity: bodies, headers and streamed bytes reach each side untouched, and every
// request leaves exactly one ledger row with the right tokens and cost.
#include "tests/integration/stream_client.hpp"
#include "tests/support/test_gateway.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace llmgw;
using namespace llmgw::test;

namespace {

std::string joined(const std::vector<std::string>& chunks) {
  std::string out;
  for (const auto& chunk : chunks) out += chunk;
  return out;
}

} // namespace

TEST_CASE("non-streaming chat reaches the provider untouched and leaves one priced row") {
  FakeUpstream upstream;
  auto reply = openai_chat_reply("gpt-4.1-2025-04-14", "hi", 10000, 8000, 500);
  upstream.on("POST", "/v1/chat/completions", [&](const RecordedRequest&) { return reply; });
  TestGateway gateway(fake_config(upstream));
  auto client = gateway.client();
  std::string body = R"({"model":"gpt-4.1","messages":[{"role":"user","content":"hi"}],"x_unknown":{"keep":[1,2]}})";
  auto headers = TestGateway::openai_auth();
  headers.emplace("OpenAI-Beta", "assistants=v2");
  auto response = client->Post("/v1/chat/completions", headers, body, "application/json");
  REQUIRE(response);
  CHECK(response->status == 200);
  CHECK(response->body == reply.body);
  auto seen = upstream.last_request();
  CHECK(seen.path == "/v1/chat/completions");
  CHECK(seen.body == body);
  CHECK(seen.headers.find("Authorization")->second == "Bearer test-openai-key-not-real");
  CHECK(seen.headers.find("OpenAI-Beta")->second == "assistants=v2");
  auto rows = gateway.rows();
  REQUIRE(rows.size() == 1);
  const auto& row = rows[0].record;
  CHECK(row.provider == "openai");
  CHECK(row.requested_model == "gpt-4.1");
  CHECK(row.served_model == "gpt-4.1-2025-04-14");
  CHECK(row.outcome == core::Outcome::ok);
  CHECK(row.usage.input_uncached_tokens == 2000);
  CHECK(row.usage.cache_read_tokens == 8000);
  CHECK(row.usage.output_tokens == 500);
  // PROTOCOLS.md §7.2 worked check: $0.012 exactly.
  CHECK(row.cost_usd_pico == 12'000'000'000LL);
  CHECK(row.usage_source == core::UsageSource::reported);
  CHECK_FALSE(row.unpriced);
  CHECK(row.endpoint == "/v1/chat/completions");
}

TEST_CASE("a streamed chat that asked for usage is relayed byte for byte") {
  FakeUpstream upstream;
  auto reply = openai_chat_stream("gpt-4.1", {"Hel", "lo ", "wörld ✓"}, true, 12, 0, 3);
  reply.headers.emplace("Cache-Control", "no-cache, must-revalidate"); // as OpenAI sends it
  upstream.on("POST", "/v1/chat/completions", [&](const RecordedRequest&) { return reply; });
  TestGateway gateway(fake_config(upstream));
  auto client = gateway.client();
  std::string body = R"({"model":"gpt-4.1","stream":true,"stream_options":{"include_usage":true},"messages":[]})";
  auto result = post_streaming(*client, "/v1/chat/completions", TestGateway::openai_auth(), body);
  CHECK(result.status == 200);
  CHECK(result.body == joined(reply.chunks));
  // The provider's Cache-Control is relayed once, not doubled by the gateway's own.
  CHECK(result.headers.count("Cache-Control") == 1);
  CHECK(result.headers.find("Cache-Control")->second == "no-cache, must-revalidate");
  CHECK(result.headers.count("X-Accel-Buffering") == 1);
  CHECK(upstream.last_request().body == body);
  auto rows = gateway.wait_rows(1);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].record.streamed);
  CHECK(rows[0].record.usage.input_uncached_tokens == 12);
  CHECK(rows[0].record.usage.output_tokens == 3);
  CHECK(rows[0].record.ttfb_ms >= 0);
}

TEST_CASE("a chat stream without include_usage gets usage from upstream and never sees the usage chunk") {
  FakeUpstream upstream;
  upstream.on("POST", "/v1/chat/completions", [&](const RecordedRequest& request) {
    auto sent = nlohmann::json::parse(request.body);
    bool asked = sent["stream_options"]["include_usage"].get<bool>();
    return openai_chat_stream("gpt-4.1", {"a", "b"}, asked, 20, 0, 2);
  });
  TestGateway gateway(fake_config(upstream));
  auto client = gateway.client();
  std::string body = R"({"model":"gpt-4.1","stream":true,"messages":[{"role":"user","content":"x"}]})";
  auto result = post_streaming(*client, "/v1/chat/completions", TestGateway::openai_auth(), body);
  CHECK(result.status == 200);
  auto expected = openai_chat_stream("gpt-4.1", {"a", "b"}, false, 20, 0, 2);
  CHECK(result.body.find("\"choices\":[]") == std::string::npos);
  CHECK(result.body.find("data: [DONE]") != std::string::npos);
  CHECK(result.body.size() < joined(openai_chat_stream("gpt-4.1", {"a", "b"}, true, 20, 0, 2).chunks).size());
  auto sent = nlohmann::json::parse(upstream.last_request().body);
  CHECK(sent["stream_options"]["include_usage"] == true);
  CHECK(sent["messages"][0]["content"] == "x");
  auto rows = gateway.wait_rows(1);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].record.usage.input_uncached_tokens == 20);
  CHECK(rows[0].record.usage.output_tokens == 2);
}

TEST_CASE("an Anthropic stream keeps its query, betas and bytes") {
  FakeUpstream upstream;
  auto reply = anthropic_stream("claude-sonnet-4-5-20250929", {"Hi", " there"}, 3, 0, 12304, 550);
  upstream.on("POST", "/v1/messages", [&](const RecordedRequest&) { return reply; });
  TestGateway gateway(fake_config(upstream));
  auto client = gateway.client();
  std::string body =
      R"({"model":"claude-sonnet-4-5","max_tokens":128000,"stream":true,"context_management":{"edits":[]},"messages":[{"role":"user","content":"hi"}]})";
  auto headers = TestGateway::anthropic_auth();
  headers.emplace("anthropic-beta", "claude-code-20250219,interleaved-thinking-2025-05-14");
  headers.emplace("Accept", "application/json");
  auto result = post_streaming(*client, "/v1/messages?beta=true", headers, body);
  CHECK(result.status == 200);
  CHECK(result.body == joined(reply.chunks));
  auto seen = upstream.last_request();
  CHECK(seen.path == "/v1/messages");
  CHECK(seen.query == "beta=true");
  CHECK(seen.body == body);
  CHECK(seen.headers.find("anthropic-beta")->second == "claude-code-20250219,interleaved-thinking-2025-05-14");
  CHECK(seen.headers.find("x-api-key")->second == "test-anthropic-key-not-real");
  auto rows = gateway.wait_rows(1);
  REQUIRE(rows.size() == 1);
  const auto& row = rows[0].record;
  CHECK(row.provider == "anthropic");
  CHECK(row.usage.cache_write_5m_tokens == 12304);
  CHECK(row.usage.output_tokens == 550);
  // PROTOCOLS.md §7.2 worked check: 54 399 micro-USD.
  CHECK(row.cost_usd_pico == 54'399'000'000LL);
}

TEST_CASE("a mapped model changes only the model name in the body") {
  FakeUpstream upstream;
  upstream.on("POST", "/v1/messages",
              [&](const RecordedRequest&) { return anthropic_reply("claude-haiku-4-5-20251001", "ok", 5, 0, 0, 1); });
  auto config = fake_config(upstream);
  config.aliases["fast"] = {{"anthropic/claude-haiku-4-5"}};
  TestGateway gateway(config);
  auto client = gateway.client();
  std::string body = R"({"model": "fast", "max_tokens": 10, "messages": [{"role":"user","content":"é"}]})";
  auto response = client->Post("/v1/messages", TestGateway::anthropic_auth(), body, "application/json");
  REQUIRE(response);
  CHECK(response->status == 200);
  CHECK(upstream.last_request().body ==
        R"({"model": "claude-haiku-4-5", "max_tokens": 10, "messages": [{"role":"user","content":"é"}]})");
  auto rows = gateway.rows();
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].record.requested_model == "fast");
  CHECK(rows[0].record.served_model == "claude-haiku-4-5-20251001");
}

TEST_CASE("an explicit provider prefix picks the provider and is stripped") {
  FakeUpstream upstream;
  TestGateway gateway(fake_config(upstream));
  auto client = gateway.client();
  auto response = client->Post("/v1/chat/completions", TestGateway::openai_auth(),
                               R"({"model":"openai/my-model","messages":[]})", "application/json");
  REQUIRE(response);
  CHECK(nlohmann::json::parse(upstream.last_request().body)["model"] == "my-model");
  auto rows = gateway.rows();
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].record.unpriced);
}

TEST_CASE("count_tokens and the beta query pass through to Anthropic") {
  FakeUpstream upstream;
  TestGateway gateway(fake_config(upstream));
  auto client = gateway.client();
  auto response =
      client->Post("/v1/messages/count_tokens?beta=true", TestGateway::anthropic_auth(),
                   R"({"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"hi"}]})", "application/json");
  REQUIRE(response);
  CHECK(response->status == 200);
  CHECK(nlohmann::json::parse(response->body).contains("input_tokens"));
  CHECK(upstream.last_request().path == "/v1/messages/count_tokens");
}

TEST_CASE("a provider set to the client's own credentials forwards them and marks the row") {
  FakeUpstream upstream;
  auto config = fake_config(upstream);
  config.providers[1].forward_client_auth = true;
  config.providers[1].api_key.clear();
  TestGateway gateway(config);
  auto client = gateway.client();
  httplib::Headers headers{{"Authorization", "Bearer client-own-oauth-token"}, {"anthropic-version", "2023-06-01"}};
  auto response = client->Post("/v1/messages", headers, R"({"model":"claude-sonnet-4-5","max_tokens":5,"messages":[]})",
                               "application/json");
  REQUIRE(response);
  CHECK(response->status == 200);
  CHECK(upstream.last_request().headers.find("Authorization")->second == "Bearer client-own-oauth-token");
  auto rows = gateway.rows();
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].record.billed_to_client);
  CHECK(rows[0].record.cost_usd_pico > 0);
  // Other providers still need the gateway token.
  auto refused =
      client->Post("/v1/chat/completions", headers, R"({"model":"gpt-4.1","messages":[]})", "application/json");
  REQUIRE(refused);
  CHECK(refused->status == 401);
}

TEST_CASE("many concurrent requests each leave exactly one row") {
  FakeUpstream upstream;
  TestGateway gateway(fake_config(upstream));
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      auto client = gateway.client();
      for (int i = 0; i < 25; ++i) {
        bool stream = i % 2 == 0;
        std::string body =
            std::string(R"({"model":"gpt-4.1","messages":[],"stream":)") + (stream ? "true" : "false") + "}";
        auto result = post_streaming(*client, "/v1/chat/completions", TestGateway::openai_auth(), body);
        if (result.status == 200) ++ok;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(ok == 200);
  auto rows = gateway.wait_rows(200);
  CHECK(rows.size() == 200);
  CHECK(upstream.calls() == 200);
}
