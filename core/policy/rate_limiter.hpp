#pragma once
// Rate limits: requests and tokens per minute per agent or key, over a sliding one-minute window
// (DESIGN.md §4). Checking every limit and counting the request in its windows happen under one
// lock, so concurrent requests cannot race past a limit either.
#include "core/policy/refusal.hpp"
#include "core/policy/rules.hpp"

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <vector>

namespace llmgw::core::policy {

// The window entries an admitted request holds; settle or cancel it exactly once.
struct RateTicket {
  std::vector<int64_t> rules; // rate rule ids with a window entry
  uint64_t sequence = 0;      // window entry id
  bool active = false;        // admitted and not yet settled or cancelled
};

struct RateAdmission {
  std::optional<Refusal> refusal; // set when refused (429 with retry-after); then nothing is counted
  RateTicket ticket;              // set when admitted
};

class RateLimiter {
public:
  // Replace the limits (a settings change). Windows of limits that remain are kept.
  void set_rules(std::vector<RateRule> limits);
  // True when any limit exists.
  bool active() const;
  // True when a limit applies to this subject.
  bool applies(const Subject& subject) const;

  // Admit the request if every limit covering the subject has room for one more request and
  // input_tokens more tokens in the minute before now_ms, and count it; else refuse with the first
  // limit it would pass.
  RateAdmission admit(const Subject& subject, int64_t input_tokens, int64_t now_ms);
  // Take an admitted request back out of its windows: a later check refused it after all.
  void cancel(RateTicket& ticket);
  // Count the request's real tokens where they exceed the estimate it was admitted with.
  void settle(RateTicket& ticket, int64_t tokens);

private:
  struct WindowEntry {
    uint64_t sequence;
    int64_t at_ms;
    int64_t tokens;
  };
  // One rate rule's last minute, oldest first (so also by sequence), with its token sum.
  struct Window {
    std::deque<WindowEntry> entries;
    int64_t tokens = 0;
  };

  std::optional<Refusal> check(const RateRule& rule, Window& window, int64_t input_tokens, int64_t now_ms);
  // The entry of the request with this sequence; end() once it has left the window.
  static std::deque<WindowEntry>::iterator find_entry(Window& window, uint64_t sequence);

  mutable std::mutex m_mutex;
  std::vector<RateRule> m_limits;
  std::map<int64_t, Window> m_windows; // rate rule id -> last minute
  uint64_t m_sequence = 0;
};

} // namespace llmgw::core::policy
