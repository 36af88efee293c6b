#include "core/http/connection_poller.hpp"

#include "core/platform/socket.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <utility>
#include <vector>

namespace llmgw::core::http {
namespace {

using Clock = std::chrono::steady_clock;

// Connections' deadlines are checked at most this often, so a connection may be closed this much
// late; a thousand connections whose deadlines fall at different times cost a few sweeps, not a
// thousand. A waiting fiber's deadline is kept to the millisecond.
constexpr std::chrono::milliseconds k_sweep_granularity{50};
// Accepted per wake-up before the other sockets get a turn.
constexpr int k_accepts_per_wake = 64;

} // namespace

ConnectionPoller::ConnectionPoller(PollerTimeouts timeouts, Accepted accepted, Ready ready, Leave leave,
                                   bool watch_for_good)
    : m_timeouts(timeouts), m_accepted(std::move(accepted)), m_ready(std::move(ready)), m_leave(std::move(leave)),
      m_poller(platform::make_poller()), m_watch_for_good(watch_for_good) {}

ConnectionPoller::~ConnectionPoller() {
  stop();
  // Watched before run() (which then never ran): nobody else closes them.
  for (const auto& watched : m_watched) ::close(watched.first);
}

void ConnectionPoller::run(int listener) {
  if (!begin(listener)) return;
  std::vector<int> ready;
  // Once stopping, only the fibers still waiting are served, until they end.
  while (!m_stopping || !m_waiting.empty()) {
    on_rescans();
    m_poller->wait(ready, wait_ms(Clock::now()));
    for (const int fd : ready) {
      if (m_waiting.count(fd) != 0)
        wake_fiber(fd, platform::Fiber::Wake::ready);
      else if (m_stopping)
        continue;
      else if (fd == listener)
        accept_all();
      else
        on_readable(fd);
    }
    const auto now = Clock::now();
    if (now >= m_next_sweep) close_expired(now);
  }
  end();
}

bool ConnectionPoller::begin(int listener) {
  {
    std::lock_guard lock(m_mutex);
    if (m_stopping || !ok()) return false;
    m_running = true;
    m_loop_thread = std::this_thread::get_id();
  }
  m_listener = listener;
  ::fcntl(listener, F_SETFL, ::fcntl(listener, F_GETFL) | O_NONBLOCK);
  arm(listener, true);
  m_next_sweep = Clock::now() + std::min(m_timeouts.head, m_timeouts.idle);
  return true;
}

void ConnectionPoller::end() {
  std::vector<int> watched;
  {
    std::lock_guard lock(m_mutex);
    for (const auto& entry : m_watched) {
      watched.push_back(entry.first);
      m_open.erase(entry.first);
    }
    m_watched.clear();
  }
  for (int fd : watched) ::close(fd);
  // Notified under the lock: stop() (and then the destructor) cannot go on before this is done.
  std::lock_guard lock(m_mutex);
  m_running = false;
  m_ended.notify_all();
}

void ConnectionPoller::stop() {
  std::unique_lock lock(m_mutex);
  if (!m_stopping) {
    m_stopping = true;
    // Wakes a thread blocked reading or writing one of them; the watched ones run() closes.
    for (const auto& open : m_open) ::shutdown(open.first, SHUT_RDWR);
    m_poller->wake();
  }
  m_ended.wait(lock, [&] { return !m_running; });
}

void ConnectionPoller::accept_all() {
  for (int i = 0; i < k_accepts_per_wake; ++i) {
    int fd = platform::accept_connection(m_listener);
    if (fd >= 0) {
      watch_new(fd);
      continue;
    }
    // A connection reset before it was accepted is nothing.
    if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) break;
    // Out of descriptors or memory: accept again at the next sweep instead of spinning on it.
    m_listener_paused = true;
    m_next_sweep = std::min(m_next_sweep, Clock::now() + k_sweep_granularity);
    return;
  }
  arm(m_listener, false);
}

void ConnectionPoller::watch_new(int fd) {
  m_accepted(fd);
  auto connection = std::make_unique<Connection>(fd);
  connection->deadline = Clock::now() + m_timeouts.head;
  OpenSocket open;
  open.for_good = open.in_set = m_watch_for_good && m_poller->watch(fd);
  {
    std::lock_guard lock(m_mutex);
    m_open[fd] = open;
  }
  watch(std::move(connection), true);
}

void ConnectionPoller::watch_kept_alive(std::unique_ptr<Connection> connection) {
  // Silent so far: the idle timeout runs until the first byte, then the head deadline does. A
  // head already begun (pipelined, or the first bytes came while the thread still waited) has
  // the head deadline from now.
  connection->awaiting_first_byte = connection->reader.empty();
  connection->deadline = Clock::now() + (connection->awaiting_first_byte ? m_timeouts.idle : m_timeouts.head);
  watch(std::move(connection), false);
}

void ConnectionPoller::watch(std::unique_ptr<Connection> connection, bool added) {
  const int fd = connection->fd;
  {
    std::lock_guard lock(m_mutex);
    if (!m_stopping) {
      // Listed before it is armed, as its first event may come at once; armed under the lock so
      // that the descriptor cannot be closed (and its number reused) in between.
      auto& slot = watched_slot(fd);
      slot = std::move(connection);
      auto open = m_open.find(fd);
      if (open != m_open.end() && open->second.for_good) {
        // Nothing to arm. What came while a request held it was reported then: read it now.
        if (std::exchange(open->second.missed, false)) {
          m_rescans.push_back(fd);
          if (std::this_thread::get_id() != m_loop_thread) m_poller->wake();
        }
        return;
      }
      if (open != m_open.end() && !open->second.in_set) added = true; // taken out by unwatch()
      if (arm(fd, added)) {
        if (open != m_open.end()) open->second.in_set = true;
        return;
      }
      connection = take_watched(fd);
    }
  }
  close(std::move(connection));
}

namespace {

// As many as a loop's turn takes out before it puts them back.
constexpr size_t k_spare_nodes = 256;

template <class Node> void keep_spare(std::vector<Node>& spare, Node node) {
  if (spare.size() >= k_spare_nodes) return;
  if (spare.capacity() == 0) spare.reserve(k_spare_nodes);
  spare.push_back(std::move(node));
}

// Puts value under key in map, in a spare node if there is one (an entry already there for key
// takes the value instead); returns the entry's value.
template <class Map, class Node> typename Map::mapped_type&
insert_in_spare(Map& map, std::vector<Node>& spare, typename Map::key_type key, typename Map::mapped_type value) {
  if (spare.empty()) return map[key] = std::move(value);
  Node node = std::move(spare.back());
  spare.pop_back();
  node.key() = key;
  node.mapped() = std::move(value);
  auto inserted = map.insert(std::move(node));
  if (!inserted.inserted) {
    inserted.position->second = std::move(inserted.node.mapped());
    keep_spare(spare, std::move(inserted.node));
  }
  return inserted.position->second;
}

} // namespace

std::unique_ptr<Connection>& ConnectionPoller::watched_slot(int fd) {
  return insert_in_spare(m_watched, m_spare_watched, fd, nullptr);
}

std::unique_ptr<Connection> ConnectionPoller::take_watched(int fd) {
  auto node = m_watched.extract(fd);
  if (node.empty()) return nullptr;
  auto connection = std::move(node.mapped());
  keep_spare(m_spare_watched, std::move(node));
  return connection;
}

void ConnectionPoller::unwatch(int fd) {
  std::lock_guard lock(m_mutex);
  auto open = m_open.find(fd);
  if (open == m_open.end() || !open->second.for_good) return;
  m_poller->unwatch(fd);
  open->second = OpenSocket{};
}

void ConnectionPoller::listen(int fd, std::function<void()> on_report) {
  std::lock_guard lock(m_mutex);
  m_home_listeners[fd] = std::move(on_report);
}

void ConnectionPoller::stop_listening(int fd) {
  std::lock_guard lock(m_mutex);
  m_home_listeners.erase(fd);
}

void ConnectionPoller::on_rescans() {
  std::vector<int> rescans;
  for (;;) {
    {
      std::lock_guard lock(m_mutex);
      if (m_rescans.empty()) return;
      rescans.swap(m_rescans);
    }
    for (const int fd : rescans) on_readable(fd);
    rescans.clear();
  }
}

bool ConnectionPoller::arm(int fd, bool added) {
  // One-shot: a connection fires once, then stays quiet (and is not ours to read) until it is
  // armed again, so a thread serving it never races the poller.
  return m_poller->arm(fd, added);
}

void ConnectionPoller::on_readable(int fd) {
  Connection* connection = nullptr;
  bool for_good = false;
  {
    std::lock_guard lock(m_mutex);
    auto open = m_open.find(fd);
    for_good = open != m_open.end() && open->second.for_good;
    if (auto it = m_watched.find(fd); it != m_watched.end()) {
      connection = it->second.get(); // only this thread touches a watched connection
    } else {
      if (for_good) open->second.missed = true; // a request holds it: kept for when it is watched again
      // Its stream, relayed on a thread, looks at its client now (called under the lock, so never
      // after stop_listening()).
      if (auto listener = m_home_listeners.find(fd); listener != m_home_listeners.end()) listener->second();
    }
  }
  if (connection == nullptr) {
    // A request holds it. Its fiber, when it waits for a stream's next event, looks at its client now.
    if (auto home = m_home_waiters.find(fd); home != m_home_waiters.end()) {
      const int waiting = home->second;
      m_poller->forget(waiting); // as at a deadline: a poll() set would go on watching it
      wake_fiber(waiting, platform::Fiber::Wake::home);
    }
    return;
  }
  bool whole = false;
  for (bool more = true; more;) {
    const size_t before = connection->reader.buffered();
    const wire::Fill got = connection->reader.receive(MSG_DONTWAIT);
    if (got == wire::Fill::closed) return close_watched(fd);
    if (got == wire::Fill::data && connection->awaiting_first_byte) {
      connection->awaiting_first_byte = false;
      connection->deadline = Clock::now() + m_timeouts.head;
    }
    whole = got == wire::Fill::data && connection->reader.head_state() != wire::ReadResult::incomplete;
    // Watched edge-triggered, a read that filled its chunk may have left bytes no report will announce.
    more = for_good && !whole && connection->reader.buffered() - before == wire::k_read_chunk;
  }
  std::unique_ptr<Connection> ready;
  {
    std::lock_guard lock(m_mutex);
    if (!whole && (for_good || arm(fd, false))) return;
    if (whole) ready = take_watched(fd);
  }
  if (ready)
    m_ready(std::move(ready)); // a whole head, or too large a one for a thread to refuse
  else
    close_watched(fd);
}

void ConnectionPoller::start(std::unique_ptr<platform::Fiber> fiber) {
  for (;;) {
    fiber->resume(true);
    if (fiber->done()) return;
    if (fiber->ask() == platform::Fiber::Ask::leave) {
      if (m_leave) return m_leave(std::move(fiber));
      fiber->resume(false); // no thread to go to: it ends here, blocking the loop meanwhile
      return;
    }
    // A socket it waits for: the poller resumes it when the socket is readable or at the deadline.
    // A watched socket is in the set already; one with a watch joins it for good when it can.
    const int fd = fiber->fd();
    platform::SocketWatch* watch = fiber->watch();
    if (watch != nullptr && watch->poller != m_poller.get() && m_poller->watch(fd)) watch->poller = m_poller.get();
    bool watched = watch != nullptr && watch->poller == m_poller.get();
    if (!watched && m_watch_for_good) {
      // A connection's own socket (a body still arriving, a stream's client) is watched for good:
      // a report that came while its fiber waited for something else is acted on now.
      std::lock_guard lock(m_mutex);
      auto open = m_open.find(fd);
      watched = open != m_open.end() && open->second.for_good;
      if (watched && std::exchange(open->second.missed, false)) {
        fiber->set_wake(platform::Fiber::Wake::ready);
        continue;
      }
    }
    if (watched || m_poller->arm(fd, false) || m_poller->arm(fd, true)) {
      // A fiber's deadline is kept to the millisecond: a stream's head waits 3 ms for its first
      // event, and its relay looks at its client every 250 ms.
      m_next_sweep = std::min(m_next_sweep, fiber->deadline());
      // A stream's relay hears of its client at once: a hang-up is a report on the client's
      // socket, which is watched for good while the request holds it (on_readable()).
      if (fiber->waits_on_home() && m_watch_for_good)
        insert_in_spare(m_home_waiters, m_spare_home_waiters, fiber->home_fd(), fd);
      insert_in_spare(m_waiting, m_spare_waiting, fd, std::move(fiber));
      return;
    }
    fiber->set_wake(platform::Fiber::Wake::ready); // cannot be watched: its read finds out why
  }
}

void ConnectionPoller::wake_fiber(int fd, platform::Fiber::Wake wake) {
  auto node = m_waiting.extract(fd);
  auto fiber = std::move(node.mapped());
  keep_spare(m_spare_waiting, std::move(node));
  if (fiber->waits_on_home())
    if (auto home = m_home_waiters.extract(fiber->home_fd()); !home.empty())
      keep_spare(m_spare_home_waiters, std::move(home));
  fiber->set_wake(wake);
  start(std::move(fiber));
}

void ConnectionPoller::wake_expired_fibers(Clock::time_point now, Clock::time_point& next) {
  std::vector<int> expired;
  for (const auto& [fd, fiber] : m_waiting) {
    if (fiber->deadline() <= now)
      expired.push_back(fd);
    else
      next = std::min(next, fiber->deadline());
  }
  for (const int fd : expired) {
    m_poller->forget(fd); // still armed: a poll() set would go on watching it
    wake_fiber(fd, platform::Fiber::Wake::timeout);
  }
}

void ConnectionPoller::close_expired(Clock::time_point now) {
  std::vector<int> expired;
  auto next = now + std::min(m_timeouts.head, m_timeouts.idle);
  // Fibers woken here that wait again lower m_next_sweep themselves (start()).
  m_next_sweep = Clock::time_point::max();
  auto next_fiber = Clock::time_point::max();
  wake_expired_fibers(now, next_fiber);
  {
    std::lock_guard lock(m_mutex);
    for (auto it = m_watched.begin(); it != m_watched.end();) {
      if (it->second->deadline <= now) {
        expired.push_back(it->first);
        m_open.erase(it->first);
        m_poller->forget(it->first); // armed: poll() would go on watching the number
        it = m_watched.erase(it);
      } else {
        next = std::min(next, it->second->deadline);
        ++it;
      }
    }
  }
  // A connection watched later gets a deadline after `next`: waiting until then misses none. A
  // fiber's deadline is kept exactly.
  m_next_sweep = std::min({m_next_sweep, std::max(next, now + k_sweep_granularity), next_fiber});
  for (int fd : expired) ::close(fd);
  if (m_listener_paused) {
    m_listener_paused = false;
    arm(m_listener, false);
  }
}

void ConnectionPoller::close_watched(int fd) {
  {
    std::lock_guard lock(m_mutex);
    if (m_watched.erase(fd) == 0) return;
    m_open.erase(fd);
  }
  ::close(fd);
}

void ConnectionPoller::close(std::unique_ptr<Connection> connection) {
  const int fd = connection->fd;
  {
    std::lock_guard lock(m_mutex);
    m_open.erase(fd);
  }
  // Closed after it left m_open, so stop() never shuts down a reused descriptor number.
  ::close(fd);
}

int ConnectionPoller::wait_ms(Clock::time_point now) const {
  if (now >= m_next_sweep) return 0;
  return static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(m_next_sweep - now).count());
}

} // namespace llmgw::core::http
