#include "cli/rate_window_view.hpp"

#include "cli/format.hpp"
#include "cli/time_range.hpp"
#include "core/error.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <map>

namespace llmgw::cli {
namespace {

constexpr std::string_view k_unified = "anthropic-ratelimit-unified-";
constexpr std::string_view k_utilization = "-utilization";
constexpr int64_t k_day_ms = 86'400'000;

const std::string* find(const store::ProviderWindows& windows, std::string_view name) {
  for (const auto& [header, value] : windows.headers)
    if (header == name) return &value;
  return nullptr;
}

std::optional<double> parse_number(std::string_view text) {
  if (text.empty()) return std::nullopt;
  const std::string copy(text);
  char* end = nullptr;
  const double value = std::strtod(copy.c_str(), &end);
  if (end != copy.c_str() + copy.size() || !std::isfinite(value)) return std::nullopt;
  return value;
}

// OpenAI's reset durations: "1h2m3.5s", "6m0s", "20ms".
std::optional<int64_t> parse_duration_ms(std::string_view text) {
  double total = 0;
  size_t at = 0;
  while (at < text.size()) {
    size_t digits = at;
    while (digits < text.size() && ((text[digits] >= '0' && text[digits] <= '9') || text[digits] == '.')) ++digits;
    size_t unit_end = digits;
    while (unit_end < text.size() && text[unit_end] >= 'a' && text[unit_end] <= 'z') ++unit_end;
    const auto number = parse_number(text.substr(at, digits - at));
    const std::string_view unit = text.substr(digits, unit_end - digits);
    if (!number) return std::nullopt;
    if (unit == "h")
      total += *number * 3'600'000;
    else if (unit == "m")
      total += *number * 60'000;
    else if (unit == "s")
      total += *number * 1000;
    else if (unit == "ms")
      total += *number;
    else
      return std::nullopt;
    at = unit_end;
  }
  return at == 0 ? std::nullopt : std::optional<int64_t>(static_cast<int64_t>(std::llround(total)));
}

// Anthropic sends utilisation as a fraction (0.43); a value above 1 is taken as a percentage.
std::optional<int> percent_of(const std::string* value) {
  const auto number = value ? parse_number(*value) : std::nullopt;
  if (!number || *number < 0) return std::nullopt;
  return static_cast<int>(std::llround(*number <= 1.0 ? *number * 100 : *number));
}

// The unified windows present (5h and 7d first, then others such as "overage" by name).
std::vector<std::string> unified_windows(const store::ProviderWindows& windows) {
  std::vector<std::string> names;
  for (const auto& [header, value] : windows.headers) {
    if (header.rfind(k_unified, 0) != 0 || header.size() <= k_unified.size() + k_utilization.size()) continue;
    if (header.compare(header.size() - k_utilization.size(), k_utilization.size(), k_utilization) != 0) continue;
    names.push_back(header.substr(k_unified.size(), header.size() - k_unified.size() - k_utilization.size()));
  }
  auto rank = [](const std::string& name) { return name == "5h" ? 0 : name == "7d" ? 1 : 2; };
  std::sort(names.begin(), names.end(),
            [&](const std::string& a, const std::string& b) { return std::pair(rank(a), a) < std::pair(rank(b), b); });
  return names;
}

std::string unified_part(const store::ProviderWindows& windows, const std::string& name, bool first, int64_t now_ms) {
  const auto percent = percent_of(find(windows, std::string(k_unified) + name + std::string(k_utilization)));
  if (!percent) return "";
  std::string part = name + (first ? " window " : " ") + std::to_string(*percent) + " %";
  const std::string* reset = find(windows, std::string(k_unified) + name + "-reset");
  if (const auto at = reset ? parse_reset_ms(*reset, windows.updated_at_ms) : std::nullopt) {
    part += *at > now_ms ? ", resets " + format_reset(*at, now_ms) : " (reset since " + format_reset(*at, now_ms) + ")";
  }
  return part;
}

std::string openai_part(const store::ProviderWindows& windows, const std::string& what, int64_t now_ms) {
  const std::string* limit = find(windows, "x-ratelimit-limit-" + what);
  const std::string* remaining = find(windows, "x-ratelimit-remaining-" + what);
  const auto limit_value = limit ? parse_number(*limit) : std::nullopt;
  const auto remaining_value = remaining ? parse_number(*remaining) : std::nullopt;
  if (!limit_value || !remaining_value) return "";
  std::string part = what + " " + format_count(static_cast<int64_t>(*remaining_value)) + " of " +
                     format_count(static_cast<int64_t>(*limit_value)) + " left";
  const std::string* reset = find(windows, "x-ratelimit-reset-" + what);
  if (const auto at = reset ? parse_reset_ms(*reset, windows.updated_at_ms) : std::nullopt)
    part += *at > now_ms ? ", resets " + format_reset(*at, now_ms) : " (reset since " + format_reset(*at, now_ms) + ")";
  return part;
}

} // namespace

std::optional<int64_t> parse_reset_ms(std::string_view value, int64_t seen_at_ms) {
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    if (value.size() > 15) return std::nullopt;
    const int64_t number = std::stoll(std::string(value));
    return number >= 100'000'000'000 ? number : number * 1000; // epoch ms or epoch seconds
  }
  if (value.size() >= 10 && value[4] == '-' && value[7] == '-') {
    try {
      return parse_time_arg(value, false);
    } catch (const Error&) {
      return std::nullopt;
    }
  }
  const auto duration = parse_duration_ms(value);
  if (!duration) return std::nullopt;
  return seen_at_ms + *duration;
}

std::string format_reset(int64_t reset_ms, int64_t now_ms) {
  const std::time_t seconds = static_cast<std::time_t>(reset_ms / 1000);
  std::tm local{};
  localtime_r(&seconds, &local);
  char text[32];
  const bool soon = reset_ms >= now_ms - k_day_ms && reset_ms < now_ms + k_day_ms;
  std::strftime(text, sizeof text, soon ? "%H:%M" : "%a %H:%M", &local);
  return text;
}

std::string describe_windows(const store::ProviderWindows& windows, int64_t now_ms) {
  std::vector<std::string> parts;
  for (const std::string& name : unified_windows(windows))
    if (std::string part = unified_part(windows, name, parts.empty(), now_ms); !part.empty())
      parts.push_back(std::move(part));
  for (const char* what : {"requests", "tokens"})
    if (std::string part = openai_part(windows, what, now_ms); !part.empty()) parts.push_back(std::move(part));
  if (parts.empty()) return "";
  std::string line = windows.provider + ": ";
  for (size_t i = 0; i < parts.size(); ++i) line += (i > 0 ? "; " : "") + parts[i];
  const std::string* status = find(windows, std::string(k_unified) + "status");
  if (status && *status != "allowed") line += " (status " + *status + ")";
  return line;
}

std::string statusline_window(const store::ProviderWindows& windows, int64_t now_ms) {
  const auto percent = percent_of(find(windows, std::string(k_unified) + "5h" + std::string(k_utilization)));
  if (!percent) return "";
  std::string text = "5h " + std::to_string(*percent) + " %";
  const std::string* reset = find(windows, std::string(k_unified) + "5h-reset");
  if (const auto at = reset ? parse_reset_ms(*reset, windows.updated_at_ms) : std::nullopt) {
    if (*at <= now_ms) return ""; // the window has reset since: its figure is stale
    text += " \u21BA" + format_reset(*at, now_ms);
  }
  return text;
}

} // namespace llmgw::cli
