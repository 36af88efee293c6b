#pragma once
// Why a cap or a rate limit stopped a request, as a value: the stage that answers the client
// takes the status and retry-after from it, and refusal_message() is the only place that words it.
#include "core/policy/rules.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace llmgw::core::policy {

struct Refusal {
  enum class Kind {
    cap,             // spent + reserved + this request's expected cost would pass a spend cap
    cap_worst_case,  // it fits, but its worst case does not, and it can be neither cut nor lowered
    unpriced,        // the model has no price, so its cost cannot be bounded under a cap
    request_rate,    // a requests-per-minute limit
    token_rate,      // a tokens-per-minute limit
    stream_over_cap, // hard mode: a running stream's cost so far would pass a spend cap
  };
  Kind kind = Kind::cap;
  int status = 402; // 402 for caps, 429 for rate limits
  Scope scope = Scope::global;
  std::string value;            // the provider / agent / project / key the cap or limit is for; "" for global
  std::optional<Period> period; // caps only
  int64_t limit_pico = 0;       // the cap
  int64_t spent_pico = 0;       // spent this period (cap)
  int64_t reserved_pico = 0;    // held by other requests in flight (cap)
  int64_t needed_pico = 0;      // this request's expected cost (caps), its cost so far (stream_over_cap)
  int64_t worst_pico = 0;       // its cost if it used its whole output limit (caps)
  int64_t limit_per_minute = 0; // requests or tokens (rate limits)
  int retry_after_seconds = 0;  // until the oldest request leaves the window (rate limits); 0 otherwise
};

// The message for the client (and the ledger row), with the command that changes the cap or limit.
std::string refusal_message(const Refusal& refusal);

// A cap that this request's reservation took past its warn threshold.
struct CapWarning {
  CapRule cap;
  int64_t used_pico = 0;      // spent + reserved, this request's reservation included
  int64_t remaining_pico = 0; // what is left under the cap, never negative
};

// The line the server logs, e.g. "daily cap of $5.00 overall is 80% used ($1.00 left)".
std::string warning_message(const CapWarning& warning);

} // namespace llmgw::core::policy
