#pragma once
// GET /metrics: the Prometheus scrape (core/metrics), with the gauges read at scrape time.
#include "core/metrics/request_metrics.hpp"
#include "core/pipeline/services.hpp"

#include <httplib.h>

namespace llmgw::core::pipeline {

// The label values a metric may carry under this config: provider names, the models the
// providers list, [models] names and targets, the price table's models, and the agents llmgw detects.
metrics::KnownNames known_names(const LiveConfig& live);

// Answers a scrape: 404 when this gateway has no metrics, 401 without the gateway token (unless
// metrics.auth = "none" and the server listens on loopback), else the text exposition.
void serve_metrics(Services& services, const httplib::Request& request, httplib::Response& response);

} // namespace llmgw::core::pipeline
