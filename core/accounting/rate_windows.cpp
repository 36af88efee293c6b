#include "core/accounting/rate_windows.hpp"

#include <algorithm>
#include <array>

namespace llmgw::core {
namespace {

constexpr size_t k_max_value_bytes = 64;
constexpr std::string_view k_anthropic_prefix = "anthropic-ratelimit-unified-";

// OpenAI API rate limits (platform.openai.com/docs/guides/rate-limits, "Rate limits in headers").
constexpr std::array<std::string_view, 6> k_openai_names{
    "x-ratelimit-limit-requests", "x-ratelimit-remaining-requests", "x-ratelimit-reset-requests",
    "x-ratelimit-limit-tokens",   "x-ratelimit-remaining-tokens",   "x-ratelimit-reset-tokens",
};

std::string lowercase(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; });
  return out;
}

bool printable(std::string_view value) {
  return value.size() <= k_max_value_bytes &&
         std::all_of(value.begin(), value.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
}

} // namespace

bool is_rate_window_header(std::string_view name) {
  const std::string lower = lowercase(name);
  if (lower.size() > k_anthropic_prefix.size() && lower.compare(0, k_anthropic_prefix.size(), k_anthropic_prefix) == 0)
    return std::all_of(lower.begin(), lower.end(),
                       [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; });
  return std::find(k_openai_names.begin(), k_openai_names.end(), lower) != k_openai_names.end();
}

std::vector<RateWindowHeader> keep_rate_window_headers(const std::vector<RateWindowHeader>& headers) {
  std::vector<RateWindowHeader> kept;
  for (const auto& [name, value] : headers)
    if (is_rate_window_header(name) && printable(value)) kept.emplace_back(lowercase(name), value);
  return kept;
}

} // namespace llmgw::core
