// Streams relayed on the event loop (core/dispatch/stream_relay.hpp): a stream whose provider
// connection is kept alive already is read by a fiber nested in the request's, with no thread.
// Each test opens that connection first with a whole answer, so the stream runs on the loop, and
// checks what the threaded relay's tests check: hang-ups, cuts, keep-alive comments, an error
// answer, a burst past the buffer, shutdown.
#include "tests/integration/stream_client.hpp"
#include "tests/support/test_gateway.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

using namespace llmgw;
using namespace llmgw::test;

namespace {

using Clock = std::chrono::steady_clock;

// Answers streamed requests with `stream` and the others (the warm-up) with a whole answer.
void answer_streams_with(FakeUpstream& upstream, const FakeResponse& stream) {
  upstream.on("POST", "/v1/messages", [stream](const RecordedRequest& request) {
    if (request.body.find("\"stream\":true") == std::string::npos)
      return anthropic_reply("claude-sonnet-4-5", "ok", 10, 0, 0, 5);
    return stream;
  });
}

// A whole answer first: the provider connection it opens is the one the stream then reuses.
void warm(TestGateway& gateway) {
  auto client = gateway.client();
  auto reply = client->Post("/v1/messages", TestGateway::anthropic_auth(), k_messages_body, "application/json");
  REQUIRE(reply);
  REQUIRE(reply->status == 200);
}

// The provider answers streamed requests with `stream` and the others with a whole answer.
core::config::Config answering(FakeUpstream& upstream, const FakeResponse& stream,
                               const std::function<void(core::config::Config&)>& adjust) {
  answer_streams_with(upstream, stream);
  auto config = fake_config(upstream);
  if (adjust) adjust(config);
  return config;
}

// A gateway whose provider connection one whole answer opened: a stream then runs on the loop.
struct WarmGateway {
  explicit WarmGateway(const FakeResponse& stream, std::chrono::seconds keepalive = std::chrono::seconds(15),
                       const std::function<void(core::config::Config&)>& adjust = nullptr)
      : gateway(answering(upstream, stream, adjust), keepalive) {
    warm(gateway);
  }
  FakeUpstream upstream;
  TestGateway gateway;
};

std::string joined(const std::vector<std::string>& chunks) {
  std::string all;
  for (const auto& chunk : chunks) all += chunk;
  return all;
}

// The stream's row: the one that is not the warm-up's.
core::RequestRecord stream_row(TestGateway& gateway) {
  auto rows = gateway.wait_rows(2, 5000);
  REQUIRE(rows.size() == 2);
  return rows[1].record;
}

void wait_for_disconnect(FakeUpstream& upstream) {
  for (int i = 0; i < 200 && !upstream.saw_disconnect(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK(upstream.saw_disconnect());
}

} // namespace

TEST_CASE("stream on the loop: a client that hangs up mid-stream cancels the upstream") {
  auto slow = anthropic_stream("claude-sonnet-4-5", std::vector<std::string>(50, "token "), 77, 0, 0, 50);
  slow.delay_between_chunks_ms = 50;
  WarmGateway loop(slow);
  auto client = loop.gateway.client();
  int chunks = 0;
  auto result = post_streaming(*client, "/v1/messages", TestGateway::anthropic_auth(), k_messages_stream_body,
                               [&](const std::string&) { return ++chunks < 3; });
  CHECK(result.status == 200);
  const auto row = stream_row(loop.gateway);
  CHECK(row.outcome == core::Outcome::client_closed);
  CHECK(row.usage.input_uncached_tokens == 77);
  CHECK(row.duration_ms < 2000);
  wait_for_disconnect(loop.upstream);
}

TEST_CASE("stream on the loop: a client that hangs up while the upstream is silent is noticed at once") {
  auto stalled = anthropic_stream("claude-sonnet-4-5", {"a"}, 9, 0, 0, 1);
  stalled.chunks.resize(2); // message_start and ping, then silence
  stalled.stall_after_chunks_ms = 10000;
  WarmGateway loop(stalled);
  auto client = loop.gateway.client();
  const auto started = Clock::now();
  post_streaming(*client, "/v1/messages", TestGateway::anthropic_auth(), k_messages_stream_body,
                 [](const std::string&) { return false; });
  client.reset();
  const auto hung_up = Clock::now();
  // The hang-up is a report on the client's socket, which wakes the relay waiting for the next
  // event: the provider's connection goes within milliseconds, not at the relay's next look at its
  // client (every 250 ms). The fake provider looks every 5 ms.
  for (int i = 0; i < 400 && !loop.upstream.saw_disconnect(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  CHECK(loop.upstream.saw_disconnect());
  CHECK(Clock::now() - hung_up < std::chrono::milliseconds(150));
  CHECK(stream_row(loop.gateway).outcome == core::Outcome::client_closed);
  CHECK(Clock::now() - started < std::chrono::milliseconds(2500));
}

TEST_CASE("stream on the loop: an upstream that cuts the stream ends the client's stream with an error event") {
  auto cut = anthropic_stream("claude-sonnet-4-5", {"one", "two", "three"}, 40, 0, 0, 9);
  cut.chunks.resize(4);
  cut.chunks.back() = cut.chunks.back().substr(0, cut.chunks.back().size() / 2); // half an event
  cut.cut_after_chunks = true;
  WarmGateway loop(cut);
  auto client = loop.gateway.client();
  auto result = post_streaming(*client, "/v1/messages", TestGateway::anthropic_auth(), k_messages_stream_body);
  CHECK(result.status == 200);
  const std::string whole_events = cut.chunks[0] + cut.chunks[1] + cut.chunks[2];
  CHECK(result.body.substr(0, whole_events.size()) == whole_events);
  CHECK(result.body.substr(whole_events.size()).rfind("event: error\ndata: ", 0) == 0);
  CHECK(stream_row(loop.gateway).outcome == core::Outcome::upstream_cut);
}

TEST_CASE("stream on the loop: an error answer to a stream request reaches the client as it came") {
  // One attempt: a retry's back-off would go to a thread.
  WarmGateway loop(anthropic_error(429, "rate_limit_error", "slow down"), std::chrono::seconds(15),
                   [](core::config::Config& config) { config.routing.attempts = 1; });
  auto client = loop.gateway.client();
  auto result = post_streaming(*client, "/v1/messages", TestGateway::anthropic_auth(), k_messages_stream_body);
  CHECK(result.status == 429);
  CHECK(result.body.find("slow down") != std::string::npos);
  CHECK(stream_row(loop.gateway).http_status == 429);
}

TEST_CASE("stream on the loop: silence between events gets keep-alive comments") {
  auto reply = anthropic_stream("claude-sonnet-4-5", {"a", "b"}, 9, 0, 0, 2);
  std::vector<std::string> middle(reply.chunks.begin() + 1, reply.chunks.end() - 1);
  reply.chunks = {reply.chunks.front(), joined(middle), reply.chunks.back()};
  reply.delay_between_chunks_ms = 1'300;
  WarmGateway loop(reply, std::chrono::seconds(1));
  auto client = loop.gateway.client();
  auto result = post_streaming(*client, "/v1/messages", TestGateway::anthropic_auth(), k_messages_stream_body);
  REQUIRE(result.status == 200);
  std::string body = result.body;
  const std::string comment = ": keepalive\n\n";
  int comments = 0;
  for (size_t at = body.find(comment); at != std::string::npos; at = body.find(comment, at)) {
    body.erase(at, comment.size());
    ++comments;
  }
  CHECK(body == joined(reply.chunks));
  CHECK(comments >= 2);
  CHECK(comments <= 3);
  CHECK(stream_row(loop.gateway).outcome == core::Outcome::ok);
}

TEST_CASE("stream on the loop: a burst past the relay's buffer to a slow reader arrives whole, in order") {
  // About 6 MB sent at once to a client that pauses: either the reader's buffer fills past 4 MB
  // before the request's fiber writes, or the client's socket fills first; either way both sides
  // move to threads mid-stream, and nothing is lost or reordered.
  auto reply =
      anthropic_stream("claude-sonnet-4-5", std::vector<std::string>(200, std::string(30'000, 'z')), 9, 0, 0, 200);
  reply.chunks = {joined(reply.chunks)};
  WarmGateway loop(reply);
  auto client = loop.gateway.client();
  int pieces = 0;
  auto result = post_streaming(*client, "/v1/messages", TestGateway::anthropic_auth(), k_messages_stream_body,
                               [&](const std::string&) {
                                 if (++pieces == 1) std::this_thread::sleep_for(std::chrono::milliseconds(400));
                                 return true;
                               });
  REQUIRE(result.status == 200);
  CHECK(result.body.size() == reply.chunks[0].size());
  CHECK(result.body == reply.chunks[0]);
  const auto row = stream_row(loop.gateway);
  CHECK(row.outcome == core::Outcome::ok);
  CHECK(row.usage.output_tokens == 200);
}

TEST_CASE("stream on the loop: shutting down ends a running stream with an error event and a shutdown row") {
  auto endless = anthropic_stream("claude-sonnet-4-5", std::vector<std::string>(100, "x"), 5, 0, 0, 100);
  endless.delay_between_chunks_ms = 100;
  WarmGateway loop(endless);
  auto client = loop.gateway.client();
  std::thread stopper;
  const auto started = Clock::now();
  auto result = post_streaming(*client, "/v1/messages", TestGateway::anthropic_auth(), k_messages_stream_body,
                               [&](const std::string&) {
                                 if (!stopper.joinable())
                                   stopper = std::thread([&] { loop.gateway.server().drain_and_stop(0); });
                                 return true;
                               });
  if (stopper.joinable()) stopper.join();
  CHECK(result.status == 200);
  CHECK(result.body.find("event: error") != std::string::npos);
  CHECK(result.body.find("shutting down") != std::string::npos);
  CHECK(Clock::now() - started < std::chrono::seconds(5));
  const auto row = stream_row(loop.gateway);
  CHECK(row.outcome == core::Outcome::shutdown);
}

TEST_CASE("stream on the loop: hard mode ends a running stream at the cap and cancels the upstream") {
  // Far more output than max_tokens promised: ~30,000 output tokens, ~$0.45, against a $0.05 cap.
  auto long_stream =
      anthropic_stream("claude-sonnet-4-5", std::vector<std::string>(60, std::string(2000, 'x')), 10, 0, 0, 30000);
  long_stream.delay_between_chunks_ms = 5;
  WarmGateway loop(long_stream, std::chrono::seconds(15),
                   [](core::config::Config& config) { config.caps.hard = true; });
  constexpr int64_t k_five_cents = 50'000'000'000; // pico-USD
  loop.gateway.server().gateway().apply_policy(
      {{{1, core::policy::Period::day, k_five_cents, core::policy::Scope::global, "", 80}}, {}, {}, {}});
  auto client = loop.gateway.client();
  auto result = post_streaming(*client, "/v1/messages", TestGateway::anthropic_auth(), k_messages_stream_body);
  CHECK(result.status == 200);
  CHECK(result.body.find("ended this response at the daily spend cap of $0.0500") != std::string::npos);
  CHECK(result.body.find("event: message_stop") == std::string::npos);
  CHECK(stream_row(loop.gateway).outcome == core::Outcome::capped);
  wait_for_disconnect(loop.upstream);
  for (int i = 0; i < 100 && !loop.gateway.server().gateway().reservations().empty(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK(loop.gateway.server().gateway().reservations().empty());
}
