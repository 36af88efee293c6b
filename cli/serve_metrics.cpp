#include "cli/serve_metrics.hpp"

#include "core/pipeline/metrics_endpoint.hpp"

namespace llmgw::cli {

void add_ledger_metrics(core::metrics::RequestMetrics& metrics, const store::Ledger& ledger) {
  metrics.add_collector([&ledger](core::metrics::TextWriter& out) {
    out.family("llmgw_ledger_queue_depth", "gauge", "Finished requests waiting for the ledger writer.");
    out.sample("llmgw_ledger_queue_depth", {}, ledger.queue_depth());
    out.family("llmgw_ledger_write_seconds", "histogram", "Time to commit one batch of ledger rows, in seconds.");
    out.histogram("llmgw_ledger_write_seconds", {}, ledger.write_latency().snapshot());
    out.family("llmgw_ledger_rows_written_total", "counter", "Ledger rows committed.");
    out.sample("llmgw_ledger_rows_written_total", {}, ledger.rows_written());
    out.family("llmgw_ledger_rows_dropped_total", "counter", "Ledger rows given up after repeated write errors.");
    out.sample("llmgw_ledger_rows_dropped_total", {}, ledger.rows_dropped());
  });
}

void add_trace_metrics(core::metrics::RequestMetrics& metrics, const core::telemetry::Exporter& exporter) {
  metrics.add_collector([&exporter](core::metrics::TextWriter& out) {
    const core::telemetry::ExporterStats stats = exporter.stats();
    out.family("llmgw_trace_spans_exported_total", "counter", "OpenTelemetry spans the collector accepted.");
    out.sample("llmgw_trace_spans_exported_total", {}, stats.spans_exported);
    out.family("llmgw_trace_spans_dropped_total", "counter",
               "OpenTelemetry spans dropped (queue full, export given up, or unsent at shutdown).");
    out.sample("llmgw_trace_spans_dropped_total", {}, stats.spans_dropped);
    out.family("llmgw_trace_exports_failed_total", "counter",
               "OpenTelemetry export batches given up after their tries.");
    out.sample("llmgw_trace_exports_failed_total", {}, stats.exports_failed);
  });
}

void seed_metric_names(core::metrics::RequestMetrics& metrics, const core::pipeline::Gateway& gateway) {
  const auto live = gateway.live();
  metrics.set_names(live.get(), core::pipeline::known_names(*live));
}

} // namespace llmgw::cli
