#include "core/pipeline/reader_threads.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

using llmgw::core::pipeline::ReaderThreads;

namespace {

// A latch the test opens by hand, bounded so a broken pool fails instead of hanging.
class Gate {
public:
  void open() {
    std::lock_guard lock(m_mutex);
    m_open = true;
    m_cv.notify_all();
  }
  bool wait() {
    std::unique_lock lock(m_mutex);
    return m_cv.wait_for(lock, std::chrono::seconds(5), [&] { return m_open; });
  }

private:
  std::mutex m_mutex;
  std::condition_variable m_cv;
  bool m_open = false;
};

} // namespace

TEST_SUITE("pipeline reader threads") {
  TEST_CASE("streams one after another reuse one thread") {
    std::mutex mutex;
    std::set<std::thread::id> seen;
    ReaderThreads readers;
    for (int i = 0; i < 20; ++i) {
      Gate done;
      readers.run([&] {
        {
          std::lock_guard lock(mutex);
          seen.insert(std::this_thread::get_id());
        }
        done.open();
      });
      REQUIRE(done.wait());
      // The thread goes back to idle right after the task; give it that moment.
      for (int spin = 0; spin < 100 && readers.threads() > 1; ++spin)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    CHECK(seen.size() <= 2); // one thread, or two if a task was queued before the first went idle
    CHECK(readers.threads() <= 2);
  }

  TEST_CASE("a stream that blocks does not hold up the others") {
    Gate release, second_ran; // declared first: the pool's end waits for the tasks that use them
    std::atomic<bool> first_done{false};
    ReaderThreads readers;
    readers.run([&] {
      release.wait();
      first_done = true;
    });
    readers.run([&] { second_ran.open(); });
    CHECK(second_ran.wait());
    CHECK_FALSE(first_done.load());
    CHECK(readers.threads() == 2);
    release.open();
  }

  TEST_CASE("the pool's end waits for a running task") {
    std::atomic<bool> finished{false};
    Gate started;
    {
      ReaderThreads readers;
      readers.run([&] {
        started.open();
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        finished = true;
      });
      REQUIRE(started.wait());
    }
    CHECK(finished.load());
  }
}
