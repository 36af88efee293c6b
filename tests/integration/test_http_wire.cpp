// llmgw's own HTTP/1.1 server and plain-HTTP upstream client (core/http/): the framings and
// connection rules real clients and model servers use, spoken over raw sockets so each byte on
// the wire is the test's choice.
#include "core/http/upstream_client.hpp"
#include "tests/integration/raw_socket.hpp"
#include "tests/support/test_gateway.hpp"

#include <doctest/doctest.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <nlohmann/json.hpp>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <thread>

using namespace llmgw;
using namespace llmgw::test;

namespace {

const std::string k_chat = R"({"model":"gpt-4.1","messages":[{"role":"user","content":"hi"}]})";

std::string chat_head(int port, const std::string& extra) {
  return "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
         "\r\nAuthorization: Bearer " + k_test_token + "\r\nContent-Type: application/json\r\n" + extra + "\r\n";
}

// A model server that answers each request on a connection with the next canned byte string,
// then closes when told to: for framings httplib's fake would not produce.
class RawUpstream {
public:
  struct Answer {
    std::string bytes;
    bool close_after = false;
    int delay_ms = 0;
  };
  explicit RawUpstream(std::function<Answer(int request_number)> answer) : m_answer(std::move(answer)) {
    m_listen = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(m_listen, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(::listen(m_listen, 16) == 0);
    socklen_t size = sizeof address;
    ::getsockname(m_listen, reinterpret_cast<sockaddr*>(&address), &size);
    m_port = ntohs(address.sin_port);
    m_thread = std::thread([this] { run(); });
  }
  ~RawUpstream() {
    m_stop = true;
    ::shutdown(m_listen, SHUT_RDWR);
    m_thread.join();
    ::close(m_listen);
  }
  std::string origin() const { return "http://127.0.0.1:" + std::to_string(m_port); }
  int connections() const { return m_connections; }
  int requests() const { return m_requests; }

private:
  void run() {
    while (!m_stop) {
      pollfd entry{m_listen, POLLIN, 0};
      if (::poll(&entry, 1, 50) <= 0) continue;
      int fd = ::accept(m_listen, nullptr, nullptr);
      if (fd < 0) continue;
      ++m_connections;
      serve(fd);
      ::close(fd);
    }
  }
  void serve(int fd) {
    std::string in;
    char buffer[65536];
    while (!m_stop) {
      size_t head_end;
      while ((head_end = in.find("\r\n\r\n")) == std::string::npos) {
        pollfd entry{fd, POLLIN, 0};
        if (::poll(&entry, 1, 100) <= 0) {
          if (m_stop) return;
          continue;
        }
        ssize_t got = ::recv(fd, buffer, sizeof buffer, 0);
        if (got <= 0) return;
        in.append(buffer, static_cast<size_t>(got));
      }
      size_t length_at = in.find("Content-Length: ");
      size_t length =
          length_at != std::string::npos && length_at < head_end ? std::stoul(in.substr(length_at + 16)) : 0;
      while (in.size() < head_end + 4 + length) {
        ssize_t got = ::recv(fd, buffer, sizeof buffer, 0);
        if (got <= 0) return;
        in.append(buffer, static_cast<size_t>(got));
      }
      in.erase(0, head_end + 4 + length);
      Answer answer = m_answer(++m_requests);
      if (answer.delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(answer.delay_ms));
      if (!answer.bytes.empty()) ::send(fd, answer.bytes.data(), answer.bytes.size(), MSG_NOSIGNAL);
      if (answer.close_after) return;
    }
  }

  std::function<Answer(int)> m_answer;
  int m_listen = -1, m_port = 0;
  std::atomic<bool> m_stop{false};
  std::atomic<int> m_connections{0}, m_requests{0};
  std::thread m_thread;
};

httplib::Request post(const std::string& body) {
  httplib::Request request;
  request.method = "POST";
  request.path = "/v1/chat/completions";
  request.headers.emplace("Content-Type", "application/json");
  request.body = body;
  return request;
}

} // namespace

TEST_CASE("server: pipelined requests on one connection are answered in order") {
  FakeUpstream upstream;
  TestGateway gateway(fake_config(upstream));
  int fd = connect_to(gateway.port());
  const std::string health = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  send_text(fd, health + chat_head(gateway.port(), "Content-Length: " + std::to_string(k_chat.size()) + "\r\n") +
                    k_chat + health);
  std::string answers = read_responses(fd, 3);
  ::close(fd);
  CHECK(count_of(answers, "HTTP/1.1 200 OK\r\n") == 3);
  size_t first = answers.find("\"status\":\"ok\""), second = answers.find("chat.completion"),
         third = answers.find("\"status\":\"ok\"", first + 1);
  CHECK(first < second);
  CHECK(second < third);
  CHECK(third != std::string::npos);
  CHECK(upstream.calls() == 1);
}

TEST_CASE("server: a chunked request body reaches the provider whole") {
  FakeUpstream upstream;
  TestGateway gateway(fake_config(upstream));
  int fd = connect_to(gateway.port());
  const std::string part1 = k_chat.substr(0, 20), part2 = k_chat.substr(20);
  char size1[16], size2[16];
  std::snprintf(size1, sizeof size1, "%zx", part1.size());
  std::snprintf(size2, sizeof size2, "%zX", part2.size());
  send_text(fd, chat_head(gateway.port(), "Transfer-Encoding: chunked\r\nConnection: close\r\n") + size1 +
                    ";ext=1\r\n" + part1 + "\r\n" + size2 + "\r\n" + part2 + "\r\n0\r\nX-Trailer: 1\r\n\r\n");
  std::string answer = read_to_close(fd);
  ::close(fd);
  CHECK(answer.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK(answer.find("Connection: close\r\n") != std::string::npos);
  REQUIRE(upstream.calls() == 1);
  CHECK(nlohmann::json::parse(upstream.last_request().body)["messages"][0]["content"] == "hi");
}

TEST_CASE("server: Expect 100-continue gets 100 Continue before the body is sent") {
  FakeUpstream upstream;
  TestGateway gateway(fake_config(upstream));
  int fd = connect_to(gateway.port());
  send_text(fd, chat_head(gateway.port(),
                          "Content-Length: " + std::to_string(k_chat.size()) + "\r\nExpect: 100-continue\r\n"));
  char buffer[256];
  ssize_t got = ::recv(fd, buffer, sizeof buffer, 0);
  REQUIRE(got > 0);
  CHECK(std::string(buffer, static_cast<size_t>(got)) == "HTTP/1.1 100 Continue\r\n\r\n");
  send_text(fd, k_chat);
  std::string answer = read_responses(fd, 1);
  ::close(fd);
  CHECK(answer.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK(upstream.calls() == 1);
}

TEST_CASE("server: malformed requests and oversized heads are refused and the connection closed") {
  FakeUpstream upstream;
  TestGateway gateway(fake_config(upstream));
  SUBCASE("a broken request line") {
    std::string answer = ask_and_close(gateway.port(), "this is not http\r\n\r\n");
    CHECK(answer.rfind("HTTP/1.1 400 Bad Request\r\n", 0) == 0);
    CHECK(answer.find("Connection: close") != std::string::npos);
    CHECK(answer.find("malformed HTTP request") != std::string::npos);
  }
  SUBCASE("a header line without a colon") {
    std::string answer =
        ask_and_close(gateway.port(), "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nno colon here\r\n\r\n");
    CHECK(answer.rfind("HTTP/1.1 400 ", 0) == 0);
  }
  SUBCASE("a Content-Length that is not a number") {
    std::string answer = ask_and_close(gateway.port(), chat_head(gateway.port(), "Content-Length: 12abc\r\n"));
    CHECK(answer.rfind("HTTP/1.1 400 ", 0) == 0);
    CHECK(answer.find("\"error\"") != std::string::npos); // in the caller's (OpenAI) format
  }
  SUBCASE("a head over 64 KB") {
    std::string answer =
        ask_and_close(gateway.port(),
                      "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + std::string(70 * 1024, 'a') + "\r\n\r\n");
    CHECK(answer.rfind("HTTP/1.1 431 ", 0) == 0);
  }
  CHECK(upstream.calls() == 0);
  // The server goes on serving.
  auto health = gateway.client()->Get("/healthz");
  REQUIRE(health);
  CHECK(health->status == 200);
}

TEST_CASE("http server: ambiguous framing and a missing or repeated Host are refused and the connection closed") {
  FakeUpstream upstream;
  TestGateway gateway(fake_config(upstream));
  const std::string health = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  // Each refused request is followed by a request that must never be answered: the connection
  // is closed after the refusal, so nothing after it can be read as a request of its own.
  auto refused_and_closed = [&](const std::string& request) {
    int fd = connect_to(gateway.port(), 3000);
    send_text(fd, request + health);
    std::string answer = read_to_close(fd);
    ::close(fd);
    CHECK(answer.rfind("HTTP/1.1 400 Bad Request\r\n", 0) == 0);
    CHECK(answer.find("Connection: close\r\n") != std::string::npos);
    CHECK(answer.find("HTTP/1.1 200") == std::string::npos); // the request after it was never answered
    return answer;
  };
  SUBCASE("Content-Length and Transfer-Encoding together (a smuggled request in the body)") {
    char size[16];
    std::snprintf(size, sizeof size, "%zx", k_chat.size());
    const std::string chunked = std::string(size) + "\r\n" + k_chat + "\r\n0\r\n\r\n";
    std::string answer =
        refused_and_closed(chat_head(gateway.port(), "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n") + chunked);
    CHECK(answer.find("Content-Length and Transfer-Encoding") != std::string::npos);
  }
  SUBCASE("the same in lower case") {
    refused_and_closed(chat_head(gateway.port(), "transfer-encoding: chunked\r\ncontent-length: 5\r\n") + "0\r\n\r\n");
  }
  SUBCASE("a Transfer-Encoding other than chunked") {
    refused_and_closed(chat_head(gateway.port(), "Transfer-Encoding: gzip, chunked\r\n") + "0\r\n\r\n");
  }
  SUBCASE("HTTP/1.1 without Host") {
    std::string answer = refused_and_closed("GET /healthz HTTP/1.1\r\nAccept: */*\r\n\r\n");
    CHECK(answer.find("without a Host header") != std::string::npos);
  }
  SUBCASE("two Host headers, whatever their case") {
    std::string answer = refused_and_closed("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nhost: evil.example\r\n\r\n");
    CHECK(answer.find("more than one Host header") != std::string::npos);
  }
  SUBCASE("HTTP/1.0 may leave Host out") {
    std::string answer = ask_and_close(gateway.port(), "GET /healthz HTTP/1.0\r\n\r\n");
    CHECK(answer.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  }
  CHECK(upstream.calls() == 0);
}

TEST_CASE("server: HTTP/1.0, Connection close, HEAD and idle keep-alive follow the rules") {
  FakeUpstream upstream;
  TestGateway gateway(fake_config(upstream));
  SUBCASE("HTTP/1.0 without keep-alive is answered and closed") {
    std::string answer = ask_and_close(gateway.port(), "GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
    CHECK(answer.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
    CHECK(answer.find("Connection: close\r\n") != std::string::npos);
  }
  SUBCASE("HEAD gets the head and no body") {
    std::string answer =
        ask_and_close(gateway.port(), "HEAD /api/hello HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    CHECK(answer.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
    CHECK(answer.size() == answer.find("\r\n\r\n") + 4);
  }
  SUBCASE("a kept-alive connection is served again after a pause") {
    int fd = connect_to(gateway.port());
    const std::string health = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    send_text(fd, health);
    std::string first = read_responses(fd, 1);
    CHECK(first.find("Keep-Alive: timeout=5\r\n") != std::string::npos);
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    send_text(fd, health);
    std::string second = read_responses(fd, 1);
    ::close(fd);
    CHECK(second.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  }
}

TEST_CASE("client: bodies framed by length, by chunks and by close all arrive whole") {
  const std::string json = R"({"id":"x","object":"chat.completion"})";
  std::string framing;
  RawUpstream upstream([&](int) -> RawUpstream::Answer {
    if (framing == "length")
      return {"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(json.size()) +
                  "\r\n\r\n" + json,
              false, 0};
    if (framing == "chunks")
      return {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n" + json.substr(0, 5) + "\r\n" +
                  [&] {
                    char size[16];
                    std::snprintf(size, sizeof size, "%zx", json.size() - 5);
                    return std::string(size);
                  }() +
                  "\r\n" + json.substr(5) + "\r\n0\r\n\r\n",
              false, 0};
    return {"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n" + json, true, 0};
  });
  core::http::UpstreamClient client(upstream.origin(), {2, 5});
  for (const char* kind : {"length", "chunks", "close", "length"}) {
    CAPTURE(kind);
    framing = kind;
    auto request = post(k_chat);
    httplib::Response response;
    httplib::Error error = httplib::Error::Success;
    REQUIRE(client.send(request, response, error));
    CHECK(response.status == 200);
    CHECK(response.body == json);
  }
  // One connection for length and chunks, a new one after the close-delimited body.
  CHECK(upstream.connections() == 2);
}

TEST_CASE("client: a kept-alive connection the server closed is replaced, and 1xx answers are skipped") {
  const std::string json = R"({"ok":true})";
  RawUpstream upstream([&](int number) -> RawUpstream::Answer {
    std::string interim = number == 2 ? "HTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n" : "";
    return {interim + "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(json.size()) + "\r\n\r\n" + json,
            /*close_after=*/true, 0};
  });
  core::http::UpstreamClient client(upstream.origin(), {2, 5});
  for (int i = 0; i < 3; ++i) {
    auto request = post(k_chat);
    httplib::Response response;
    httplib::Error error = httplib::Error::Success;
    REQUIRE(client.send(request, response, error));
    CHECK(response.status == 200);
    CHECK(response.body == json);
    std::this_thread::sleep_for(std::chrono::milliseconds(50)); // let the close arrive
  }
  CHECK(upstream.requests() == 3);
  CHECK(upstream.connections() == 3);
}

TEST_CASE("client: streamed pieces arrive as they are sent, and stop() breaks a silent read") {
  RawUpstream upstream([&](int) -> RawUpstream::Answer {
    return {"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
            "d\r\ndata: first\n\n\r\n",
            false, 0}; // and then nothing: the stream stalls
  });
  core::http::UpstreamClient client(upstream.origin(), {2, 30});
  auto request = post(k_chat);
  std::string seen;
  std::atomic<bool> got_first{false};
  request.content_receiver = [&](const char* data, size_t size, uint64_t, uint64_t) {
    seen.append(data, size);
    got_first = true;
    return true;
  };
  int status = 0;
  request.response_handler = [&](const httplib::Response& response) {
    status = response.status;
    return true;
  };
  std::thread stopper([&] {
    for (int i = 0; i < 200 && !got_first; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    client.stop();
  });
  const auto start = std::chrono::steady_clock::now();
  httplib::Response response;
  httplib::Error error = httplib::Error::Success;
  CHECK_FALSE(client.send(request, response, error));
  const auto waited = std::chrono::steady_clock::now() - start;
  stopper.join();
  CHECK(status == 200);
  CHECK(seen == "data: first\n\n");
  CHECK(error == httplib::Error::Canceled);
  CHECK(waited < std::chrono::seconds(3));
}

TEST_CASE("client: an upstream that answers nothing within the read timeout fails the request") {
  RawUpstream upstream([&](int) -> RawUpstream::Answer { return {"", false, 0}; });
  core::http::UpstreamClient client(upstream.origin(), {2, 1});
  auto request = post(k_chat);
  httplib::Response response;
  httplib::Error error = httplib::Error::Success;
  const auto start = std::chrono::steady_clock::now();
  CHECK_FALSE(client.send(request, response, error));
  const auto waited = std::chrono::steady_clock::now() - start;
  CHECK(error == httplib::Error::Read);
  CHECK(waited >= std::chrono::milliseconds(900));
  CHECK(waited < std::chrono::seconds(4));
}
