#pragma once
// The dashboard's live request log: the ledger writer publishes each row it stored; every viewer
// has a bounded queue of its own. publish() never blocks on a viewer: one that falls behind by a
// whole queue is dropped (its page reconnects and reloads the list).
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <set>
#include <string>

namespace llmgw::core::dashboard {

class LiveFeed {
public:
  class Viewer {
  public:
    enum class Wait { events, timeout, ended };
    // Waits up to timeout_ms for events; moves them into out (oldest first). `ended` when the
    // viewer was dropped (too slow) or the feed closed.
    Wait next(std::deque<std::string>& out, int timeout_ms);

  private:
    friend class LiveFeed;
    std::mutex m_mutex;
    std::condition_variable m_ready;
    std::deque<std::string> m_events;
    bool m_ended = false;
  };

  LiveFeed(size_t max_viewers, size_t queue_events) : m_max_viewers(max_viewers), m_queue_events(queue_events) {}

  // A new viewer, or null when max_viewers are watching already or the feed is closed.
  std::shared_ptr<Viewer> join();
  void leave(const std::shared_ptr<Viewer>& viewer);
  // True when someone watches (publishers skip formatting an event for nobody).
  bool watched() const;
  // Queue one event (an SSE frame, already formatted) for every viewer.
  void publish(const std::string& event);
  // End every viewer and refuse new ones (server shutdown).
  void close();
  size_t viewers() const;

private:
  const size_t m_max_viewers;
  const size_t m_queue_events;
  mutable std::mutex m_mutex;
  std::set<std::shared_ptr<Viewer>> m_viewers;
  bool m_closed = false;
};

} // namespace llmgw::core::dashboard
