// Requests and upstreams that try to break llmgw: each still ends with an answer in the
// caller's format, one ledger row and its cap reservation released.
#include "core/translate/codec.hpp"
#include "tests/integration/stream_client.hpp"
#include "tests/support/fake_dispatch.hpp"
#include "tests/support/raw_upstream.hpp"
#include "tests/support/test_gateway.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace llmgw;
using namespace llmgw::test;
using core::policy::Period;
using core::policy::Scope;

namespace {

constexpr int64_t k_dollar = 1'000'000'000'000; // pico-USD
const std::string k_messages =
    R"({"model":"claude-sonnet-4-5","max_tokens":100,"messages":[{"role":"user","content":"hi"}]})";
const std::string k_chat = R"({"model":"gpt-4.1","messages":[{"role":"user","content":"hi"}]})";

void set_cap(TestGateway& gateway, int64_t limit) {
  gateway.server().gateway().apply_policy({{{1, Period::day, limit, Scope::global, "", 80}}, {}, {}, {}});
}

template <typename F> bool within_a_second(F condition) {
  for (int i = 0; i < 100; ++i) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return condition();
}

// Codec functions that fail the way a bug would: with an exception other than TranslateError.
core::translate::Request decode_request_that_throws(const nlohmann::json&) {
  throw std::runtime_error("boom inside decode_request");
}

// The built-in Chat Completions stream encoder for the first event, then an exception.
class EncoderThatThrows final : public core::translate::StreamEncoder {
public:
  explicit EncoderThatThrows(std::unique_ptr<core::translate::StreamEncoder> inner) : m_inner(std::move(inner)) {}
  void on(const core::translate::StreamEvent& event, std::string& out) override {
    if (m_events++ > 0) throw std::runtime_error("boom inside the stream encoder");
    m_inner->on(event, out);
  }

private:
  std::unique_ptr<core::translate::StreamEncoder> m_inner;
  int m_events = 0;
};

std::unique_ptr<core::translate::StreamEncoder>
chat_encoder_that_throws(const core::translate::ResponseOptions& options) {
  return std::make_unique<EncoderThatThrows>(
      core::translate::builtin_codecs().openai_chat.make_stream_encoder(options));
}

// The JSON of every `data:` record of an SSE body ("[DONE]" as a string).
std::vector<nlohmann::json> data_records(const std::string& body) {
  std::vector<nlohmann::json> records;
  size_t at = 0;
  while (at < body.size()) {
    size_t end = body.find('\n', at);
    if (end == std::string::npos) end = body.size();
    const std::string line = body.substr(at, end - at);
    at = end + 1;
    if (line.rfind("data: ", 0) != 0) continue;
    auto data = nlohmann::json::parse(line.substr(6), nullptr, false);
    records.push_back(data.is_discarded() ? nlohmann::json(line.substr(6)) : data);
  }
  return records;
}

} // namespace

TEST_CASE("an upstream that throws: 500 in the caller's format, one row, the reservation released") {
  FakeUpstream unused;
  ScriptedUpstream upstream;
  upstream.then([](const core::dispatch::Exchange&) -> core::dispatch::Answer {
    throw std::runtime_error("boom inside the exchange");
  });
  TestGateway gateway(fake_config(unused), upstream);
  set_cap(gateway, 5 * k_dollar);
  auto client = gateway.client();
  for (int i = 0; i < 6; ++i) { // more than a $5 cap would hold if reservations leaked
    auto result = client->Post("/v1/messages", TestGateway::anthropic_auth(), k_messages, "application/json");
    REQUIRE(result);
    CHECK(result->status == 500);
    auto body = nlohmann::json::parse(result->body);
    CHECK(body["type"] == "error");
    CHECK(body["error"]["message"].get<std::string>().find("boom inside the exchange") != std::string::npos);
  }
  auto openai = client->Post("/v1/chat/completions", TestGateway::openai_auth(), k_chat, "application/json");
  REQUIRE(openai);
  CHECK(openai->status == 500);
  CHECK(nlohmann::json::parse(openai->body)["error"].contains("message"));
  auto rows = gateway.wait_rows(7);
  REQUIRE(rows.size() == 7);
  for (const auto& row : rows) {
    CHECK(row.record.outcome == core::Outcome::internal_error);
    CHECK(row.record.http_status == 500);
  }
  CHECK(within_a_second([&] { return gateway.server().gateway().reservations().empty(); }));
  CHECK(gateway.server().gateway().in_flight() == 0);
}

TEST_CASE("a codec that throws decoding a translated request: 500 in the caller's format, one row, the reservation "
          "released") {
  FakeUpstream upstream;
  auto codecs = core::translate::builtin_codecs();
  codecs.anthropic.decode_request = decode_request_that_throws;
  TestGateway gateway(fake_config(upstream), codecs);
  set_cap(gateway, 5 * k_dollar);
  auto client = gateway.client();
  // gpt-4.1 goes to the "openai" provider, so an Anthropic client's request is translated.
  const std::string body = R"({"model":"gpt-4.1","max_tokens":5,"messages":[{"role":"user","content":"hi"}]})";
  for (int i = 0; i < 3; ++i) {
    auto result = client->Post("/v1/messages", TestGateway::anthropic_auth(), body, "application/json");
    REQUIRE(result);
    CHECK(result->status == 500);
    auto answer = nlohmann::json::parse(result->body);
    CHECK(answer["type"] == "error");
    CHECK(answer["error"]["type"] == "api_error");
    CHECK(answer["error"]["message"].get<std::string>().find("boom inside decode_request") != std::string::npos);
  }
  CHECK(upstream.calls() == 0);
  auto rows = gateway.wait_rows(3);
  REQUIRE(rows.size() == 3);
  for (const auto& row : rows) {
    CHECK(row.record.outcome == core::Outcome::internal_error);
    CHECK(row.record.http_status == 500);
  }
  CHECK(within_a_second([&] { return gateway.server().gateway().reservations().empty(); }));
  CHECK(gateway.server().gateway().in_flight() == 0);
}

TEST_CASE("a stream encoder that throws after its first event: the client's stream ends with a 500 error event, one "
          "row, the reservation released") {
  FakeUpstream upstream;
  upstream.on("POST", "/v1/messages", [](const RecordedRequest& request) {
    const bool stream = nlohmann::json::parse(request.body).value("stream", false);
    return stream ? anthropic_stream("claude-sonnet-4-5", {"Hel", "lo"}, 20, 0, 0, 5)
                  : anthropic_reply("claude-sonnet-4-5", "hello", 20, 0, 0, 5);
  });
  auto codecs = core::translate::builtin_codecs();
  codecs.openai_chat.make_stream_encoder = chat_encoder_that_throws;
  TestGateway gateway(fake_config(upstream), codecs);
  set_cap(gateway, 5 * k_dollar);
  auto client = gateway.client();
  // claude-sonnet-4-5 goes to the "anthropic" provider, so a Chat client's stream is translated.
  const std::string streamed =
      R"({"model":"claude-sonnet-4-5","stream":true,"messages":[{"role":"user","content":"hi"}]})";
  auto result = post_streaming(*client, "/v1/chat/completions", TestGateway::openai_auth(), streamed);
  CHECK(result.error == httplib::Error::Success);
  CHECK(result.status == 200);
  // The chunk of the first event (the assistant role), then Chat's in-band error, then the end.
  auto records = data_records(result.body);
  REQUIRE(records.size() == 2);
  CHECK(records[0]["choices"][0]["delta"]["role"] == "assistant");
  CHECK(records[1]["error"]["type"] == "server_error");
  CHECK(records[1]["error"]["message"] == "llmgw internal error: boom inside the stream encoder");
  CHECK(result.body.find("[DONE]") == std::string::npos);

  // The gateway still serves: a whole answer for the same client and provider.
  const std::string plain = R"({"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"hi"}]})";
  auto next = client->Post("/v1/chat/completions", TestGateway::openai_auth(), plain, "application/json");
  REQUIRE(next);
  CHECK(next->status == 200);
  CHECK(nlohmann::json::parse(next->body)["choices"][0]["message"]["content"] == "hello");

  auto rows = gateway.wait_rows(2);
  REQUIRE(rows.size() == 2);
  for (const auto& row : rows) {
    CAPTURE(row.record.streamed);
    if (row.record.streamed) {
      CHECK(row.record.outcome == core::Outcome::internal_error);
      CHECK(row.record.http_status == 200);
      CHECK(row.record.error_message == "llmgw internal error: boom inside the stream encoder");
    } else {
      CHECK(row.record.outcome == core::Outcome::ok);
    }
  }
  CHECK(rows[0].record.streamed != rows[1].record.streamed);
  CHECK(within_a_second([&] { return gateway.server().gateway().reservations().empty(); }));
  CHECK(gateway.server().gateway().in_flight() == 0);
}

TEST_CASE("an upstream announcing an absurd Content-Length gets a 502, not llmgw's memory") {
  for (const char* length : {"100000000000000000", "2000000000", "99999999999999999999999"}) {
    RawUpstream raw([&](const std::string&) {
      return std::string("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ") + length +
             "\r\n\r\n{\"id\":";
    });
    FakeUpstream unused;
    auto config = fake_config(unused);
    config.providers[0].base_url = raw.base_url() + "/v1";
    config.routing.attempts = 1;
    TestGateway gateway(config);
    set_cap(gateway, 5 * k_dollar);
    auto client = gateway.client();
    for (bool stream : {false, true}) {
      const std::string body = stream ? R"({"model":"gpt-4.1","stream":true,"messages":[]})" : k_chat;
      auto result = post_streaming(*client, "/v1/chat/completions", TestGateway::openai_auth(), body);
      CHECK(result.status == 502);
      CHECK(result.body.find("max_response_mb") != std::string::npos);
    }
    auto rows = gateway.wait_rows(2);
    REQUIRE(rows.size() == 2);
    for (const auto& row : rows) CHECK(row.record.outcome == core::Outcome::upstream_error);
    CHECK(within_a_second([&] { return gateway.server().gateway().reservations().empty(); }));
  }
}

TEST_CASE("an upstream body longer than server.max_response_mb is cut off with a 502") {
  FakeUpstream upstream;
  const std::string big(2 * 1024 * 1024, 'x');
  upstream.on("POST", "/v1/chat/completions", [&](const RecordedRequest&) {
    FakeResponse reply;
    reply.chunks = {"{\"pad\":\"", big, "\"}"}; // chunked: no Content-Length to refuse up front
    return reply;
  });
  auto config = fake_config(upstream);
  config.server.max_response_bytes = 1024 * 1024;
  config.routing.attempts = 1;
  TestGateway gateway(config);
  auto client = gateway.client();
  auto result = client->Post("/v1/chat/completions", TestGateway::openai_auth(), k_chat, "application/json");
  REQUIRE(result);
  CHECK(result->status == 502);
  CHECK(result->body.find("more than 1 MB") != std::string::npos);
  auto rows = gateway.wait_rows(1);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].record.outcome == core::Outcome::upstream_error);
}

TEST_CASE("a model checked against a key's allow list is the model the provider sees: repeated members are refused") {
  FakeUpstream upstream;
  TestGateway gateway(fake_config(upstream));
  auto client = gateway.client();
  for (const std::string body : {R"({"model":"gpt-4.1-mini","messages":[],"model":"gpt-5"})",
                                 R"({"model":"gpt-4.1-mini","messages":[],"mod\u0065l":"gpt-5"})",
                                 R"({"stream":false,"model":"gpt-4.1","stream":true,"messages":[]})"}) {
    auto result = client->Post("/v1/chat/completions", TestGateway::openai_auth(), body, "application/json");
    REQUIRE(result);
    CHECK(result->status == 400);
    CHECK(nlohmann::json::parse(result->body)["error"]["message"].get<std::string>().find("more than once") !=
          std::string::npos);
  }
  CHECK(upstream.calls() == 0);
  auto rows = gateway.wait_rows(3);
  REQUIRE(rows.size() == 3);
  for (const auto& row : rows) CHECK(row.record.outcome == core::Outcome::bad_request);
}

TEST_CASE("a model name with control characters never reaches a provider") {
  FakeUpstream upstream;
  TestGateway gateway(fake_config(upstream));
  auto client = gateway.client();
  const std::string body =
      R"({"model":"gpt-4.1:x HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\nPOST /v1/other","messages":[]})";
  auto result = client->Post("/v1/chat/completions", TestGateway::openai_auth(), body, "application/json");
  REQUIRE(result);
  CHECK(result->status == 400);
  CHECK(result->body.find("control character") != std::string::npos);
  CHECK(upstream.calls() == 0);
}

TEST_CASE("a provider key echoed back is redacted from whole bodies, SSE events and response headers") {
  FakeUpstream upstream;
  const std::string key = "test-openai-key-not-real";
  upstream.on("POST", "/v1/chat/completions", [&](const RecordedRequest& request) {
    FakeResponse reply;
    reply.headers.emplace("x-echo-key", "Bearer " + key);
    if (request.body.find("\"stream\":true") == std::string::npos) {
      reply.status = 401;
      reply.body =
          R"({"error":{"message":"Incorrect API key provided: )" + key + R"(","type":"invalid_request_error"}})";
      return reply;
    }
    reply.content_type = "text/event-stream";
    reply.chunks = {"data: {\"error\":{\"message\":\"bad key " + key + "\",\"type\":\"invalid_request_error\"}}\n\n"};
    return reply;
  });
  auto config = fake_config(upstream);
  config.routing.attempts = 1;
  TestGateway gateway(config);
  auto client = gateway.client();
  for (bool stream : {false, true}) {
    const std::string body = stream ? R"({"model":"gpt-4.1","stream":true,"messages":[]})" : k_chat;
    auto result = post_streaming(*client, "/v1/chat/completions", TestGateway::openai_auth(), body);
    CHECK(result.body.find(key) == std::string::npos);
    CHECK(result.body.find("[redacted]") != std::string::npos);
    for (const auto& [name, value] : result.headers) CHECK(value.find(key) == std::string::npos);
    CHECK(result.headers.find("x-echo-key")->second == "Bearer [redacted]");
  }
  // The same through a translated stream (an Anthropic client on the OpenAI provider).
  const std::string translated =
      R"({"model":"gpt-4.1","max_tokens":5,"stream":true,"messages":[{"role":"user","content":"hi"}]})";
  auto result = post_streaming(*client, "/v1/messages", TestGateway::anthropic_auth(), translated);
  CHECK(result.body.find(key) == std::string::npos);
  auto rows = gateway.wait_rows(3);
  for (const auto& row : rows) CHECK(row.record.error_message.find(key) == std::string::npos);
}

TEST_CASE("a translated answer that cannot be translated is a 502 upstream_error, streamed or not") {
  FakeUpstream upstream;
  // A 200 answer that is no JSON object, to a translated (Anthropic client) request; for the stream
  // request it is a whole JSON answer too (not an event stream), taking the same path.
  upstream.on("POST", "/v1/chat/completions", [](const RecordedRequest&) {
    FakeResponse reply;
    reply.body = R"(["not", "an", "object"])";
    return reply;
  });
  auto config = fake_config(upstream);
  config.routing.attempts = 1;
  TestGateway gateway(config);
  auto client = gateway.client();
  for (bool stream : {false, true}) {
    const std::string body = std::string(R"({"model":"gpt-4.1","max_tokens":5,)") +
                             (stream ? R"("stream":true,)" : "") + R"("messages":[{"role":"user","content":"hi"}]})";
    auto result = post_streaming(*client, "/v1/messages", TestGateway::anthropic_auth(), body);
    CHECK(result.status == 502);
    CHECK(nlohmann::json::parse(result.body)["type"] == "error");
  }
  auto rows = gateway.wait_rows(2);
  REQUIRE(rows.size() == 2);
  for (const auto& row : rows) {
    CHECK(row.record.http_status == 502);
    CHECK(row.record.outcome == core::Outcome::upstream_error);
  }
}

TEST_CASE("Codex's WebSocket attempt gets 426 so that it falls back to HTTP at once") {
  FakeUpstream upstream;
  TestGateway gateway(fake_config(upstream));
  auto client = gateway.client();
  httplib::Headers headers = TestGateway::openai_auth();
  headers.emplace("Upgrade", "websocket");
  headers.emplace("Connection", "Upgrade");
  auto result = client->Get("/v1/responses", headers);
  REQUIRE(result);
  CHECK(result->status == 426);
  CHECK(nlohmann::json::parse(result->body)["error"]["message"].get<std::string>().find("WebSocket") !=
        std::string::npos);
}

TEST_CASE("browsers are refused whatever their Origin looks like, and loopback Host names pass in any letter case") {
  FakeUpstream upstream;
  TestGateway gateway(fake_config(upstream));
  auto client = gateway.client();
  for (const char* origin :
       {"HTTP://evil.example", "chrome-extension://abcdef", "null", "vscode-webview://x", "file://"}) {
    auto headers = TestGateway::openai_auth();
    headers.emplace("Origin", origin);
    auto result = client->Post("/v1/chat/completions", headers, k_chat, "application/json");
    REQUIRE(result);
    CHECK(result->status == 403);
  }
  for (const char* host : {"LOCALHOST", "LocalHost:8787", "127.0.0.1"}) {
    auto headers = TestGateway::openai_auth();
    headers.emplace("Host", host);
    auto result = client->Post("/v1/chat/completions", headers, k_chat, "application/json");
    REQUIRE(result);
    CHECK(result->status == 200);
  }
}

TEST_CASE("the Bearer scheme is case-insensitive") {
  FakeUpstream upstream;
  TestGateway gateway(fake_config(upstream));
  auto client = gateway.client();
  for (const char* scheme : {"bearer ", "BEARER ", "Bearer "}) {
    httplib::Headers headers{{"Authorization", std::string(scheme) + k_test_token}};
    auto result = client->Post("/v1/chat/completions", headers, k_chat, "application/json");
    REQUIRE(result);
    CHECK(result->status == 200);
  }
}
