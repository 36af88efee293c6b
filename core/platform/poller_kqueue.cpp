// The macOS and BSD poller: kqueue with EV_ONESHOT filters, woken through a pipe. Not built or
// run by CI (which is Linux): written to the kqueue(2) manual pages of macOS and FreeBSD.
#include "core/platform/poller_backends.hpp"

#if defined(LLMGW_HAS_KQUEUE)
#include <fcntl.h>
#include <sys/event.h>
#include <sys/time.h>
#include <sys/types.h>
#include <unistd.h>

#include <cerrno>

namespace llmgw::core::platform::detail {
namespace {

constexpr int k_events_per_wait = 64;

class KqueuePoller final : public Poller {
public:
  KqueuePoller() : m_queue(::kqueue()) {
    if (m_queue < 0 || !m_wake.ok()) return;
    ::fcntl(m_queue, F_SETFD, FD_CLOEXEC);
    struct kevent change;
    EV_SET(&change, m_wake.read_end(), EVFILT_READ, EV_ADD, 0, 0, 0);
    if (::kevent(m_queue, &change, 1, nullptr, 0, nullptr) != 0) {
      ::close(m_queue);
      m_queue = -1;
    }
  }
  ~KqueuePoller() override {
    if (m_queue >= 0) ::close(m_queue);
  }
  KqueuePoller(const KqueuePoller&) = delete;
  KqueuePoller& operator=(const KqueuePoller&) = delete;

  PollerKind kind() const override { return PollerKind::kqueue; }
  bool ok() const override { return m_queue >= 0 && m_wake.ok(); }

  bool arm(int fd, bool) override {
    // EV_ONESHOT deletes the filter once it fired; EV_ADD adds it again (or updates an armed one).
    struct kevent change;
    EV_SET(&change, fd, EVFILT_READ, EV_ADD | EV_ONESHOT, 0, 0, 0);
    return ::kevent(m_queue, &change, 1, nullptr, 0, nullptr) == 0;
  }

  // Closing the descriptor deletes its filters.
  void forget(int) override {}

  void wait(std::vector<int>& ready, int timeout_ms) override {
    ready.clear();
    struct kevent events[k_events_per_wait];
    timespec limit{timeout_ms / 1000, static_cast<long>(timeout_ms % 1000) * 1000000L};
    const int count = ::kevent(m_queue, nullptr, 0, events, k_events_per_wait, timeout_ms < 0 ? nullptr : &limit);
    for (int i = 0; i < count; ++i) {
      const int fd = static_cast<int>(events[i].ident);
      if (fd == m_wake.read_end())
        m_wake.drain();
      else
        ready.push_back(fd);
    }
  }

  void wake() override { m_wake.notify(); }

private:
  int m_queue = -1;
  WakePipe m_wake;
};

} // namespace

std::unique_ptr<Poller> make_kqueue_poller() { return std::make_unique<KqueuePoller>(); }

} // namespace llmgw::core::platform::detail
#endif
