#pragma once
// `llmgw serve`'s metrics: the request counters in front of the ledger, and the ledger's own
// gauges read at each scrape.
#include "core/metrics/request_metrics.hpp"
#include "core/pipeline/gateway.hpp"
#include "core/telemetry/exporter.hpp"
#include "store/ledger.hpp"

namespace llmgw::cli {

// Adds the ledger's queue depth, write latency and row counts to every scrape.
void add_ledger_metrics(core::metrics::RequestMetrics& metrics, const store::Ledger& ledger);
// Adds the trace exporter's spans exported and dropped and its failed exports ([telemetry]).
void add_trace_metrics(core::metrics::RequestMetrics& metrics, const core::telemetry::Exporter& exporter);
// Label values from the gateway's config in force now (later reloads are picked up at scrape).
void seed_metric_names(core::metrics::RequestMetrics& metrics, const core::pipeline::Gateway& gateway);

} // namespace llmgw::cli
