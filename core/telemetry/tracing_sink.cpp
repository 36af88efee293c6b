#include "core/telemetry/tracing_sink.hpp"

namespace llmgw::core::telemetry {

void TracingSink::record(RequestRecord&& record) {
  if (m_exporter != nullptr) {
    std::vector<Span> spans;
    {
      std::lock_guard lock(m_builder_mutex);
      spans = m_builder.spans_of(record);
    }
    m_exporter->enqueue(std::move(spans));
  }
  m_next.record(std::move(record));
}

} // namespace llmgw::core::telemetry
