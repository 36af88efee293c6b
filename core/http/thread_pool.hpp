#pragma once
// Threads started on demand and kept between tasks: the server's connection threads (one per
// request being answered) and the readers of upstream streams (one per open stream) both come
// from one. A task never waits behind a busy thread while fewer than max_threads run: the pool
// grows instead, so a long stream never holds up another. A thread idle for
// a minute ends, so an idle gateway holds only the threads it needed recently.
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <limits>
#include <mutex>

namespace llmgw::core::http {

class ThreadPool {
public:
  explicit ThreadPool(int max_threads = std::numeric_limits<int>::max(),
                      std::chrono::milliseconds idle_lifetime = std::chrono::seconds(60));
  // stop()
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Runs task on an idle thread, on a new one when none is idle, or (with max_threads running)
  // when a thread comes free. Throws std::system_error when the task needs a new thread and none
  // can be started (the task is dropped), std::logic_error after stop().
  void run(std::function<void()> task);

  // Runs the tasks still queued, then waits for every thread to end. Idempotent.
  void stop();

  int threads() const;

private:
  void work();

  const int m_max_threads;
  const std::chrono::milliseconds m_idle_lifetime;
  mutable std::mutex m_mutex;
  std::condition_variable m_ready; // a task is queued, or stopping
  std::condition_variable m_ended; // a thread ended
  std::deque<std::function<void()>> m_tasks;
  int m_threads = 0, m_idle = 0;
  bool m_stopping = false;
};

} // namespace llmgw::core::http
