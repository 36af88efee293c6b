#pragma once
// What the gateway learns about its upstreams while it runs: deployments cooling down after
// repeated failures, provider keys benched after a refusal or an exhausted quota, and which
// deployment each agent session is pinned to. Thread-safe; every call is short.
#include "core/config/config.hpp"

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace llmgw::core::routing {

// One line of the published state (`llmgw providers`).
struct HealthEntry {
  std::string kind; // "deployment" or "key"
  std::string provider;
  std::string name;     // the deployment's model, or the key's env var
  int64_t until_ms = 0; // cooling down / benched until (unix ms)
  std::string reason;
};

class Health {
public:
  // A deployment ("provider/model") is cooling down: skip it while others remain.
  bool cooling(const std::string& deployment, int64_t now_ms) const;
  // A try failed (unreachable, timeout, 408/429/5xx): counts towards a cool-down.
  void failed(const std::string& deployment, const std::string& reason, int64_t now_ms,
              const config::RoutingConfig& policy);
  // A try got an answer: the deployment is healthy again.
  void succeeded(const std::string& deployment);

  // The key (index into the provider's keys) for the next request: by the provider's strategy,
  // skipping benched keys; when every key is benched, the one whose rest ends first.
  size_t pick_key(const config::ProviderConfig& provider, int64_t now_ms);
  // Rest a key until now + seconds. Returns whether another key of the provider is usable.
  bool bench_key(const config::ProviderConfig& provider, size_t index, const std::string& reason, int64_t now_ms,
                 int seconds);

  // The deployment the session last succeeded on, "" when none (or forgotten after ttl).
  std::string pinned(const std::string& session, int64_t now_ms) const;
  void pin(const std::string& session, const std::string& deployment, int64_t now_ms, int ttl_minutes);

  // Deployments cooling down and keys benched right now.
  std::vector<HealthEntry> snapshot(int64_t now_ms) const;

private:
  struct DeploymentState {
    std::deque<int64_t> failures; // within the window
    int64_t cooling_until = 0;
    bool probing = false; // cooled down once: the next failure starts another cool-down at once
    std::string reason;
  };
  struct KeyState {
    int64_t benched_until = 0;
    int64_t last_used = 0;
    std::string reason;
  };
  struct ProviderKeys {
    std::vector<KeyState> keys;
    std::vector<std::string> envs; // for the snapshot
    size_t next = 0;               // round robin
  };
  struct Pin {
    std::string deployment;
    int64_t at_ms = 0;
  };
  ProviderKeys& keys_of(const config::ProviderConfig& provider);

  mutable std::mutex m_mutex;
  std::map<std::string, DeploymentState> m_deployments;
  std::map<std::string, ProviderKeys> m_keys;
  std::unordered_map<std::string, Pin> m_pins;
  int64_t m_pin_ttl_ms = 3'600'000;
};

} // namespace llmgw::core::routing
