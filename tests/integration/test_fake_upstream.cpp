// The fake provider itself: routing, recording, streaming faults and its ready-made replies.
#include "tests/support/fake_upstream.hpp"

#include <doctest/doctest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

using llmgw::test::FakeResponse;
using llmgw::test::FakeUpstream;
using llmgw::test::RecordedRequest;
using Clock = std::chrono::steady_clock;

httplib::Client client_for(const FakeUpstream& upstream) {
  httplib::Client client(upstream.base_url());
  client.set_read_timeout(5, 0);
  return client;
}

FakeResponse three_chunks(int delay_ms) {
  FakeResponse reply;
  reply.content_type = "text/event-stream";
  reply.chunks = {"data: 1\n\n", "data: 2\n\n", "data: 3\n\n"};
  reply.delay_between_chunks_ms = delay_ms;
  return reply;
}

// Polls condition for up to two seconds.
template <class Condition> bool eventually(Condition condition) {
  const auto until = Clock::now() + std::chrono::seconds(2);
  while (Clock::now() < until) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return condition();
}

} // namespace

TEST_CASE("a bare fake upstream answers chat completions like OpenAI and records the request") {
  FakeUpstream upstream;
  auto client = client_for(upstream);
  auto res = client.Post("/v1/chat/completions?api-version=1&x", {{"Authorization", "Bearer sk-test"}},
                         R"({"model":"gpt-4.1"})", "application/json");
  REQUIRE(res);
  CHECK(res->status == 200);
  const auto body = nlohmann::json::parse(res->body);
  CHECK(body["model"] == "gpt-4.1");
  CHECK(body["choices"][0]["message"]["content"] == "Hello from fake upstream.");
  CHECK(body["usage"]["prompt_tokens"] == 12);
  CHECK(body["usage"]["completion_tokens"] == 5);
  CHECK(upstream.calls() == 1);
  const RecordedRequest request = upstream.last_request();
  CHECK(request.method == "POST");
  CHECK(request.path == "/v1/chat/completions");
  CHECK(request.query == "api-version=1&x");
  CHECK(request.body == R"({"model":"gpt-4.1"})");
  CHECK(request.headers.find("Authorization")->second == "Bearer sk-test");
  CHECK(request.headers.count("REMOTE_ADDR") == 0);
}

TEST_CASE("counts every call, unknown paths included, and reset forgets them") {
  FakeUpstream upstream;
  auto client = client_for(upstream);
  CHECK(client.Get("/v1/models")->status == 200);
  auto missing = client.Post("/v1/nothing", "{}", "application/json");
  REQUIRE(missing);
  CHECK(missing->status == 404);
  CHECK(upstream.calls() == 2);
  CHECK(upstream.requests().size() == 2);
  upstream.reset();
  CHECK(upstream.calls() == 0);
  CHECK(upstream.requests().empty());
  CHECK(upstream.last_request().path.empty());
}

TEST_CASE("a later registration for the same method and path wins") {
  FakeUpstream upstream;
  upstream.on("POST", "/v1/messages", [](const RecordedRequest&) {
    return llmgw::test::anthropic_error(529, "overloaded_error", "Overloaded");
  });
  auto res = client_for(upstream).Post("/v1/messages", "{}", "application/json");
  REQUIRE(res);
  CHECK(res->status == 529);
  const auto body = nlohmann::json::parse(res->body);
  CHECK(body["type"] == "error");
  CHECK(body["error"]["type"] == "overloaded_error");
  CHECK(res->has_header("request-id"));
}

TEST_CASE("a handler that throws gets a 500 in OpenAI error shape") {
  FakeUpstream upstream;
  upstream.on("GET", "/boom", [](const RecordedRequest&) -> FakeResponse { throw std::runtime_error("boom"); });
  auto res = client_for(upstream).Get("/boom");
  REQUIRE(res);
  CHECK(res->status == 500);
  CHECK(nlohmann::json::parse(res->body)["error"]["message"] == "fake upstream: handler threw: boom");
}

TEST_CASE("stream chunks arrive one by one, spaced by the delay") {
  FakeUpstream upstream;
  upstream.on("GET", "/stream", [](const RecordedRequest&) { return three_chunks(60); });
  std::vector<std::string> pieces;
  std::vector<Clock::time_point> arrivals;
  auto res = client_for(upstream).Get("/stream", [&](const char* data, size_t size) {
    pieces.emplace_back(data, size);
    arrivals.push_back(Clock::now());
    return true;
  });
  REQUIRE(res);
  CHECK(res->get_header_value("Transfer-Encoding") == "chunked");
  REQUIRE(pieces == std::vector<std::string>{"data: 1\n\n", "data: 2\n\n", "data: 3\n\n"});
  CHECK(arrivals[2] - arrivals[0] >= std::chrono::milliseconds(100));
  CHECK(eventually([&] { return upstream.open_streams() == 0; }));
  CHECK_FALSE(upstream.saw_disconnect());
}

TEST_CASE("a cut stream delivers its chunks and then fails without the final chunk") {
  FakeUpstream upstream;
  upstream.on("GET", "/cut", [](const RecordedRequest&) {
    FakeResponse reply = three_chunks(0);
    reply.cut_after_chunks = true;
    return reply;
  });
  std::string received;
  auto res = client_for(upstream).Get("/cut", [&](const char* data, size_t size) {
    received.append(data, size);
    return true;
  });
  CHECK_FALSE(res);
  CHECK(received == "data: 1\n\ndata: 2\n\ndata: 3\n\n");
  CHECK_FALSE(upstream.saw_disconnect());
}

TEST_CASE("a client that goes away during a stall is noticed and the stream is closed") {
  FakeUpstream upstream;
  upstream.on("GET", "/stall", [](const RecordedRequest&) {
    FakeResponse reply = three_chunks(0);
    reply.stall_after_chunks_ms = 10000;
    return reply;
  });
  std::string received;
  auto res = client_for(upstream).Get("/stall", [&](const char* data, size_t size) {
    received.append(data, size);
    return received.size() < 27; // cancel (close the socket) after the third chunk
  });
  CHECK_FALSE(res);
  CHECK(eventually([&] { return upstream.saw_disconnect(); }));
  CHECK(eventually([&] { return upstream.open_streams() == 0; }));
}

TEST_CASE("delay_before_headers holds the response back") {
  FakeUpstream upstream;
  upstream.on("GET", "/slow", [](const RecordedRequest&) {
    FakeResponse reply;
    reply.delay_before_headers_ms = 150;
    reply.headers.emplace("retry-after", "1");
    return reply;
  });
  const auto start = Clock::now();
  auto res = client_for(upstream).Get("/slow");
  REQUIRE(res);
  CHECK(Clock::now() - start >= std::chrono::milliseconds(150));
  CHECK(res->get_header_value("retry-after") == "1");
}

TEST_CASE("serves 64 concurrent streams at once") {
  FakeUpstream upstream;
  // Each stream stays open 2 s, so all 64 are open at once even when a loaded machine is slow to
  // start 64 client threads.
  upstream.on("GET", "/stream", [](const RecordedRequest&) { return three_chunks(1000); });
  std::atomic<int> complete{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < 64; ++i)
    clients.emplace_back([&] {
      std::string body;
      auto res = client_for(upstream).Get("/stream", [&](const char* data, size_t size) {
        body.append(data, size);
        return true;
      });
      if (res && body.size() == 27) ++complete;
    });
  int most_open = 0;
  const auto deadline = Clock::now() + std::chrono::seconds(2);
  while (most_open < 64 && complete == 0 && Clock::now() < deadline) {
    most_open = std::max(most_open, upstream.open_streams());
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  for (auto& thread : clients) thread.join();
  CHECK(complete == 64);
  CHECK(most_open == 64);
}

TEST_CASE("the default messages handler streams Anthropic events with event: lines") {
  FakeUpstream upstream;
  auto res = client_for(upstream).Post("/v1/messages", R"({"model":"claude-x","stream":true,"max_tokens":5})",
                                       "application/json");
  REQUIRE(res);
  CHECK(res->get_header_value("Content-Type").rfind("text/event-stream", 0) == 0);
  CHECK(res->body.rfind("event: message_start\ndata: {\"type\":\"message_start\"", 0) == 0);
  CHECK(res->body.find("event: content_block_delta") != std::string::npos);
  CHECK(
      res->body.find(
          R"("usage":{"input_tokens":12,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":5})") !=
      std::string::npos);
  CHECK(res->body.size() > res->body.rfind("event: message_stop"));
}

TEST_CASE("the default chat stream sends usage only when include_usage is set, then [DONE]") {
  FakeUpstream upstream;
  auto client = client_for(upstream);
  auto with = client.Post("/v1/chat/completions",
                          R"({"model":"m","stream":true,"stream_options":{"include_usage":true}})", "application/json");
  auto without = client.Post("/v1/chat/completions", R"({"model":"m","stream":true})", "application/json");
  REQUIRE(with);
  REQUIRE(without);
  CHECK(with->body.find(R"("choices":[],"usage":{"prompt_tokens":12)") != std::string::npos);
  CHECK(without->body.find("usage") == std::string::npos);
  const std::string done = "data: [DONE]\n\n";
  CHECK(with->body.substr(with->body.size() - done.size()) == done);
  CHECK(without->body.substr(without->body.size() - done.size()) == done);
}

TEST_CASE("the default responses stream ends with response.completed carrying total_tokens") {
  FakeUpstream upstream;
  auto res = client_for(upstream).Post("/v1/responses", R"({"model":"gpt-5.5","stream":true,"input":"hi"})",
                                       "application/json");
  REQUIRE(res);
  const std::string marker = "event: response.completed\ndata: ";
  const auto completed = res->body.rfind(marker);
  REQUIRE(completed != std::string::npos);
  const auto event = nlohmann::json::parse(res->body.substr(completed + marker.size()));
  CHECK(event["response"]["usage"]["total_tokens"] == 17);
  CHECK(event["response"]["output"][0]["content"][0]["text"] == "Hello from fake upstream.");
  CHECK(event["sequence_number"] == 11);
}
