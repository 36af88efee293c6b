#pragma once
// A UsageSink in front of another (the ledger): each finished request becomes spans for the
// exporter, then goes on unchanged.
#include "core/accounting/request_record.hpp"
#include "core/telemetry/exporter.hpp"
#include "core/telemetry/record_spans.hpp"

#include <mutex>

namespace llmgw::core::telemetry {

class TracingSink : public UsageSink {
public:
  // exporter == nullptr: traces are off and records only pass through.
  TracingSink(UsageSink& next, Exporter* exporter, SpanBuilder builder)
      : m_next(next), m_exporter(exporter), m_builder(std::move(builder)) {}

  using UsageSink::record;
  void record(RequestRecord&& record) override;

private:
  UsageSink& m_next;
  Exporter* m_exporter;
  std::mutex m_builder_mutex; // the builder's random ids
  SpanBuilder m_builder;
};

} // namespace llmgw::core::telemetry
