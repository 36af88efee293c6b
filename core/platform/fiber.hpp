#pragma once
// Fibers: a request's synchronous code run on a stack of its own, so one event-loop thread can
// serve many requests the way nginx does (no thread sleeping per request, no context switch per
// hop) while the pipeline keeps reading like straight-line code.
//
// The model: the loop thread resumes a fiber; the fiber runs until it would wait for a socket to
// become readable (wait_readable), asks to go on on a thread (leave_event_loop) or ends. A fiber
// that left the loop runs to its end on the thread it was handed to, where every wait blocks as
// on any thread. Code that may block in any other way (a lock held for long, a sleep, a database,
// TLS, DNS) calls leave_event_loop() first; on a thread it costs nothing.
//
// The switch is a few instructions on x86-64 (callee-saved registers and the stack pointer) and
// ucontext elsewhere; AddressSanitizer is told of every switch.
#include <chrono>
#include <cstddef>
#include <functional>

namespace llmgw::core::platform {

class Poller;

// Which event loop's poller watches a socket that is waited for again and again (an upstream
// connection), so that a wait there costs no system call (Poller::watch). Kept beside the socket;
// cleared when the socket is closed, before its number can be reused, and stopped (stop_watching)
// before a thread reads the socket, or the loop would wake for every arrival.
struct SocketWatch {
  Poller* poller = nullptr;
};

// Who tells a fiber that went on on a thread of reports (data, a hang-up) on the client
// connection it serves: the event loop that watches that connection. A listener's callback runs
// on the loop's thread, and never after stop_listening() returned.
class HomeReports {
public:
  virtual ~HomeReports() = default;
  virtual void listen(int fd, std::function<void()> on_report) = 0;
  virtual void stop_listening(int fd) = 0;
};

class Fiber {
public:
  // What a fiber asked for when it last suspended.
  enum class Ask { nothing, readable, leave };
  // home: the client connection the fiber serves reported (data or a hang-up) while the fiber
  // waited for another socket with or_home (see wait_readable).
  enum class Wake { ready, timeout, home };

  explicit Fiber(std::function<void()> body);
  ~Fiber(); // only once done(), or never resumed
  Fiber(const Fiber&) = delete;
  Fiber& operator=(const Fiber&) = delete;

  // From a thread's own stack: runs the fiber until it suspends or ends. on_loop: the caller is
  // an event loop that honours wait_readable (false: a thread the fiber was handed to).
  void resume(bool on_loop);
  bool done() const { return m_done; }

  // What the fiber asked for (valid after resume() returned and !done()).
  Ask ask() const { return m_ask; }
  int fd() const { return m_fd; }
  // The socket's watch when the wait came with one (null: arm the socket for one report).
  SocketWatch* watch() const { return m_watch; }
  std::chrono::steady_clock::time_point deadline() const { return m_deadline; }
  // The client connection this fiber serves (-1: none), and whether its wait also ends on a report
  // from it.
  void set_home(int fd, HomeReports* reports) {
    m_home_fd = fd;
    m_home_reports = reports;
  }
  int home_fd() const { return m_home_fd; }
  HomeReports* home_reports() const { return m_home_reports; }
  bool waits_on_home() const { return m_or_home && m_home_fd >= 0; }
  // The loop says why it resumes a fiber that waited.
  void set_wake(Wake wake) { m_wake = wake; }

  // The fiber running on this thread, or null.
  static Fiber* current();
  // The first frame on a fiber's stack (the switch code calls it).
  static void enter(Fiber* self);

private:
  friend bool on_event_loop();
  friend Wake wait_readable(int fd, std::chrono::milliseconds timeout, SocketWatch* watch, bool or_home);
  friend void leave_event_loop();
  void suspend();

  std::function<void()> m_body;
  void* m_stack = nullptr; // the mapping, guard page first
  size_t m_stack_size = 0;
  void* m_sp = nullptr;        // the fiber's saved stack pointer (or context)
  void* m_caller_sp = nullptr; // the resumer's
  void* m_context = nullptr;   // ucontext build: the fiber's and the caller's contexts
  bool m_done = false;
  bool m_on_loop = false;
  Ask m_ask = Ask::nothing;
  int m_fd = -1;
  SocketWatch* m_watch = nullptr;
  int m_home_fd = -1;
  HomeReports* m_home_reports = nullptr;
  bool m_or_home = false;
  std::chrono::steady_clock::time_point m_deadline;
  Wake m_wake = Wake::ready;
  // AddressSanitizer's view of the stacks (unused without it).
  void* m_fake_stack = nullptr;
  const void* m_caller_bottom = nullptr;
  size_t m_caller_size = 0;
};

// Whether this code runs on a fiber of an event loop (where blocking stalls every request on it).
bool on_event_loop();
// On an event loop: suspends the fiber until fd is readable or timeout has passed. Elsewhere:
// poll(). ready does not promise data: the read that follows may still find none. watch: the
// socket's, when it has one (see SocketWatch).
// or_home: a report from the fiber's own client connection (home_fd) ends the wait as well, with
// Wake::home (a relay then looks at its client at once instead of at its next liveness check).
Fiber::Wake wait_readable(int fd, std::chrono::milliseconds timeout, SocketWatch* watch = nullptr,
                          bool or_home = false);
// Off the event loop, before a thread reads a socket a loop may watch: the loop is no longer told
// of its arrivals (a system call when it was watched, nothing otherwise).
void stop_watching(SocketWatch& watch, int fd);
// While it lives, on_report runs (on the loop's thread) at every report on the client connection
// of the fiber that made it, wherever that fiber runs; outside a fiber, or where the loop cannot
// tell (no epoll), never. The callback must not wait for the thread that destroys this.
class HomeListener {
public:
  explicit HomeListener(std::function<void()> on_report);
  ~HomeListener();
  HomeListener(const HomeListener&) = delete;
  HomeListener& operator=(const HomeListener&) = delete;

private:
  HomeReports* m_reports = nullptr;
  int m_fd = -1;
};

// On an event loop: the fiber goes on on a thread (the loop's pool) and this returns there.
// Elsewhere: nothing.
void leave_event_loop();

} // namespace llmgw::core::platform
