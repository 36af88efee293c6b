#include "core/policy/budget.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdio>

namespace llmgw::core::policy {
namespace {

constexpr int64_t k_window_ms = 60'000;
constexpr int64_t k_pico_per_usd = 1'000'000'000'000;
constexpr std::array<Period, 4> k_periods{Period::day, Period::week, Period::month, Period::total};

std::string_view period_word(Period period) {
  switch (period) {
  case Period::day: return "daily";
  case Period::week: return "weekly";
  case Period::month: return "monthly";
  case Period::total: return "total";
  }
  return "";
}

std::string scope_phrase(const CapRule& cap) {
  if (cap.scope == Scope::global) return "overall";
  return "for " + std::string(to_string(cap.scope)) + " " + cap.value;
}

// The flags of `llmgw cap set` that name this cap.
std::string cap_flags(const CapRule& cap) {
  std::string flags = cap.period == Period::total ? "" : " --" + std::string(to_string(cap.period));
  if (cap.scope != Scope::global) flags += " --" + std::string(to_string(cap.scope)) + " " + cap.value;
  return flags;
}

// True when a cap or limit of this scope and value counts the subject's requests.
bool covers(Scope scope, const std::string& value, const Subject& subject) {
  switch (scope) {
  case Scope::global: return true;
  case Scope::provider: return value == subject.provider;
  case Scope::agent: return value == subject.agent;
  case Scope::project: return value == subject.project;
  case Scope::key: return value == subject.key;
  }
  return false;
}

std::string usd_argument(int64_t pico) {
  std::string text = format_usd(pico);
  return text.substr(1);
}

} // namespace

std::string_view to_string(Scope scope) {
  switch (scope) {
  case Scope::global: return "global";
  case Scope::provider: return "provider";
  case Scope::agent: return "agent";
  case Scope::project: return "project";
  case Scope::key: return "key";
  }
  return "global";
}

std::string_view to_string(Period period) {
  switch (period) {
  case Period::day: return "day";
  case Period::week: return "week";
  case Period::month: return "month";
  case Period::total: return "total";
  }
  return "day";
}

std::optional<Scope> scope_from_string(std::string_view text) {
  for (Scope scope : {Scope::global, Scope::provider, Scope::agent, Scope::project, Scope::key})
    if (to_string(scope) == text) return scope;
  return std::nullopt;
}

std::optional<Period> period_from_string(std::string_view text) {
  for (Period period : k_periods)
    if (to_string(period) == text) return period;
  return std::nullopt;
}

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

void Budget::set_rules(std::vector<CapRule> caps, std::vector<RateRule> limits, bool allow_unpriced) {
  std::lock_guard lock(m_mutex);
  m_caps = std::move(caps);
  m_limits = std::move(limits);
  m_allow_unpriced = allow_unpriced;
  m_active = !m_caps.empty() || !m_limits.empty();
  for (auto it = m_windows.begin(); it != m_windows.end();) {
    bool kept = std::any_of(m_limits.begin(), m_limits.end(), [&](const RateRule& r) { return r.id == it->first; });
    it = kept ? std::next(it) : m_windows.erase(it);
  }
}

void Budget::load_spent(const std::vector<SpentRow>& rows, int64_t now_ms) {
  std::lock_guard lock(m_mutex);
  for (Period period : k_periods) {
    auto& period_sums = sums(period);
    period_sums.spent.clear();
    period_sums.start = period_start_ms(period, now_ms);
    period_sums.end = period_end_ms(period, now_ms);
  }
  for (const SpentRow& row : rows) sums(row.period).spent[{row.scope, row.value}] += row.cost_pico;
}

bool Budget::active() const {
  std::lock_guard lock(m_mutex);
  return m_active;
}

bool Budget::applies(const Subject& subject) const {
  std::lock_guard lock(m_mutex);
  return std::any_of(m_caps.begin(), m_caps.end(),
                     [&](const CapRule& c) { return covers(c.scope, c.value, subject); }) ||
         std::any_of(m_limits.begin(), m_limits.end(),
                     [&](const RateRule& r) { return covers(r.scope, r.value, subject); });
}

void Budget::roll(int64_t now_ms) {
  for (Period period : k_periods) {
    auto& period_sums = sums(period);
    if (period_sums.end != 0 && now_ms < period_sums.end && now_ms >= period_sums.start) continue;
    period_sums.spent.clear();
    period_sums.start = period_start_ms(period, now_ms);
    period_sums.end = period_end_ms(period, now_ms);
  }
}

int64_t Budget::spent(const CapRule& cap) {
  const auto& period_sums = sums(cap.period);
  auto it = period_sums.spent.find({cap.scope, cap.scope == Scope::global ? std::string() : cap.value});
  return it == period_sums.spent.end() ? 0 : it->second;
}

std::optional<Decision> Budget::check_rates(const Subject& subject, const Estimate& estimate, int64_t now_ms) {
  for (const RateRule& rule : m_limits) {
    if (!covers(rule.scope, rule.value, subject)) continue;
    auto& window = m_windows[rule.id];
    auto& entries = window.entries;
    while (!entries.empty() && entries.front().at_ms <= now_ms - k_window_ms) {
      window.tokens -= entries.front().tokens;
      entries.pop_front();
    }
    const bool too_many =
        rule.requests_per_minute > 0 && static_cast<int64_t>(entries.size()) >= rule.requests_per_minute;
    const bool too_large = rule.tokens_per_minute > 0 && !entries.empty() &&
                           window.tokens + estimate.input_tokens > rule.tokens_per_minute;
    if (!too_many && !too_large) continue;
    Decision refused;
    refused.admitted = false;
    refused.status = 429;
    const int64_t wait_ms = entries.front().at_ms + k_window_ms - now_ms;
    refused.retry_after_seconds = static_cast<int>(std::max<int64_t>(1, (wait_ms + 999) / 1000));
    std::string who = std::string(to_string(rule.scope)) + " " + rule.value;
    refused.message = too_many
                          ? "llmgw rate limit for " + who + ": " + std::to_string(rule.requests_per_minute) +
                                " requests per minute; retry in " + std::to_string(refused.retry_after_seconds) + " s"
                          : "llmgw rate limit for " + who + ": " + std::to_string(rule.tokens_per_minute) +
                                " tokens per minute; retry in " + std::to_string(refused.retry_after_seconds) + " s";
    refused.message += " (change it with `llmgw limit set`)";
    return refused;
  }
  return std::nullopt;
}

Decision Budget::admit(const Subject& subject, const Estimate& estimate, int64_t now_ms) {
  std::lock_guard lock(m_mutex);
  Decision decision;
  if (!m_active) return decision;
  roll(now_ms);
  if (auto refused = check_rates(subject, estimate, now_ms)) return std::move(*refused);

  std::vector<const CapRule*> applicable;
  for (const CapRule& cap : m_caps)
    if (covers(cap.scope, cap.value, subject)) applicable.push_back(&cap);
  if (estimate.unpriced && !applicable.empty() && !m_allow_unpriced) {
    decision.admitted = false;
    decision.status = 402;
    decision.message = "llmgw cannot bound the cost of this model under your spend cap: it has no price. Add one "
                       "under [prices] in config.toml (see `llmgw prices`), or set caps.unpriced = \"allow\"";
    return decision;
  }
  for (const CapRule* cap : applicable) {
    const int64_t used = spent(*cap);
    const int64_t held = m_reserved[cap->id];
    if (used + held + estimate.cost_pico <= cap->limit_pico) continue;
    decision.admitted = false;
    decision.status = 402;
    decision.message = "llmgw " + std::string(period_word(cap->period)) + " spend cap of " +
                       format_usd(cap->limit_pico) + " " + scope_phrase(*cap) + " reached: " + format_usd(used) +
                       " spent, " + format_usd(held) +
                       " reserved by requests in flight, and this request may cost up to " +
                       format_usd(estimate.cost_pico) + ". Raise it with `llmgw cap set" + cap_flags(*cap) + " " +
                       usd_argument(std::max(cap->limit_pico * 2, used + held + estimate.cost_pico)) + "`";
    return decision;
  }

  Reservation& reservation = decision.reservation;
  reservation.active = true;
  reservation.sequence = ++m_sequence;
  for (const CapRule* cap : applicable) {
    m_reserved[cap->id] += estimate.cost_pico;
    reservation.holds.emplace_back(cap->id, estimate.cost_pico);
    const int64_t used = spent(*cap) + m_reserved[cap->id];
    if (used * 100 < cap->limit_pico * cap->warn_percent) continue;
    const int64_t remaining = std::max<int64_t>(0, cap->limit_pico - used);
    if (!decision.remaining_pico || remaining < *decision.remaining_pico) decision.remaining_pico = remaining;
    const int64_t period_start = sums(cap->period).start;
    auto [warned, first] = m_warned_period.try_emplace(cap->id, period_start);
    if (first || warned->second != period_start) {
      warned->second = period_start;
      decision.warning = std::string(period_word(cap->period)) + " cap of " + format_usd(cap->limit_pico) + " " +
                         scope_phrase(*cap) + " is " +
                         std::to_string(used * 100 / std::max<int64_t>(1, cap->limit_pico)) + "% used (" +
                         format_usd(remaining) + " left)";
    }
  }
  for (const RateRule& rule : m_limits) {
    if (!covers(rule.scope, rule.value, subject)) continue;
    auto& window = m_windows[rule.id];
    window.entries.push_back({reservation.sequence, now_ms, estimate.input_tokens});
    window.tokens += estimate.input_tokens;
    reservation.rate_rules.push_back(rule.id);
  }
  return decision;
}

std::optional<std::string> Budget::over_cap(const Reservation& reservation, int64_t live_cost) {
  std::lock_guard lock(m_mutex);
  if (!reservation.active) return std::nullopt;
  for (const auto& [cap_id, held] : reservation.holds) {
    const auto cap = std::find_if(m_caps.begin(), m_caps.end(), [&](const CapRule& c) { return c.id == cap_id; });
    if (cap == m_caps.end() || live_cost <= held) continue; // within what admission allowed for
    const int64_t used = spent(*cap) + m_reserved[cap_id] - held + live_cost;
    if (used <= cap->limit_pico) continue;
    return "llmgw ended this response at the " + std::string(period_word(cap->period)) + " spend cap of " +
           format_usd(cap->limit_pico) + " " + scope_phrase(*cap) + ": it had cost about " + format_usd(live_cost) +
           " so far. Raise the cap with `llmgw cap set" + cap_flags(*cap) + " " + usd_argument(cap->limit_pico * 2) +
           "`";
  }
  return std::nullopt;
}

void Budget::settle(Reservation& reservation, const Subject& subject, int64_t cost_pico, int64_t tokens,
                    int64_t started_ms, int64_t now_ms) {
  std::lock_guard lock(m_mutex);
  if (reservation.active) {
    reservation.active = false;
    for (const auto& [cap_id, amount] : reservation.holds) {
      auto it = m_reserved.find(cap_id);
      if (it != m_reserved.end()) it->second -= amount;
    }
    for (int64_t rule_id : reservation.rate_rules) {
      auto found = m_windows.find(rule_id);
      if (found == m_windows.end()) continue;
      auto& window = found->second;
      auto entry = std::lower_bound(window.entries.begin(), window.entries.end(), reservation.sequence,
                                    [](const WindowEntry& e, uint64_t sequence) { return e.sequence < sequence; });
      if (entry == window.entries.end() || entry->sequence != reservation.sequence) continue; // left the window
      if (tokens > entry->tokens) {
        window.tokens += tokens - entry->tokens;
        entry->tokens = tokens;
      }
    }
  }
  roll(now_ms);
  if (cost_pico == 0) return;
  const std::array<ScopeKey, 5> keys{ScopeKey{Scope::global, ""}, ScopeKey{Scope::provider, subject.provider},
                                     ScopeKey{Scope::agent, subject.agent}, ScopeKey{Scope::project, subject.project},
                                     ScopeKey{Scope::key, subject.key}};
  for (Period period : k_periods) {
    auto& period_sums = sums(period);
    if (started_ms < period_sums.start || started_ms >= period_sums.end) continue; // belongs to a past period
    for (const auto& key : keys)
      if (key.first == Scope::global || !key.second.empty()) period_sums.spent[key] += cost_pico;
  }
}

std::vector<Budget::CapState> Budget::states(int64_t now_ms) {
  std::lock_guard lock(m_mutex);
  roll(now_ms);
  std::vector<CapState> result;
  for (const CapRule& cap : m_caps) {
    auto reserved = m_reserved.find(cap.id);
    result.push_back({cap, spent(cap), reserved == m_reserved.end() ? 0 : reserved->second});
  }
  return result;
}

} // namespace llmgw::core::policy
