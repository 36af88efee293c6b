// The stages before any upstream call: attribute, authenticate, parse, route.
#include "core/pipeline/stages.hpp"

#include "core/http/wire.hpp"
#include "core/pipeline/attribution.hpp"
#include "core/pipeline/local_api.hpp"
#include "core/pipeline/provider_facts.hpp"
#include "core/providers/request_safety.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <random>

namespace llmgw::core::pipeline {
namespace {

const char* const k_bad_token = "missing or wrong llmgw token; run `llmgw env` to get it";
const char* const k_token_in_team_mode =
    "this llmgw serves a team (server.public = true) and takes virtual keys only, not the gateway token; ask for a "
    "key (`llmgw key create NAME --user YOU` on the server)";
const char* const k_no_key_in_team_mode =
    "missing or wrong llmgw key; this llmgw serves a team (server.public = true) and needs a virtual key (`llmgw key "
    "create NAME --user YOU` on the server)";

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

bool any_client_auth(const config::Config& config) {
  return std::any_of(config.providers.begin(), config.providers.end(),
                     [](const auto& provider) { return provider.forward_client_auth; });
}

// The first top-level member whose name repeats, or nullptr. A parser keeps the last of two
// members, llmgw's scan may see the first: refusing both keeps what llmgw checks (the model
// against a key's allow list) what the provider reads.
// Names are compared unescaped ("mod\u0065l" is "model"), so an escape cannot hide a repeat.
const protocol::TopLevelMember* repeated_member(const protocol::ScannedObject& scanned) {
  const auto& members = scanned.members;
  const bool escaped = std::any_of(members.begin(), members.end(),
                                   [](const auto& member) { return member.key.find('\\') != std::string_view::npos; });
  std::vector<std::string> names;
  if (escaped) {
    for (const auto& member : members) {
      const auto name = protocol::parse_json("\"" + std::string(member.key) + "\"");
      names.push_back(name.is_string() ? name.get<std::string>() : std::string(member.key));
    }
  }
  for (size_t i = 1; i < members.size(); ++i)
    for (size_t j = 0; j < i; ++j)
      if (escaped ? names[i] == names[j] : members[i].key == members[j].key) return &members[i];
  return nullptr;
}

// The order deployments are tried in: drawn by weight, the session's pin first, cooling ones
// skipped while another remains.
void order_deployments(Services& services, RequestContext& context) {
  auto& deployments = context.deployments;
  if (deployments.size() < 2) return;
  const auto& rules = context.live->config.routing;
  thread_local std::minstd_rand random(std::random_device{}());
  routing::weighted_order(deployments, std::uniform_real_distribution<double>(0.0, 1.0)(random));
  const int64_t now = services.clock().now_ms();
  if (rules.session_affinity && !context.record.session_id.empty()) {
    const std::string pin = services.health.pinned(context.record.session_id + "\n" + context.model, now);
    auto it = std::find_if(deployments.begin(), deployments.end(), [&](const auto& d) { return d.id() == pin; });
    if (it != deployments.end()) std::rotate(deployments.begin(), it, it + 1);
  }
  // Cooling deployments are skipped while another remains; with none left, all are tried anyway.
  auto healthy = std::stable_partition(deployments.begin(), deployments.end(),
                                       [&](const auto& d) { return !services.health.cooling(d.id(), now); });
  if (healthy != deployments.begin()) deployments.erase(healthy, deployments.end());
}

// The `llmgw use` target for this agent and model, "" when none applies.
std::string override_for(const Services& services, const std::string& agent, const std::string& model) {
  const auto overrides = services.policy().overrides;
  for (const auto& route : *overrides) {
    if (!route.agent.empty() && route.agent != agent) continue;
    if (!route.model_glob.empty() && !policy::glob_match(route.model_glob, model)) continue;
    return route.target;
  }
  return "";
}

} // namespace

Credential find_credential(const Services& services, const httplib::Request& request) {
  std::string_view key = http::wire::header_value(request.headers, "x-api-key");
  if (key.empty()) {
    // The scheme is case-insensitive (RFC 9110 §11.1): "bearer" is as good as "Bearer".
    const std::string_view auth = http::wire::header_value(request.headers, "Authorization");
    if (auth.size() > 7 && http::wire::iequals(auth.substr(0, 7), "Bearer ")) key = auth.substr(7);
  }
  if (key.empty()) key = http::wire::header_value(request.headers, "x-goog-api-key");
  std::string query_key; // Gemini clients may send ?key=
  if (key.empty()) key = query_key = request.get_param_value("key");
  Credential credential;
  if (key.empty()) return credential;
  if (constant_time_equal(key, services.options.token)) {
    credential.valid = true;
    return credential;
  }
  auto keys = services.policy().keys;
  const auto* found = keys->find(key);
  // A key made by the CLI a moment ago: apply the stored settings now rather than refuse it.
  const auto* local = services.options.local_api.get();
  if (found == nullptr && key.rfind("llmgw-vk-", 0) == 0 && local != nullptr && local->reload_settings &&
      local->reload_settings()) {
    keys = services.policy().keys;
    found = keys->find(key);
  }
  if (found != nullptr) {
    credential.valid = true;
    credential.key = *found;
  }
  return credential;
}

std::optional<std::string> refuse_credential(const Services& services, const Credential& credential) {
  const bool team = services.server.public_mode;
  if (!credential.valid) return std::string(team ? k_no_key_in_team_mode : k_bad_token);
  if (team && !credential.key) return std::string(k_token_in_team_mode);
  return std::nullopt;
}

Verdict refuse_while_draining(Services& services, const httplib::Request&, RequestContext&) {
  if (services.draining) return LocalReply{503, "llmgw is shutting down", Outcome::refused, {}};
  return std::nullopt;
}

Verdict attribute(Services&, const httplib::Request& request, RequestContext& context) {
  using http::wire::header_value;
  const std::string_view generic_session = http::wire::first_header(request.headers, {"session-id", "session_id"});
  const HeaderView view{header_value(request.headers, "User-Agent"), header_value(request.headers, "originator"),
                        header_value(request.headers, "x-claude-code-session-id"), generic_session};
  context.record.agent = detect_agent(view);
  context.record.session_id = detect_session(view);
  // W3C trace context, kept for the traces (a valid traceparent is 55 bytes, tracestate at most 512).
  if (auto parent = header_value(request.headers, "traceparent"); parent.size() <= 64) {
    context.record.trace_parent = parent;
    if (auto state = header_value(request.headers, "tracestate"); state.size() <= 512)
      context.record.trace_state = state;
  }
  return std::nullopt;
}

Verdict authenticate(Services& services, const httplib::Request& request, RequestContext& context) {
  Credential credential = find_credential(services, request);
  // Team mode: a virtual key or nothing, whatever the providers take (every request has a user).
  if (services.server.public_mode) {
    if (auto refused = refuse_credential(services, credential)) return LocalReply{401, *refused, Outcome::refused, {}};
  }
  context.token_ok = credential.valid;
  if (credential.key) {
    auto& record = context.record;
    record.key_name = credential.key->name;
    record.user_name = credential.key->user;
    record.project = credential.key->project;
    if (!credential.key->agent.empty()) record.agent = credential.key->agent;
    context.key = std::move(credential.key);
  }
  // Without the token only a provider that takes the client's own credentials may serve it
  // (checked again once the route is known).
  if (!context.token_ok && !any_client_auth(context.live->config))
    return LocalReply{401, k_bad_token, Outcome::refused, {}};
  return std::nullopt;
}

Verdict parse(Services&, const httplib::Request& request, RequestContext& context) {
  auto& record = context.record;
  const auto& endpoint = context.endpoint;
  protocol::ScanFailure failure{};
  context.scanned = protocol::scan_object(request.body, &failure);
  if (!context.scanned)
    return LocalReply{400,
                      failure == protocol::ScanFailure::too_deep ? protocol::too_deep_message("request body")
                                                                 : "request body is not a valid JSON object",
                      Outcome::bad_request,
                      {}};
  const auto& scanned = *context.scanned;
  if (const auto* twice = repeated_member(scanned))
    return LocalReply{400,
                      "request body has the member \"" + std::string(twice->key) +
                          "\" more than once; send each member once",
                      Outcome::bad_request,
                      {}};
  if (record.session_id.empty()) record.session_id = session_from_body(request.body, scanned);
  // Gemini names the model in the path; the others in the body.
  const auto* model_member = scanned.find("model");
  auto model = endpoint.format == protocol::ApiFormat::gemini ? std::optional<std::string>(context.path_model)
               : model_member                                 ? protocol::string_value(request.body, *model_member)
                                                              : std::nullopt;
  if (!model) return LocalReply{400, "request body has no \"model\" string", Outcome::bad_request, {}};
  // The name goes into upstream paths and headers: no control characters, no runaway length.
  if (auto problem = providers::check_model_name(*model)) return LocalReply{400, *problem, Outcome::bad_request, {}};
  context.model = *model;
  record.requested_model = *model;
  if (context.key && !policy::models_allow(context.key->models, *model))
    return LocalReply{403,
                      "llmgw key '" + context.key->name + "' may not use model '" + *model +
                          "' (allowed: " + context.key->models + ")",
                      Outcome::refused,
                      {}};
  const auto* stream_member = scanned.find("stream");
  record.streamed = endpoint.format == protocol::ApiFormat::gemini
                        ? endpoint.gemini_method == "streamGenerateContent"
                        : stream_member != nullptr && protocol::is_true(request.body, *stream_member);
  return std::nullopt;
}

Verdict route(Services& services, const httplib::Request& request, RequestContext& context) {
  const auto& config = context.live->config;
  const auto& model = context.model;
  const std::string use = override_for(services, context.record.agent, model);
  routing::RequestTraits traits;
  if (!config.routes.empty())
    traits = routing::read_traits(request.body, *context.scanned, context.record.agent, model);
  auto deployments = use.empty() ? routing::route_all(config, model, context.endpoint.format, traits)
                                 : routing::route_target(config, use, model, context.endpoint.format);
  const auto& first = deployments.front();
  if (first.provider == nullptr) return LocalReply{404, first.error, Outcome::refused, {}};
  if (!context.token_ok && !first.provider->forward_client_auth)
    return LocalReply{401, k_bad_token, Outcome::refused, {}};
  const auto& provider = *first.provider;
  if (!has_key(first))
    return LocalReply{500,
                      "provider '" + provider.name + "' has no API key: set " +
                          (first.key_env.empty() ? provider.api_key_env : first.key_env) +
                          " in the environment of `llmgw serve`",
                      Outcome::refused,
                      {}};
  // Fallbacks must be usable the same way: same kind of credentials, a key when one is needed.
  const bool client_auth = provider.forward_client_auth;
  std::erase_if(deployments, [&](const routing::RouteResult& d) {
    return d.provider->forward_client_auth != client_auth || !has_key(d);
  });
  context.deployments = std::move(deployments);
  order_deployments(services, context);
  select_deployment(context, context.deployments.front());
  return std::nullopt;
}

void select_deployment(RequestContext& context, const routing::RouteResult& deployment) {
  context.provider = deployment.provider;
  context.record.provider = deployment.provider->name;
  context.record.billed_to_client = deployment.provider->forward_client_auth;
  context.record.served_model = deployment.upstream_model;
  context.upstream_format = routing::upstream_format(*deployment.provider, context.endpoint.format);
  context.translated = context.upstream_format != context.endpoint.format;
}

} // namespace llmgw::core::pipeline
