#include "core/policy/refusal.hpp"

#include "core/policy/usd.hpp"

#include <algorithm>

namespace llmgw::core::policy {
namespace {

std::string_view period_word(Period period) {
  switch (period) {
  case Period::day: return "daily";
  case Period::week: return "weekly";
  case Period::month: return "monthly";
  case Period::total: return "total";
  }
  return "";
}

std::string scope_phrase(Scope scope, const std::string& value) {
  if (scope == Scope::global) return "overall";
  return "for " + std::string(to_string(scope)) + " " + value;
}

// "daily spend cap of $5.00 for agent codex"
std::string cap_phrase(Period period, int64_t limit_pico, Scope scope, const std::string& value) {
  return std::string(period_word(period)) + " spend cap of " + format_usd(limit_pico) + " " +
         scope_phrase(scope, value);
}

// The flags of `llmgw cap set` that name this cap.
std::string cap_flags(Period period, Scope scope, const std::string& value) {
  std::string flags = period == Period::total ? "" : " --" + std::string(to_string(period));
  if (scope != Scope::global) flags += " --" + std::string(to_string(scope)) + " " + value;
  return flags;
}

// `llmgw cap set` with this cap's flags and a new amount.
std::string cap_command(const Refusal& refusal, Period period, int64_t amount_pico) {
  return "`llmgw cap set" + cap_flags(period, refusal.scope, refusal.value) + " " + format_usd(amount_pico).substr(1) +
         "`";
}

// The amounts behind a cap refusal: "$1.95 spent, $0.0300 reserved by requests in flight".
std::string held_phrase(const Refusal& r) {
  return format_usd(r.spent_pico) + " spent, " + format_usd(r.reserved_pico) + " reserved by requests in flight";
}

std::string cap_message(const Refusal& r, Period period) {
  const int64_t wanted = r.spent_pico + r.reserved_pico + r.needed_pico;
  return "llmgw: this request would exceed the " + cap_phrase(period, r.limit_pico, r.scope, r.value) + ": " +
         held_phrase(r) + ", and this request is expected to cost " + format_usd(r.needed_pico) + " (at most " +
         format_usd(std::max(r.worst_pico, r.needed_pico)) + " if it used its whole output limit). Raise it with " +
         cap_command(r, period, std::max(r.limit_pico * 2, wanted));
}

std::string worst_case_message(const Refusal& r, Period period) {
  const int64_t wanted = r.spent_pico + r.reserved_pico + r.worst_pico;
  return "llmgw: at its output limit this request would exceed the " +
         cap_phrase(period, r.limit_pico, r.scope, r.value) +
         ", and that limit cannot be lowered to fit: " + held_phrase(r) + "; this request is expected to cost " +
         format_usd(r.needed_pico) + " but may cost up to " + format_usd(r.worst_pico) +
         ". Lower its output limit, stream it, or raise the cap with " +
         cap_command(r, period, std::max(r.limit_pico * 2, wanted));
}

std::string stream_message(const Refusal& r, Period period) {
  return "llmgw ended this response at the " + cap_phrase(period, r.limit_pico, r.scope, r.value) +
         ": it had cost about " + format_usd(r.needed_pico) + " so far. Raise the cap with " +
         cap_command(r, period, r.limit_pico * 2);
}

std::string rate_message(const Refusal& r, std::string_view unit) {
  return "llmgw rate limit for " + std::string(to_string(r.scope)) + " " + r.value + ": " +
         std::to_string(r.limit_per_minute) + " " + std::string(unit) + " per minute; retry in " +
         std::to_string(r.retry_after_seconds) + " s (change it with `llmgw limit set`)";
}

} // namespace

std::string refusal_message(const Refusal& refusal) {
  const Period period = refusal.period.value_or(Period::day);
  switch (refusal.kind) {
  case Refusal::Kind::cap: return cap_message(refusal, period);
  case Refusal::Kind::cap_worst_case: return worst_case_message(refusal, period);
  case Refusal::Kind::unpriced:
    return "llmgw cannot bound the cost of this model under your spend cap: it has no price. Add one under [prices] "
           "in config.toml (see `llmgw prices`), or set caps.unpriced = \"allow\"";
  case Refusal::Kind::request_rate: return rate_message(refusal, "requests");
  case Refusal::Kind::token_rate: return rate_message(refusal, "tokens");
  case Refusal::Kind::stream_over_cap: return stream_message(refusal, period);
  }
  return "llmgw refused the request";
}

std::string warning_message(const CapWarning& warning) {
  const CapRule& cap = warning.cap;
  return std::string(period_word(cap.period)) + " cap of " + format_usd(cap.limit_pico) + " " +
         scope_phrase(cap.scope, cap.value) + " is " +
         std::to_string(warning.used_pico * 100 / std::max<int64_t>(1, cap.limit_pico)) + "% used (" +
         format_usd(warning.remaining_pico) + " left)";
}

} // namespace llmgw::core::policy
