// How a relayed stream reaches the client (core/dispatch/stream_relay.hpp): the upstream thread
// writes each event to the client itself while the client's thread watches, so these check what
// that must keep: byte-for-byte events in order, keep-alive comments only in silence, a slow
// client holding the upstream back without losing a byte, and many streams at once.
#include "tests/integration/stream_client.hpp"
#include "tests/support/test_gateway.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

using namespace llmgw;
using namespace llmgw::test;

namespace {

const std::string k_stream_request =
    R"({"model":"claude-sonnet-4-5","max_tokens":5,"stream":true,"messages":[{"role":"user","content":"hi"}]})";

std::string joined(const std::vector<std::string>& chunks) {
  std::string all;
  for (const auto& chunk : chunks) all += chunk;
  return all;
}

// The body without the keep-alive comments llmgw added, and how many there were.
std::string without_keepalives(std::string body, int& count) {
  const std::string comment = ": keepalive\n\n";
  count = 0;
  for (size_t at = body.find(comment); at != std::string::npos; at = body.find(comment, at)) {
    body.erase(at, comment.size());
    ++count;
  }
  return body;
}

// The stream left exactly one row, ok, with the stream's output tokens.
void expect_one_ok_row(TestGateway& gateway, int64_t output_tokens) {
  auto rows = gateway.wait_rows(1, 5000);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].record.outcome == core::Outcome::ok);
  CHECK(rows[0].record.usage.output_tokens == output_tokens);
}

} // namespace

TEST_CASE("stream writes: silence between events gets keep-alive comments, the events stay byte for byte") {
  FakeUpstream upstream;
  // Three pieces: message_start, the middle of the stream, message_stop; 1.3 s apart, each gap
  // longer than the 1 s interval below.
  auto reply = anthropic_stream("claude-sonnet-4-5", {"a", "b"}, 9, 0, 0, 2);
  REQUIRE(reply.chunks.size() >= 3);
  std::vector<std::string> middle(reply.chunks.begin() + 1, reply.chunks.end() - 1);
  reply.chunks = {reply.chunks.front(), joined(middle), reply.chunks.back()};
  reply.delay_between_chunks_ms = 1'300;
  upstream.on("POST", "/v1/messages", [&](const RecordedRequest&) { return reply; });
  TestGateway gateway(fake_config(upstream), std::chrono::seconds(1));
  auto client = gateway.client();
  auto result = post_streaming(*client, "/v1/messages", TestGateway::anthropic_auth(), k_stream_request);
  REQUIRE(result.status == 200);
  int comments = 0;
  CHECK(without_keepalives(result.body, comments) == joined(reply.chunks));
  // One per gap at least (the first event may wait for the head); never more than the silence paid for.
  const int gaps = static_cast<int>(reply.chunks.size()) - 1;
  CHECK(comments >= gaps);
  CHECK(comments <= gaps + 1);
  expect_one_ok_row(gateway, 2);
}

TEST_CASE("stream writes: events closer than the interval get no keep-alive comment") {
  FakeUpstream upstream;
  auto reply = anthropic_stream("claude-sonnet-4-5", std::vector<std::string>(4, "x"), 9, 0, 0, 4);
  reply.delay_between_chunks_ms = 200; // about 2 s in all, never 1 s of silence
  upstream.on("POST", "/v1/messages", [&](const RecordedRequest&) { return reply; });
  TestGateway gateway(fake_config(upstream), std::chrono::seconds(1));
  auto client = gateway.client();
  auto result = post_streaming(*client, "/v1/messages", TestGateway::anthropic_auth(), k_stream_request);
  REQUIRE(result.status == 200);
  CHECK(result.body == joined(reply.chunks));
}

TEST_CASE("stream writes: a client that reads slowly gets every byte in order and the upstream waits for it") {
  FakeUpstream upstream;
  // About 6 MB of events: more than the sockets hold, so the writes to the client block.
  auto reply =
      anthropic_stream("claude-sonnet-4-5", std::vector<std::string>(200, std::string(30'000, 'z')), 9, 0, 0, 200);
  upstream.on("POST", "/v1/messages", [&](const RecordedRequest&) { return reply; });
  TestGateway gateway(fake_config(upstream));
  auto client = gateway.client();
  int pieces = 0;
  auto result =
      post_streaming(*client, "/v1/messages", TestGateway::anthropic_auth(), k_stream_request, [&](const std::string&) {
        // A long pause first (the upstream fills both sockets meanwhile), then slow reads.
        ++pieces;
        if (pieces == 1) std::this_thread::sleep_for(std::chrono::milliseconds(400));
        if (pieces < 300) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        return true;
      });
  REQUIRE(result.status == 200);
  CHECK(result.body.size() == joined(reply.chunks).size());
  CHECK(result.body == joined(reply.chunks));
  expect_one_ok_row(gateway, 200);
}

TEST_CASE("stream writes: 32 paced streams at once each arrive whole, each with its own row") {
  FakeUpstream upstream;
  auto reply = anthropic_stream("claude-sonnet-4-5", std::vector<std::string>(10, "tok"), 9, 0, 0, 10);
  reply.delay_between_chunks_ms = 10;
  upstream.on("POST", "/v1/messages", [&](const RecordedRequest&) { return reply; });
  TestGateway gateway(fake_config(upstream));
  const std::string expected = joined(reply.chunks);
  std::atomic<int> whole{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < 32; ++i)
    clients.emplace_back([&] {
      auto client = gateway.client();
      auto result = post_streaming(*client, "/v1/messages", TestGateway::anthropic_auth(), k_stream_request);
      if (result.status == 200 && result.body == expected) ++whole;
    });
  for (auto& thread : clients) thread.join();
  CHECK(whole == 32);
  auto rows = gateway.wait_rows(32, 5000);
  CHECK(rows.size() == 32);
  for (const auto& row : rows) CHECK(row.record.outcome == core::Outcome::ok);
}
