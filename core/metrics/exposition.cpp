#include "core/metrics/exposition.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace llmgw::core::metrics {
namespace {

// Label values escape backslash, double quote and newline; HELP text backslash and newline.
void append_escaped(std::string& out, std::string_view text, bool quote) {
  for (char c : text) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else if (quote && c == '"')
      out += "\\\"";
    else
      out += c;
  }
}

} // namespace

std::string format_number(double value) {
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (std::isnan(value)) return "NaN";
  char buffer[32];
  for (int precision = 6; precision <= 17; ++precision) {
    std::snprintf(buffer, sizeof buffer, "%.*g", precision, value);
    if (std::strtod(buffer, nullptr) == value) break;
  }
  return buffer;
}

void TextWriter::family(std::string_view name, std::string_view type, std::string_view help) {
  m_out += "# HELP ";
  m_out += name;
  m_out += ' ';
  append_escaped(m_out, help, false);
  m_out += "\n# TYPE ";
  m_out += name;
  m_out += ' ';
  m_out += type;
  m_out += '\n';
}

void TextWriter::head(std::string_view name, const Labels& labels, std::string_view extra_name,
                      std::string_view extra_value) {
  m_out += name;
  if (labels.empty() && extra_name.empty()) {
    m_out += ' ';
    return;
  }
  m_out += '{';
  bool first = true;
  auto add = [&](std::string_view label, std::string_view value) {
    if (!first) m_out += ',';
    first = false;
    m_out += label;
    m_out += "=\"";
    append_escaped(m_out, value, true);
    m_out += '"';
  };
  for (const auto& [label, value] : labels) add(label, value);
  if (!extra_name.empty()) add(extra_name, extra_value);
  m_out += "} ";
}

void TextWriter::sample(std::string_view name, const Labels& labels, double value) {
  head(name, labels);
  m_out += format_number(value);
  m_out += '\n';
}

void TextWriter::sample(std::string_view name, const Labels& labels, int64_t value) {
  head(name, labels);
  m_out += std::to_string(value);
  m_out += '\n';
}

void TextWriter::histogram(std::string_view name, const Labels& labels, const HistogramSnapshot& snapshot) {
  const std::string base(name);
  uint64_t cumulative = 0;
  for (size_t i = 0; i < snapshot.counts.size(); ++i) {
    cumulative += snapshot.counts[i];
    const std::string le = i < snapshot.bounds.size() ? format_number(snapshot.bounds[i]) : "+Inf";
    head(base + "_bucket", labels, "le", le);
    m_out += std::to_string(cumulative);
    m_out += '\n';
  }
  sample(base + "_sum", labels, static_cast<double>(snapshot.sum_us) / 1e6);
  sample(base + "_count", labels, static_cast<int64_t>(cumulative));
}

} // namespace llmgw::core::metrics
