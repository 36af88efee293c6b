#pragma once
// The order of a request's upstream tries, as a pure function of what the last try came to:
// retries within a deployment (backoff with jitter, or the provider's retry-after), then the
// next deployment, while no byte has reached the client (DESIGN.md §3 step 6). No sockets, no
// clock: the dispatcher carries out the steps, the tests read them.
#include "core/config/config.hpp"

#include <chrono>
#include <cstddef>
#include <functional>

namespace llmgw::core::dispatch {

// What one try came to, as far as the plan cares.
struct TryOutcome {
  bool answered = false;       // an HTTP answer arrived (false: unreachable, refused, timed out)
  int status = 0;              // its status
  int retry_after_seconds = 0; // the answer's retry-after (delta seconds), 0 when none
  bool next_key = false;       // a provider key was benched and another of its keys may go at once
};

struct Step {
  enum class Kind {
    send,    // try deployment `deployment` after `wait`
    deliver, // hand the last try's answer (or its failure) to the client
  };
  Kind kind = Kind::send;
  size_t deployment = 0;
  std::chrono::milliseconds wait{0};
};

// Statuses worth another try (PROTOCOLS.md §1.7, §3.8): timeouts, rate limits, overload, server
// errors. 400, 401, 403, 404, 413 and 422 are the request's own fault and go back as they are.
bool retryable(int status);

class AttemptPlan {
public:
  // `random` draws uniformly from [0, 1) for the backoff's jitter.
  AttemptPlan(size_t deployments, const config::RoutingConfig& policy, std::function<double()> random);

  // The first step: deployment 0, no wait.
  Step first() const { return Step{Step::Kind::send, 0, std::chrono::milliseconds(0)}; }
  // The step after a try that came to `outcome`.
  Step next(const TryOutcome& outcome);

  // Which try of the current deployment comes next (1-based).
  int attempt() const { return m_attempt; }

private:
  // The wait before retry number m_attempt: retry-after when given, else exponential backoff with
  // +-50% jitter so that parallel agents do not retry in lockstep.
  std::chrono::milliseconds backoff(int retry_after_seconds);

  size_t m_deployments;
  config::RoutingConfig m_policy;
  std::function<double()> m_random;
  size_t m_deployment = 0;
  int m_attempt = 1;
  int m_key_switches = 0;
};

} // namespace llmgw::core::dispatch
