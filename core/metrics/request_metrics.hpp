#pragma once
// Counters of finished requests for GET /metrics: a UsageSink in front of the ledger that counts
// each row (one lock per finished request, nothing on the request path itself) and hands it on.
#include "core/accounting/request_record.hpp"
#include "core/metrics/exposition.hpp"
#include "core/metrics/histogram.hpp"

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>
#include <unordered_set>
#include <vector>

namespace llmgw::core::metrics {

// The label values a series may carry: names from the config, the price table and the fixed agent
// list. Anything else is counted as "other", so a client cannot grow the label sets.
struct KnownNames {
  std::unordered_set<std::string> providers, models, agents;
};

// At most this many (provider, model, agent, status, outcome) sets; later new ones count as "other".
inline constexpr size_t k_max_label_sets = 1000;

class RequestMetrics : public UsageSink {
public:
  // Hands every record on to `next` (the ledger) after counting it.
  explicit RequestMetrics(UsageSink& next);

  using UsageSink::record;
  void record(RequestRecord&& record) override;
  // The names to keep from now on; `source` identifies what they were built from (the live config
  // snapshot), so that names_source() tells a caller when to rebuild them.
  void set_names(const void* source, KnownNames names);
  const void* names_source() const;
  // More families written at each scrape after these counters (gauges read at scrape time).
  void add_collector(std::function<void(TextWriter&)> collector);
  // Every family: the counters and histograms, then the collectors'.
  void write(TextWriter& out) const;

private:
  // tokens by kind: input, output, cache_read, cache_write, reasoning
  struct Counts {
    int64_t requests = 0;
    std::array<int64_t, 5> tokens{};
    int64_t cost_usd_pico = 0;
  };
  using SeriesKey = std::tuple<std::string, std::string, std::string, std::string, std::string>;
  struct Timings {
    Histogram duration{k_llm_seconds};
    Histogram ttfb{k_llm_seconds};
  };

  std::string label(const std::unordered_set<std::string>& known, const std::string& value) const;
  void count_tries(const RequestRecord& record);
  void write_counters(TextWriter& out) const;
  void write_upstream(TextWriter& out) const;

  UsageSink& m_next;
  const double m_started_at_seconds;
  mutable std::mutex m_mutex;
  const void* m_names_source = nullptr;
  KnownNames m_names;
  std::map<SeriesKey, Counts> m_series;
  std::map<std::string, std::unique_ptr<Timings>> m_timings;         // by provider label
  std::map<std::string, int64_t> m_tries;                            // by provider label
  std::map<std::pair<std::string, std::string>, int64_t> m_failures; // provider label, reason
  std::vector<std::function<void(TextWriter&)>> m_collectors;
};

// The status class of an HTTP status: "2xx", "4xx", "5xx" ... and "none" for 0 (no answer).
std::string status_class(int http_status);
// Why an upstream try failed, in a few fixed words: "unreachable", "rate_limited", "server_error",
// "client_error", "cut".
std::string failure_reason(int http_status, Outcome outcome);

} // namespace llmgw::core::metrics
