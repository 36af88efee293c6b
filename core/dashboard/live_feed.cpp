#include "core/dashboard/live_feed.hpp"

#include <chrono>
#include <vector>

namespace llmgw::core::dashboard {

LiveFeed::Viewer::Wait LiveFeed::Viewer::next(std::deque<std::string>& out, int timeout_ms) {
  std::unique_lock lock(m_mutex);
  m_ready.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] { return m_ended || !m_events.empty(); });
  if (m_ended) return Wait::ended;
  if (m_events.empty()) return Wait::timeout;
  out.swap(m_events);
  m_events.clear();
  return Wait::events;
}

std::shared_ptr<LiveFeed::Viewer> LiveFeed::join() {
  std::lock_guard lock(m_mutex);
  if (m_closed || m_viewers.size() >= m_max_viewers) return nullptr;
  auto viewer = std::make_shared<Viewer>();
  m_viewers.insert(viewer);
  return viewer;
}

void LiveFeed::leave(const std::shared_ptr<Viewer>& viewer) {
  std::lock_guard lock(m_mutex);
  m_viewers.erase(viewer);
}

bool LiveFeed::watched() const {
  std::lock_guard lock(m_mutex);
  return !m_viewers.empty();
}

size_t LiveFeed::viewers() const {
  std::lock_guard lock(m_mutex);
  return m_viewers.size();
}

void LiveFeed::publish(const std::string& event) {
  std::vector<std::shared_ptr<Viewer>> viewers;
  {
    std::lock_guard lock(m_mutex);
    viewers.assign(m_viewers.begin(), m_viewers.end());
  }
  for (const auto& viewer : viewers) {
    std::lock_guard lock(viewer->m_mutex);
    if (viewer->m_ended) continue;
    if (viewer->m_events.size() >= m_queue_events) {
      viewer->m_ended = true; // too slow: dropped rather than waited for
      viewer->m_events.clear();
    } else {
      viewer->m_events.push_back(event);
    }
    viewer->m_ready.notify_one();
  }
}

void LiveFeed::close() {
  std::vector<std::shared_ptr<Viewer>> viewers;
  {
    std::lock_guard lock(m_mutex);
    m_closed = true;
    viewers.assign(m_viewers.begin(), m_viewers.end());
  }
  for (const auto& viewer : viewers) {
    std::lock_guard lock(viewer->m_mutex);
    viewer->m_ended = true;
    viewer->m_ready.notify_one();
  }
}

} // namespace llmgw::core::dashboard
