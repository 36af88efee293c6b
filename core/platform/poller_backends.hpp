#pragma once
// The poller implementations and what they share; not public API (see poller.hpp).
#include "core/platform/poller.hpp"

#if defined(__linux__)
#define LLMGW_HAS_EPOLL 1
#endif
#if defined(__APPLE__) || defined(__FreeBSD__) || defined(__OpenBSD__) || defined(__NetBSD__) || defined(__DragonFly__)
#define LLMGW_HAS_KQUEUE 1
#endif

namespace llmgw::core::platform::detail {

// A non-blocking, close-on-exec pipe whose read end becomes readable on notify(): how another
// thread ends a wait where the system has no eventfd.
class WakePipe {
public:
  WakePipe();
  ~WakePipe();
  WakePipe(const WakePipe&) = delete;
  WakePipe& operator=(const WakePipe&) = delete;
  bool ok() const { return m_read >= 0; }
  int read_end() const { return m_read; }
  void notify();
  // Empties the pipe: the next wait blocks again.
  void drain();

private:
  int m_read = -1, m_write = -1;
};

#if defined(LLMGW_HAS_EPOLL)
std::unique_ptr<Poller> make_epoll_poller();
#endif
#if defined(LLMGW_HAS_KQUEUE)
std::unique_ptr<Poller> make_kqueue_poller();
#endif
std::unique_ptr<Poller> make_poll_poller();

} // namespace llmgw::core::platform::detail
