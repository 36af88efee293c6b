#pragma once
// Rate limits: requests and tokens per minute per agent or key, over a sliding one-minute window
// (DESIGN.md §4). Checking every limit and counting the request in its windows happen under one
// lock, so concurrent requests cannot race past a limit either.
//
// Team mode (share()): several instances share one store. Each rule is then counted for the whole team
// in 10-second sub-windows, and this instance admits from the share it leased (rate_ledger.hpp): in
// memory while the share pays, asking the store for more (synchronously, outside the lock) only when
// it does not. Without share() nothing of this runs.
#include "core/policy/rate_ledger.hpp"
#include "core/policy/rate_shares.hpp"
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
  std::vector<int64_t> rules;  // rate rule ids with a window entry
  uint64_t sequence = 0;       // window entry id
  int64_t window_start_ms = 0; // team mode: the sub-window it is counted in ...
  int64_t tokens = 0;          // ... with these tokens
  bool active = false;         // admitted and not yet settled or cancelled
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

  // Team mode: count every rule for the instances sharing `ledger` (which must outlive this object).
  // Call before the first admission.
  void share(RateLedger& ledger, RateShareOptions options);
  bool shared() const { return m_shared != nullptr; }
  // Team mode, every beat interval: give back unused shares and tell the store this instance is alive.
  // False when the store could not be reached.
  bool upkeep(int64_t now_ms);
  // Team mode, at shutdown: store what was admitted and give every share back. Throws Error.
  void release(int64_t now_ms);

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

  // Team mode (rate_limiter_team.cpp): admit under m_mutex from the shares, or return the rules to
  // grow first in `asks` (when not null).
  RateAdmission admit_shared(const Subject& subject, int64_t input_tokens, int64_t now_ms);
  std::optional<RateAdmission> try_shares(const Subject& subject, int64_t input_tokens, int64_t now_ms,
                                          std::vector<RateRule>* asks);
  void refill(const std::vector<RateRule>& asks, int64_t input_tokens, int64_t now_ms);
  const RateRule* find_rule(int64_t id) const;

  mutable std::mutex m_mutex;
  std::vector<RateRule> m_limits;
  std::map<int64_t, Window> m_windows; // rate rule id -> last minute
  uint64_t m_sequence = 0;
  // Team mode: the store and this instance's shares; m_store_mutex (taken before m_mutex, never
  // inside it) keeps one growth or beat at a time, so the store's rows match the shares.
  RateLedger* m_shared = nullptr;
  std::optional<RateShares> m_shares;
  std::mutex m_store_mutex;
};

} // namespace llmgw::core::policy
