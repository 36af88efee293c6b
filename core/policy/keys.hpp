#pragma once
// Virtual keys: tokens `llmgw key create` hands out, one per tool or project. Only their SHA-256
// is stored; the gateway looks a presented token up by its hash.
#include "core/policy/rules.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace llmgw::core::policy {

struct VirtualKey {
  std::string name;
  std::string token_hash; // lowercase hex SHA-256 of the token
  std::string project;    // attributed to every request made with the key ("" = none)
  std::string agent;      // overrides the user-agent guess ("" = guess)
  std::string models;     // allowed models: comma-separated globs ("" = any)
  std::string user{};     // the person the key belongs to: every request made with it is theirs ("" = none)
};

// `llmgw use TARGET [--for GLOB|AGENT]`: requests whose model matches the glob (or from the agent)
// go to TARGET, a provider, a "provider/model" deployment or a [models] name.
struct RouteOverride {
  int64_t id = 0;
  std::string target;
  std::string model_glob; // "" = any model
  std::string agent;      // "" = any agent
};

// Everything the CLI can change while `serve` runs (store/settings): applied as one unit.
struct PolicySettings {
  std::vector<CapRule> caps;
  std::vector<RateRule> limits;
  std::vector<VirtualKey> keys;         // active keys only
  std::vector<RouteOverride> overrides; // newest first: the first match wins
};

// Lowercase hex SHA-256 of text (OpenSSL).
std::string sha256_hex(std::string_view text);
// A new random token for a virtual key: "llmgw-vk-" and 48 hex characters.
std::string generate_key_token();
// Shell-style glob: '*' any run, '?' one character. Case-sensitive.
bool glob_match(std::string_view pattern, std::string_view text);
// True when `models` (comma-separated globs, "" = any) allows the model.
bool models_allow(std::string_view models, std::string_view model);

class KeyRing {
public:
  KeyRing() = default;
  explicit KeyRing(const std::vector<VirtualKey>& keys);
  // The active key whose token this is, nullptr if none (unknown or revoked).
  const VirtualKey* find(std::string_view token) const;
  bool empty() const { return m_by_hash.empty(); }

private:
  std::unordered_map<std::string, VirtualKey> m_by_hash;
};

} // namespace llmgw::core::policy
