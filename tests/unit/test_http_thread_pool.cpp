#include "core/http/thread_pool.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

using llmgw::core::http::ThreadPool;

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

TEST_SUITE("http thread pool") {
  TEST_CASE("tasks one after another reuse one thread") {
    std::mutex mutex;
    std::set<std::thread::id> seen;
    ThreadPool readers;
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

  TEST_CASE("a task that blocks does not hold up the others") {
    Gate release, second_ran; // declared first: the pool's end waits for the tasks that use them
    std::atomic<bool> first_done{false};
    ThreadPool readers;
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
      ThreadPool readers;
      readers.run([&] {
        started.open();
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        finished = true;
      });
      REQUIRE(started.wait());
    }
    CHECK(finished.load());
  }

  TEST_CASE("at max_threads a task waits for a thread to come free") {
    Gate release, third_ran;
    std::atomic<int> ran{0};
    ThreadPool pool(2);
    for (int i = 0; i < 2; ++i)
      pool.run([&] {
        ++ran;
        release.wait();
      });
    pool.run([&] {
      ++ran;
      third_ran.open();
    });
    for (int spin = 0; spin < 500 && ran.load() < 2; ++spin) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    CHECK(ran.load() == 2); // the third is queued, not on a third thread
    CHECK(pool.threads() == 2);
    release.open();
    CHECK(third_ran.wait());
    CHECK(pool.threads() == 2);
  }

  TEST_CASE("stop runs what is queued, then refuses new tasks") {
    Gate release;
    std::atomic<int> ran{0};
    ThreadPool pool(1);
    pool.run([&] { release.wait(); });
    pool.run([&] { ++ran; });
    pool.run([&] { ++ran; });
    std::thread stopper([&] { pool.stop(); });
    release.open();
    stopper.join();
    CHECK(ran.load() == 2);
    CHECK(pool.threads() == 0);
    CHECK_THROWS_AS(pool.run([] {}), std::logic_error);
  }

  TEST_CASE("an idle thread ends after its lifetime") {
    ThreadPool pool(4, std::chrono::milliseconds(30));
    Gate done;
    pool.run([&] { done.open(); });
    REQUIRE(done.wait());
    for (int spin = 0; spin < 500 && pool.threads() > 0; ++spin)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    CHECK(pool.threads() == 0);
    Gate again;
    pool.run([&] { again.open(); }); // a new thread starts for the next task
    CHECK(again.wait());
  }
}
