// The admit stage: caps and rate limits, reserved before any upstream call (DESIGN.md §4).
//
// A request reserves what it is expected to cost: its input plus the output recent requests of
// the same agent and model produced (OutputHistory), never more than its output limit. Its worst
// case (the whole output limit) is made safe another way: in hard mode a stream is ended at the
// cap (relay.cpp); a request that is not cut at the cap has its output limit lowered to what the
// caps have left (output_limit.hpp), and in hard mode holds that whole worst case.
#include "core/pipeline/output_limit.hpp"
#include "core/pipeline/provider_facts.hpp"
#include "core/pipeline/stages.hpp"
#include "core/policy/usd.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>

namespace llmgw::core::pipeline {
namespace {

// Output a worst case assumes when neither the request nor the price table gives a limit.
constexpr int64_t k_default_max_output_tokens = 32'000;

// A cap (402) or rate limit (429, with when to retry) as the client hears it.
LocalReply refusal_reply(const policy::Refusal& refusal) {
  LocalReply reply{refusal.status, policy::refusal_message(refusal), Outcome::refused, {}};
  if (refusal.retry_after_seconds > 0)
    reply.headers.emplace("retry-after", std::to_string(refusal.retry_after_seconds));
  return reply;
}

int64_t cost_of(const pricing::ModelPrice& price, int64_t input_tokens, int64_t output_tokens) {
  Usage usage;
  usage.input_uncached_tokens = input_tokens;
  usage.output_tokens = output_tokens;
  return pricing::cost_usd_pico(price, usage);
}

// The most output tokens that keep the request's cost within cost_pico (prices are integer
// pico-USD per token, so the cost is linear in output tokens).
int64_t output_tokens_within(const pricing::ModelPrice& price, int64_t input_tokens, int64_t cost_pico) {
  const int64_t base = cost_of(price, input_tokens, 0);
  const int64_t per_token = cost_of(price, input_tokens, 1) - base;
  return per_token > 0 ? std::max<int64_t>(0, (cost_pico - base) / per_token) : INT64_MAX;
}

// Expected, worst and least cost of a priced request; how it may be made safe at the cap.
policy::Estimate priced_estimate(Services& services, const httplib::Request& request, RequestContext& context,
                                 const pricing::ModelPrice& price, int64_t input_tokens) {
  const auto format = context.endpoint.format;
  const std::string_view body = request.body;
  int64_t max_output = requested_output_limit(format, body, *context.scanned);
  if (max_output == 0) max_output = price.max_output_tokens > 0 ? price.max_output_tokens : k_default_max_output_tokens;
  const int64_t expected = services.budget.outputs().expected_tokens(context.record.agent, context.model, max_output);
  const int64_t least = std::min(max_output, std::max(expected, least_output_limit(format, body, *context.scanned)));
  const bool hard = context.live->config.caps.hard;
  policy::Estimate estimate;
  estimate.input_tokens = input_tokens;
  estimate.cost_pico = cost_of(price, input_tokens, expected);
  estimate.worst_pico = cost_of(price, input_tokens, max_output);
  estimate.floor_pico = cost_of(price, input_tokens, least);
  // A stream in hard mode is ended at the cap; anything else runs to its output limit.
  estimate.fit_worst = !(hard && context.record.streamed);
  estimate.hold_worst = hard && !context.record.streamed;
  return estimate;
}

} // namespace

Verdict admit(Services& services, const httplib::Request& request, RequestContext& context) {
  auto& record = context.record;
  // The client's own plan pays for these: caps bound the user's money, so they do not apply.
  if (record.billed_to_client || !services.budget.active()) return std::nullopt;
  const policy::Subject subject{record.provider, record.agent, record.project, record.key_name, record.user_name};
  const int64_t input_tokens = static_cast<int64_t>(request.body.size() / 4) + 1; // ~4 bytes a token; JSON pads it
  policy::Estimate estimate;
  estimate.input_tokens = input_tokens;
  const auto& provider = *context.provider;
  const auto* price = context.live->prices.find(price_provider(provider), record.served_model);
  if (price != nullptr) {
    context.price = price;
    context.estimated_input_tokens = input_tokens;
    estimate = priced_estimate(services, request, context, *price, input_tokens);
  } else if (!is_local(provider)) {
    estimate.unpriced = true;
  }
  auto decision = services.budget.admit(subject, estimate, services.clock().now_ms());
  if (decision.refusal) return refusal_reply(*decision.refusal);
  if (price != nullptr && decision.reservation.caps.active && decision.allowed_worst_pico < estimate.worst_pico) {
    const int64_t limit = output_tokens_within(*price, input_tokens, decision.allowed_worst_pico);
    if (limit < INT64_MAX) context.output_limit_tokens = std::max<int64_t>(1, limit);
  }
  context.reservation = std::move(decision.reservation);
  if (decision.remaining_pico) context.budget_remaining = policy::format_usd(*decision.remaining_pico).substr(1);
  if (decision.warning)
    std::fprintf(stderr, "llmgw: warning: %s\n", policy::warning_message(*decision.warning).c_str());
  return std::nullopt;
}

} // namespace llmgw::core::pipeline
