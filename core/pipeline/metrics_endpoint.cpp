#include "core/pipeline/metrics_endpoint.hpp"

#include "core/http/peer.hpp"
#include "core/pipeline/attribution.hpp"
#include "core/pipeline/local_reply.hpp"
#include "core/pipeline/stages.hpp"
#include "core/policy/periods.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <string>

namespace llmgw::core::pipeline {
namespace {

// At most this many caps get a usage gauge (caps are set by hand; this only bounds a scrape).
constexpr size_t k_max_cap_gauges = 200;

bool loopback_host(std::string host) {
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  std::transform(host.begin(), host.end(), host.begin(), [](unsigned char c) { return std::tolower(c); });
  if (host == "localhost") return true;
  in_addr v4{};
  if (::inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  return ::inet_pton(AF_INET6, host.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

// Only the gateway token reads metrics: a virtual key is for spending, not for watching. In team
// mode metrics.auth = "none" holds only for a client on this machine (a local proxy may relay others).
bool scrape_allowed(const Services& services, const LiveConfig& live, const httplib::Request& request) {
  const bool no_auth = live.config.metrics.auth_none && loopback_host(services.server.host);
  if (no_auth && (!services.server.public_mode || http::direct_loopback_client(request))) return true;
  const Credential credential = find_credential(services, request);
  return credential.valid && !credential.key;
}

void write_gauges(Services& services, metrics::TextWriter& out) {
  out.family("llmgw_requests_in_flight", "gauge", "Requests being served now.");
  out.sample("llmgw_requests_in_flight", {}, static_cast<int64_t>(services.in_flight.load()));
  auto states = services.budget.states(policy::now_ms());
  if (states.size() > k_max_cap_gauges) states.resize(k_max_cap_gauges);
  out.family("llmgw_cap_usage_ratio", "gauge",
             "Spend of the current period over each spend cap's limit (reservations of requests in flight not "
             "included); 1 = reached.");
  for (const auto& state : states) {
    const auto& rule = state.rule;
    const double ratio =
        rule.limit_pico > 0 ? static_cast<double>(state.spent_pico) / static_cast<double>(rule.limit_pico) : 0;
    out.sample(
        "llmgw_cap_usage_ratio",
        {{"scope", policy::to_string(rule.scope)}, {"name", rule.value}, {"period", policy::to_string(rule.period)}},
        ratio);
  }
}

} // namespace

metrics::KnownNames known_names(const LiveConfig& live) {
  metrics::KnownNames names;
  for (const auto& provider : live.config.providers) {
    names.providers.insert(provider.name);
    names.models.insert(provider.models.begin(), provider.models.end());
    for (const auto& [name, deployment] : provider.deployments) names.models.insert(name);
  }
  for (const auto& [name, deployments] : live.config.aliases) {
    names.models.insert(name);
    for (const auto& deployment : deployments) {
      const size_t slash = deployment.target.find('/');
      names.models.insert(slash == std::string::npos ? deployment.target : deployment.target.substr(slash + 1));
    }
  }
  for (const auto& price : live.prices.entries()) {
    names.models.insert(price.model);
    names.models.insert(price.aliases.begin(), price.aliases.end());
  }
  for (const auto& agent : detected_agents()) names.agents.insert(agent);
  return names;
}

void serve_metrics(Services& services, const httplib::Request& request, httplib::Response& response) {
  metrics::RequestMetrics* counters = services.options.metrics;
  if (counters == nullptr)
    return write_error(response, protocol::ApiFormat::openai_chat, 404, "this llmgw serves no metrics");
  const auto live = services.live();
  if (!scrape_allowed(services, *live, request)) {
    response.set_header("WWW-Authenticate", "Bearer");
    return write_error(response, protocol::ApiFormat::openai_chat, 401,
                       "missing or wrong llmgw token; /metrics takes the gateway token (Authorization: Bearer or "
                       "x-api-key), or metrics.auth = \"none\" on a loopback server");
  }
  // A config reload may have added providers and models: count them under their names from now on.
  if (counters->names_source() != live.get()) counters->set_names(live.get(), known_names(*live));
  metrics::TextWriter out;
  counters->write(out);
  write_gauges(services, out);
  response.set_content(out.text(), metrics::k_exposition_content_type);
}

} // namespace llmgw::core::pipeline
