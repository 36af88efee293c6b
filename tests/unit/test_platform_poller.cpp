#include "core/platform/poller.hpp"
#include "core/platform/socket.hpp"

#include <doctest/doctest.h>

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

using llmgw::core::platform::available_pollers;
using llmgw::core::platform::make_poller;
using llmgw::core::platform::Poller;
using llmgw::core::platform::poller_name;

namespace {

// Two connected stream sockets, closed on scope exit.
struct Pair {
  Pair() { REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0); }
  ~Pair() {
    for (int fd : fds)
      if (fd >= 0) ::close(fd);
  }
  Pair(const Pair&) = delete;
  Pair& operator=(const Pair&) = delete;
  void close_peer() {
    ::close(fds[1]);
    fds[1] = -1;
  }
  void send_byte() { REQUIRE(::write(fds[1], "x", 1) == 1); }
  int watched() const { return fds[0]; }
  int fds[2] = {-1, -1};
};

bool holds(const std::vector<int>& ready, int fd) { return std::find(ready.begin(), ready.end(), fd) != ready.end(); }

// Waits until fd is reported, for 5 s at most; the wait's wake-ups with nothing ready are allowed.
bool reported_within_5s(Poller& poller, int fd) {
  std::vector<int> ready;
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < end) {
    poller.wait(ready, 100);
    if (holds(ready, fd)) return true;
  }
  return false;
}

} // namespace

TEST_CASE("platform poller: every available kind reports a readable socket once per arming") {
  for (auto kind : available_pollers()) {
    CAPTURE(poller_name(kind));
    auto poller = make_poller(kind);
    REQUIRE(poller->ok());
    CHECK(poller->kind() == kind);
    Pair pair;
    std::vector<int> ready;
    REQUIRE(poller->arm(pair.watched(), true));
    poller->wait(ready, 0);
    CHECK(ready.empty()); // nothing sent yet
    pair.send_byte();
    CHECK(reported_within_5s(*poller, pair.watched()));
    // Still readable (nothing was read), but disarmed: one report per arming.
    poller->wait(ready, 50);
    CHECK_FALSE(holds(ready, pair.watched()));
    REQUIRE(poller->arm(pair.watched(), false));
    CHECK(reported_within_5s(*poller, pair.watched()));
  }
}

#if defined(__linux__)
TEST_CASE("platform poller: epoll watches a socket for good, a report per arrival and none without one") {
  auto poller = make_poller(llmgw::core::platform::PollerKind::epoll);
  Pair pair;
  REQUIRE(poller->watch(pair.watched()));
  std::vector<int> ready;
  poller->wait(ready, 0);
  CHECK(ready.empty()); // nothing sent yet
  for (int round = 0; round < 3; ++round) {
    CAPTURE(round);
    pair.send_byte();
    CHECK(reported_within_5s(*poller, pair.watched())); // with no arm() in between
    char byte = 0;
    REQUIRE(::read(pair.watched(), &byte, 1) == 1);
    poller->wait(ready, 50);
    CHECK_FALSE(holds(ready, pair.watched())); // read, and nothing new arrived
  }
  // Unwatched (a thread reads it now), its arrivals are not reported; watched again, they are.
  poller->unwatch(pair.watched());
  pair.send_byte();
  poller->wait(ready, 100);
  CHECK_FALSE(holds(ready, pair.watched()));
  REQUIRE(poller->watch(pair.watched()));
  pair.send_byte();
  CHECK(reported_within_5s(*poller, pair.watched()));
  pair.close_peer();
  CHECK(reported_within_5s(*poller, pair.watched())); // the hang-up too
  // The others cannot, and say so: their callers arm for each wait instead.
  for (auto kind : available_pollers())
    if (kind != llmgw::core::platform::PollerKind::epoll) CHECK_FALSE(make_poller(kind)->watch(pair.watched()));
}
#endif

TEST_CASE("platform poller: a peer that hangs up is reported") {
  for (auto kind : available_pollers()) {
    CAPTURE(poller_name(kind));
    auto poller = make_poller(kind);
    Pair pair;
    REQUIRE(poller->arm(pair.watched(), true));
    pair.close_peer();
    CHECK(reported_within_5s(*poller, pair.watched()));
  }
}

TEST_CASE("platform poller: a socket armed by another thread during a wait is reported") {
  for (auto kind : available_pollers()) {
    CAPTURE(poller_name(kind));
    auto poller = make_poller(kind);
    Pair pair;
    pair.send_byte();
    // The waiting thread blocks in a wait with no limit of its own; the arm must reach it.
    std::vector<int> ready;
    bool seen = false;
    std::thread waiter([&] {
      const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(5);
      while (!seen && std::chrono::steady_clock::now() < end) {
        poller->wait(ready, 5000);
        seen = holds(ready, pair.watched());
      }
    });
    REQUIRE(poller->arm(pair.watched(), true));
    waiter.join();
    CHECK(seen);
  }
}

TEST_CASE("platform poller: wake() ends a wait that has no limit") {
  for (auto kind : available_pollers()) {
    CAPTURE(poller_name(kind));
    auto poller = make_poller(kind);
    const auto start = std::chrono::steady_clock::now();
    std::thread waker([&] { poller->wake(); });
    std::vector<int> ready{42};
    poller->wait(ready, 10000); // woken before or during the wait: it returns at once either way
    waker.join();
    CHECK(ready.empty());
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
    // Drained: the next wait waits again.
    const auto again = std::chrono::steady_clock::now();
    poller->wait(ready, 100);
    CHECK(std::chrono::steady_clock::now() - again >= std::chrono::milliseconds(50));
  }
}

TEST_CASE("platform poller: a descriptor forgotten and closed is not reported under its reused number") {
  for (auto kind : available_pollers()) {
    CAPTURE(poller_name(kind));
    auto poller = make_poller(kind);
    auto first = std::make_unique<Pair>();
    const int number = first->watched();
    REQUIRE(poller->arm(number, true));
    poller->forget(number);
    first.reset();
    Pair second; // most likely takes the same numbers; never armed
    second.send_byte();
    std::vector<int> ready;
    poller->wait(ready, 50);
    CHECK_FALSE(holds(ready, second.watched()));
    CHECK_FALSE(holds(ready, number));
  }
}

TEST_CASE("platform poller: the poll() fallback watches a thousand sockets and reports the one that speaks") {
  llmgw::core::platform::raise_descriptor_limit(); // two thousand descriptors
  auto poller = make_poller(llmgw::core::platform::PollerKind::poll);
  std::vector<std::unique_ptr<Pair>> pairs;
  for (int i = 0; i < 1000; ++i) {
    auto pair = std::make_unique<Pair>();
    REQUIRE(poller->arm(pair->watched(), true));
    pairs.push_back(std::move(pair));
  }
  std::vector<int> ready;
  poller->wait(ready, 0);
  CHECK(ready.empty());
  pairs[617]->send_byte();
  CHECK(reported_within_5s(*poller, pairs[617]->watched()));
  pairs[3]->close_peer();
  CHECK(reported_within_5s(*poller, pairs[3]->watched()));
}
