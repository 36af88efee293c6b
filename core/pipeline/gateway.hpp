#pragma once
// The request lifecycle (DESIGN.md §3): authenticate, attribute, parse, route, dispatch, relay,
// settle. handle() routes a request the HTTP server read; settle always runs, once per request.
#include "core/accounting/request_record.hpp"
#include "core/config/config.hpp"
#include "core/http/thread_pool.hpp"
#include "core/http/upstream_pool.hpp"
#include "core/policy/budget.hpp"
#include "core/policy/keys.hpp"
#include "core/pipeline/request_context.hpp"
#include "core/pricing/price_table.hpp"
#include "core/routing/health.hpp"
#include "core/routing/router.hpp"

#include <atomic>
#include <chrono>
#include <functional>
#include <httplib.h>
#include <map>
#include <memory>
#include <optional>
#include <mutex>
#include <set>

namespace llmgw::core::pipeline {

class StreamRelay;
}
namespace llmgw::core::protocol {
class ResponseObserver;
struct ScannedObject;
}
namespace llmgw::core::pipeline {

// The config in force and the price table built from it: replaced whole when config.toml changes;
// each request holds the one it started with.
struct LiveConfig {
  config::Config config;
  pricing::PriceTable prices;
};

struct GatewayOptions {
  std::string token;                                       // the gateway token clients send
  std::chrono::seconds keepalive_interval{15};              // SSE comment during upstream silence
};

class Gateway {
public:
  Gateway(config::Config config, pricing::PriceTable prices, UsageSink& sink, GatewayOptions options);

  // Route a request (Host/Origin guard, endpoints, 404) and answer it.
  void handle(const httplib::Request& request, httplib::Response& response);
  // Give a refusal the HTTP server or a handler decided on (response.status set, no body) an
  // error body in the caller's API format.
  void refuse(const httplib::Request& request, httplib::Response& response) const;

  // Refuse new requests (503) from now on; open streams go on.
  void start_draining() { m_draining = true; }
  // End every open stream now with an in-band error (the shutdown deadline passed).
  void abort_streams();
  // Requests currently being served.
  int in_flight() const { return m_in_flight.load(); }

  // The server settings (fixed for the life of the process: a reload cannot rebind).
  const config::ServerConfig& server_config() const { return m_server; }
  // The config and prices in force now.
  std::shared_ptr<const LiveConfig> live() const;
  // Put a new config in force for the requests that start from now on. Returns the settings it
  // changes that only a restart applies (server.*), empty when none.
  std::vector<std::string> reload(config::Config config);
  // Cool-downs, benched keys and session pins learnt so far.
  const routing::Health& health() const { return m_health; }
  // Deployments cooling down and keys benched now, as JSON for `llmgw providers`.
  std::string health_json() const;

  // Caps, rate limits and virtual keys as the CLI last set them (store/settings_watcher).
  void apply_policy(policy::PolicySettings settings);
  // Spend so far and live reservations; load_spent() before serving.
  policy::Budget& budget() { return m_budget; }
  // Pico-USD held per cap id by requests in flight.
  std::map<int64_t, int64_t> reservations();

private:
  // path_model: the model a Gemini route names in its path.
  void handle_api(const httplib::Request& request, httplib::Response& response, const Endpoint& endpoint,
                  const std::string& path_model = {});
  // count_tokens for a provider that cannot count in the client's format: a local estimate.
  void count_tokens_locally(const httplib::Request& request, httplib::Response& response, RequestContext& context,
                            const std::string& model);
  // A translated exchange's upstream body (an error when status >= 400) in the client's format.
  std::string translate_body(const RequestContext& context, int status, const std::string& body) const;
  void handle_models(const httplib::Request& request, httplib::Response& response);
  // Who the presented credentials belong to: the gateway token, a virtual key, or nobody.
  struct Credential {
    bool valid = false;
    std::optional<policy::VirtualKey> key;
  };
  Credential authenticate(const httplib::Request& request) const;
  // The `llmgw use` target for this agent and model, "" when none applies.
  std::string override_for(const std::string& agent, const std::string& model) const;
  // Admission (caps, rate limits); false when the request was refused and answered.
  bool admit(const httplib::Request& request, httplib::Response& response, RequestContext& context,
             std::string_view body, const protocol::ScannedObject& scanned);
  // A relay step's verdict: answered the client, or asks for another try (after retry-after).
  struct Retry {
    bool wanted = false;
    int after_seconds = 0;
    bool next_key = false; // the same deployment again, with another key, no wait
  };
  // Whether another try may follow a failure that asked to wait retry_after seconds (0: none).
  using MayRetry = std::function<bool(int retry_after_seconds)>;
  // Point the context (provider, served model, billing) at a deployment.
  void select_deployment(RequestContext& context, const routing::RouteResult& deployment);
  // Select the deployment and build the request it gets (model spliced, its auth).
  httplib::Request prepare_upstream(const httplib::Request& request, const protocol::ScannedObject& scanned,
                                    RequestContext& context, const routing::RouteResult& deployment);
  // Record an upstream try; unless the failure was a key's, it feeds cool-downs and session pins.
  void note_attempt(RequestContext& context, int status, std::string error, bool judges_deployment = true);
  // The order deployments are tried in: drawn by weight, the session's pin first, cooling ones
  // skipped while another remains.
  void order_deployments(std::vector<routing::RouteResult>& deployments, const RequestContext& context);
  // A 401/403 or an exhausted quota on a provider key: bench the key. True when the request may
  // go again at once with another key.
  bool rotate_key(RequestContext& context, int status, std::string_view body, int retry_after_seconds);
  Retry relay_once(httplib::Response& response, const std::shared_ptr<RequestContext>& shared, httplib::Request upstream,
                   const MayRetry& may_retry);
  Retry relay_stream(httplib::Response& response, std::shared_ptr<RequestContext> context, httplib::Request upstream,
                     const MayRetry& may_retry);
  void reply_error(httplib::Response& response, RequestContext& context, int status, const std::string& message,
                   Outcome outcome);
  void settle(RequestContext& context, const protocol::ResponseObserver* observer);
  // settle() once the server has written response (its releaser runs when the server is done with
  // it), so pricing, the cap reservation and the hand-over to the ledger stay off the client's wait.
  void settle_after_reply(httplib::Response& response, std::shared_ptr<RequestContext> context,
                          protocol::ResponseObserver observer);

  const config::ServerConfig m_server;
  mutable std::mutex m_live_mutex;
  std::shared_ptr<const LiveConfig> m_live;
  routing::Health m_health;
  std::vector<policy::CapRule> m_caps;   // as last applied, for a reload that changes caps.unpriced
  std::vector<policy::RateRule> m_limits;
  UsageSink& m_sink;
  GatewayOptions m_options;
  http::UpstreamPool m_pool;
  http::ThreadPool m_readers; // read streamed answers; outlives no relay (each finishes before a request ends)
  std::atomic<bool> m_draining{false};
  std::atomic<int> m_in_flight{0};
  policy::Budget m_budget;
  mutable std::mutex m_keys_mutex;
  std::shared_ptr<const policy::KeyRing> m_keys = std::make_shared<policy::KeyRing>();
  std::shared_ptr<const std::vector<policy::RouteOverride>> m_overrides =
      std::make_shared<std::vector<policy::RouteOverride>>();
  std::mutex m_streams_mutex;
  std::set<StreamRelay*> m_streams;
};

} // namespace llmgw::core::pipeline
