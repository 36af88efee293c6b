#include "core/pipeline/reader_threads.hpp"

#include <thread>

namespace llmgw::core::pipeline {

ReaderThreads::~ReaderThreads() {
  std::unique_lock lock(m_mutex);
  m_stopping = true;
  m_ready.notify_all();
  m_ended.wait(lock, [&] { return m_threads == 0; });
}

void ReaderThreads::run(std::function<void()> task) {
  std::lock_guard lock(m_mutex);
  m_tasks.push_back(std::move(task));
  // Idle threads not yet woken still count in m_idle: start a thread unless enough of them are
  // there for every queued task.
  if (m_tasks.size() <= static_cast<size_t>(m_idle)) {
    m_ready.notify_one();
    return;
  }
  ++m_threads;
  try {
    std::thread([this] { work(); }).detach();
  } catch (...) {
    --m_threads;
    m_tasks.pop_back();
    throw;
  }
}

int ReaderThreads::threads() const {
  std::lock_guard lock(m_mutex);
  return m_threads;
}

void ReaderThreads::work() {
  std::unique_lock lock(m_mutex);
  for (;;) {
    if (m_tasks.empty()) {
      if (m_stopping) break;
      ++m_idle;
      const bool woken = m_ready.wait_for(lock, k_idle_lifetime, [&] { return !m_tasks.empty() || m_stopping; });
      --m_idle;
      if (!woken) break; // idle for long: give the thread back
      continue;
    }
    std::function<void()> task = std::move(m_tasks.front());
    m_tasks.pop_front();
    lock.unlock();
    task();
    task = nullptr; // what it holds is released outside the lock
    lock.lock();
  }
  --m_threads;
  m_ended.notify_all();
}

} // namespace llmgw::core::pipeline
