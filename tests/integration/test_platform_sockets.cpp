// The platform layer as the server uses it, run twice by ctest: with the system's own calls and
// with LLMGW_POSIX_FALLBACK=1 (see tests/CMakeLists.txt), so each case checks both paths.
#include "core/platform/fallback.hpp"
#include "core/platform/poller.hpp"
#include "core/platform/socket.hpp"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace platform = llmgw::core::platform;

namespace {

bool forced_by_environment() {
  const char* value = std::getenv("LLMGW_POSIX_FALLBACK");
  return value != nullptr && std::string_view(value) == "1";
}

bool close_on_exec(int fd) { return (::fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0; }
bool non_blocking(int fd) { return (::fcntl(fd, F_GETFL) & O_NONBLOCK) != 0; }

// A non-blocking listener on 127.0.0.1 and an ephemeral port, as HttpServer makes it.
struct Listener {
  Listener() {
    fd = platform::open_socket(AF_INET, SOCK_STREAM, 0, true);
    REQUIRE(fd >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(::listen(fd, 16) == 0);
    socklen_t size = sizeof address;
    REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) == 0);
    port = ntohs(address.sin_port);
  }
  ~Listener() { ::close(fd); }
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;
  int fd = -1;
  uint16_t port = 0;
};

int connect_blocking(uint16_t port) {
  const int fd = platform::open_socket(AF_INET, SOCK_STREAM, 0, false);
  REQUIRE(fd >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  return fd;
}

} // namespace

TEST_CASE("platform: LLMGW_POSIX_FALLBACK=1 selects the poll() poller, otherwise the system's own") {
  CHECK(platform::posix_fallback() == forced_by_environment());
  const auto expected = forced_by_environment() ? platform::PollerKind::poll : platform::available_pollers().front();
  CHECK(platform::default_poller() == expected);
  CHECK(platform::make_poller()->kind() == expected);
#if defined(__linux__)
  CHECK(platform::available_pollers().front() == platform::PollerKind::epoll);
#endif
}

TEST_CASE("platform: sockets are made close-on-exec, non-blocking only when asked") {
  for (bool asked : {true, false}) {
    const int fd = platform::open_socket(AF_INET, SOCK_STREAM, 0, asked);
    REQUIRE(fd >= 0);
    CHECK(close_on_exec(fd));
    CHECK(non_blocking(fd) == asked);
    ::close(fd);
  }
}

TEST_CASE("platform: a connection accepted from a non-blocking listener is blocking and close-on-exec") {
  Listener listener;
  CHECK(platform::accept_connection(listener.fd) == -1); // nobody is connecting: no wait
  CHECK((errno == EAGAIN || errno == EWOULDBLOCK));
  const int client = connect_blocking(listener.port);
  // A loopback connect returns once the connection is queued: accept finds it at once.
  const int accepted = platform::accept_connection(listener.fd);
  REQUIRE(accepted >= 0);
  CHECK(close_on_exec(accepted));
  CHECK_FALSE(non_blocking(accepted));
  ::close(accepted);
  ::close(client);
}

TEST_CASE("platform: a send to a peer that has gone fails with EPIPE instead of raising SIGPIPE") {
  // SIGPIPE's default action would end this process: the test fails by dying if it is raised.
  const auto previous = std::signal(SIGPIPE, SIG_DFL);
  Listener listener;
  const int client = connect_blocking(listener.port);
  const int accepted = platform::accept_connection(listener.fd);
  REQUIRE(accepted >= 0);
  ::close(accepted);
  char text[] = "hello";
  iovec piece{text, sizeof text - 1};
  msghdr message{};
  message.msg_iov = &piece;
  message.msg_iovlen = 1;
  // The first send may still be taken (the peer answers it with a reset); a later one fails.
  ssize_t sent = 0;
  int error = 0;
  for (int i = 0; i < 100 && sent >= 0; ++i) {
    sent = platform::send_message(client, message);
    error = errno;
  }
  CHECK(sent == -1);
  CHECK((error == EPIPE || error == ECONNRESET));
  ::close(client);
  std::signal(SIGPIPE, previous);
}
