// The admit stage: caps and rate limits, reserved before any upstream call (DESIGN.md §4).
#include "core/pipeline/provider_facts.hpp"
#include "core/pipeline/stages.hpp"
#include "core/policy/usd.hpp"

#include <cstdio>

namespace llmgw::core::pipeline {
namespace {

// Output a reservation assumes when neither the request nor the price table gives a limit.
constexpr int64_t k_default_max_output_tokens = 32'000;

// The output limit the request asks for, 0 when it names none.
int64_t requested_max_output(std::string_view body, const protocol::ScannedObject& scanned) {
  for (const char* field : {"max_tokens", "max_completion_tokens", "max_output_tokens"}) {
    const auto* member = scanned.find(field);
    const auto value = member ? protocol::integer_value(body, *member) : std::nullopt;
    if (value && *value > 0) return *value;
  }
  return 0;
}

// A cap (402) or rate limit (429, with when to retry) as the client hears it.
LocalReply refusal_reply(const policy::Refusal& refusal) {
  LocalReply reply{refusal.status, policy::refusal_message(refusal), Outcome::refused, {}};
  if (refusal.retry_after_seconds > 0)
    reply.headers.emplace("retry-after", std::to_string(refusal.retry_after_seconds));
  return reply;
}

} // namespace

Verdict admit(Services& services, const httplib::Request& request, RequestContext& context) {
  auto& record = context.record;
  // The client's own plan pays for these: caps bound the user's money, so they do not apply.
  if (record.billed_to_client || !services.budget.active()) return std::nullopt;
  const policy::Subject subject{record.provider, record.agent, record.project, record.key_name};
  const std::string_view body = request.body;
  policy::Estimate estimate;
  estimate.input_tokens = static_cast<int64_t>(body.size() / 4) + 1; // ~4 bytes a token; JSON pads it
  const auto& provider = *context.provider;
  if (const auto* price = context.live->prices.find(price_provider(provider), record.served_model)) {
    context.price = price;
    context.estimated_input_tokens = estimate.input_tokens;
    int64_t max_output = requested_max_output(body, *context.scanned);
    if (max_output == 0)
      max_output = price->max_output_tokens > 0 ? price->max_output_tokens : k_default_max_output_tokens;
    Usage worst;
    worst.input_uncached_tokens = estimate.input_tokens;
    worst.output_tokens = max_output;
    estimate.cost_pico = pricing::cost_usd_pico(*price, worst);
  } else if (!is_local(provider)) {
    estimate.unpriced = true;
  }
  auto decision = services.budget.admit(subject, estimate, services.clock().now_ms());
  if (decision.refusal) return refusal_reply(*decision.refusal);
  context.reservation = std::move(decision.reservation);
  if (decision.remaining_pico) context.budget_remaining = policy::format_usd(*decision.remaining_pico).substr(1);
  if (decision.warning)
    std::fprintf(stderr, "llmgw: warning: %s\n", policy::warning_message(*decision.warning).c_str());
  return std::nullopt;
}

} // namespace llmgw::core::pipeline
