#include "core/pipeline/settlement.hpp"

#include "core/accounting/usage_estimate.hpp"
#include "core/pipeline/provider_facts.hpp"
#include "core/pipeline/request_context.hpp"
#include "core/pipeline/services.hpp"

#include <cstdio>
#include <exception>

namespace llmgw::core::pipeline {

namespace {

// The usage a row records and where it came from. A 2xx answer without its final usage (a cut
// stream, a body without usage) was billed by the provider: what is missing is estimated, never
// left at $0. An error the provider raised before anything was generated is not billed.
UsageReading usage_reading(const RequestRecord& record, const protocol::ResponseObserver& observer,
                           int64_t input_estimate_tokens) {
  const Received received{observer.usage(), observer.usage_final(), input_estimate_tokens,
                          observer.streamed_text_bytes()};
  const bool answered = record.http_status >= 200 && record.http_status < 300;
  const bool nothing_billed = observer.saw_error() && !observer.usage().reported && received.output_bytes == 0;
  if (received.usage_final || (answered && !nothing_billed)) return complete_usage(received);
  return {observer.usage(), observer.usage().reported ? UsageSource::reported : UsageSource::missing};
}

} // namespace

Settlement::Settlement(Services& services, RequestContext& context) : m_services(&services), m_context(&context) {
  ++services.in_flight;
}

Settlement::Settlement(Settlement&& other) noexcept
    : m_services(std::exchange(other.m_services, nullptr)), m_context(std::exchange(other.m_context, nullptr)) {}

Settlement& Settlement::operator=(Settlement&& other) noexcept {
  if (this != &other) {
    settle(nullptr);
    m_services = std::exchange(other.m_services, nullptr);
    m_context = std::exchange(other.m_context, nullptr);
  }
  return *this;
}

Settlement::~Settlement() {
  if (!pending()) return;
  auto& record = m_context->record;
  // Nothing settled this request: whatever ended it (an exception, a response dropped before it
  // was written) was llmgw's fault, and the row says so.
  if (record.http_status == 0) {
    record.outcome = Outcome::internal_error;
    record.error_message = "llmgw ended the request without an answer (internal error)";
  }
  settle(nullptr);
}

void Settlement::settle(const protocol::ResponseObserver* observer) noexcept {
  if (!pending()) return;
  try {
    settle_now(observer);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "llmgw: error: settling a request failed: %s\n", error.what());
  } catch (...) {
    std::fprintf(stderr, "llmgw: error: settling a request failed\n");
  }
  // Whatever happened above, the request is no longer in flight.
  --m_services->in_flight;
  m_context = nullptr;
  m_services = nullptr;
}

void Settlement::settle_now(const protocol::ResponseObserver* observer) {
  auto& context = *m_context;
  auto& record = context.record;
  if (record.attempts.size() <= 1) record.attempts.clear(); // the row itself describes a single try
  record.duration_ms = context.elapsed_ms();
  if (observer != nullptr) {
    auto reading = usage_reading(record, *observer, context.estimated_input_tokens);
    record.usage = reading.usage;
    record.usage_source = reading.source;
    if (!observer->served_model().empty()) record.served_model = observer->served_model();
  } else {
    record.usage_source = record.usage.reported ? UsageSource::reported : UsageSource::missing;
  }
  if (context.provider != nullptr) {
    // The same lookup `llmgw prices MODEL` answers with; the row says how the price was found.
    if (const auto match = context.live->prices.match(price_provider(*context.provider), record.served_model)) {
      record.cost_usd_pico = pricing::cost_usd_pico(*match.price, record.usage);
      record.price_version = context.live->prices.version();
      record.price_basis = std::string(pricing::to_string(match.basis));
    } else if (is_local(*context.provider)) {
      record.price_version = "local"; // a model on this machine costs nothing
    } else {
      record.unpriced = true;
    }
  }
  // The reservation is released even when handing the row over fails.
  m_services->budget.settle(context.reservation,
                            {record.provider, record.agent, record.project, record.key_name, record.user_name},
                            record.billed_to_client ? 0 : record.cost_usd_pico, record.usage.total_tokens(),
                            record.started_at_ms, m_services->clock().now_ms());
  // Only a whole answer tells what such a request produces; a cut one would teach too little.
  if (record.outcome == Outcome::ok && record.usage.reported)
    m_services->budget.outputs().learn(record.agent, context.model, record.usage.output_tokens);
  m_services->sink.record(std::move(record));
}

} // namespace llmgw::core::pipeline
