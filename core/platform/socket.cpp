#include "core/platform/socket.hpp"

#include "core/platform/fallback.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <climits>

namespace llmgw::core::platform {
namespace {

void set_flag(int fd, int get, int set, int flag, bool on) {
  const int flags = ::fcntl(fd, get);
  if (flags >= 0 && ((flags & flag) != 0) != on) ::fcntl(fd, set, on ? flags | flag : flags & ~flag);
}

// Where SIGPIPE cannot be refused per send, it is refused for the whole socket.
void refuse_sigpipe(int fd) {
#if defined(SO_NOSIGPIPE)
  int yes = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &yes, sizeof yes);
#else
  (void)fd;
#endif
}

// The flags accept4/SOCK_CLOEXEC set at once, set after the fact: a process forked by another
// thread in between inherits the descriptor, which llmgw (which execs nothing while serving a
// request) can live with.
int finish(int fd, bool nonblocking) {
  if (fd < 0) return fd;
  set_flag(fd, F_GETFD, F_SETFD, FD_CLOEXEC, true);
  set_flag(fd, F_GETFL, F_SETFL, O_NONBLOCK, nonblocking);
  refuse_sigpipe(fd);
  return fd;
}

} // namespace

int open_socket(int family, int type, int protocol, bool nonblocking) {
#if defined(SOCK_CLOEXEC) && defined(SOCK_NONBLOCK)
  if (!posix_fallback()) return ::socket(family, type | SOCK_CLOEXEC | (nonblocking ? SOCK_NONBLOCK : 0), protocol);
#endif
  return finish(::socket(family, type, protocol), nonblocking);
}

int accept_connection(int listener) {
#if defined(__linux__)
  if (!posix_fallback()) return ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
#endif
  return finish(::accept(listener, nullptr, nullptr), false);
}

ssize_t send_message(int fd, const msghdr& message, int flags) {
#if defined(MSG_NOSIGNAL)
  return ::sendmsg(fd, &message, flags | MSG_NOSIGNAL);
#else
  return ::sendmsg(fd, &message, flags); // SO_NOSIGPIPE is set on every socket llmgw makes or accepts
#endif
}

void raise_descriptor_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
  const rlim_t wanted = limit.rlim_max;
  limit.rlim_cur = wanted;
  if (::setrlimit(RLIMIT_NOFILE, &limit) == 0) return;
#if defined(OPEN_MAX)
  // macOS reports an unlimited hard limit but refuses a soft one above OPEN_MAX.
  if (wanted > OPEN_MAX) {
    limit.rlim_cur = OPEN_MAX;
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
#endif
}

} // namespace llmgw::core::platform
