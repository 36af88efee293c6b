#pragma once
// The request path as stages over one RequestContext (DESIGN.md §3). Each stage either lets the
// request go on (nullopt) or says how llmgw answers it itself. pipeline.cpp lists them in order.
#include "core/pipeline/local_reply.hpp"
#include "core/pipeline/request_context.hpp"
#include "core/pipeline/services.hpp"

#include <httplib.h>

#include <optional>
#include <string>

namespace llmgw::core::pipeline {

using Verdict = std::optional<LocalReply>;

// 503 while shutting down.
Verdict refuse_while_draining(Services& services, const httplib::Request& request, RequestContext& context);
// Agent and session from the client's headers.
Verdict attribute(Services& services, const httplib::Request& request, RequestContext& context);
// The gateway token or a virtual key (whose agent, project and name the row takes).
Verdict authenticate(Services& services, const httplib::Request& request, RequestContext& context);
// Only what routing and accounting need: the model, stream, session; a malformed body is a 400.
Verdict parse(Services& services, const httplib::Request& request, RequestContext& context);
// The deployments to try, in order; 404 when no provider serves the model.
Verdict route(Services& services, const httplib::Request& request, RequestContext& context);
// Caps and rate limits: reserve the request's expected cost, or refuse it (402/403, 429).
Verdict admit(Services& services, const httplib::Request& request, RequestContext& context);

// Point the context (provider, served model, formats, billing) at a deployment.
void select_deployment(RequestContext& context, const routing::RouteResult& deployment);

// The tries and the answer: dispatch, then relay the answer whole or as a stream.
void dispatch_and_relay(Services& services, const httplib::Request& request, httplib::Response& response,
                        const std::shared_ptr<RequestContext>& context);
// count_tokens for a provider that cannot count in the client's format: a local estimate.
void count_tokens_locally(const Services& services, const httplib::Request& request, httplib::Response& response,
                          RequestContext& context);

// Who presented `key`: the gateway token (valid, no virtual key), a virtual key, or nobody.
struct Credential {
  bool valid = false;
  std::optional<policy::VirtualKey> key;
};
Credential find_credential(const Services& services, const httplib::Request& request);
// Why the agent API routes refuse this credential (401), nullopt when they take it: in team mode
// (server.public) only a virtual key, else the gateway token or a virtual key.
std::optional<std::string> refuse_credential(const Services& services, const Credential& credential);

// The API request path for one request on `endpoint`: every stage, then dispatch and relay. The
// request ends with an answer in the caller's format and one settled row, whatever throws.
void serve_api(Services& services, const httplib::Request& request, httplib::Response& response,
               const Endpoint& endpoint, const std::string& path_model);

} // namespace llmgw::core::pipeline
