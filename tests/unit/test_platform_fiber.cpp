// Fibers (core/platform/fiber.hpp): switching, waiting on a socket as the event loop sees it,
// leaving for a thread, exceptions and deep stacks.
#include "core/platform/fiber.hpp"

#include <doctest/doctest.h>

#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using llmgw::core::platform::Fiber;
using llmgw::core::platform::leave_event_loop;
using llmgw::core::platform::on_event_loop;
using llmgw::core::platform::wait_readable;

namespace {

struct SocketPair {
  SocketPair() { REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0); }
  ~SocketPair() {
    ::close(fds[0]);
    ::close(fds[1]);
  }
  int fds[2] = {-1, -1};
};

int deep(int depth) {
  volatile char frame[1024] = {};
  frame[0] = static_cast<char>(depth);
  return depth == 0 ? frame[0] : deep(depth - 1) + frame[0];
}

// The calling thread's id, read anew at every call. std::this_thread::get_id() is pthread_self(),
// which glibc declares const: an optimised build reuses the first value in a function, and a
// fiber's function that moved to another thread would still see the old one.
std::thread::id (*volatile const current_thread)() = [] { return std::this_thread::get_id(); };

} // namespace

TEST_CASE("fiber: a wait suspends it with the socket and deadline, a resume goes on where it stopped") {
  SocketPair pair;
  std::vector<std::string> steps;
  Fiber fiber([&] {
    steps.push_back(on_event_loop() ? "on loop" : "off loop");
    const auto wake = wait_readable(pair.fds[0], std::chrono::milliseconds(500));
    steps.push_back(wake == Fiber::Wake::ready ? "ready" : "timeout");
    const auto again = wait_readable(pair.fds[0], std::chrono::milliseconds(10));
    steps.push_back(again == Fiber::Wake::ready ? "ready" : "timeout");
  });
  CHECK(Fiber::current() == nullptr);
  const auto before = std::chrono::steady_clock::now();
  fiber.resume(true);
  REQUIRE_FALSE(fiber.done());
  CHECK(fiber.ask() == Fiber::Ask::readable);
  CHECK(fiber.fd() == pair.fds[0]);
  CHECK(fiber.deadline() >= before + std::chrono::milliseconds(500));
  CHECK(Fiber::current() == nullptr);
  fiber.set_wake(Fiber::Wake::ready);
  fiber.resume(true);
  REQUIRE_FALSE(fiber.done());
  fiber.set_wake(Fiber::Wake::timeout);
  fiber.resume(true);
  CHECK(fiber.done());
  CHECK(steps == std::vector<std::string>{"on loop", "ready", "timeout"});
}

TEST_CASE("fiber: off the loop a wait polls the socket and never suspends") {
  SocketPair pair;
  std::vector<Fiber::Wake> wakes;
  Fiber fiber([&] {
    CHECK_FALSE(on_event_loop());
    wakes.push_back(wait_readable(pair.fds[0], std::chrono::milliseconds(20)));
    REQUIRE(::write(pair.fds[1], "x", 1) == 1);
    wakes.push_back(wait_readable(pair.fds[0], std::chrono::milliseconds(1000)));
    leave_event_loop(); // nothing to leave
  });
  fiber.resume(false);
  CHECK(fiber.done());
  CHECK(wakes == std::vector<Fiber::Wake>{Fiber::Wake::timeout, Fiber::Wake::ready});
}

TEST_CASE("fiber: one that leaves the loop goes on to its end on another thread") {
  std::thread::id before, after;
  const std::thread::id loop = std::this_thread::get_id();
  auto fiber = std::make_unique<Fiber>([&] {
    before = current_thread();
    leave_event_loop();
    after = current_thread();
    CHECK_FALSE(on_event_loop());
    CHECK(deep(200) > 0); // the stack is the fiber's, wherever it runs
  });
  fiber->resume(true);
  REQUIRE_FALSE(fiber->done());
  CHECK(fiber->ask() == Fiber::Ask::leave);
  std::thread worker([&] { fiber->resume(false); });
  worker.join();
  CHECK(fiber->done());
  CHECK(before == loop);
  CHECK(after != loop);
}

TEST_CASE("fiber: an exception thrown and caught inside stays inside; one that escapes ends only the fiber") {
  int caught = 0;
  Fiber catches([&] {
    try {
      throw std::runtime_error("inside");
    } catch (const std::runtime_error&) {
      ++caught;
    }
  });
  catches.resume(true);
  CHECK(catches.done());
  CHECK(caught == 1);
  Fiber escapes([] { throw std::runtime_error("escapes"); });
  escapes.resume(true);
  CHECK(escapes.done());
}

TEST_CASE("fiber: a thousand fibers interleaved, their stacks reused, each with its own frames") {
  std::vector<std::unique_ptr<Fiber>> fibers;
  std::vector<int> sums(1000, 0);
  for (int round = 0; round < 3; ++round) {
    fibers.clear();
    for (int i = 0; i < 1000; ++i)
      fibers.push_back(std::make_unique<Fiber>([&sums, i] {
        int local = i;
        leave_event_loop();
        sums[static_cast<size_t>(i)] += local + deep(20) - deep(20);
      }));
    for (auto& fiber : fibers) fiber->resume(true);
    for (auto& fiber : fibers) {
      REQUIRE_FALSE(fiber->done());
      fiber->resume(false);
      REQUIRE(fiber->done());
    }
  }
  for (int i = 0; i < 1000; ++i) CHECK(sums[static_cast<size_t>(i)] == 3 * i);
}
