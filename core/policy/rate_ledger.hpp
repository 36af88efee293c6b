#pragma once
// Team mode: the rate-limit shares that several gateway instances sharing one store lease from each
// rate rule (docs/team-mode.md). Core declares the interface; store/rate_leases.hpp implements it on
// the shared database.
//
// Time is cut into 10-second sub-windows. A rule's team count at now_ms is the sum, over every
// instance and every sub-window that overlaps the minute before now_ms, of the requests (tokens)
// admitted there plus each instance's spare: the part of its share it has not used yet. An instance
// admits from memory while its spare pays; the store grows a spare only while
//   team count + growth <= the rule's limit
// (checked and granted in one transaction), so the team never admits more than the limit in any
// sliding minute while the shares are honoured.
#include "core/policy/rules.hpp"

#include <cstdint>
#include <vector>

namespace llmgw::core::policy {

constexpr int64_t k_rate_window_ms = 60'000;    // the minute a rate limit counts
constexpr int64_t k_rate_subwindow_ms = 10'000; // its sub-windows, the unit the store counts in

// The sub-window containing at_ms.
int64_t rate_subwindow_start(int64_t at_ms);
// The oldest sub-window start that still overlaps the minute before now_ms (sub-windows counted).
int64_t rate_oldest_counted(int64_t now_ms);

// What one instance admitted in one sub-window under a rule.
struct RateCount {
  int64_t window_start_ms = 0;
  int64_t requests = 0;
  int64_t tokens = 0;
};

// What one instance tells the store about its share of one rule.
struct RateClaim {
  RateRule rule;
  std::vector<RateCount> used; // its admissions in the sub-windows still counted, oldest first
  int64_t spare_requests = 0;  // the share it holds and has not used (stored in the current sub-window)
  int64_t spare_tokens = 0;
};

// A growth asked for: at least need_*, at most want_* (0 = that dimension is not asked for).
struct RateAsk {
  int64_t need_requests = 0;
  int64_t want_requests = 0;
  int64_t need_tokens = 0;
  int64_t want_tokens = 0;
};

// What the store answers about one rule.
struct RateGrant {
  int64_t requests = 0; // growth of the spare (0 when refused)
  int64_t tokens = 0;
  int64_t team_requests = 0; // the team's count in the minute, after the growth
  int64_t team_tokens = 0;
  int64_t team_spare_requests = 0; // the part of the team's count that is spares (unused shares)
  int64_t team_spare_tokens = 0;
  int64_t oldest_requests_ms = 0; // start of the oldest counted sub-window holding requests (0: none)
  int64_t oldest_tokens_ms = 0;   // ... holding tokens
  int live_instances = 1;         // instances with a live share of the rule, this one included
};

class RateLedger {
public:
  virtual ~RateLedger() = default;
  // Store the claim, reclaim the spares of instances that stopped beating, drop sub-windows that left
  // the minute, then grow this instance's spare by the whole need in every dimension asked (up to the
  // want) if the team count allows it, else by nothing; all atomically. Throws Error when the store
  // cannot be reached.
  virtual RateGrant grow(const RateClaim& claim, const RateAsk& ask, int64_t now_ms) = 0;
  // Heartbeat: store every claim (replacing this instance's rows of those rules) and forget this
  // instance's rows of other rules. One grant (growth 0) per claim. Throws Error.
  virtual std::vector<RateGrant> beat(const std::vector<RateClaim>& claims, int64_t now_ms) = 0;
  // Give every share of this instance back (clean shutdown); its admissions stay counted. Throws Error.
  virtual void release() = 0;
};

// How an instance uses its shares.
struct RateShareOptions {
  int64_t beat_interval_ms = 1000; // heartbeat (and return of unused shares) period
  int64_t stale_ms = 15'000;       // a share not beaten for this long: others reclaim its spare
  int64_t trust_ms = 10'000;       // a spare is used at most this long after the last store contact
};

} // namespace llmgw::core::policy
