#include "core/routing/health.hpp"

#include <algorithm>

namespace llmgw::core::routing {
namespace {

// Sessions remembered at most; beyond it the stalest pin goes.
constexpr size_t k_max_pins = 4096;

} // namespace

bool Health::cooling(const std::string& deployment, int64_t now_ms) const {
  std::lock_guard lock(m_mutex);
  auto it = m_deployments.find(deployment);
  return it != m_deployments.end() && it->second.cooling_until > now_ms;
}

void Health::failed(const std::string& deployment, const std::string& reason, int64_t now_ms,
                    const config::RoutingConfig& policy) {
  if (policy.cooldown_failures <= 0) return;
  std::lock_guard lock(m_mutex);
  auto& state = m_deployments[deployment];
  if (state.cooling_until > now_ms) return; // tried anyway (nothing else left): already cooling
  const int64_t window = int64_t{policy.cooldown_window_seconds} * 1000;
  state.failures.push_back(now_ms);
  while (!state.failures.empty() && state.failures.front() <= now_ms - window) state.failures.pop_front();
  // A probe after a cool-down that fails starts the next cool-down at once.
  if (!state.probing && state.failures.size() < static_cast<size_t>(policy.cooldown_failures)) return;
  state.reason = state.probing ? reason + " (probe after cool-down failed)"
                               : reason + " (" + std::to_string(state.failures.size()) + " failures in " +
                                     std::to_string(policy.cooldown_window_seconds) + "s)";
  state.cooling_until = now_ms + int64_t{policy.cooldown_seconds} * 1000;
  state.probing = true;
  state.failures.clear();
}

void Health::succeeded(const std::string& deployment) {
  std::lock_guard lock(m_mutex);
  m_deployments.erase(deployment);
}

Health::ProviderKeys& Health::keys_of(const config::ProviderConfig& provider) {
  auto& entry = m_keys[provider.name];
  const size_t count = std::max<size_t>(provider.key_count(), 1);
  if (entry.keys.size() != count) { // first use, or a reloaded config changed the keys
    entry = ProviderKeys{};
    entry.keys.resize(count);
    for (size_t i = 0; i < count; ++i) entry.envs.push_back(provider.key_count() > i ? provider.key_env(i) : "");
  }
  return entry;
}

size_t Health::pick_key(const config::ProviderConfig& provider, int64_t now_ms) {
  std::lock_guard lock(m_mutex);
  auto& entry = keys_of(provider);
  const size_t count = entry.keys.size();
  size_t chosen = count;
  if (provider.key_strategy == config::KeyStrategy::round_robin) {
    for (size_t step = 0; step < count && chosen == count; ++step) {
      const size_t i = (entry.next + step) % count;
      if (entry.keys[i].benched_until <= now_ms) chosen = i;
    }
    if (chosen != count) entry.next = (chosen + 1) % count;
  } else {
    for (size_t i = 0; i < count; ++i)
      if (entry.keys[i].benched_until <= now_ms &&
          (chosen == count || entry.keys[i].last_used < entry.keys[chosen].last_used))
        chosen = i;
  }
  if (chosen == count) { // every key rests: the one back soonest
    chosen = 0;
    for (size_t i = 1; i < count; ++i)
      if (entry.keys[i].benched_until < entry.keys[chosen].benched_until) chosen = i;
  }
  entry.keys[chosen].last_used = now_ms;
  return chosen;
}

bool Health::bench_key(const config::ProviderConfig& provider, size_t index, const std::string& reason, int64_t now_ms,
                       int seconds) {
  std::lock_guard lock(m_mutex);
  auto& entry = keys_of(provider);
  if (index >= entry.keys.size()) return false;
  entry.keys[index].benched_until = now_ms + int64_t{seconds} * 1000;
  entry.keys[index].reason = reason;
  return std::any_of(entry.keys.begin(), entry.keys.end(),
                     [now_ms](const KeyState& key) { return key.benched_until <= now_ms; });
}

std::string Health::pinned(const std::string& session, int64_t now_ms) const {
  std::lock_guard lock(m_mutex);
  auto it = m_pins.find(session);
  if (it == m_pins.end() || it->second.at_ms + m_pin_ttl_ms <= now_ms) return "";
  return it->second.deployment;
}

void Health::pin(const std::string& session, const std::string& deployment, int64_t now_ms, int ttl_minutes) {
  std::lock_guard lock(m_mutex);
  m_pin_ttl_ms = int64_t{ttl_minutes} * 60'000;
  if (m_pins.size() >= k_max_pins && m_pins.count(session) == 0) {
    std::erase_if(m_pins, [&](const auto& entry) { return entry.second.at_ms + m_pin_ttl_ms <= now_ms; });
    if (m_pins.size() >= k_max_pins)
      m_pins.erase(std::min_element(m_pins.begin(), m_pins.end(),
                                    [](const auto& a, const auto& b) { return a.second.at_ms < b.second.at_ms; }));
  }
  m_pins[session] = Pin{deployment, now_ms};
}

std::vector<HealthEntry> Health::snapshot(int64_t now_ms) const {
  std::lock_guard lock(m_mutex);
  std::vector<HealthEntry> out;
  for (const auto& [id, state] : m_deployments) {
    if (state.cooling_until <= now_ms) continue;
    const size_t slash = id.find('/');
    out.push_back({"deployment", id.substr(0, slash), id.substr(slash + 1), state.cooling_until, state.reason});
  }
  for (const auto& [provider, entry] : m_keys)
    for (size_t i = 0; i < entry.keys.size(); ++i)
      if (entry.keys[i].benched_until > now_ms)
        out.push_back({"key", provider, entry.envs[i], entry.keys[i].benched_until, entry.keys[i].reason});
  return out;
}

} // namespace llmgw::core::routing
