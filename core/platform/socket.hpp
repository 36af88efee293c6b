#pragma once
// Socket calls that differ between systems, each with a POSIX fallback. Linux makes and accepts
// sockets close-on-exec in one call and refuses SIGPIPE per send (MSG_NOSIGNAL); elsewhere the
// flags are set with fcntl right after, and SIGPIPE is refused per socket (SO_NOSIGPIPE). The
// server also ignores SIGPIPE, the last line of defence on a system that has neither.
#include <sys/socket.h>
#include <sys/types.h>

namespace llmgw::core::platform {

// A socket, close-on-exec, non-blocking when asked. -1 with errno when it cannot be made.
int open_socket(int family, int type, int protocol, bool nonblocking);

// Accepts one connection: close-on-exec and blocking whatever the listener's mode (a BSD
// accept() inherits the listener's O_NONBLOCK). -1 with errno as accept() sets it.
int accept_connection(int listener);

// sendmsg() that fails with EPIPE, never raising SIGPIPE, when the peer has gone.
ssize_t send_message(int fd, const msghdr& message, int flags = 0);

// Raises the soft limit on open descriptors as far as the system lets a process.
void raise_descriptor_limit();

} // namespace llmgw::core::platform
