#pragma once
// LISTEN on a PostgreSQL channel, on a connection of its own: how a server hears at once that
// another instance or the CLI changed the settings (pg_migrations.cpp's llmgw_bump_settings sends
// NOTIFY llmgw_settings on every change).
#include <chrono>
#include <memory>
#include <string>

namespace llmgw::store {

// A self-pipe: signal() from any thread makes a PgListener::wait watching it return at once.
class WakePipe {
public:
  WakePipe(); // throws Error when the process is out of file descriptors
  ~WakePipe();
  WakePipe(const WakePipe&) = delete;
  WakePipe& operator=(const WakePipe&) = delete;

  void signal();
  // Empties the pipe (after a wake-up was seen).
  void drain();
  int read_fd() const { return m_fds[0]; }

private:
  int m_fds[2] = {-1, -1};
};

class PgListener {
public:
  enum class Wait { notified, timed_out, woken, lost };

  // Connects to url (application_name "llmgw-listen") and LISTENs on channel; throws Error
  // (BusyError when the server cannot be reached).
  PgListener(const std::string& url, const std::string& channel);
  ~PgListener();
  PgListener(const PgListener&) = delete;
  PgListener& operator=(const PgListener&) = delete;

  // Waits up to timeout for a notification on the channel (every one pending is consumed: one
  // `notified` stands for any number), for `wake` to be signalled (`woken`, the pipe drained) or
  // for the connection to fail (`lost`: LISTEN again on a new PgListener).
  Wait wait(std::chrono::milliseconds timeout, WakePipe& wake);

private:
  bool take_notifications(); // true when one on m_channel was pending
  struct Conn;
  std::unique_ptr<Conn> m_conn;
  std::string m_channel;
};

} // namespace llmgw::store
