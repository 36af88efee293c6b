#pragma once
// The Prometheus text exposition format, version 0.0.4: one HELP and TYPE line per family, then
// its samples, label values escaped.
#include "core/metrics/histogram.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace llmgw::core::metrics {

// The content type a scrape is answered with.
inline constexpr const char* k_exposition_content_type = "text/plain; version=0.0.4; charset=utf-8";

using Labels = std::vector<std::pair<std::string_view, std::string_view>>;

class TextWriter {
public:
  // Starts a family: `type` is "counter", "gauge" or "histogram". Each family once per scrape.
  void family(std::string_view name, std::string_view type, std::string_view help);
  void sample(std::string_view name, const Labels& labels, double value);
  void sample(std::string_view name, const Labels& labels, int64_t value);
  // The _bucket (cumulative, with le), _sum (seconds) and _count samples of one histogram series.
  void histogram(std::string_view name, const Labels& labels, const HistogramSnapshot& snapshot);
  const std::string& text() const { return m_out; }

private:
  void head(std::string_view name, const Labels& labels, std::string_view extra_name = {},
            std::string_view extra_value = {});

  std::string m_out;
};

// A double as Prometheus reads it: "+Inf", or the shortest text that round-trips.
std::string format_number(double value);

} // namespace llmgw::core::metrics
