#include "cli/cap_alerts.hpp"

#include "core/policy/periods.hpp"
#include "core/policy/refusal.hpp"
#include "core/policy/usd.hpp"
#include "store/cap_alerts.hpp"

#include <algorithm>
#include <cstdio>
#include <set>

extern char** environ;

namespace llmgw::cli {
namespace {

namespace policy = core::policy;

// A check runs after finished requests, at most once per k_min_gap (a busy gateway's requests
// share one check: a wake-up of this thread per request cost the request path a context switch
// each); also every k_recheck, so an [alerts] command added by a config reload is noticed while
// no request comes.
constexpr auto k_recheck = std::chrono::seconds(5);
constexpr auto k_min_gap = std::chrono::milliseconds(100);
constexpr size_t k_max_refused = 64;

// Plain decimal dollars for scripts: "5.00", "0.0042", "12.345678" (at most six decimals).
std::string plain_usd(int64_t pico) {
  const int64_t micro = pico / 1'000'000;
  std::string text = std::to_string(micro / 1'000'000) + ".";
  std::string fraction = std::to_string(micro % 1'000'000);
  fraction.insert(0, 6 - fraction.size(), '0');
  while (fraction.size() > 2 && fraction.back() == '0') fraction.pop_back();
  return text + fraction;
}

// The words refusal.cpp's messages name a cap with ("daily spend cap of $5.00 for agent codex";
// tests/unit/test_policy_refusal.cpp pins them), followed by ':' or ','.
bool names_cap(const std::string& message, const policy::CapRule& cap) {
  const char* period = cap.period == policy::Period::day     ? "daily"
                       : cap.period == policy::Period::week  ? "weekly"
                       : cap.period == policy::Period::month ? "monthly"
                                                             : "total";
  const std::string scope = cap.scope == policy::Scope::global
                                ? "overall"
                                : "for " + std::string(policy::to_string(cap.scope)) + " " + cap.value;
  const std::string phrase = std::string(period) + " spend cap of " + policy::format_usd(cap.limit_pico) + " " + scope;
  for (size_t at = message.find(phrase); at != std::string::npos; at = message.find(phrase, at + 1)) {
    const size_t end = at + phrase.size();
    if (end < message.size() && (message[end] == ':' || message[end] == ',')) return true;
  }
  return false;
}

bool past_percent(int64_t spent_pico, int64_t limit_pico, int percent) {
  return static_cast<double>(spent_pico) * 100 >= static_cast<double>(limit_pico) * percent;
}

// The server's environment without the provider keys (the command needs PATH, HOME, DISPLAY and
// the like, not the keys), plus the alert's variables.
std::vector<std::string> alert_environment(const core::config::Config& config, std::vector<std::string> extra) {
  std::set<std::string> hidden;
  for (const auto& provider : config.providers) {
    hidden.insert(provider.api_key_env);
    for (const auto& key : provider.more_keys) hidden.insert(key.env);
  }
  std::vector<std::string> out;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string text = *entry;
    const std::string name = text.substr(0, text.find('='));
    if (hidden.count(name) || name.rfind("LLMGW_CAP_", 0) == 0 || name.rfind("LLMGW_ALERT_", 0) == 0) continue;
    out.push_back(text);
  }
  out.insert(out.end(), extra.begin(), extra.end());
  return out;
}

} // namespace

CapAlerts::CapAlerts(core::UsageSink& next, std::string db_path) : m_next(next), m_db_path(std::move(db_path)) {}

CapAlerts::~CapAlerts() { stop(); }

void CapAlerts::record(core::RequestRecord&& record) {
  // A cap's refusal (402) or a stream ended at a cap names the cap in its message: it was reached
  // even if what was spent stays below the limit (the refused request would have passed it).
  const bool capped = (record.outcome == core::Outcome::refused && record.http_status == 402 && !record.unpriced) ||
                      record.outcome == core::Outcome::capped;
  bool wake = false;
  {
    std::lock_guard lock(m_mutex);
    wake = !m_dirty; // already dirty: the thread is awake, or will look before it sleeps
    m_dirty = true;
    if (capped && m_refusals.size() < k_max_refused) m_refusals.push_back(record.error_message.substr(0, 400));
  }
  if (wake) m_wake.notify_one();
  m_next.record(std::move(record));
}

void CapAlerts::start(core::pipeline::Gateway& gateway) {
  m_gateway = &gateway;
  m_thread = std::thread([this] { run(); });
}

void CapAlerts::stop() {
  {
    std::lock_guard lock(m_mutex);
    m_stopping = true;
  }
  m_wake.notify_all();
  if (m_thread.joinable()) m_thread.join();
}

void CapAlerts::run() {
  std::unique_lock lock(m_mutex);
  while (!m_stopping) {
    m_wake.wait_for(lock, k_recheck, [this] { return m_dirty || m_stopping.load(); });
    if (m_stopping) return;
    m_dirty = false;
    std::vector<std::string> refusals;
    refusals.swap(m_refusals);
    lock.unlock();
    try {
      check(refusals);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "llmgw: warning: cap alerts: %s\n", e.what());
    }
    ++m_checks;
    lock.lock();
    m_wake.wait_for(lock, k_min_gap, [this] { return m_stopping.load(); });
  }
}

void CapAlerts::check(const std::vector<std::string>& refusals) {
  const auto live = m_gateway->live();
  if (live->config.alerts.command.empty()) return;
  const int64_t now = policy::now_ms();
  for (const auto& state : m_gateway->budget().states(now)) {
    const policy::CapRule& cap = state.rule;
    if (cap.limit_pico <= 0) continue;
    const bool warned = past_percent(state.spent_pico, cap.limit_pico, cap.warn_percent);
    const bool refusing = std::any_of(refusals.begin(), refusals.end(),
                                      [&](const std::string& message) { return names_cap(message, cap); });
    const bool reached = state.spent_pico >= cap.limit_pico || refusing;
    const int64_t period_start = policy::period_start_ms(cap.period, now);
    if (reached) {
      claim(cap.id, "warn", period_start, now); // reached says more: no warn after it
      if (claim(cap.id, "reached", period_start, now)) alert(cap, "reached", state.spent_pico, period_start);
    } else if (warned) {
      if (claim(cap.id, "warn", period_start, now)) alert(cap, "warn", state.spent_pico, period_start);
    }
  }
}

bool CapAlerts::claim(int64_t cap_id, const char* kind, int64_t period_start_ms, int64_t now_ms) {
  auto [seen, first] = m_claimed.try_emplace({cap_id, kind}, period_start_ms);
  if (!first && seen->second >= period_start_ms) return false;
  seen->second = period_start_ms;
  store::Db db(m_db_path);
  return store::claim_cap_alert(db, cap_id, kind, period_start_ms, now_ms);
}

void CapAlerts::alert(const policy::CapRule& cap, const char* kind, int64_t spent_pico, int64_t period_start_ms) {
  const auto live = m_gateway->live();
  const bool reached = std::string_view(kind) == "reached";
  const policy::CapWarning described{cap, spent_pico, std::max<int64_t>(0, cap.limit_pico - spent_pico)};
  auto environment = alert_environment(
      live->config, {"LLMGW_ALERT_KIND=" + std::string(kind), "LLMGW_CAP_ID=" + std::to_string(cap.id),
                     "LLMGW_CAP_SCOPE=" + std::string(policy::to_string(cap.scope)), "LLMGW_CAP_NAME=" + cap.value,
                     "LLMGW_CAP_PERIOD=" + std::string(policy::to_string(cap.period)),
                     "LLMGW_CAP_LIMIT_USD=" + plain_usd(cap.limit_pico), "LLMGW_SPENT_USD=" + plain_usd(spent_pico),
                     "LLMGW_THRESHOLD=" + std::to_string(reached ? 100 : cap.warn_percent),
                     "LLMGW_PERIOD_START_MS=" + std::to_string(period_start_ms),
                     "LLMGW_ALERT_MESSAGE=llmgw: " + policy::warning_message(described)});
  const auto timeout = std::chrono::seconds(live->config.alerts.timeout_seconds);
  ++m_runs;
  const AlertRun run = run_alert_command(live->config.alerts.command, environment, timeout, m_stopping);
  if (!run.started)
    std::fprintf(stderr, "llmgw: warning: cap alerts: could not start /bin/sh for the alerts command\n");
  else if (run.timed_out)
    std::fprintf(stderr, "llmgw: warning: cap alerts: the alerts command ran past %llds and was killed\n",
                 static_cast<long long>(timeout.count()));
  else if (run.exit_code != 0)
    std::fprintf(stderr, "llmgw: warning: cap alerts: the alerts command exited with %d\n", run.exit_code);
}

} // namespace llmgw::cli
