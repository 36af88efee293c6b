// Scopes of caps and limits: the user scope (team mode) covers every key of one user, and the
// spend a request settles counts under its user.
#include "core/policy/rules.hpp"
#include "core/policy/spend_caps.hpp"

#include <doctest/doctest.h>

using namespace llmgw::core::policy;

namespace {

constexpr int64_t k_cent = 10'000'000'000;   // pico-USD
constexpr int64_t k_now = 1'773'000'000'000; // 2026-03-08

} // namespace

TEST_CASE("rules: \"user\" is a scope of its own, stored and flagged by that word") {
  CHECK(to_string(Scope::user) == "user");
  CHECK(scope_from_string("user") == Scope::user);
  const Subject alice{"anthropic", "claude-code", "web", "alice-laptop", "alice"};
  CHECK(covers(Scope::user, "alice", alice));
  CHECK_FALSE(covers(Scope::user, "bob", alice));
  CHECK_FALSE(covers(Scope::user, "alice", Subject{"anthropic", "claude-code", "web", "ci", ""}));
  const auto scopes = subject_scopes(alice);
  CHECK(scopes.back() == std::pair<Scope, std::string_view>{Scope::user, "alice"});
  CHECK(scopes.front() == std::pair<Scope, std::string_view>{Scope::global, ""});
}

TEST_CASE("rules: a user cap counts every key of the user, settled spend included, and no one else") {
  SpendCaps caps;
  caps.set_rules({CapRule{1, Period::day, 5 * k_cent, Scope::user, "alice", 80}}, false);
  const Subject laptop{"anthropic", "claude-code", "", "alice-laptop", "alice"};
  const Subject ci{"openai", "codex", "", "alice-ci", "alice"};
  const Subject bob{"openai", "codex", "", "bob-laptop", "bob"};
  auto first = caps.admit(laptop, 3 * k_cent, k_now);
  REQUIRE_FALSE(first.refusal);
  caps.settle(first.holds, laptop, 3 * k_cent, k_now, k_now);
  // 3 spent with one key: 3 more with her other key would pass 5.
  auto second = caps.admit(ci, 3 * k_cent, k_now);
  REQUIRE(second.refusal);
  CHECK(refusal_message(*second.refusal).find("for user alice") != std::string::npos);
  CHECK(refusal_message(*second.refusal).find("--user alice") != std::string::npos);
  CHECK_FALSE(caps.admit(bob, 50 * k_cent, k_now).refusal);
  CHECK(caps.states(k_now).at(0).spent_pico == 3 * k_cent);
}
