#pragma once
// Spend caps and rate limits, enforced at admission (DESIGN.md §3 step 5, §4).
//
// Every request that a cap applies to reserves its worst-case cost before any upstream call;
// it is admitted only if spent + reserved + its reservation stays within every applicable cap,
// all under one lock, so concurrent requests cannot race past a cap. settle() swaps the
// reservation for the real cost whatever the outcome. Spending is kept in memory per period and
// scope (loaded from the ledger at start, then updated on every settle), so admission never
// touches the database.
#include "core/policy/periods.hpp"

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace llmgw::core::policy {

// What a cap or limit is scoped to; global applies to every request.
enum class Scope { global, provider, agent, project, key };

std::string_view to_string(Scope scope);
std::string_view to_string(Period period);
std::optional<Scope> scope_from_string(std::string_view text);
std::optional<Period> period_from_string(std::string_view text);

struct CapRule {
  int64_t id = 0;
  Period period = Period::day;
  int64_t limit_pico = 0; // USD in pico-USD
  Scope scope = Scope::global;
  std::string value; // the provider / agent / project / key name; "" for global
  int warn_percent = 80;
};

struct RateRule {
  int64_t id = 0;
  Scope scope = Scope::agent; // agent or key
  std::string value;
  int64_t requests_per_minute = 0; // 0 = no limit
  int64_t tokens_per_minute = 0;   // 0 = no limit
};

// The dimensions a request is counted under.
struct Subject {
  std::string provider;
  std::string agent;
  std::string project;
  std::string key;
};

// Spending before this process started, summed by the store per period, scope and value.
struct SpentRow {
  Period period = Period::day;
  Scope scope = Scope::global;
  std::string value;
  int64_t cost_pico = 0;
};

// What admit() hands back and settle() takes: the holds taken under each cap and the rate-limit
// window entries. Move it into the request; settle it exactly once.
struct Reservation {
  std::vector<std::pair<int64_t, int64_t>> holds; // cap id, pico-USD reserved
  std::vector<int64_t> rate_rules;                // rate rule ids with a window entry
  uint64_t sequence = 0;                          // window entry id
  bool active = false;
};

struct Decision {
  bool admitted = true;
  int status = 200;                      // 402 (cap) or 429 (rate limit) when refused
  std::string message;                   // why, with the command to change it
  int retry_after_seconds = 0;           // for 429
  std::optional<int64_t> remaining_pico; // set when a cap is past its warn threshold
  std::string warning;                   // non-empty once per cap and period when it crosses warn
  Reservation reservation;
};

// The worst-case input of a request: what admission reserves.
struct Estimate {
  int64_t cost_pico = 0;    // reservation
  int64_t input_tokens = 0; // for tokens-per-minute
  bool unpriced = false;    // the model has no price: cost unknown
};

class Budget {
public:
  // Replace caps and limits (a settings change). Holds under caps that remain stay counted.
  void set_rules(std::vector<CapRule> caps, std::vector<RateRule> limits, bool allow_unpriced);
  // Spending recorded before now (the ledger), for the periods that contain now_ms.
  void load_spent(const std::vector<SpentRow>& rows, int64_t now_ms);
  // True when any cap or limit exists; with none, admission is skipped entirely.
  bool active() const;
  // True when a cap or limit applies to this subject.
  bool applies(const Subject& subject) const;

  Decision admit(const Subject& subject, const Estimate& estimate, int64_t now_ms);
  // Release the reservation (if any) and count the request's cost and tokens. Called for every
  // request, reserved or not, so spending stays current for caps added later.
  // Hard mode: the message to end a running stream with when its cost so far (live_cost) in place
  // of its hold would take a cap it is under past the limit; nullopt while it fits.
  std::optional<std::string> over_cap(const Reservation& reservation, int64_t live_cost);
  void settle(Reservation& reservation, const Subject& subject, int64_t cost_pico, int64_t tokens, int64_t started_ms,
              int64_t now_ms);

  struct CapState {
    CapRule rule;
    int64_t spent_pico = 0;
    int64_t reserved_pico = 0;
  };
  std::vector<CapState> states(int64_t now_ms);

private:
  using ScopeKey = std::pair<Scope, std::string>;
  struct PeriodSums {
    int64_t start = 0;
    int64_t end = 0; // 0 = not yet set up
    std::map<ScopeKey, int64_t> spent;
  };
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

  void roll(int64_t now_ms);
  PeriodSums& sums(Period period) { return m_sums[static_cast<size_t>(period)]; }
  int64_t spent(const CapRule& cap);
  std::optional<Decision> check_rates(const Subject& subject, const Estimate& estimate, int64_t now_ms);

  mutable std::mutex m_mutex;
  std::vector<CapRule> m_caps;
  std::vector<RateRule> m_limits;
  bool m_allow_unpriced = false;
  bool m_active = false;
  PeriodSums m_sums[4];
  std::map<int64_t, int64_t> m_reserved;      // cap id -> pico-USD held by requests in flight
  std::map<int64_t, int64_t> m_warned_period; // cap id -> period start last warned about
  std::map<int64_t, Window> m_windows;        // rate rule id -> last minute
  uint64_t m_sequence = 0;
};

// "$12.34"; amounts under a dollar keep four decimals ("$0.0042", "$0.5000").
std::string format_usd(int64_t pico);
// Parse "5", "5.25", "$0.50" into pico-USD; nullopt when malformed or negative.
std::optional<int64_t> parse_usd(std::string_view text);

} // namespace llmgw::core::policy
