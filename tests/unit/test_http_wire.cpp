// SocketReader (core/http/wire.hpp) on a socket pair: a head found wherever its reads split,
// without rescanning what was scanned, and reads that end at a deadline however bytes trickle.
#include "core/http/wire.hpp"

#include <doctest/doctest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

using namespace llmgw::core::http;

namespace {

// Two connected sockets, the reader's end with a read timeout; closed when it goes.
struct SocketPair {
  explicit SocketPair(int timeout_ms = 50) {
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
    wire::set_timeout_ms(fds[0], SO_RCVTIMEO, timeout_ms);
  }
  ~SocketPair() {
    ::close(fds[0]);
    ::close(fds[1]);
  }
  void send(const std::string& text) const {
    REQUIRE(::write(fds[1], text.data(), text.size()) == static_cast<ssize_t>(text.size()));
  }
  int fds[2];
};

const std::string k_two = "\r\nGET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\nHost: y\n\nrest";

} // namespace

TEST_CASE("take_head finds each pipelined head wherever the bytes are split") {
  for (size_t split = 0; split <= k_two.size(); ++split) {
    CAPTURE(split);
    SocketPair pair;
    wire::SocketReader reader(pair.fds[0]);
    std::string head;
    CHECK(reader.take_head(head) == wire::ReadResult::incomplete);
    pair.send(k_two.substr(0, split));
    if (split > 0) REQUIRE(reader.receive() == wire::Fill::data);
    std::vector<std::string> heads;
    while (reader.take_head(head) == wire::ReadResult::ok) heads.push_back(head);
    if (split < k_two.size()) {
      pair.send(k_two.substr(split));
      REQUIRE(reader.receive() == wire::Fill::data);
    }
    while (reader.take_head(head) == wire::ReadResult::ok) heads.push_back(head);
    REQUIRE(heads.size() == 2);
    CHECK(heads[0] == "GET /a HTTP/1.1\r\nHost: x\r\n");
    CHECK(heads[1] == "GET /b HTTP/1.1\nHost: y\n");
    std::string rest;
    CHECK(reader.read_exact(rest, 4));
    CHECK(rest == "rest");
  }
}

TEST_CASE("head_state tells a head too large for the limit before its end arrives") {
  SocketPair pair;
  wire::SocketReader reader(pair.fds[0]);
  const std::string big = "GET / HTTP/1.1\r\nX: " + std::string(wire::k_max_head_bytes, 'a');
  std::thread writer([&] { pair.send(big); });
  while (reader.head_state() == wire::ReadResult::incomplete) REQUIRE(reader.receive() != wire::Fill::closed);
  writer.join();
  CHECK(reader.head_state() == wire::ReadResult::too_large);
}

TEST_CASE("receive tells bytes, a timeout and the peer's close apart") {
  SocketPair pair;
  wire::SocketReader reader(pair.fds[0]);
  CHECK(reader.receive(MSG_DONTWAIT) == wire::Fill::timeout);
  CHECK(reader.receive() == wire::Fill::timeout);
  std::string body;
  CHECK_FALSE(reader.read_exact(body, 1)); // without a deadline, a socket timeout ends a read
  pair.send("x");
  CHECK(reader.receive() == wire::Fill::data);
  ::shutdown(pair.fds[1], SHUT_WR);
  CHECK(reader.receive() == wire::Fill::closed);
}

TEST_CASE("a read with a deadline waits out socket timeouts and ends at the deadline, trickle or not") {
  SocketPair pair(20);
  wire::SocketReader reader(pair.fds[0]);
  std::atomic<bool> stop{false};
  std::thread trickle([&] {
    while (!stop) {
      pair.send("b");
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
    }
  });
  const auto start = std::chrono::steady_clock::now();
  reader.set_deadline(start + std::chrono::milliseconds(300));
  std::string body;
  CHECK_FALSE(reader.read_exact(body, 1000));
  const auto waited = std::chrono::steady_clock::now() - start;
  stop = true;
  trickle.join();
  CHECK(body.size() > 3); // it read what came, past several socket timeouts
  CHECK(waited >= std::chrono::milliseconds(300));
  CHECK(waited < std::chrono::milliseconds(1000));
}
