// The Linux poller: one-shot epoll (edge-triggered for watched sockets), woken through an eventfd.
#include "core/platform/poller_backends.hpp"

#if defined(LLMGW_HAS_EPOLL)
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>

namespace llmgw::core::platform::detail {
namespace {

constexpr int k_events_per_wait = 64;

class EpollPoller final : public Poller {
public:
  EpollPoller() : m_epoll(::epoll_create1(EPOLL_CLOEXEC)), m_wake(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
    if (!ok()) return;
    epoll_event wake{};
    wake.events = EPOLLIN;
    wake.data.fd = m_wake;
    ::epoll_ctl(m_epoll, EPOLL_CTL_ADD, m_wake, &wake);
  }
  ~EpollPoller() override {
    if (m_epoll >= 0) ::close(m_epoll);
    if (m_wake >= 0) ::close(m_wake);
  }
  EpollPoller(const EpollPoller&) = delete;
  EpollPoller& operator=(const EpollPoller&) = delete;

  PollerKind kind() const override { return PollerKind::epoll; }
  bool ok() const override { return m_epoll >= 0 && m_wake >= 0; }

  bool arm(int fd, bool first) override {
    // EPOLLONESHOT keeps the descriptor in the set, disabled once it fired: re-arming is a MOD.
    epoll_event event{};
    event.events = EPOLLIN | EPOLLONESHOT;
    event.data.fd = fd;
    return ::epoll_ctl(m_epoll, first ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, &event) == 0;
  }

  bool watch(int fd) override {
    // Edge-triggered: a report per arrival, and the descriptor stays in the set until closed.
    epoll_event event{};
    event.events = EPOLLIN | EPOLLRDHUP | EPOLLET;
    event.data.fd = fd;
    return ::epoll_ctl(m_epoll, EPOLL_CTL_ADD, fd, &event) == 0;
  }

  void unwatch(int fd) override { ::epoll_ctl(m_epoll, EPOLL_CTL_DEL, fd, nullptr); }

  // Closing the descriptor takes it out of the set.
  void forget(int) override {}

  void wait(std::vector<int>& ready, int timeout_ms) override {
    ready.clear();
    epoll_event events[k_events_per_wait];
    const int count = ::epoll_wait(m_epoll, events, k_events_per_wait, timeout_ms);
    for (int i = 0; i < count; ++i) {
      const int fd = events[i].data.fd;
      if (fd != m_wake)
        ready.push_back(fd);
      else
        drain_wake();
    }
  }

  void wake() override {
    const uint64_t one = 1;
    if (m_wake >= 0 && ::write(m_wake, &one, sizeof one) < 0) {
      // Only an eventfd at its maximum count refuses, and that one is readable already.
    }
  }

private:
  void drain_wake() {
    uint64_t count = 0;
    if (::read(m_wake, &count, sizeof count) < 0) {
      // Another wait drained it first: nothing to do.
    }
  }

  int m_epoll = -1, m_wake = -1;
};

} // namespace

std::unique_ptr<Poller> make_epoll_poller() { return std::make_unique<EpollPoller>(); }

} // namespace llmgw::core::platform::detail
#endif
