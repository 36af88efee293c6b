#pragma once
// State the CLI changes while `serve` runs: caps, rate limits and virtual keys. Every change bumps
// a revision (by trigger) that the server polls; see settings_watcher.hpp.
#include "core/policy/keys.hpp"
#include "core/policy/spend_caps.hpp"
#include "store/db.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace llmgw::store {

// Caps, oldest first. upsert_cap replaces the cap of the same period and scope; returns its id.
std::vector<core::policy::CapRule> list_caps(Db& db);
int64_t upsert_cap(Db& db, const core::policy::CapRule& cap);
bool remove_cap(Db& db, int64_t id);

std::vector<core::policy::RateRule> list_rate_limits(Db& db);
int64_t upsert_rate_limit(Db& db, const core::policy::RateRule& rule);
bool remove_rate_limit(Db& db, int64_t id);

struct StoredKey {
  int64_t id = 0;
  core::policy::VirtualKey key;
  std::string token_hint; // "llmgw-vk-ab12…" for lists
  bool for_run = false;   // made by `llmgw run` for one run
  int64_t created_at_ms = 0;
  std::optional<int64_t> revoked_at_ms;
};

// Active keys, or every key ever made with include_revoked. Run keys only with include_runs.
std::vector<StoredKey> list_keys(Db& db, bool include_revoked, bool include_runs);
// Store a new key (its hash, never the token). Throws Error when an active key has the name.
int64_t insert_key(Db& db, const core::policy::VirtualKey& key, const std::string& token_hint, bool for_run);
// Revoke the active key of that name; false when there is none.
bool revoke_key(Db& db, const std::string& name);

// `llmgw use`: newest first. set_override replaces the one with the same match.
std::vector<core::policy::RouteOverride> list_overrides(Db& db);
int64_t set_override(Db& db, const core::policy::RouteOverride& route);
// Remove every override (`llmgw use --clear`); returns how many there were.
int64_t clear_overrides(Db& db);

// The counter every settings change bumps.
int64_t settings_revision(Db& db);
// Caps, limits and active keys in one read.
core::policy::PolicySettings load_policy(Db& db);

// Spending per period and scope for the periods containing now_ms, from spend_buckets (rows the
// client's own plan paid for are left out: caps bound the user's money).
std::vector<core::policy::SpentRow> spent_rows(Db& db, int64_t now_ms);

// Spend that counts toward caps in the day / week / month around now_ms (spend_buckets).
int64_t period_spend(Db& db, core::policy::Period period, int64_t now_ms);

// What the ledger shows spent under a cap in its current period (rows paid by the client's own
// plan left out), in pico-USD.
int64_t cap_spent(Db& db, const core::policy::CapRule& cap, int64_t now_ms);

// Reservations held by requests in flight, as the running server last published them.
std::map<int64_t, int64_t> cap_reservations(Db& db);
void publish_cap_reservations(Db& db, const std::map<int64_t, int64_t>& reserved, int64_t now_ms);
// The running server's routing state (JSON array of cool-downs and benched keys), "[]" when none
// was published.
std::string routing_state(Db& db);
void publish_routing_state(Db& db, const std::string& state_json, int64_t now_ms);

} // namespace llmgw::store
