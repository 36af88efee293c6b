#include "core/platform/poller.hpp"

#include "core/platform/fallback.hpp"
#include "core/platform/poller_backends.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace llmgw::core::platform {

const char* poller_name(PollerKind kind) {
  switch (kind) {
  case PollerKind::epoll: return "epoll";
  case PollerKind::kqueue: return "kqueue";
  case PollerKind::poll: return "poll";
  }
  return "poll";
}

std::vector<PollerKind> available_pollers() {
  std::vector<PollerKind> kinds;
#if defined(LLMGW_HAS_EPOLL)
  kinds.push_back(PollerKind::epoll);
#endif
#if defined(LLMGW_HAS_KQUEUE)
  kinds.push_back(PollerKind::kqueue);
#endif
  kinds.push_back(PollerKind::poll);
  return kinds;
}

PollerKind default_poller() { return posix_fallback() ? PollerKind::poll : available_pollers().front(); }

std::unique_ptr<Poller> make_poller() { return make_poller(default_poller()); }

std::unique_ptr<Poller> make_poller(PollerKind kind) {
  switch (kind) {
#if defined(LLMGW_HAS_EPOLL)
  case PollerKind::epoll: return detail::make_epoll_poller();
#endif
#if defined(LLMGW_HAS_KQUEUE)
  case PollerKind::kqueue: return detail::make_kqueue_poller();
#endif
  default: return detail::make_poll_poller();
  }
}

namespace detail {

WakePipe::WakePipe() {
  int ends[2];
  if (::pipe(ends) != 0) return;
  for (int fd : ends) {
    ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  }
  m_read = ends[0];
  m_write = ends[1];
}

WakePipe::~WakePipe() {
  if (m_read >= 0) ::close(m_read);
  if (m_write >= 0) ::close(m_write);
}

void WakePipe::notify() {
  const char byte = 1;
  // A full pipe (EAGAIN) already wakes the reader: nothing is lost.
  while (m_write >= 0 && ::write(m_write, &byte, 1) < 0 && errno == EINTR) {}
}

void WakePipe::drain() {
  char buffer[64];
  while (m_read >= 0) {
    const ssize_t got = ::read(m_read, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got < static_cast<ssize_t>(sizeof buffer)) return;
  }
}

} // namespace detail
} // namespace llmgw::core::platform
