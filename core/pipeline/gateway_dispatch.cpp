// The API request path: parse, route, dispatch, relay and settle.
#include "core/pipeline/attribution.hpp"
#include "core/pipeline/gateway.hpp"
#include "core/pipeline/stream_relay.hpp"
#include "core/pipeline/upstream_request.hpp"
#include "core/protocol/error_body.hpp"
#include "core/protocol/json_scan.hpp"
#include "core/protocol/response_observer.hpp"
#include "core/routing/router.hpp"
#include "core/translate/translator.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <random>
#include <thread>

namespace llmgw::core::pipeline {
namespace {

int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t ms_between(std::chrono::steady_clock::time_point from, std::chrono::steady_clock::time_point to) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(to - from).count();
}

std::string first_header(const httplib::Headers& headers, std::initializer_list<const char*> names) {
  for (const char* name : names)
    if (auto it = headers.find(name); it != headers.end()) return it->second;
  return {};
}

// OpenAI-compatible servers on this machine (Ollama, vLLM, llama.cpp) cost nothing unless a price
// is configured; the first-party kinds always bill.
bool is_local(const config::ProviderConfig& provider) {
  if (provider.kind != config::ProviderKind::openai_compatible) return false;
  auto origin = http::split_base_url(provider.base_url).origin;
  for (const char* host : {"://127.0.0.1", "://localhost", "://[::1]"})
    if (origin.find(host) != std::string::npos) return true;
  return false;
}

// Price-table provider family: OpenAI, Anthropic and Gemini by kind (Azure bills OpenAI's list
// prices), others by their config name.
std::string price_provider(const config::ProviderConfig& provider) {
  if (provider.kind == config::ProviderKind::openai_compatible) return provider.name;
  if (provider.kind == config::ProviderKind::azure) return "openai";
  return std::string(config::to_string(provider.kind));
}

// Whose opaque reasoning state a provider accepts back (PROTOCOLS.md §5.8).
translate::Issuer reasoning_family(config::ProviderKind kind) {
  switch (kind) {
  case config::ProviderKind::anthropic: return translate::Issuer::anthropic;
  case config::ProviderKind::gemini: return translate::Issuer::gemini;
  case config::ProviderKind::openai:
  case config::ProviderKind::azure: return translate::Issuer::openai;
  case config::ProviderKind::openai_compatible: break;
  }
  return translate::Issuer::none;
}

// Output a translated request to Anthropic asks for when the client gave no limit (Anthropic
// requires one): the model's own limit when the price table knows it.
constexpr int64_t k_default_translated_max_tokens = 16'384;

// Statuses worth another try (PROTOCOLS.md §1.7, §3.8): timeouts, rate limits, overload, server
// errors. 400, 401, 403, 404, 413 and 422 are the request's own fault and go back as they are.
bool retryable(int status) {
  switch (status) {
  case 408: case 429: case 500: case 502: case 503: case 504: case 529: return true;
  default: return false;
  }
}

// retry-after in seconds (delta form); 0 when absent or an HTTP date.
int retry_after_seconds(const httplib::Headers& headers) {
  auto it = headers.find("retry-after");
  if (it == headers.end()) return 0;
  int seconds = 0;
  const auto& text = it->second;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  return ec == std::errc() && end == text.data() + text.size() && seconds > 0 ? seconds : 0;
}

// The wait before retry number `attempt` (1-based): retry-after when given, else exponential
// backoff with +-50% jitter so that parallel agents do not retry in lockstep.
std::chrono::milliseconds retry_wait(const config::RoutingConfig& policy, int attempt, int after_seconds) {
  if (after_seconds > 0) return std::chrono::seconds(after_seconds);
  thread_local std::minstd_rand random(std::random_device{}());
  const int64_t base = static_cast<int64_t>(policy.backoff_ms) << std::min(attempt - 1, 10);
  std::uniform_int_distribution<int64_t> jitter(base / 2, base + base / 2);
  return std::chrono::milliseconds(base == 0 ? 0 : jitter(random));
}

// A deployment can be called: it forwards the client's credentials, needs no key, or has one set.
bool has_key(const routing::RouteResult& deployment) {
  const auto& provider = *deployment.provider;
  if (provider.forward_client_auth || !deployment.key.empty()) return true;
  if (!deployment.key_env.empty()) return false; // its own key, unset
  if (provider.api_key_env.empty()) return true;
  for (size_t i = 0; i < provider.key_count(); ++i)
    if (!provider.key_value(i).empty()) return true;
  return false;
}

// Why a provider key should rest, "" when the answer says nothing about the key: refused (401,
// 403), out of quota or credit, or rate limited (only worth it when another key can go instead).
std::string key_trouble(int status, std::string_view body) {
  if (status == 401 || status == 403) return "refused (HTTP " + std::to_string(status) + ")";
  if (status == 402) return "out of credit (HTTP 402)";
  for (std::string_view phrase : {"insufficient_quota", "exceeded your current quota", "credit balance is too low"})
    if (body.find(phrase) != std::string_view::npos) return "out of quota (HTTP " + std::to_string(status) + ")";
  if (status == 429) return "rate limited (HTTP 429)";
  return "";
}

// Output a reservation assumes when neither the request nor the price table gives a limit.
constexpr int64_t k_default_max_output_tokens = 32'000;

bool any_client_auth(const config::Config& config) {
  return std::any_of(config.providers.begin(), config.providers.end(),
                     [](const auto& provider) { return provider.forward_client_auth; });
}

} // namespace

void Gateway::reply_error(httplib::Response& response, RequestContext& context, int status, const std::string& message,
                          Outcome outcome) {
  response.status = status;
  if (status != 503 && status != 429) response.set_header("x-should-retry", "false");
  response.set_content(protocol::error_body(context.endpoint.format, status, message), "application/json");
  context.record.http_status = status;
  context.record.outcome = outcome;
  context.record.error_message = message;
  context.record.ttfb_ms = context.elapsed_ms();
  settle(context, nullptr);
}

void Gateway::handle_api(const httplib::Request& request, httplib::Response& response, const Endpoint& endpoint,
                         const std::string& path_model) {
  auto context = std::make_shared<RequestContext>();
  context->started = std::chrono::steady_clock::now();
  context->endpoint = endpoint;
  context->live = live();
  const config::Config& config = context->live->config;
  RequestRecord& record = context->record;
  record.started_at_ms = unix_ms();
  record.endpoint = endpoint.path;
  // httplib returns header values by value: keep them alive while the view points at them.
  std::string user_agent = request.get_header_value("User-Agent");
  std::string originator = request.get_header_value("originator");
  std::string claude_session = request.get_header_value("x-claude-code-session-id");
  std::string generic_session = first_header(request.headers, {"session-id", "session_id"});
  HeaderView view{user_agent, originator, claude_session, generic_session};
  record.agent = detect_agent(view);
  record.session_id = detect_session(view);
  ++m_in_flight;

  if (m_draining) return reply_error(response, *context, 503, "llmgw is shutting down", Outcome::refused);
  const Credential credential = authenticate(request);
  const bool token_ok = credential.valid;
  if (credential.key) {
    record.key_name = credential.key->name;
    record.project = credential.key->project;
    if (!credential.key->agent.empty()) record.agent = credential.key->agent;
  }
  if (!token_ok && !any_client_auth(config))
    return reply_error(response, *context, 401, "missing or wrong llmgw token; run `llmgw env` to get it",
                       Outcome::refused);
  auto scanned = protocol::scan_object(request.body);
  if (!scanned) return reply_error(response, *context, 400, "request body is not a valid JSON object", Outcome::bad_request);
  if (record.session_id.empty()) record.session_id = session_from_body(request.body, *scanned);
  // Gemini names the model in the path; the others in the body.
  const auto* model_member = scanned->find("model");
  auto model = endpoint.format == protocol::ApiFormat::gemini ? std::optional<std::string>(path_model)
               : model_member ? protocol::string_value(request.body, *model_member) : std::nullopt;
  if (!model) return reply_error(response, *context, 400, "request body has no \"model\" string", Outcome::bad_request);
  record.requested_model = *model;
  if (credential.key && !policy::models_allow(credential.key->models, *model))
    return reply_error(response, *context, 403,
                       "llmgw key '" + credential.key->name + "' may not use model '" + *model + "' (allowed: " +
                           credential.key->models + ")",
                       Outcome::refused);
  const auto* stream_member = scanned->find("stream");
  record.streamed = endpoint.format == protocol::ApiFormat::gemini
                        ? endpoint.gemini_method == "streamGenerateContent"
                        : stream_member != nullptr && protocol::is_true(request.body, *stream_member);

  const std::string use = override_for(record.agent, *model);
  routing::RequestTraits traits;
  if (!config.routes.empty()) traits = routing::read_traits(request.body, *scanned, record.agent, *model);
  auto deployments = use.empty() ? routing::route_all(config, *model, endpoint.format, traits)
                                 : routing::route_target(config, use, *model, endpoint.format);
  const auto& route = deployments.front();
  if (route.provider == nullptr) return reply_error(response, *context, 404, route.error, Outcome::refused);
  if (!token_ok && !route.provider->forward_client_auth)
    return reply_error(response, *context, 401, "missing or wrong llmgw token; run `llmgw env` to get it",
                       Outcome::refused);
  const auto& provider = *route.provider;
  if (!has_key(route))
    return reply_error(response, *context, 500,
                       "provider '" + provider.name + "' has no API key: set " +
                           (route.key_env.empty() ? provider.api_key_env : route.key_env) +
                           " in the environment of `llmgw serve`",
                       Outcome::refused);
  // Fallbacks must be usable the same way: same kind of credentials, a key when one is needed.
  std::erase_if(deployments, [&](const routing::RouteResult& d) {
    return d.provider->forward_client_auth != provider.forward_client_auth || !has_key(d);
  });
  order_deployments(deployments, *context);
  select_deployment(*context, deployments.front());
  if (endpoint.count_tokens && context->translated) return count_tokens_locally(request, response, *context, *model);
  if (!admit(request, response, *context, request.body, *scanned)) return;

  // Retries within a deployment, then the next deployment, while no byte reached the client.
  const auto& policy = config.routing;
  for (size_t d = 0; d < deployments.size(); ++d) {
    const bool next_deployment = d + 1 < deployments.size();
    for (int attempt = 1; attempt <= policy.attempts; ++attempt) {
      const bool more_here = attempt < policy.attempts;
      auto may_retry = [&](int retry_after_seconds) {
        if (retry_after_seconds > policy.max_retry_after_seconds) return next_deployment;
        return more_here || next_deployment;
      };
      httplib::Request upstream;
      try {
        upstream = prepare_upstream(request, *scanned, *context, deployments[d]);
      } catch (const translate::TranslateError& error) {
        return reply_error(response, *context, 400, error.what(), Outcome::bad_request);
      }
      const Retry retry = record.streamed ? relay_stream(response, context, std::move(upstream), may_retry)
                                          : relay_once(response, context, std::move(upstream), may_retry);
      if (!retry.wanted) return;
      if (retry.next_key) { // another key of the same provider: not a try of its own
        --attempt;
        continue;
      }
      if (retry.after_seconds > policy.max_retry_after_seconds || !more_here) break; // next deployment
      std::this_thread::sleep_for(retry_wait(policy, attempt, retry.after_seconds));
    }
  }
}

void Gateway::order_deployments(std::vector<routing::RouteResult>& deployments, const RequestContext& context) {
  const auto& rules = context.live->config.routing;
  if (deployments.size() < 2) return;
  thread_local std::minstd_rand random(std::random_device{}());
  routing::weighted_order(deployments, std::uniform_real_distribution<double>(0.0, 1.0)(random));
  const int64_t now = policy::now_ms();
  if (rules.session_affinity && !context.record.session_id.empty()) {
    const std::string pin = m_health.pinned(context.record.session_id + "\n" + context.record.requested_model, now);
    auto it = std::find_if(deployments.begin(), deployments.end(), [&](const auto& d) { return d.id() == pin; });
    if (it != deployments.end()) std::rotate(deployments.begin(), it, it + 1);
  }
  // Cooling deployments are skipped while another remains; with none left, all are tried anyway.
  auto healthy = std::stable_partition(deployments.begin(), deployments.end(),
                                       [&](const auto& d) { return !m_health.cooling(d.id(), now); });
  if (healthy != deployments.begin()) deployments.erase(healthy, deployments.end());
}

void Gateway::select_deployment(RequestContext& context, const routing::RouteResult& deployment) {
  context.provider = deployment.provider;
  context.deployment_id = deployment.id();
  context.record.provider = deployment.provider->name;
  context.record.billed_to_client = deployment.provider->forward_client_auth;
  context.record.served_model = deployment.upstream_model;
  context.upstream_format = routing::upstream_format(*deployment.provider, context.endpoint.format);
  context.translated = context.upstream_format != context.endpoint.format;
}

httplib::Request Gateway::prepare_upstream(const httplib::Request& request, const protocol::ScannedObject& scanned,
                                           RequestContext& context, const routing::RouteResult& deployment) {
  select_deployment(context, deployment);
  const auto& provider = *deployment.provider;
  const auto& record = context.record;
  const std::string model = wire_model(provider, deployment.upstream_model);
  const auto query_at = request.target.find('?');
  const std::string_view query =
      query_at == std::string::npos ? std::string_view() : std::string_view(request.target).substr(query_at);
  httplib::Request upstream;
  upstream.method = "POST";
  upstream.path = upstream_path(provider, context.upstream_format, context.endpoint, model, record.streamed, query,
                                !context.translated);
  context.key_index = SIZE_MAX;
  context.api_key.clear();
  if (!deployment.key.empty()) {
    context.api_key = deployment.key;
  } else if (provider.key_count() > 1) {
    const int64_t now = policy::now_ms();
    for (size_t tries = 0; tries < provider.key_count() && context.api_key.empty(); ++tries) {
      context.key_index = m_health.pick_key(provider, now);
      context.api_key = provider.key_value(context.key_index);
      if (context.api_key.empty())
        m_health.bench_key(provider, context.key_index, "not set", now, context.live->config.routing.key_bench_seconds);
    }
  } else if (!provider.forward_client_auth) {
    context.api_key = provider.api_key;
  }
  upstream.headers = upstream_headers(request.headers, provider, context.api_key);
  context.hide_usage_chunk = false;
  if (!context.translated) {
    const bool want_usage = record.streamed && context.endpoint.format == protocol::ApiFormat::openai_chat;
    auto body = rewrite_body(request.body, scanned, model, want_usage);
    if (auto stripped = translate::strip_foreign_reasoning(context.upstream_format, body.body))
      body.body = std::move(*stripped);
    context.hide_usage_chunk = body.injected_usage;
    upstream.body = std::move(body.body);
  } else {
    if (!context.decoded) {
      const std::string path_model = context.endpoint.format == protocol::ApiFormat::gemini ? record.requested_model : "";
      auto decoded = translate::decode_client_request(context.endpoint.format, request.body, path_model);
      decoded.request.stream = record.streamed;
      context.decoded = std::make_shared<const translate::DecodedRequest>(std::move(decoded));
    }
    translate::RequestOptions options;
    options.model = model;
    options.family = reasoning_family(provider.kind);
    options.openai_first_party =
        provider.kind == config::ProviderKind::openai || provider.kind == config::ProviderKind::azure;
    const auto* price = context.live->prices.find(price_provider(provider), deployment.upstream_model);
    options.default_max_tokens =
        price != nullptr && price->max_output_tokens > 0 ? price->max_output_tokens : k_default_translated_max_tokens;
    upstream.body = translate::encode_upstream_request(context.upstream_format, context.decoded->request, options);
  }
  context.attempt_started = std::chrono::steady_clock::now();
  return upstream;
}

void Gateway::count_tokens_locally(const httplib::Request& request, httplib::Response& response,
                                   RequestContext& context, const std::string& model) {
  int64_t tokens = 0;
  try {
    tokens = translate::estimate_input_tokens(
        translate::decode_client_request(context.endpoint.format, request.body, model).request);
  } catch (const translate::TranslateError& error) {
    return reply_error(response, context, 400, error.what(), Outcome::bad_request);
  }
  const nlohmann::json body = context.endpoint.format == protocol::ApiFormat::gemini
                                  ? nlohmann::json{{"totalTokens", tokens}}
                                  : nlohmann::json{{"input_tokens", tokens}};
  response.set_content(body.dump(), "application/json");
  context.record.http_status = 200;
  context.record.outcome = Outcome::ok;
  context.record.ttfb_ms = context.elapsed_ms();
  settle(context, nullptr);
}

void Gateway::note_attempt(RequestContext& context, int status, std::string error, bool judges_deployment) {
  const auto latency = ms_between(context.attempt_started, std::chrono::steady_clock::now());
  const auto& rules = context.live->config.routing;
  if (judges_deployment && (status == 0 || retryable(status))) {
    m_health.failed(context.deployment_id, error.empty() ? "HTTP " + std::to_string(status) : error, policy::now_ms(),
                    rules);
  } else if (judges_deployment && status < 400) {
    m_health.succeeded(context.deployment_id);
    if (rules.session_affinity && !context.record.session_id.empty())
      m_health.pin(context.record.session_id + "\n" + context.record.requested_model, context.deployment_id,
                   policy::now_ms(), rules.affinity_minutes);
  }
  context.record.attempts.push_back(
      {context.record.provider, context.record.served_model, status, latency, std::move(error)});
}

Gateway::Retry Gateway::relay_once(httplib::Response& response, const std::shared_ptr<RequestContext>& shared,
                                   httplib::Request upstream, const MayRetry& may_retry) {
  RequestContext& context = *shared;
  const auto& provider = *context.provider;
  auto lease = m_pool.acquire(http::split_base_url(provider.base_url).origin);
  httplib::Response reply;
  httplib::Error error = httplib::Error::Success;
  if (!lease.client().send(upstream, reply, error)) {
    lease.discard();
    const std::string why = "cannot reach provider '" + provider.name + "' at " + provider.base_url + ": " +
                            http::describe(error);
    note_attempt(context, 0, why);
    if (may_retry(0)) return Retry{true, 0};
    reply_error(response, context, 502, why, Outcome::unreachable);
    return {};
  }
  const int after = retry_after_seconds(reply.headers);
  if (rotate_key(context, reply.status, reply.body, after)) return Retry{true, 0, true};
  if (retryable(reply.status) && may_retry(after)) {
    note_attempt(context, reply.status, "HTTP " + std::to_string(reply.status));
    return Retry{true, after};
  }
  note_attempt(context, reply.status, "");
  protocol::ResponseObserver observer(context.upstream_format);
  observer.observe_body(reply.body);
  auto& record = context.record;
  record.http_status = reply.status;
  record.outcome = reply.status >= 400 ? Outcome::upstream_error : Outcome::ok;
  record.error_message = redact(observer.error_message(), context.api_key);
  record.upstream_request_id = first_header(reply.headers, {"request-id", "x-request-id"});
  response.status = reply.status;
  std::string type = reply.get_header_value("Content-Type");
  move_response_headers(std::move(reply.headers), response);
  if (!context.budget_remaining.empty()) response.set_header("x-llmgw-budget-remaining-usd", context.budget_remaining);
  std::string body = redact(std::move(reply.body), context.api_key);
  if (context.translated) {
    try {
      body = translate_body(context, reply.status, body);
    } catch (const translate::TranslateError& bad) {
      reply_error(response, context, 502, "provider '" + provider.name + "' answered: " + bad.what(),
                  Outcome::upstream_error);
      return {};
    }
    type = "application/json";
  }
  response.set_content(std::move(body), type.empty() ? "application/json" : type);
  record.ttfb_ms = context.elapsed_ms();
  settle_after_reply(response, shared, std::move(observer));
  return {};
}

void Gateway::settle_after_reply(httplib::Response& response, std::shared_ptr<RequestContext> context,
                                 protocol::ResponseObserver observer) {
  response.content_provider_resource_releaser_ = [this, context = std::move(context),
                                                  seen = std::move(observer)](bool) { settle(*context, &seen); };
}

bool Gateway::rotate_key(RequestContext& context, int status, std::string_view body, int retry_after_seconds) {
  if (context.key_index == SIZE_MAX || status < 400) return false;
  const std::string trouble = key_trouble(status, body);
  if (trouble.empty()) return false;
  const auto& provider = *context.provider;
  const auto& rules = context.live->config.routing;
  // A rate-limited key rests until its retry-after (10 s when none); the others for key_bench_seconds.
  const int rest = status == 429 && trouble.rfind("rate", 0) == 0 ? (retry_after_seconds > 0 ? retry_after_seconds : 10)
                                                                  : rules.key_bench_seconds;
  const std::string env = provider.key_env(context.key_index);
  if (!m_health.bench_key(provider, context.key_index, trouble, policy::now_ms(), rest)) return false;
  std::fprintf(stderr, "llmgw: provider '%s' key %s %s: benched for %ds, using the next key\n", provider.name.c_str(),
               env.c_str(), trouble.c_str(), rest);
  note_attempt(context, status, "key " + env + " " + trouble + ": next key", false); // the key's fault
  return true;
}

std::string Gateway::translate_body(const RequestContext& context, int status, const std::string& body) const {
  if (status >= 400) return translate::translate_error(context.upstream_format, context.endpoint.format, status, body);
  return translate::translate_response(context.upstream_format, context.endpoint.format, body,
                                       context.decoded->response);
}

Gateway::Retry Gateway::relay_stream(httplib::Response& response, std::shared_ptr<RequestContext> context,
                                     httplib::Request upstream, const MayRetry& may_retry) {
  const auto& provider = *context->provider;
  StreamRelay::Guard guard;
  if (context->live->config.caps.hard && context->reservation.active && context->price != nullptr) {
    // Hard mode: the cost so far is the usage seen plus output estimated from the streamed text.
    guard = [this, context](const protocol::ResponseObserver& observer) {
      Usage live = observer.usage();
      if (!live.reported) live.input_uncached_tokens = context->estimated_input_tokens;
      live.output_tokens = std::max(live.output_tokens, (observer.streamed_text_bytes() + 3) / 4);
      return m_budget.over_cap(context->reservation, pricing::cost_usd_pico(*context->price, live));
    };
  }
  std::unique_ptr<translate::StreamTranslator> translator;
  if (context->translated)
    translator = std::make_unique<translate::StreamTranslator>(context->upstream_format, context->endpoint.format,
                                                               context->decoded->response);
  auto relay = std::make_shared<StreamRelay>(m_readers, m_pool.acquire(http::split_base_url(provider.base_url).origin),
                                             std::move(upstream),
                                             StreamRelay::Formats{context->upstream_format, context->endpoint.format},
                                             context->hide_usage_chunk, m_options.keepalive_interval, std::move(guard),
                                             std::move(translator));
  relay->start();
  const auto& head = relay->wait_head();
  auto& record = context->record;
  if (!head.connected) {
    relay->finish();
    const std::string why = "cannot reach provider '" + provider.name + "' at " + provider.base_url + ": " + head.error;
    note_attempt(*context, 0, why);
    if (may_retry(0)) return Retry{true, 0};
    reply_error(response, *context, 502, why, Outcome::unreachable);
    return {};
  }
  // Nothing has reached the client yet: a retryable status may still be retried elsewhere.
  const int after = retry_after_seconds(head.headers);
  std::string body; // a whole answer (an error, or JSON to a stream request)
  if (!head.event_stream) {
    body = relay->wait_body();
    relay->finish();
    if (rotate_key(*context, head.status, body, after)) return Retry{true, 0, true};
    if (retryable(head.status) && may_retry(after)) {
      note_attempt(*context, head.status, "HTTP " + std::to_string(head.status));
      return Retry{true, after};
    }
  }
  note_attempt(*context, head.status, "");
  record.http_status = head.status;
  record.upstream_request_id = first_header(head.headers, {"request-id", "x-request-id"});
  response.status = head.status;
  copy_response_headers(head.headers, response);
  if (!context->budget_remaining.empty())
    response.set_header("x-llmgw-budget-remaining-usd", context->budget_remaining);
  std::string type = first_header(head.headers, {"Content-Type"});
  if (!head.event_stream) {
    // An error status (or a JSON answer to a stream request) goes back whole, status intact.
    record.outcome = head.status >= 400 ? Outcome::upstream_error : Outcome::ok;
    record.error_message = redact(relay->observer().error_message(), context->api_key);
    body = redact(std::move(body), context->api_key);
    if (context->translated) {
      try {
        body = translate_body(*context, head.status, body);
      } catch (const translate::TranslateError& error) {
        body = protocol::error_body(context->endpoint.format, 502, error.what());
      }
      type = "application/json";
    }
    response.set_content(std::move(body), type.empty() ? "application/json" : type);
    record.ttfb_ms = context->elapsed_ms();
    settle_after_reply(response, context, relay->observer());
    return {};
  }
  // Keep a stream out of caches and proxy buffers; the provider's own values win when it sent them.
  if (!response.has_header("Cache-Control")) response.set_header("Cache-Control", "no-cache");
  if (!response.has_header("X-Accel-Buffering")) response.set_header("X-Accel-Buffering", "no");
  {
    std::lock_guard lock(m_streams_mutex);
    m_streams.insert(relay.get());
  }
  response.set_chunked_content_provider(
      type, [relay](size_t, httplib::DataSink& sink) { return relay->pump(sink); },
      [this, relay, context](bool success) {
        relay->finish();
        {
          std::lock_guard lock(m_streams_mutex);
          m_streams.erase(relay.get());
        }
        auto& rec = context->record;
        if (relay->first_byte_at()) rec.ttfb_ms = ms_between(context->started, *relay->first_byte_at());
        // A client may hang up as soon as it has the final event (Codex does, to run a tool):
        // once the protocol's last event went out, the response was delivered whole.
        if (relay->stopped()) rec.outcome = Outcome::capped;
        else if ((relay->client_gone() || !success) && !relay->final_event_written()) rec.outcome = Outcome::client_closed;
        else if (relay->cut()) rec.outcome = Outcome::upstream_cut;
        else if (relay->observer().saw_error()) rec.outcome = Outcome::upstream_error;
        else rec.outcome = Outcome::ok;
        rec.error_message = relay->stopped() ? "ended at a spend cap (caps.hard)"
                                             : redact(relay->observer().error_message(), context->api_key);
        settle(*context, &relay->observer());
      });
  return {};
}

bool Gateway::admit(const httplib::Request&, httplib::Response& response, RequestContext& context,
                    std::string_view body, const protocol::ScannedObject& scanned) {
  auto& record = context.record;
  // The client's own plan pays for these: caps bound the user's money, so they do not apply.
  if (record.billed_to_client || !m_budget.active()) return true;
  const policy::Subject subject{record.provider, record.agent, record.project, record.key_name};
  policy::Estimate estimate;
  estimate.input_tokens = static_cast<int64_t>(body.size() / 4) + 1; // ~4 bytes a token; JSON pads it
  const auto& provider = *context.provider;
  if (const auto* price = context.live->prices.find(price_provider(provider), record.served_model)) {
    context.price = price;
    context.estimated_input_tokens = estimate.input_tokens;
    int64_t max_output = 0;
    for (const char* field : {"max_tokens", "max_completion_tokens", "max_output_tokens"}) {
      const auto* member = scanned.find(field);
      const auto value = member ? protocol::integer_value(body, *member) : std::nullopt;
      if (value && *value > 0) {
        max_output = *value;
        break;
      }
    }
    if (max_output == 0) max_output = price->max_output_tokens > 0 ? price->max_output_tokens : k_default_max_output_tokens;
    Usage worst;
    worst.input_uncached_tokens = estimate.input_tokens;
    worst.output_tokens = max_output;
    estimate.cost_pico = pricing::cost_usd_pico(*price, worst);
  } else if (!is_local(provider)) {
    estimate.unpriced = true;
  }
  auto decision = m_budget.admit(subject, estimate, policy::now_ms());
  if (!decision.admitted) {
    if (decision.status == 429) response.set_header("retry-after", std::to_string(decision.retry_after_seconds));
    reply_error(response, context, decision.status, decision.message, Outcome::refused);
    return false;
  }
  context.reservation = std::move(decision.reservation);
  if (decision.remaining_pico) context.budget_remaining = policy::format_usd(*decision.remaining_pico).substr(1);
  if (!decision.warning.empty()) std::fprintf(stderr, "llmgw: warning: %s\n", decision.warning.c_str());
  return true;
}

void Gateway::settle(RequestContext& context, const protocol::ResponseObserver* observer) {
  auto& record = context.record;
  if (record.attempts.size() <= 1) record.attempts.clear(); // the row itself describes a single try
  record.duration_ms = context.elapsed_ms();
  if (observer != nullptr) {
    record.usage = observer->usage();
    if (!observer->served_model().empty()) record.served_model = observer->served_model();
  }
  record.usage_source = record.usage.reported ? UsageSource::reported : UsageSource::missing;
  if (context.provider != nullptr) {
    if (const auto* price = context.live->prices.find(price_provider(*context.provider), record.served_model)) {
      record.cost_usd_pico = pricing::cost_usd_pico(*price, record.usage);
      record.price_version = context.live->prices.version();
    } else if (is_local(*context.provider)) {
      record.price_version = "local"; // a model on this machine costs nothing
    } else {
      record.unpriced = true;
    }
  }
  m_budget.settle(context.reservation, {record.provider, record.agent, record.project, record.key_name},
                  record.billed_to_client ? 0 : record.cost_usd_pico, record.usage.total_tokens(), record.started_at_ms,
                  policy::now_ms());
  m_sink.record(std::move(record));
  --m_in_flight;
}

} // namespace llmgw::core::pipeline
