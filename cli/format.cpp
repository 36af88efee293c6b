#include "cli/format.hpp"

#include "core/policy/usd.hpp"

#include <algorithm>

namespace llmgw::cli {
namespace {

constexpr int k_pico_digits = 12;

uint64_t magnitude(int64_t value) {
  // Through unsigned arithmetic so INT64_MIN does not overflow.
  return value < 0 ? 0 - static_cast<uint64_t>(value) : static_cast<uint64_t>(value);
}

uint64_t power_of_ten(int exponent) {
  uint64_t result = 1;
  for (int i = 0; i < exponent; ++i) result *= 10;
  return result;
}

std::string zero_padded(uint64_t value, int digits) {
  std::string text = std::to_string(value);
  if (static_cast<int>(text.size()) < digits) text.insert(0, static_cast<size_t>(digits) - text.size(), '0');
  return text;
}

std::string digits_with_commas(uint64_t value) {
  std::string digits = std::to_string(value);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

} // namespace

std::string format_usd(int64_t usd_pico) { return core::policy::format_usd(usd_pico); }

std::string usd_decimal_string(int64_t usd_pico) {
  const uint64_t scale = power_of_ten(k_pico_digits);
  const uint64_t value = magnitude(usd_pico);
  std::string fraction = zero_padded(value % scale, k_pico_digits);
  while (fraction.size() > 2 && fraction.back() == '0') fraction.pop_back();
  return (usd_pico < 0 ? "-" : "") + std::to_string(value / scale) + "." + fraction;
}

std::string format_count(int64_t value) { return (value < 0 ? "-" : "") + digits_with_commas(magnitude(value)); }

std::string format_duration_ms(int64_t ms) {
  if (ms < 0) return "-";
  if (ms < 1000) return std::to_string(ms) + "ms";
  if (ms < 60'000) {
    const int64_t tenths = (ms + 50) / 100;
    return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + "s";
  }
  const int64_t seconds = ms / 1000;
  if (seconds < 3600)
    return std::to_string(seconds / 60) + "m" + zero_padded(static_cast<uint64_t>(seconds % 60), 2) + "s";
  return std::to_string(seconds / 3600) + "h" + zero_padded(static_cast<uint64_t>(seconds / 60 % 60), 2) + "m";
}

std::string pad(std::string_view text, size_t width, Align align) {
  const size_t used = display_width(text);
  if (used >= width) return std::string(text);
  const std::string fill(width - used, ' ');
  return align == Align::left ? std::string(text) + fill : fill + std::string(text);
}

std::string csv_field(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string csv_line(const std::vector<std::string>& fields) {
  std::string line;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) line += ',';
    line += csv_field(fields[i]);
  }
  return line + "\n";
}

} // namespace llmgw::cli
