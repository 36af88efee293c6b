#include "core/policy/usd.hpp"

#include <charconv>
#include <cstdio>

namespace llmgw::core::policy {
namespace {

constexpr int64_t k_pico_per_usd = 1'000'000'000'000;

} // namespace

std::string format_usd(int64_t pico) {
  const bool negative = pico < 0;
  const int64_t magnitude = negative ? -pico : pico;
  const bool small = magnitude < k_pico_per_usd; // under a dollar: cents are too coarse
  const int decimals = small ? 4 : 2;
  const int64_t unit = small ? k_pico_per_usd / 10'000 : k_pico_per_usd / 100;
  const int64_t rounded = (magnitude + unit / 2) / unit; // in cents or hundredths of cents
  const int64_t scale = small ? 10'000 : 100;
  char text[48];
  std::snprintf(text, sizeof text, "%s$%lld.%0*lld", negative ? "-" : "", static_cast<long long>(rounded / scale),
                decimals, static_cast<long long>(rounded % scale));
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
