#pragma once
// What caps and rate limits are: the rules the CLI sets, the scope each applies to, and the
// dimensions a request is counted under.
#include "core/policy/periods.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace llmgw::core::policy {

// What a cap or limit is scoped to; global applies to every request.
enum class Scope { global, provider, agent, project, key, user };

// "global", "provider", ...: the TEXT stored in the settings tables and the CLI flag names.
std::string_view to_string(Scope scope);
std::optional<Scope> scope_from_string(std::string_view text);

struct CapRule {
  int64_t id = 0;
  Period period = Period::day;
  int64_t limit_pico = 0; // USD in pico-USD
  Scope scope = Scope::global;
  std::string value; // the provider / agent / project / key name; "" for global
  int warn_percent = 80;
};

struct RateRule {
  int64_t id = 0;
  Scope scope = Scope::agent; // agent or key
  std::string value;
  int64_t requests_per_minute = 0; // 0 = no limit
  int64_t tokens_per_minute = 0;   // 0 = no limit
};

// The dimensions a request is counted under.
struct Subject {
  std::string provider;
  std::string agent;
  std::string project;
  std::string key;
  std::string user{}; // the virtual key's user ("" = none)
};

// Every scope and the subject's value under it (global with ""): where its spend is counted.
std::array<std::pair<Scope, std::string_view>, 6> subject_scopes(const Subject& subject);

// True when a cap or limit of this scope and value counts the subject's requests.
bool covers(Scope scope, const std::string& value, const Subject& subject);

} // namespace llmgw::core::policy
