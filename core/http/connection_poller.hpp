#pragma once
// The server's connections between requests. One thread (the one that calls run()) accepts
// connections and watches, with a platform::Poller, every connection that has no thread: a new one, one whose
// request head is still arriving and a kept-alive one waiting for its next request. It reads what
// arrives without blocking into the connection's buffer and hands the connection over (ready)
// once a whole request head is there, so neither idle nor slowly-sending clients hold a thread.
// It also enforces the deadlines: a head must arrive whole within head_timeout of the accept (or
// of its first byte on a kept-alive connection), and a kept-alive connection that stays silent
// for idle_timeout is closed.
//
// The same thread is the event loop that runs requests as fibers (platform/fiber.hpp): start()
// runs one until it waits for a socket, which the poller then watches (and resumes it when the
// socket is readable or its deadline passed), or until it asks for a thread (given to leave).
//
// With watch_for_good (an event loop on epoll), a connection is watched edge-triggered from its
// accept to its close (Poller::watch): a request costs no system call to watch it again. A report
// that comes while a request holds the connection (a fiber waiting for its provider, or a thread)
// is kept and acted on when the connection is watched again or waited for, so nothing that
// arrived meanwhile is left unread. A connection that goes to a thread to be read there is taken
// out of the set first (unwatch) and armed one report at a time from then on.
#include "core/http/wire.hpp"
#include "core/platform/fiber.hpp"
#include "core/platform/poller.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <thread>
#include <vector>

namespace llmgw::core::http {

// An accepted connection: its socket and the bytes read from it and not yet consumed.
struct Connection {
  explicit Connection(int socket) : fd(socket), reader(socket) {}
  int fd;
  wire::SocketReader reader;
  std::chrono::steady_clock::time_point deadline; // while watched: closed at this time
  bool awaiting_first_byte = false;               // kept alive and silent: deadline is the idle one
  std::string peer;                               // peer address, looked up at the first request
};

struct PollerTimeouts {
  std::chrono::milliseconds head{10000}; // a whole head, from the accept or the first byte
  std::chrono::milliseconds idle{10000}; // a kept-alive connection's wait for its next request
};

class ConnectionPoller : public platform::HomeReports {
public:
  using Accepted = std::function<void(int fd)>;                        // set the socket's options
  using Ready = std::function<void(std::unique_ptr<Connection>)>;      // a whole head is buffered
  using Leave = std::function<void(std::unique_ptr<platform::Fiber>)>; // go on on a thread
  ConnectionPoller(PollerTimeouts timeouts, Accepted accepted, Ready ready, Leave leave = nullptr,
                   bool watch_for_good = false);
  ~ConnectionPoller() override;
  ConnectionPoller(const ConnectionPoller&) = delete;
  ConnectionPoller& operator=(const ConnectionPoller&) = delete;

  // Whether the poller could be made (false: out of descriptors; run() then returns at once).
  bool ok() const { return m_poller->ok(); }
  // Accepts on listener (non-blocking) and watches connections until stop(). Call once.
  void run(int listener);
  // Watches a kept-alive connection after its response was written: its next head (or the rest
  // of one already begun in its buffer) comes through ready. Closes it when stopping.
  void watch_kept_alive(std::unique_ptr<Connection> connection);
  // Closes a connection a thread is done with.
  void close(std::unique_ptr<Connection> connection);
  // Before a thread reads the connection on fd (a large body): the loop stops watching it for good,
  // or it would wake for every piece that arrives. Any thread.
  void unwatch(int fd);
  // On run()'s thread (from ready): runs fiber until it waits, leaves or ends. run() goes on
  // after stop() until every fiber waiting on it has ended.
  void start(std::unique_ptr<platform::Fiber> fiber);
  // Ends run(), closes the watched connections and shuts down the others (a thread's read or
  // write on one fails at once); a connection handed over later is closed. Idempotent.
  void stop();
  // A stream relayed on a thread hears of its client's hang-up at once: while a request holds its
  // connection, a report on it (watched for good) runs on_report. Any thread.
  void listen(int fd, std::function<void()> on_report) override;
  void stop_listening(int fd) override;

private:
  bool begin(int listener);
  void end();
  void accept_all();
  void watch_new(int fd);
  void watch(std::unique_ptr<Connection> connection, bool added);
  bool arm(int fd, bool added);
  void on_readable(int fd);
  void on_rescans();
  void close_expired(std::chrono::steady_clock::time_point now);
  void close_watched(int fd);
  // m_watched's entry for fd, made from a node a connection taken out left (no allocation a
  // request); taking one out keeps its node. Under m_mutex.
  std::unique_ptr<Connection>& watched_slot(int fd);
  std::unique_ptr<Connection> take_watched(int fd);
  int wait_ms(std::chrono::steady_clock::time_point now) const;
  void wake_fiber(int fd, platform::Fiber::Wake wake);
  void wake_expired_fibers(std::chrono::steady_clock::time_point now, std::chrono::steady_clock::time_point& next);

  const PollerTimeouts m_timeouts;
  const Accepted m_accepted;
  const Ready m_ready;
  const Leave m_leave;
  const std::unique_ptr<platform::Poller> m_poller; // epoll, kqueue or poll(): see platform/poller.hpp

  // How the poller holds an open connection's socket.
  struct OpenSocket {
    bool in_set = false;   // in the poller's set (armed once or watched for good); else added at its next arming
    bool for_good = false; // watched edge-triggered until closed: never armed
    bool missed = false;   // for_good: a report came while a request held it
  };

  const bool m_watch_for_good;

  mutable std::mutex m_mutex;
  std::condition_variable m_ended;
  std::unordered_map<int, std::unique_ptr<Connection>> m_watched;
  std::vector<decltype(m_watched)::node_type> m_spare_watched;     // see watched_slot()
  std::unordered_map<int, OpenSocket> m_open;                      // every accepted connection not yet closed
  std::unordered_map<int, std::function<void()>> m_home_listeners; // see listen()
  std::vector<int> m_rescans;                                      // watched again after a missed report: read them now
  std::thread::id m_loop_thread;                                   // run()'s
  std::atomic<bool> m_stopping{false};                             // set under m_mutex
  bool m_running = false;

  // run()'s thread only
  int m_listener = -1;
  bool m_listener_paused = false; // out of descriptors: accepting again at the next sweep
  std::chrono::steady_clock::time_point m_next_sweep;
  std::unordered_map<int, std::unique_ptr<platform::Fiber>> m_waiting; // fibers, by the socket they wait for
  std::vector<decltype(m_waiting)::node_type> m_spare_waiting;         // woken fibers' nodes, for the next waits
  // Client connections whose waiting fiber (a stream's relay) is woken by their reports: the
  // socket that fiber waits for, by the client's. A fiber's entry goes when it is woken.
  std::unordered_map<int, int> m_home_waiters;
  std::vector<decltype(m_home_waiters)::node_type> m_spare_home_waiters;
};

} // namespace llmgw::core::http
