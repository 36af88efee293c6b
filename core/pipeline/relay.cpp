// The dispatch and relay stages: each try's request, the tries, and the answer relayed to the
// client — whole (one path for streamed and non-streamed requests) or as an event stream.
#include "core/accounting/usage_estimate.hpp"
#include "core/dispatch/dispatcher.hpp"
#include "core/http/wire.hpp"
#include "core/pipeline/output_limit.hpp"
#include "core/pipeline/provider_facts.hpp"
#include "core/pipeline/stages.hpp"
#include "core/pipeline/upstream_request.hpp"
#include "core/policy/redaction.hpp"
#include "core/providers/provider.hpp"
#include "core/protocol/response_observer.hpp"

#include <nlohmann/json.hpp>

namespace llmgw::core::pipeline {
namespace {

// Output a translated request to Anthropic asks for when the client gave no limit (Anthropic
// requires one): the model's own limit when the price table knows it.
constexpr int64_t k_default_translated_max_tokens = 16'384;

// Hard caps: how far (in output tokens) a stream's hold stays ahead of its cost so far. One
// event of a stream brings a few tokens (a text or argument delta); the README states the bound.
constexpr int64_t k_hard_cap_margin_tokens = 256;

int64_t ms_between(std::chrono::steady_clock::time_point from, std::chrono::steady_clock::time_point to) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(to - from).count();
}

// The subscription and rate-limit window headers of an answer to the client's own credentials.
std::vector<RateWindowHeader> rate_window_headers(const config::ProviderConfig& provider,
                                                  const httplib::Headers& headers) {
  if (!provider.forward_client_auth) return {};
  std::vector<RateWindowHeader> candidates;
  for (const auto& [name, value] : headers)
    if (is_rate_window_header(name)) candidates.emplace_back(name, value);
  return keep_rate_window_headers(candidates);
}

// The provider key this try carries: the deployment's own, one of the provider's (rotated), or
// the single key. Sets context.api_key; returns the key's index (SIZE_MAX when not rotated).
size_t choose_key(Services& services, RequestContext& context, const routing::RouteResult& deployment) {
  const auto& provider = *deployment.provider;
  context.api_key.clear();
  if (!deployment.key.empty()) {
    context.api_key = deployment.key;
    return SIZE_MAX;
  }
  if (provider.key_count() > 1) {
    const int64_t now = services.clock().now_ms();
    size_t index = SIZE_MAX;
    for (size_t tries = 0; tries < provider.key_count() && context.api_key.empty(); ++tries) {
      index = services.health.pick_key(provider, now);
      context.api_key = provider.key_value(index);
      if (context.api_key.empty())
        services.health.bench_key(provider, index, "not set", now, context.live->config.routing.key_bench_seconds);
    }
    return index;
  }
  if (!provider.forward_client_auth) context.api_key = provider.api_key;
  return SIZE_MAX;
}

// The upstream body: the client's bytes with the model spliced in, or the request translated.
std::string upstream_body(const Services& services, const httplib::Request& request, RequestContext& context,
                          const routing::RouteResult& deployment, const std::string& model) {
  const auto& provider = *deployment.provider;
  context.hide_usage_chunk = false;
  if (!context.translated) {
    const bool want_usage = context.record.streamed && context.endpoint.format == protocol::ApiFormat::openai_chat;
    auto body = rewrite_body(request.body, *context.scanned, model, want_usage);
    if (auto stripped = translate::strip_foreign_reasoning(context.upstream_format, body.body))
      body.body = std::move(*stripped);
    context.hide_usage_chunk = body.injected_usage;
    return std::move(body.body);
  }
  if (!context.decoded) {
    const std::string path_model = context.endpoint.format == protocol::ApiFormat::gemini ? context.model : "";
    auto decoded =
        translate::decode_client_request(context.endpoint.format, request.body, path_model, services.codecs());
    decoded.request.stream = context.record.streamed;
    context.decoded = std::make_shared<const translate::DecodedRequest>(std::move(decoded));
  }
  translate::RequestOptions options;
  options.model = model;
  options.family = reasoning_family(provider.kind);
  options.openai_first_party = providers::adapter_for(provider.kind).openai_first_party();
  const auto* price = context.live->prices.find(price_provider(provider), deployment.upstream_model);
  options.default_max_tokens =
      price != nullptr && price->max_output_tokens > 0 ? price->max_output_tokens : k_default_translated_max_tokens;
  return translate::encode_upstream_request(context.upstream_format, context.decoded->request, options,
                                            services.codecs());
}

// Hard caps: a running stream's cost so far is its usage as a row would record it now (reported,
// or estimated from the request sent and the text streamed: complete_usage). Its hold must stay
// k_hard_cap_margin_tokens of output ahead of that cost, grown under the caps' lock as it runs;
// when a cap cannot pay for that, the relay ends the stream, so its cost stays within what it
// held unless one read brings more than the margin.
dispatch::StreamRelay::Guard hard_cap_guard(Services& services, const std::shared_ptr<RequestContext>& context) {
  if (!context->live->config.caps.hard || !context->reservation.caps.active || context->price == nullptr)
    return nullptr;
  return [&services, context](const protocol::ResponseObserver& observer) {
    Usage live = complete_usage({observer.usage(), observer.usage_final(), context->estimated_input_tokens,
                                 observer.streamed_text_bytes()})
                     .usage;
    const int64_t live_cost = pricing::cost_usd_pico(*context->price, live);
    live.output_tokens += k_hard_cap_margin_tokens;
    const int64_t needed = pricing::cost_usd_pico(*context->price, live);
    const auto refusal =
        services.budget.extend_hold(context->reservation, needed, live_cost, services.clock().now_ms());
    return refusal ? std::optional<std::string>(policy::refusal_message(*refusal)) : std::nullopt;
  };
}

dispatch::PreparedTry prepare_try(Services& services, const httplib::Request& request,
                                  const std::shared_ptr<RequestContext>& shared,
                                  const routing::RouteResult& deployment) {
  RequestContext& context = *shared;
  select_deployment(context, deployment);
  const auto& provider = *deployment.provider;
  const std::string model = wire_model(provider, deployment.upstream_model);
  const auto query_at = request.target.find('?');
  const std::string_view query =
      query_at == std::string::npos ? std::string_view() : std::string_view(request.target).substr(query_at);
  dispatch::PreparedTry prepared;
  auto& exchange = prepared.exchange;
  exchange.origin = http::split_base_url(provider.base_url).origin;
  exchange.request.method = "POST";
  exchange.request.path = upstream_path(provider, context.upstream_format, context.endpoint, model,
                                        context.record.streamed, query, !context.translated);
  prepared.key_index = choose_key(services, context, deployment);
  exchange.request.headers = upstream_headers(request.headers, provider, context.api_key);
  exchange.request.body = upstream_body(services, request, context, deployment, model);
  // The caps pay for less output than the request asks: the provider is told so.
  if (context.output_limit_tokens > 0)
    exchange.request.body =
        limit_output(context.upstream_format, std::move(exchange.request.body), context.output_limit_tokens);
  // What an estimate of this try's input goes by when the provider reports none (settlement, hard caps).
  context.estimated_input_tokens = estimate_tokens(static_cast<int64_t>(exchange.request.body.size()));
  exchange.stream = context.record.streamed;
  auto& relay = exchange.relay;
  relay.formats = {context.upstream_format, context.endpoint.format};
  relay.hide_usage_chunk = context.hide_usage_chunk;
  relay.keepalive_interval = services.options.keepalive_interval;
  relay.max_body_bytes = static_cast<size_t>(services.server.max_response_bytes);
  relay.secret = context.api_key;
  if (exchange.stream) {
    relay.guard = hard_cap_guard(services, shared);
    if (context.translated)
      relay.translator = std::make_unique<translate::StreamTranslator>(context.upstream_format, context.endpoint.format,
                                                                       context.decoded->response, services.codecs());
  }
  return prepared;
}

// Settle once the server has written the response (its releaser runs when the server is done
// with it), so pricing, the cap reservation and the hand-over to the ledger stay off the wait.
void settle_after_reply(httplib::Response& response, std::shared_ptr<RequestContext> context,
                        protocol::ResponseObserver observer) {
  response.content_provider_resource_releaser_ = [context = std::move(context), seen = std::move(observer)](bool) {
    context->settlement.settle(&seen);
  };
}

std::string megabytes(int64_t bytes) { return std::to_string(bytes / (1024 * 1024)) + " MB"; }

// A whole answer (JSON, or an error) to a streamed or non-streamed request: status intact, the
// body translated when the formats differ, keys redacted.
void deliver_whole(Services& services, httplib::Response& response, const std::shared_ptr<RequestContext>& shared,
                   dispatch::Answer answer) {
  RequestContext& context = *shared;
  const auto& provider = *context.provider;
  auto& record = context.record;
  if (answer.too_large)
    return reply_locally(response, context,
                         {502,
                          "provider '" + provider.name + "' answered with more than " +
                              megabytes(services.server.max_response_bytes) + " (server.max_response_mb)",
                          Outcome::upstream_error,
                          {}});
  protocol::ResponseObserver observer(context.upstream_format);
  observer.observe_body(answer.body);
  std::string body = std::move(answer.body);
  policy::redact_in_place(body, context.api_key);
  std::string type(http::wire::first_header(answer.headers, {"Content-Type"}));
  if (context.translated) {
    try {
      body = answer.status >= 400 ? translate::translate_error(context.upstream_format, context.endpoint.format,
                                                               answer.status, body, services.codecs())
                                  : translate::translate_response(context.upstream_format, context.endpoint.format,
                                                                  body, context.decoded->response, services.codecs());
    } catch (const translate::TranslateError& bad) {
      record.http_status = answer.status;
      return reply_locally(
          response, context,
          {502, "provider '" + provider.name + "' answered: " + bad.what(), Outcome::upstream_error, {}});
    }
    type = "application/json";
  }
  record.http_status = answer.status;
  record.outcome = answer.status >= 400 ? Outcome::upstream_error : Outcome::ok;
  record.error_message = observer.error_message();
  policy::redact_in_place(record.error_message, context.api_key);
  record.upstream_request_id = http::wire::first_header(answer.headers, {"request-id", "x-request-id"});
  record.rate_windows = rate_window_headers(provider, answer.headers);
  response.status = answer.status;
  move_response_headers(std::move(answer.headers), response);
  policy::redact_headers(response.headers, context.api_key);
  if (!context.budget_remaining.empty()) response.set_header("x-llmgw-budget-remaining-usd", context.budget_remaining);
  response.set_content(std::move(body), type.empty() ? "application/json" : type);
  record.ttfb_ms = context.elapsed_ms();
  settle_after_reply(response, shared, std::move(observer));
}

// How a relayed stream ended, for its row.
Outcome stream_outcome(const dispatch::StreamRelay& relay, bool success) {
  if (relay.stopped()) return Outcome::capped;
  if (relay.aborted()) return Outcome::shutdown;
  if (!relay.internal_error().empty()) return Outcome::internal_error;
  // A client may hang up as soon as it has the final event (Codex does, to run a tool): once the
  // protocol's last event went out, the response was delivered whole.
  if ((relay.client_gone() || !success) && !relay.final_event_written()) return Outcome::client_closed;
  if (relay.cut()) return Outcome::upstream_cut;
  if (relay.observer().saw_error()) return Outcome::upstream_error;
  return Outcome::ok;
}

// What the row of a relayed stream says went wrong, if anything.
std::string stream_error_message(const dispatch::StreamRelay& relay) {
  if (relay.stopped()) return "ended at a spend cap (caps.hard)";
  if (relay.aborted()) return "ended by llmgw shutting down";
  if (!relay.internal_error().empty()) return relay.internal_error();
  return relay.observer().error_message();
}

void deliver_stream(Services& services, httplib::Response& response, const std::shared_ptr<RequestContext>& context,
                    dispatch::Answer answer) {
  auto relay = std::move(answer.stream);
  auto& record = context->record;
  record.http_status = answer.status;
  record.upstream_request_id = http::wire::first_header(answer.headers, {"request-id", "x-request-id"});
  record.rate_windows = rate_window_headers(*context->provider, answer.headers);
  response.status = answer.status;
  const std::string type(http::wire::first_header(answer.headers, {"Content-Type"})); // the headers move next
  move_response_headers(std::move(answer.headers), response);
  policy::redact_headers(response.headers, context->api_key);
  if (!context->budget_remaining.empty())
    response.set_header("x-llmgw-budget-remaining-usd", context->budget_remaining);
  // Keep a stream out of caches and proxy buffers; the provider's own values win when it sent them.
  if (!http::wire::has_header(response.headers, "Cache-Control")) response.set_header("Cache-Control", "no-cache");
  if (!http::wire::has_header(response.headers, "X-Accel-Buffering")) response.set_header("X-Accel-Buffering", "no");
  services.track(relay.get(), true);
  response.set_chunked_content_provider(
      type,
      [relay](size_t, httplib::DataSink& sink) {
        try {
          return relay->pump(sink);
        } catch (const std::exception&) {
          return false; // the releaser below records the stream as it ended
        }
      },
      [&services, relay, context](bool success) {
        relay->finish();
        services.track(relay.get(), false);
        auto& row = context->record;
        if (relay->first_byte_at()) row.ttfb_ms = ms_between(context->started, *relay->first_byte_at());
        row.outcome = stream_outcome(*relay, success);
        row.error_message = stream_error_message(*relay);
        policy::redact_in_place(row.error_message, context->api_key);
        context->settlement.settle(&relay->observer());
      });
}

} // namespace

void dispatch_and_relay(Services& services, const httplib::Request& request, httplib::Response& response,
                        const std::shared_ptr<RequestContext>& context) {
  const auto& policy = context->live->config.routing;
  const std::string pin = policy.session_affinity && !context->record.session_id.empty()
                              ? context->record.session_id + "\n" + context->model
                              : std::string();
  dispatch::Dispatcher dispatcher(services.upstream(), services.clock(), services.health);
  dispatch::Dispatched tried;
  try {
    tried = dispatcher.run(context->deployments, policy, pin, [&](const routing::RouteResult& deployment) {
      return prepare_try(services, request, context, deployment);
    });
  } catch (const translate::TranslateError& error) {
    // The client's request cannot be put in the provider's format.
    return reply_locally(response, *context, {400, error.what(), Outcome::bad_request, {}});
  }
  context->record.attempts = std::move(tried.attempts);
  auto& answer = tried.answer;
  if (!answer.connected)
    return reply_locally(response, *context, {502, context->record.attempts.back().error, Outcome::unreachable, {}});
  if (answer.stream) return deliver_stream(services, response, context, std::move(answer));
  deliver_whole(services, response, context, std::move(answer));
}

void count_tokens_locally(const Services& services, const httplib::Request& request, httplib::Response& response,
                          RequestContext& context) {
  int64_t tokens = 0;
  try {
    tokens = translate::estimate_input_tokens(
        translate::decode_client_request(context.endpoint.format, request.body, context.model, services.codecs())
            .request);
  } catch (const translate::TranslateError& error) {
    return reply_locally(response, context, {400, error.what(), Outcome::bad_request, {}});
  }
  const nlohmann::json body = context.endpoint.format == protocol::ApiFormat::gemini
                                  ? nlohmann::json{{"totalTokens", tokens}}
                                  : nlohmann::json{{"input_tokens", tokens}};
  response.set_content(body.dump(), "application/json");
  context.record.http_status = 200;
  context.record.outcome = Outcome::ok;
  context.record.ttfb_ms = context.elapsed_ms();
  context.settlement.settle(nullptr);
}

} // namespace llmgw::core::pipeline
