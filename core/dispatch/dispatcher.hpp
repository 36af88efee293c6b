#pragma once
// Carries out a request's tries: asks the pipeline for each try's request, sends it through the
// Upstream, benches a provider key that was refused or ran out, feeds cool-downs and session pins,
// and follows the AttemptPlan until an answer goes to the client.
#include "core/accounting/request_record.hpp"
#include "core/dispatch/attempt_plan.hpp"
#include "core/dispatch/clock.hpp"
#include "core/dispatch/upstream.hpp"
#include "core/routing/health.hpp"
#include "core/routing/router.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace llmgw::core::dispatch {

// One try's request, as the pipeline built it for a deployment.
struct PreparedTry {
  Exchange exchange;
  size_t key_index = SIZE_MAX; // which of the provider's keys it carries; SIZE_MAX: none of them
};

// What the tries came to.
struct Dispatched {
  Answer answer;                 // the answer (or failure) that goes to the client
  size_t deployment = 0;         // the deployment that gave it
  std::vector<Attempt> attempts; // every try, in order
};

// retry-after in seconds (delta form); 0 when absent or an HTTP date.
int retry_after_seconds(const httplib::Headers& headers);

class Dispatcher {
public:
  Dispatcher(Upstream& upstream, Clock& clock, routing::Health& health)
      : m_upstream(upstream), m_clock(clock), m_health(health) {}

  using Prepare = std::function<PreparedTry(const routing::RouteResult&)>;
  // Try `deployments` in order under `policy`. `pin`: the session-and-model key a success pins to
  // its deployment ("" = no session affinity). Throws what the Upstream or prepare throw.
  Dispatched run(const std::vector<routing::RouteResult>& deployments, const config::RoutingConfig& policy,
                 const std::string& pin, const Prepare& prepare);

private:
  // Bench the try's key when the answer blames it; true when another key may go at once.
  bool bench_key(const routing::RouteResult& deployment, size_t key_index, const Answer& answer, int retry_after,
                 const config::RoutingConfig& policy, std::vector<Attempt>& attempts, int64_t latency_ms);
  // Feed the deployment's health with how a try that counts went.
  void judge(const routing::RouteResult& deployment, const Answer& answer, const config::RoutingConfig& policy,
             const std::string& pin);

  Upstream& m_upstream;
  Clock& m_clock;
  routing::Health& m_health;
};

} // namespace llmgw::core::dispatch
