// The words of every refusal and warning, byte for byte: clients, agents and the README quote them.
#include "core/policy/refusal.hpp"

#include <doctest/doctest.h>

using namespace llmgw::core::policy;

namespace {

constexpr int64_t k_cent = 10'000'000'000; // pico-USD

Refusal cap_refusal(Period period, int64_t limit, Scope scope, std::string value) {
  Refusal refusal;
  refusal.kind = Refusal::Kind::cap;
  refusal.period = period;
  refusal.limit_pico = limit;
  refusal.scope = scope;
  refusal.value = std::move(value);
  return refusal;
}

} // namespace

TEST_CASE("a cap refusal says the request would exceed the cap, with its expected and worst cost and the fix") {
  Refusal overall = cap_refusal(Period::day, 10 * k_cent, Scope::global, "");
  overall.spent_pico = 4 * k_cent;
  overall.reserved_pico = 5 * k_cent;
  overall.needed_pico = 2 * k_cent;
  overall.worst_pico = 3 * k_cent;
  CHECK(refusal_message(overall) ==
        "llmgw: this request would exceed the daily spend cap of $0.1000 overall: $0.0400 spent, $0.0500 reserved by "
        "requests in flight, and this request is expected to cost $0.0200 (at most $0.0300 if it used its whole "
        "output limit). Raise it with `llmgw cap set --day 0.2000`");

  // Claude Code near the end of a $2 day: max_tokens 128000 at an Opus price is the worst case.
  Refusal agent = cap_refusal(Period::day, 200 * k_cent, Scope::agent, "claude-code");
  agent.spent_pico = 198 * k_cent;
  agent.needed_pico = 5 * k_cent;
  agent.worst_pico = 326 * k_cent;
  CHECK(refusal_message(agent) ==
        "llmgw: this request would exceed the daily spend cap of $2.00 for agent claude-code: $1.98 spent, $0.00 "
        "reserved by requests in flight, and this request is expected to cost $0.0500 (at most $3.26 if it used its "
        "whole output limit). Raise it with `llmgw cap set --day --agent claude-code 4.00`");

  Refusal key = cap_refusal(Period::month, 3 * k_cent, Scope::key, "ci");
  key.reserved_pico = 2 * k_cent;
  key.needed_pico = 2 * k_cent;
  key.worst_pico = 2 * k_cent;
  CHECK(refusal_message(key) ==
        "llmgw: this request would exceed the monthly spend cap of $0.0300 for key ci: $0.00 spent, $0.0200 "
        "reserved by requests in flight, and this request is expected to cost $0.0200 (at most $0.0200 if it used "
        "its whole output limit). Raise it with `llmgw cap set --month --key ci 0.0600`");
}

TEST_CASE("a total cap has no period flag, and the suggested amount covers what the request needs") {
  Refusal total = cap_refusal(Period::total, 3 * k_cent, Scope::project, "web");
  total.needed_pico = 7 * k_cent;
  total.worst_pico = 9 * k_cent;
  CHECK(refusal_message(total) ==
        "llmgw: this request would exceed the total spend cap of $0.0300 for project web: $0.00 spent, $0.00 "
        "reserved by requests in flight, and this request is expected to cost $0.0700 (at most $0.0900 if it used "
        "its whole output limit). Raise it with `llmgw cap set --project web 0.0700`");
}

TEST_CASE("a request whose worst case cannot be lowered to fit says so, with both costs") {
  Refusal refused = cap_refusal(Period::month, 10 * k_cent, Scope::key, "ci");
  refused.kind = Refusal::Kind::cap_worst_case;
  refused.reserved_pico = 2 * k_cent;
  refused.needed_pico = k_cent;
  refused.worst_pico = 20 * k_cent;
  CHECK(refusal_message(refused) ==
        "llmgw: at its output limit this request would exceed the monthly spend cap of $0.1000 for key ci, and that "
        "limit cannot be lowered to fit: $0.00 spent, $0.0200 reserved by requests in flight; this request is "
        "expected to cost $0.0100 but may cost up to $0.2000. Lower its output limit, stream it, or raise the cap "
        "with `llmgw cap set --month --key ci 0.2200`");
}

TEST_CASE("an unpriced model's refusal says how to give it a price") {
  Refusal unpriced;
  unpriced.kind = Refusal::Kind::unpriced;
  CHECK(refusal_message(unpriced) ==
        "llmgw cannot bound the cost of this model under your spend cap: it has no price. Add one under [prices] in "
        "config.toml (see `llmgw prices`), or set caps.unpriced = \"allow\"");
}

TEST_CASE("a rate refusal names the limit and when to retry") {
  Refusal requests;
  requests.kind = Refusal::Kind::request_rate;
  requests.status = 429;
  requests.scope = Scope::agent;
  requests.value = "codex";
  requests.limit_per_minute = 2;
  requests.retry_after_seconds = 40;
  CHECK(refusal_message(requests) ==
        "llmgw rate limit for agent codex: 2 requests per minute; retry in 40 s (change it with `llmgw limit set`)");
  Refusal tokens = requests;
  tokens.kind = Refusal::Kind::token_rate;
  tokens.scope = Scope::key;
  tokens.value = "ci";
  tokens.limit_per_minute = 1000;
  tokens.retry_after_seconds = 58;
  CHECK(refusal_message(tokens) ==
        "llmgw rate limit for key ci: 1000 tokens per minute; retry in 58 s (change it with `llmgw limit set`)");
}

TEST_CASE("a stream ended at a cap says what it had cost") {
  Refusal provider = cap_refusal(Period::week, 5 * k_cent, Scope::provider, "anthropic");
  provider.kind = Refusal::Kind::stream_over_cap;
  provider.needed_pico = 6 * k_cent;
  CHECK(refusal_message(provider) ==
        "llmgw ended this response at the weekly spend cap of $0.0500 for provider anthropic: it had cost about "
        "$0.0600 so far. Raise the cap with `llmgw cap set --week --provider anthropic 0.1000`");
  Refusal overall = cap_refusal(Period::day, 500 * k_cent, Scope::global, "");
  overall.kind = Refusal::Kind::stream_over_cap;
  overall.needed_pico = 501 * k_cent;
  CHECK(refusal_message(overall) ==
        "llmgw ended this response at the daily spend cap of $5.00 overall: it had cost about $5.01 so far. Raise the "
        "cap with `llmgw cap set --day 10.00`");
}

TEST_CASE("a cap warning gives the share used and what is left") {
  CapWarning warning{CapRule{1, Period::day, 10 * k_cent, Scope::agent, "claude-code", 80}, 8 * k_cent, 2 * k_cent};
  CHECK(warning_message(warning) == "daily cap of $0.1000 for agent claude-code is 80% used ($0.0200 left)");
}
