#include "core/dispatch/dispatcher.hpp"

#include "core/http/wire.hpp"
#include "core/platform/fiber.hpp"
#include "core/providers/provider.hpp"

#include <charconv>
#include <cstdio>
#include <random>

namespace llmgw::core::dispatch {
namespace {

double uniform_draw() {
  thread_local std::minstd_rand random(std::random_device{}());
  return std::uniform_real_distribution<double>(0.0, 1.0)(random);
}

int64_t ms_since(std::chrono::steady_clock::time_point from) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - from).count();
}

std::string failure_text(const routing::RouteResult& deployment, const Answer& answer) {
  if (answer.connected) return "HTTP " + std::to_string(answer.status);
  return "cannot reach provider '" + deployment.provider->name + "' at " + deployment.provider->base_url + ": " +
         answer.error;
}

} // namespace

int retry_after_seconds(const httplib::Headers& headers) {
  const std::string* found = http::wire::find_header(headers, "retry-after");
  if (found == nullptr) return 0;
  int seconds = 0;
  const std::string& text = *found;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  return ec == std::errc() && end == text.data() + text.size() && seconds > 0 ? seconds : 0;
}

Dispatched Dispatcher::run(const std::vector<routing::RouteResult>& deployments, const config::RoutingConfig& policy,
                           const std::string& pin, const Prepare& prepare) {
  if (!m_upstream.loop_safe()) platform::leave_event_loop();
  AttemptPlan plan(deployments.size(), policy, uniform_draw);
  Dispatched out;
  for (Step step = plan.first();;) {
    if (step.wait.count() > 0) {
      platform::leave_event_loop(); // a back-off sleeps
      m_clock.sleep_for(step.wait);
    }
    const auto& deployment = deployments[step.deployment];
    PreparedTry prepared = prepare(deployment);
    const auto started = std::chrono::steady_clock::now();
    Answer answer = m_upstream.exchange(std::move(prepared.exchange));
    const int64_t latency = ms_since(started);
    TryOutcome outcome{answer.connected, answer.status, retry_after_seconds(answer.headers), false};
    outcome.next_key =
        bench_key(deployment, prepared.key_index, answer, outcome.retry_after_seconds, policy, out.attempts, latency);
    const Step next = plan.next(outcome);
    if (next.kind == Step::Kind::deliver) {
      judge(deployment, answer, policy, pin);
      out.attempts.push_back({deployment.provider->name, deployment.upstream_model, answer.status, latency,
                              answer.connected ? std::string() : failure_text(deployment, answer)});
      out.answer = std::move(answer);
      out.deployment = step.deployment;
      return out;
    }
    if (!outcome.next_key) {
      judge(deployment, answer, policy, pin);
      out.attempts.push_back({deployment.provider->name, deployment.upstream_model, answer.status, latency,
                              failure_text(deployment, answer)});
    }
    if (answer.stream) answer.stream->finish(); // never: only 2xx answers stream, and those are delivered
    step = next;
  }
}

bool Dispatcher::bench_key(const routing::RouteResult& deployment, size_t key_index, const Answer& answer,
                           int retry_after, const config::RoutingConfig& policy, std::vector<Attempt>& attempts,
                           int64_t latency_ms) {
  if (key_index == SIZE_MAX || !answer.connected || answer.status < 400) return false;
  const auto& provider = *deployment.provider;
  const std::string trouble = providers::adapter_for(provider.kind).key_trouble(answer.status, answer.body);
  if (trouble.empty()) return false;
  // A rate-limited key rests until its retry-after (10 s when none); the others for key_bench_seconds.
  const bool rate_limited = answer.status == 429 && trouble.rfind("rate", 0) == 0;
  const int rest = rate_limited ? (retry_after > 0 ? retry_after : 10) : policy.key_bench_seconds;
  const std::string env = provider.key_env(key_index);
  if (!m_health.bench_key(provider, key_index, trouble, m_clock.now_ms(), rest)) return false;
  std::fprintf(stderr, "llmgw: provider '%s' key %s %s: benched for %ds, using the next key\n", provider.name.c_str(),
               env.c_str(), trouble.c_str(), rest);
  // The key's fault, not the deployment's: no cool-down.
  attempts.push_back({provider.name, deployment.upstream_model, answer.status, latency_ms,
                      "key " + env + " " + trouble + ": next key"});
  return true;
}

void Dispatcher::judge(const routing::RouteResult& deployment, const Answer& answer,
                       const config::RoutingConfig& policy, const std::string& pin) {
  thread_local std::string id; // its capacity kept: no allocation a request
  deployment.id_into(id);
  if (!answer.connected || retryable(answer.status)) {
    m_health.failed(id, failure_text(deployment, answer), m_clock.now_ms(), policy);
  } else if (answer.status < 400) {
    m_health.succeeded(id);
    if (policy.session_affinity && !pin.empty()) m_health.pin(pin, id, m_clock.now_ms(), policy.affinity_minutes);
  }
}

} // namespace llmgw::core::dispatch
