#include "core/dispatch/attempt_plan.hpp"

#include <algorithm>

namespace llmgw::core::dispatch {
namespace {

// Switching to another key of the same provider is not a try of its own; this bounds them all
// the same, whatever the health bookkeeping says.
constexpr int k_max_key_switches = 16;

} // namespace

bool retryable(int status) {
  switch (status) {
  case 408:
  case 429:
  case 500:
  case 502:
  case 503:
  case 504:
  case 529: return true;
  default: return false;
  }
}

AttemptPlan::AttemptPlan(size_t deployments, const config::RoutingConfig& policy, std::function<double()> random)
    : m_deployments(deployments), m_policy(policy), m_random(std::move(random)) {}

Step AttemptPlan::next(const TryOutcome& outcome) {
  const Step deliver{Step::Kind::deliver, m_deployment, std::chrono::milliseconds(0)};
  if (outcome.answered && outcome.next_key && m_key_switches < k_max_key_switches) {
    ++m_key_switches;
    return Step{Step::Kind::send, m_deployment, std::chrono::milliseconds(0)};
  }
  if (outcome.answered && !retryable(outcome.status)) return deliver;
  const bool more_here = m_attempt < std::max(m_policy.attempts, 1);
  const bool next_deployment = m_deployment + 1 < m_deployments;
  // A provider that asks for a longer wait than allowed is left for the next deployment at once.
  const bool wait_too_long = outcome.retry_after_seconds > m_policy.max_retry_after_seconds;
  if (!wait_too_long && more_here) {
    const auto wait = backoff(outcome.retry_after_seconds);
    ++m_attempt;
    return Step{Step::Kind::send, m_deployment, wait};
  }
  if (!next_deployment) return deliver;
  ++m_deployment;
  m_attempt = 1;
  return Step{Step::Kind::send, m_deployment, std::chrono::milliseconds(0)};
}

std::chrono::milliseconds AttemptPlan::backoff(int retry_after_seconds) {
  if (retry_after_seconds > 0) return std::chrono::seconds(retry_after_seconds);
  const int64_t base = static_cast<int64_t>(std::max(m_policy.backoff_ms, 0)) << std::min(m_attempt - 1, 10);
  if (base == 0) return std::chrono::milliseconds(0);
  const double draw = std::clamp(m_random ? m_random() : 0.5, 0.0, 1.0);
  return std::chrono::milliseconds(base / 2 + static_cast<int64_t>(draw * static_cast<double>(base)));
}

} // namespace llmgw::core::dispatch
