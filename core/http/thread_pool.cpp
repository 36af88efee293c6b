#include "core/http/thread_pool.hpp"

#include <stdexcept>
#include <thread>

namespace llmgw::core::http {

ThreadPool::ThreadPool(int max_threads, std::chrono::milliseconds idle_lifetime)
    : m_max_threads(max_threads < 1 ? 1 : max_threads), m_idle_lifetime(idle_lifetime) {}

ThreadPool::~ThreadPool() { stop(); }

void ThreadPool::run(std::function<void()> task) {
  std::lock_guard lock(m_mutex);
  if (m_stopping) throw std::logic_error("thread pool: run() after stop()");
  m_tasks.push_back(std::move(task));
  // Idle threads not yet woken still count in m_idle: start a thread unless enough of them are
  // there for every queued task.
  if (m_tasks.size() <= static_cast<size_t>(m_idle)) {
    m_ready.notify_one();
    return;
  }
  if (m_threads >= m_max_threads) return; // taken by the next thread that comes free
  ++m_threads;
  try {
    std::thread([this] { work(); }).detach();
  } catch (...) {
    --m_threads;
    m_tasks.pop_back();
    throw;
  }
}

void ThreadPool::stop() {
  std::unique_lock lock(m_mutex);
  m_stopping = true;
  m_ready.notify_all();
  m_ended.wait(lock, [&] { return m_threads == 0; });
}

int ThreadPool::threads() const {
  std::lock_guard lock(m_mutex);
  return m_threads;
}

void ThreadPool::work() {
  std::unique_lock lock(m_mutex);
  for (;;) {
    if (m_tasks.empty()) {
      if (m_stopping) break;
      ++m_idle;
      const bool woken = m_ready.wait_for(lock, m_idle_lifetime, [&] { return !m_tasks.empty() || m_stopping; });
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

} // namespace llmgw::core::http
