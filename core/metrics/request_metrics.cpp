#include "core/metrics/request_metrics.hpp"

#include <chrono>

namespace llmgw::core::metrics {
namespace {

constexpr const char* k_other = "other";
constexpr std::array<const char*, 5> k_token_kinds{"input", "output", "cache_read", "cache_write", "reasoning"};

// A request that never reached an upstream (llmgw refused it, it was malformed, llmgw failed).
bool tried_upstream(const RequestRecord& record) {
  return !record.provider.empty() && record.outcome != Outcome::refused && record.outcome != Outcome::bad_request &&
         record.outcome != Outcome::internal_error;
}

double seconds_since_epoch() {
  using namespace std::chrono;
  return static_cast<double>(duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count()) / 1e3;
}

} // namespace

std::string status_class(int http_status) {
  if (http_status < 100 || http_status > 599) return "none";
  return std::to_string(http_status / 100) + "xx";
}

std::string failure_reason(int http_status, Outcome outcome) {
  if (outcome == Outcome::upstream_cut) return "cut";
  if (http_status == 0 || outcome == Outcome::unreachable) return "unreachable";
  if (http_status == 429) return "rate_limited";
  if (http_status >= 500) return "server_error";
  return "client_error";
}

RequestMetrics::RequestMetrics(UsageSink& next) : m_next(next), m_started_at_seconds(seconds_since_epoch()) {}

std::string RequestMetrics::label(const std::unordered_set<std::string>& known, const std::string& value) const {
  if (value.empty()) return "none";
  return known.count(value) ? value : k_other;
}

void RequestMetrics::record(RequestRecord&& record) {
  {
    std::lock_guard lock(m_mutex);
    const std::string provider = label(m_names.providers, record.provider);
    const std::string& model_name = record.model();
    SeriesKey key{provider, label(m_names.models, model_name), label(m_names.agents, record.agent),
                  status_class(record.http_status), std::string(to_string(record.outcome))};
    auto found = m_series.find(key);
    if (found == m_series.end()) {
      if (m_series.size() >= k_max_label_sets) {
        std::get<0>(key) = std::get<1>(key) = std::get<2>(key) = k_other;
        if (m_series.size() > k_max_label_sets + 64) std::get<3>(key) = std::get<4>(key) = k_other;
      }
      found = m_series.try_emplace(key).first;
    }
    Counts& counts = found->second;
    const Usage& usage = record.usage;
    ++counts.requests;
    counts.tokens[0] += usage.input_uncached_tokens;
    counts.tokens[1] += usage.output_tokens;
    counts.tokens[2] += usage.cache_read_tokens;
    counts.tokens[3] += usage.cache_write_5m_tokens + usage.cache_write_1h_tokens;
    counts.tokens[4] += usage.reasoning_tokens;
    counts.cost_usd_pico += record.cost_usd_pico;
    auto& timings = m_timings[std::get<0>(found->first)];
    if (!timings) timings = std::make_unique<Timings>();
    timings->duration.observe_ms(record.duration_ms);
    if (record.ttfb_ms >= 0) timings->ttfb.observe_ms(record.ttfb_ms);
    count_tries(record);
  }
  m_next.record(std::move(record));
}

void RequestMetrics::count_tries(const RequestRecord& record) {
  if (record.attempts.size() > 1) {
    for (const Attempt& attempt : record.attempts) {
      const std::string provider = label(m_names.providers, attempt.provider);
      ++m_tries[provider];
      if (!attempt.error.empty()) ++m_failures[{provider, failure_reason(attempt.http_status, Outcome::ok)}];
    }
    return;
  }
  if (!tried_upstream(record)) return;
  const std::string provider = label(m_names.providers, record.provider);
  ++m_tries[provider];
  if (record.outcome == Outcome::upstream_error || record.outcome == Outcome::unreachable ||
      record.outcome == Outcome::upstream_cut)
    ++m_failures[{provider, failure_reason(record.http_status, record.outcome)}];
}

void RequestMetrics::set_names(const void* source, KnownNames names) {
  std::lock_guard lock(m_mutex);
  m_names_source = source;
  m_names = std::move(names);
}

const void* RequestMetrics::names_source() const {
  std::lock_guard lock(m_mutex);
  return m_names_source;
}

void RequestMetrics::add_collector(std::function<void(TextWriter&)> collector) {
  std::lock_guard lock(m_mutex);
  m_collectors.push_back(std::move(collector));
}

void RequestMetrics::write(TextWriter& out) const {
  write_counters(out);
  write_upstream(out);
  out.family("process_start_time_seconds", "gauge", "Start time of the llmgw server since the unix epoch, in seconds.");
  out.sample("process_start_time_seconds", {}, m_started_at_seconds);
  std::vector<std::function<void(TextWriter&)>> collectors;
  {
    std::lock_guard lock(m_mutex);
    collectors = m_collectors;
  }
  for (const auto& collector : collectors) collector(out);
}

void RequestMetrics::write_counters(TextWriter& out) const {
  std::map<SeriesKey, Counts> series;
  {
    std::lock_guard lock(m_mutex); // copied out: formatting does not hold up finishing requests
    series = m_series;
  }
  out.family("llmgw_requests_total", "counter",
             "Finished requests by provider, model, agent, status class and outcome.");
  for (const auto& [key, counts] : series) {
    const auto& [provider, model, agent, status, outcome] = key;
    out.sample("llmgw_requests_total",
               {{"provider", provider}, {"model", model}, {"agent", agent}, {"status", status}, {"outcome", outcome}},
               counts.requests);
  }
  // Tokens and cost do not depend on the status and outcome: summed over them.
  std::map<std::tuple<std::string, std::string, std::string>, Counts> by_model;
  for (const auto& [key, counts] : series) {
    Counts& sum = by_model[{std::get<0>(key), std::get<1>(key), std::get<2>(key)}];
    for (size_t kind = 0; kind < counts.tokens.size(); ++kind) sum.tokens[kind] += counts.tokens[kind];
    sum.cost_usd_pico += counts.cost_usd_pico;
  }
  out.family("llmgw_tokens_total", "counter",
             "Tokens of finished requests by kind (input: uncached input; cache_write: 5 minute and 1 hour).");
  for (const auto& [key, counts] : by_model)
    for (size_t kind = 0; kind < k_token_kinds.size(); ++kind)
      out.sample("llmgw_tokens_total",
                 {{"provider", std::get<0>(key)},
                  {"model", std::get<1>(key)},
                  {"agent", std::get<2>(key)},
                  {"kind", k_token_kinds[kind]}},
                 counts.tokens[kind]);
  out.family("llmgw_cost_usd_total", "counter",
             "Cost of finished requests in US dollars (API prices, also for requests the client's own plan paid).");
  for (const auto& [key, counts] : by_model)
    out.sample("llmgw_cost_usd_total",
               {{"provider", std::get<0>(key)}, {"model", std::get<1>(key)}, {"agent", std::get<2>(key)}},
               static_cast<double>(counts.cost_usd_pico) / 1e12);
}

void RequestMetrics::write_upstream(TextWriter& out) const {
  std::vector<std::pair<std::string, HistogramSnapshot>> durations, ttfbs;
  std::map<std::string, int64_t> tries;
  std::map<std::pair<std::string, std::string>, int64_t> failures;
  {
    std::lock_guard lock(m_mutex);
    for (const auto& [provider, timings] : m_timings) {
      durations.emplace_back(provider, timings->duration.snapshot());
      ttfbs.emplace_back(provider, timings->ttfb.snapshot());
    }
    tries = m_tries;
    failures = m_failures;
  }
  out.family("llmgw_request_duration_seconds", "histogram", "Duration of finished requests, in seconds.");
  for (const auto& [provider, snapshot] : durations)
    out.histogram("llmgw_request_duration_seconds", {{"provider", provider}}, snapshot);
  out.family("llmgw_time_to_first_byte_seconds", "histogram",
             "Time from a request's arrival to the first response byte sent to the client, in seconds.");
  for (const auto& [provider, snapshot] : ttfbs)
    out.histogram("llmgw_time_to_first_byte_seconds", {{"provider", provider}}, snapshot);
  out.family("llmgw_upstream_tries_total", "counter", "Upstream tries (first tries, retries and fallbacks).");
  for (const auto& [provider, count] : tries) out.sample("llmgw_upstream_tries_total", {{"provider", provider}}, count);
  out.family("llmgw_upstream_failures_total", "counter", "Upstream tries that failed, by reason.");
  for (const auto& [key, count] : failures)
    out.sample("llmgw_upstream_failures_total", {{"provider", key.first}, {"reason", key.second}}, count);
}

} // namespace llmgw::core::metrics
