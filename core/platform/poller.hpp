#pragma once
// Readiness of sockets for reading, one report per arming: a descriptor fires once (readable,
// hung up or in error), then stays quiet until it is armed again, so a thread that took it over
// never races the poller. epoll on Linux, kqueue on macOS and the BSDs, and poll() everywhere
// (on Linux too when LLMGW_POSIX_FALLBACK=1, see fallback.hpp).
#include <memory>
#include <vector>

namespace llmgw::core::platform {

enum class PollerKind { epoll, kqueue, poll };

// "epoll", "kqueue" or "poll".
const char* poller_name(PollerKind kind);

class Poller {
public:
  virtual ~Poller() = default;
  virtual PollerKind kind() const = 0;
  // Whether its descriptors could be made (false: out of descriptors; nothing else works).
  virtual bool ok() const = 0;
  // Arms fd for one report. first: fd is new to this poller (never armed, or forgotten since).
  // Any thread. false when the system refuses it.
  virtual bool arm(int fd, bool first) = 0;
  // Watches fd for as long as it is open, with no call per wait: every arrival of data (or the
  // peer's hang-up) is reported, whoever waits for it, so a report may find nothing to read. For
  // a socket read again and again (an upstream connection). false: this poller cannot (use arm).
  // The poller's thread only.
  virtual bool watch(int) { return false; }
  // Ends watch(fd) while fd stays open (a thread reads it now). Any thread.
  virtual void unwatch(int) {}
  // Drops fd, armed or not; call before closing a descriptor that may be armed. Any thread.
  virtual void forget(int fd) = 0;
  // Waits up to timeout_ms (0: not at all, negative: no limit) and replaces ready with the
  // descriptors that fired, each disarmed now. Empty after a timeout, an EINTR or a wake().
  // Call from one thread at a time.
  virtual void wait(std::vector<int>& ready, int timeout_ms) = 0;
  // Ends the wait() in progress, or else the next one, at once. Any thread.
  virtual void wake() = 0;
};

// The kinds this build can make on this system, the best first.
std::vector<PollerKind> available_pollers();
// The kind make_poller() makes: the best available, or poll when posix_fallback().
PollerKind default_poller();
std::unique_ptr<Poller> make_poller();
// A poller of the given kind, which must be one of available_pollers().
std::unique_ptr<Poller> make_poller(PollerKind kind);

} // namespace llmgw::core::platform
