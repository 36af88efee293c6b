#include "core/policy/rules.hpp"

namespace llmgw::core::policy {

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

std::optional<Scope> scope_from_string(std::string_view text) {
  for (Scope scope : {Scope::global, Scope::provider, Scope::agent, Scope::project, Scope::key})
    if (to_string(scope) == text) return scope;
  return std::nullopt;
}

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

} // namespace llmgw::core::policy
