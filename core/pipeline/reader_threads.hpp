#pragma once
// The threads that read upstream streams, one per open stream, kept between streams: an agent
// streams nearly every request, and creating a thread (and mapping and unmapping its stack) per
// stream is work the request path can skip. The pool grows while every thread is busy, so a long
// stream never holds up another; a thread idle for a minute ends.
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>

namespace llmgw::core::pipeline {

class ReaderThreads {
public:
  ReaderThreads() = default;
  // Waits for the tasks that were started to end.
  ~ReaderThreads();
  ReaderThreads(const ReaderThreads&) = delete;
  ReaderThreads& operator=(const ReaderThreads&) = delete;

  // Runs task on an idle thread, or on a new one when none is idle. Throws std::system_error
  // when no thread can be started.
  void run(std::function<void()> task);

  int threads() const;

private:
  void work();

  static constexpr std::chrono::seconds k_idle_lifetime{60};

  mutable std::mutex m_mutex;
  std::condition_variable m_ready; // a task is queued, or stopping
  std::condition_variable m_ended; // a thread ended
  std::deque<std::function<void()>> m_tasks;
  int m_threads = 0, m_idle = 0;
  bool m_stopping = false;
};

} // namespace llmgw::core::pipeline
