#include "core/policy/usd.hpp"

#include <charconv>
#include <cstdio>

namespace llmgw::core::policy {
namespace {

constexpr int64_t k_pico_per_usd = 1'000'000'000'000;

} // namespace

std::string format_usd(int64_t pico) {
  const bool negative = pico < 0;
  // Through unsigned arithmetic so INT64_MIN does not overflow.
  const uint64_t magnitude = negative ? 0 - static_cast<uint64_t>(pico) : static_cast<uint64_t>(pico);
  if (magnitude == 0) return "$0.00";
  // Cents from a dollar up; four decimals below; below a tenth of a cent, two significant digits
  // (up to the twelfth decimal, a pico-dollar), so nothing that is not zero reads as zero.
  int decimals = 2;
  if (magnitude < static_cast<uint64_t>(k_pico_per_usd)) {
    decimals = 4;
    for (uint64_t limit = static_cast<uint64_t>(k_pico_per_usd) / 1000; magnitude < limit && decimals < 12; limit /= 10)
      ++decimals;
  }
  uint64_t unit = 1;
  for (int i = decimals; i < 12; ++i) unit *= 10;
  uint64_t rounded = magnitude / unit + (magnitude % unit >= unit / 2 && unit > 1 ? 1 : 0); // half away from zero
  uint64_t scale = static_cast<uint64_t>(k_pico_per_usd) / unit;
  if (decimals > 2 && rounded >= scale) { // $0.99996 rounds to a dollar: print it as one
    decimals = 2;
    unit = static_cast<uint64_t>(k_pico_per_usd) / 100;
    rounded = magnitude / unit + (magnitude % unit >= unit / 2 ? 1 : 0);
    scale = 100;
  }
  while (decimals > 4 && rounded % 10 == 0) { // "$0.000001", not "$0.0000010"
    rounded /= 10;
    scale /= 10;
    --decimals;
  }
  char text[64];
  std::snprintf(text, sizeof text, "%s$%llu.%0*llu", negative ? "-" : "",
                static_cast<unsigned long long>(rounded / scale), decimals,
                static_cast<unsigned long long>(rounded % scale));
  return text;
}

std::optional<int64_t> parse_usd(std::string_view text) {
  if (!text.empty() && text.front() == '$') text.remove_prefix(1);
  const size_t dot = text.find('.');
  std::string_view whole = text.substr(0, dot);
  std::string_view fraction = dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1);
  if (whole.empty() && fraction.empty()) return std::nullopt;
  if (fraction.size() > 12) return std::nullopt;
  int64_t units = 0;
  if (!whole.empty()) {
    auto [end, ec] = std::from_chars(whole.data(), whole.data() + whole.size(), units);
    if (ec != std::errc() || end != whole.data() + whole.size() || units < 0 || units > 1'000'000'000)
      return std::nullopt;
  }
  int64_t part = 0;
  if (!fraction.empty()) {
    auto [end, ec] = std::from_chars(fraction.data(), fraction.data() + fraction.size(), part);
    if (ec != std::errc() || end != fraction.data() + fraction.size() || part < 0) return std::nullopt;
    for (size_t i = fraction.size(); i < 12; ++i) part *= 10;
  }
  return units * k_pico_per_usd + part;
}

} // namespace llmgw::core::policy
