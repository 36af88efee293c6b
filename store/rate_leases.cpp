#include "store/rate_leases.hpp"

#include <algorithm>

namespace llmgw::store {
namespace {

using core::policy::RateAsk;
using core::policy::RateClaim;
using core::policy::RateGrant;
using core::policy::RateRule;

// Serialises growths of one rule: on a server database the row lock is held to the commit (SQLite's
// BEGIN IMMEDIATE already serialises every writer).
constexpr std::string_view k_take_rate_turn_sql =
    "INSERT INTO rate_lease_turns (rule_id, turns) VALUES (?1, 1) "
    "ON CONFLICT (rule_id) DO UPDATE SET turns = rate_lease_turns.turns + 1";

// Sub-windows that no longer overlap the minute count for no one. A growth drops those of instances
// that stopped beating (a live one rewrites its own rows at every beat): only rows of the rule whose
// turn it holds, and none a live instance may be writing, so two transactions never wait on each
// other's rows in a cycle.
constexpr std::string_view k_expire_stale_sql =
    "DELETE FROM rate_leases WHERE rule_id = ?1 AND window_start_ms < ?2 AND updated_at_ms < ?3";

// An instance that stopped beating keeps its admissions counted (they happened) but not its spare.
constexpr std::string_view k_reclaim_stale_shares_sql =
    "UPDATE rate_leases SET spare_requests = 0, spare_tokens = 0 "
    "WHERE rule_id = ?1 AND updated_at_ms < ?2 AND (spare_requests > 0 OR spare_tokens > 0)";

constexpr std::string_view k_forget_rule_sql = "DELETE FROM rate_leases WHERE rule_id = ?1 AND instance_id = ?2";

constexpr std::string_view k_insert_sql =
    "INSERT INTO rate_leases (rule_id, window_start_ms, instance_id, requests, tokens, spare_requests, "
    "spare_tokens, updated_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";

// Per counted sub-window: admissions and spares of every instance.
constexpr std::string_view k_window_sums_sql =
    "SELECT window_start_ms, CAST(SUM(requests) AS BIGINT), CAST(SUM(tokens) AS BIGINT), "
    "CAST(SUM(spare_requests) AS BIGINT), CAST(SUM(spare_tokens) AS BIGINT) FROM rate_leases "
    "WHERE rule_id = ?1 AND window_start_ms >= ?2 GROUP BY window_start_ms ORDER BY window_start_ms";

constexpr std::string_view k_others_live_sql =
    "SELECT COUNT(DISTINCT instance_id) FROM rate_leases WHERE rule_id = ?1 AND updated_at_ms >= ?2 "
    "AND instance_id <> ?3";

constexpr std::string_view k_add_spare_sql =
    "UPDATE rate_leases SET spare_requests = spare_requests + ?1, spare_tokens = spare_tokens + ?2 "
    "WHERE rule_id = ?3 AND window_start_ms = ?4 AND instance_id = ?5";

// The growth the store can afford in one dimension: the whole need or nothing, and beyond it at most
// the want and half of what would be left (near the limit every instance still gets a share).
int64_t rate_affordable(int64_t available, int64_t need, int64_t want) {
  if (available < need) return 0;
  return std::min(std::max(need, want), need + (available - need + 1) / 2);
}

} // namespace

StoreRateLedger::StoreRateLedger(const std::string& db_path, std::string instance_id, int64_t stale_ms)
    : m_db(db_path), m_instance(std::move(instance_id)), m_stale_ms(stale_ms) {}

void StoreRateLedger::store_claim(const RateClaim& claim, bool current_row, int64_t now_ms) {
  auto forget = m_db.prepare(k_forget_rule_sql);
  forget.bind_int64(1, claim.rule.id);
  forget.bind_text(2, m_instance);
  forget.run();
  const int64_t oldest = core::policy::rate_oldest_counted(now_ms);
  const int64_t current = core::policy::rate_subwindow_start(now_ms);
  const bool spare = claim.spare_requests > 0 || claim.spare_tokens > 0;
  auto insert = m_db.prepare(k_insert_sql);
  auto put = [&](int64_t window_start_ms, int64_t requests, int64_t tokens, int64_t spare_requests,
                 int64_t spare_tokens) {
    insert.reset();
    insert.bind_int64(1, claim.rule.id);
    insert.bind_int64(2, window_start_ms);
    insert.bind_text(3, m_instance);
    insert.bind_int64(4, requests);
    insert.bind_int64(5, tokens);
    insert.bind_int64(6, spare_requests);
    insert.bind_int64(7, spare_tokens);
    insert.bind_int64(8, now_ms);
    insert.run();
  };
  bool wrote_current = false;
  for (const auto& count : claim.used) {
    if (count.window_start_ms < oldest || count.window_start_ms > current) continue;
    const bool is_current = count.window_start_ms == current;
    put(count.window_start_ms, count.requests, count.tokens, is_current ? claim.spare_requests : 0,
        is_current ? claim.spare_tokens : 0);
    wrote_current = wrote_current || is_current;
  }
  // The spare is kept in the current sub-window, where it ages like a request admitted now.
  if (!wrote_current && (spare || current_row)) put(current, 0, 0, claim.spare_requests, claim.spare_tokens);
}

RateGrant StoreRateLedger::team_counts(const RateRule& rule, int64_t now_ms) {
  RateGrant counts;
  auto sums = m_db.prepare(k_window_sums_sql);
  sums.bind_int64(1, rule.id);
  sums.bind_int64(2, core::policy::rate_oldest_counted(now_ms));
  while (sums.step()) {
    const int64_t window = sums.column_int64(0);
    const int64_t requests = sums.column_int64(1);
    const int64_t tokens = sums.column_int64(2);
    counts.team_spare_requests += sums.column_int64(3);
    counts.team_spare_tokens += sums.column_int64(4);
    counts.team_requests += requests + sums.column_int64(3);
    counts.team_tokens += tokens + sums.column_int64(4);
    if (requests > 0 && counts.oldest_requests_ms == 0) counts.oldest_requests_ms = window;
    if (tokens > 0 && counts.oldest_tokens_ms == 0) counts.oldest_tokens_ms = window;
  }
  auto live = m_db.prepare(k_others_live_sql);
  live.bind_int64(1, rule.id);
  live.bind_int64(2, now_ms - m_stale_ms);
  live.bind_text(3, m_instance);
  counts.live_instances = 1 + static_cast<int>(live.step() ? live.column_int64(0) : 0);
  return counts;
}

void StoreRateLedger::expire_stale(const RateRule& rule, int64_t now_ms) {
  auto expire = m_db.prepare(k_expire_stale_sql);
  expire.bind_int64(1, rule.id);
  expire.bind_int64(2, core::policy::rate_oldest_counted(now_ms));
  expire.bind_int64(3, now_ms - m_stale_ms);
  expire.run();
  auto stale = m_db.prepare(k_reclaim_stale_shares_sql);
  stale.bind_int64(1, rule.id);
  stale.bind_int64(2, now_ms - m_stale_ms);
  stale.run();
}

RateGrant StoreRateLedger::grow(const RateClaim& claim, const RateAsk& ask, int64_t now_ms) {
  Transaction transaction(m_db);
  auto turn = m_db.prepare(k_take_rate_turn_sql);
  turn.bind_int64(1, claim.rule.id);
  turn.run();
  expire_stale(claim.rule, now_ms);
  store_claim(claim, true, now_ms);
  RateGrant grant = team_counts(claim.rule, now_ms);
  const int64_t rpm = claim.rule.requests_per_minute;
  const int64_t tpm = claim.rule.tokens_per_minute;
  const int64_t extra_requests =
      ask.need_requests > 0 ? rate_affordable(rpm - grant.team_requests, ask.need_requests, ask.want_requests) : 0;
  // As with one instance, a request larger than the limit still goes through alone in an empty minute.
  const int64_t extra_tokens = ask.need_tokens <= 0 ? 0
                               : grant.team_tokens == 0 && ask.need_tokens > tpm
                                   ? ask.need_tokens
                                   : rate_affordable(tpm - grant.team_tokens, ask.need_tokens, ask.want_tokens);
  // A request needs every dimension it asked for: all of them or nothing.
  const bool granted = (ask.need_requests <= 0 || extra_requests > 0) && (ask.need_tokens <= 0 || extra_tokens > 0);
  if (granted) {
    auto add = m_db.prepare(k_add_spare_sql);
    add.bind_int64(1, extra_requests);
    add.bind_int64(2, extra_tokens);
    add.bind_int64(3, claim.rule.id);
    add.bind_int64(4, core::policy::rate_subwindow_start(now_ms));
    add.bind_text(5, m_instance);
    add.run();
    grant.requests = extra_requests;
    grant.tokens = extra_tokens;
    grant.team_requests += extra_requests;
    grant.team_tokens += extra_tokens;
    grant.team_spare_requests += extra_requests;
    grant.team_spare_tokens += extra_tokens;
  }
  transaction.commit();
  return grant;
}

std::vector<RateGrant> StoreRateLedger::beat(const std::vector<RateClaim>& claims, int64_t now_ms) {
  std::vector<RateGrant> grants;
  Transaction transaction(m_db);
  for (const RateClaim& claim : claims) {
    store_claim(claim, false, now_ms);
    grants.push_back(team_counts(claim.rule, now_ms));
  }
  // This instance's rows of rules that are gone (every claimed row was just written at now_ms, and
  // its sub-windows that left the minute were not).
  auto forget = m_db.prepare("DELETE FROM rate_leases WHERE instance_id = ?1 AND updated_at_ms < ?2");
  forget.bind_text(1, m_instance);
  forget.bind_int64(2, now_ms);
  forget.run();
  transaction.commit();
  return grants;
}

void StoreRateLedger::release() {
  auto give_back = m_db.prepare("UPDATE rate_leases SET spare_requests = 0, spare_tokens = 0 WHERE instance_id = ?1");
  give_back.bind_text(1, m_instance);
  give_back.run();
}

std::vector<RateLeaseRow> list_rate_leases(Db& db) {
  auto select = db.prepare("SELECT rule_id, window_start_ms, instance_id, requests, tokens, spare_requests, "
                           "spare_tokens, updated_at_ms FROM rate_leases ORDER BY rule_id, window_start_ms, "
                           "instance_id");
  std::vector<RateLeaseRow> rows;
  while (select.step())
    rows.push_back({select.column_int64(0), select.column_int64(1), select.column_text(2), select.column_int64(3),
                    select.column_int64(4), select.column_int64(5), select.column_int64(6), select.column_int64(7)});
  return rows;
}

} // namespace llmgw::store
