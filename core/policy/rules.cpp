#include "core/policy/rules.hpp"

namespace llmgw::core::policy {

std::string_view to_string(Scope scope) {
  switch (scope) {
  case Scope::global: return "global";
  case Scope::provider: return "provider";
  case Scope::agent: return "agent";
  case Scope::project: return "project";
  case Scope::key: return "key";
  case Scope::user: return "user";
  }
  return "global";
}

std::optional<Scope> scope_from_string(std::string_view text) {
  for (Scope scope : {Scope::global, Scope::provider, Scope::agent, Scope::project, Scope::key, Scope::user})
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
  case Scope::user: return value == subject.user;
  }
  return false;
}

std::array<std::pair<Scope, std::string_view>, 6> subject_scopes(const Subject& subject) {
  return {{{Scope::global, ""},
           {Scope::provider, subject.provider},
           {Scope::agent, subject.agent},
           {Scope::project, subject.project},
           {Scope::key, subject.key},
           {Scope::user, subject.user}}};
}

} // namespace llmgw::core::policy
