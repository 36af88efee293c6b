// The request counters and the text exposition: bounded labels, escaping, histogram buckets.
#include "core/metrics/exposition.hpp"
#include "core/metrics/histogram.hpp"
#include "core/metrics/request_metrics.hpp"

#include <doctest/doctest.h>

#include <vector>

using namespace llmgw::core;
using namespace llmgw::core::metrics;

namespace {

struct KeepingSink : UsageSink {
  std::vector<RequestRecord> rows;
  using UsageSink::record;
  void record(RequestRecord&& record) override { rows.push_back(std::move(record)); }
};

RequestRecord row(const std::string& provider, const std::string& model, const std::string& agent, int status) {
  RequestRecord record;
  record.provider = provider;
  record.requested_model = model;
  record.agent = agent;
  record.http_status = status;
  record.outcome = status == 200 ? Outcome::ok : Outcome::upstream_error;
  record.duration_ms = 1500;
  record.ttfb_ms = 300;
  record.usage.input_uncached_tokens = 10;
  record.usage.output_tokens = 5;
  record.cost_usd_pico = 2'500'000'000; // $0.0025
  return record;
}

std::string scrape(const RequestMetrics& metrics) {
  TextWriter out;
  metrics.write(out);
  return out.text();
}

bool has(const std::string& text, const std::string& line) { return text.find(line + "\n") != std::string::npos; }

} // namespace

TEST_CASE("metrics: counts a finished request under known names and hands it on to the ledger") {
  KeepingSink ledger;
  RequestMetrics metrics(ledger);
  metrics.set_names(nullptr, KnownNames{{"openai"}, {"gpt-4o"}, {"codex"}});
  metrics.record(row("openai", "gpt-4o", "codex", 200));
  metrics.record(row("openai", "gpt-4o", "codex", 200));
  REQUIRE(ledger.rows.size() == 2);
  const std::string text = scrape(metrics);
  CHECK(
      has(text, R"(llmgw_requests_total{provider="openai",model="gpt-4o",agent="codex",status="2xx",outcome="ok"} 2)"));
  CHECK(has(text, R"(llmgw_tokens_total{provider="openai",model="gpt-4o",agent="codex",kind="input"} 20)"));
  CHECK(has(text, R"(llmgw_cost_usd_total{provider="openai",model="gpt-4o",agent="codex"} 0.005)"));
  CHECK(has(text, R"(llmgw_request_duration_seconds_bucket{provider="openai",le="1"} 0)"));
  CHECK(has(text, R"(llmgw_request_duration_seconds_bucket{provider="openai",le="2"} 2)"));
  CHECK(has(text, R"(llmgw_request_duration_seconds_bucket{provider="openai",le="+Inf"} 2)"));
  CHECK(has(text, R"(llmgw_request_duration_seconds_sum{provider="openai"} 3)"));
  CHECK(has(text, R"(llmgw_time_to_first_byte_seconds_count{provider="openai"} 2)"));
  CHECK(has(text, R"(llmgw_upstream_tries_total{provider="openai"} 2)"));
}

TEST_CASE("metrics: names a client chose (model, agent, provider) are counted as other") {
  KeepingSink ledger;
  RequestMetrics metrics(ledger);
  metrics.set_names(nullptr, KnownNames{{"openai"}, {"gpt-4o"}, {"codex"}});
  metrics.record(row("openai", "my-secret-project\"x", "someone", 400));
  metrics.record(row("", "", "codex", 401));
  const std::string text = scrape(metrics);
  CHECK(has(
      text,
      R"(llmgw_requests_total{provider="openai",model="other",agent="other",status="4xx",outcome="upstream_error"} 1)"));
  CHECK(has(
      text,
      R"(llmgw_requests_total{provider="none",model="none",agent="codex",status="4xx",outcome="upstream_error"} 1)"));
  CHECK(text.find("my-secret-project") == std::string::npos);
  CHECK(has(text, R"(llmgw_upstream_failures_total{provider="openai",reason="client_error"} 1)"));
}

TEST_CASE("metrics: the number of label sets is bounded whatever the names") {
  KeepingSink ledger;
  RequestMetrics metrics(ledger);
  KnownNames names;
  for (int i = 0; i < 3000; ++i) names.models.insert("m" + std::to_string(i));
  names.providers.insert("p");
  metrics.set_names(nullptr, names);
  for (int i = 0; i < 3000; ++i) metrics.record(row("p", "m" + std::to_string(i), "a", 200));
  const std::string text = scrape(metrics);
  size_t series = 0;
  for (size_t at = text.find("\nllmgw_requests_total{"); at != std::string::npos;
       at = text.find("\nllmgw_requests_total{", at + 1))
    ++series;
  CHECK(series <= k_max_label_sets + 1);
  CHECK(has(text,
            R"(llmgw_requests_total{provider="other",model="other",agent="other",status="2xx",outcome="ok"} 2000)"));
}

TEST_CASE("metrics: label values and help text are escaped; numbers round-trip") {
  TextWriter out;
  out.family("x_total", "counter", "a \\ b\nc");
  out.sample("x_total", {{"name", "a\"b\\c\nd"}}, int64_t{3});
  CHECK(out.text() == "# HELP x_total a \\\\ b\\nc\n# TYPE x_total counter\nx_total{name=\"a\\\"b\\\\c\\nd\"} 3\n");
  CHECK(format_number(0.1) == "0.1");
  CHECK(format_number(1.0 / 3) == "0.3333333333333333");
  CHECK(format_number(1e300 * 1e300) == "+Inf");
}
