// The poller every POSIX system has: poll() over the armed descriptors, woken through a pipe.
// Other threads' arm() and forget() are queued and applied by the waiting thread before its next
// poll(), so the pollfd array belongs to that thread alone; an arm() during a poll() wakes it.
// Each wait costs time in proportion to the armed descriptors, which a few thousand idle
// connections can afford.
#include "core/platform/poller_backends.hpp"

#include <poll.h>

#include <cstddef>
#include <mutex>
#include <unordered_map>
#include <utility>

namespace llmgw::core::platform::detail {
namespace {

class PollPoller final : public Poller {
public:
  PollPoller() {
    if (m_wake.ok()) m_fds.push_back(pollfd{m_wake.read_end(), POLLIN, 0});
  }

  PollerKind kind() const override { return PollerKind::poll; }
  bool ok() const override { return m_wake.ok(); }

  bool arm(int fd, bool) override {
    change(fd, true);
    return true; // a descriptor poll() cannot watch fires at once (POLLNVAL) and is read as closed
  }

  void forget(int fd) override { change(fd, false); }

  void wait(std::vector<int>& ready, int timeout_ms) override {
    ready.clear();
    {
      std::lock_guard lock(m_mutex);
      for (const auto& [fd, armed] : m_changes) armed ? add(fd) : remove(fd);
      m_changes.clear();
      m_waiting = true;
    }
    const int count = ::poll(m_fds.data(), static_cast<nfds_t>(m_fds.size()), timeout_ms);
    {
      std::lock_guard lock(m_mutex);
      m_waiting = false;
    }
    if (count <= 0) return;
    if (m_fds[0].revents != 0) m_wake.drain();
    for (size_t i = 1; i < m_fds.size(); ++i)
      if (m_fds[i].revents != 0) ready.push_back(m_fds[i].fd);
    for (int fd : ready) remove(fd); // one report per arming
  }

  void wake() override { m_wake.notify(); }

private:
  void change(int fd, bool armed) {
    std::lock_guard lock(m_mutex);
    m_changes.emplace_back(fd, armed);
    if (m_waiting) m_wake.notify();
  }

  // wait()'s thread only.
  void add(int fd) {
    if (m_index.count(fd) != 0) return;
    m_index.emplace(fd, m_fds.size());
    m_fds.push_back(pollfd{fd, POLLIN, 0});
  }

  void remove(int fd) {
    auto it = m_index.find(fd);
    if (it == m_index.end()) return;
    const size_t at = it->second;
    m_index.erase(it);
    if (at + 1 != m_fds.size()) {
      m_fds[at] = m_fds.back();
      m_index[m_fds[at].fd] = at;
    }
    m_fds.pop_back();
  }

  WakePipe m_wake;
  std::mutex m_mutex;
  std::vector<std::pair<int, bool>> m_changes; // (descriptor, armed), in the order they came
  bool m_waiting = false;                      // a poll() is under way

  // wait()'s thread only
  std::vector<pollfd> m_fds; // [0]: the wake pipe, then the armed descriptors
  std::unordered_map<int, size_t> m_index;
};

} // namespace

std::unique_ptr<Poller> make_poll_poller() { return std::make_unique<PollPoller>(); }

} // namespace llmgw::core::platform::detail
