#include "store/cap_leases.hpp"

#include "core/policy/periods.hpp"
#include "store/request_rows.hpp"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <random>

namespace llmgw::store {
namespace {

using core::policy::LeaseClaim;
using core::policy::LeaseState;

// Serialises growths of one cap's period: on a server database the row lock is held to the commit
// (SQLite's BEGIN IMMEDIATE already serialises every writer).
constexpr std::string_view k_take_turn_sql =
    "INSERT INTO cap_lease_turns (cap_id, period_start_ms, period_end_ms, turns) VALUES (?1, ?2, ?3, 1) "
    "ON CONFLICT (cap_id, period_start_ms) DO UPDATE SET turns = cap_lease_turns.turns + 1";

// A stale lease keeps what its instance used at its last beat (a request it admitted may still be
// running on an instance cut off from the store); an abandoned one, or one of an ended period, goes.
constexpr std::string_view k_reclaim_stale_sql =
    "UPDATE cap_leases SET granted_pico = used_pico WHERE updated_at_ms < ?1 AND granted_pico > used_pico";
constexpr std::string_view k_reclaim_abandoned_sql =
    "DELETE FROM cap_leases WHERE updated_at_ms < ?1 OR period_end_ms <= ?2";

constexpr std::string_view k_end_turns_sql = "DELETE FROM cap_lease_turns WHERE period_end_ms <= ?1";

constexpr std::string_view k_store_claim_sql =
    "INSERT INTO cap_leases (cap_id, period_start_ms, instance_id, period_end_ms, granted_pico, written_pico, "
    "used_pico, updated_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
    "ON CONFLICT (cap_id, period_start_ms, instance_id) DO UPDATE SET granted_pico = excluded.granted_pico, "
    "written_pico = excluded.written_pico, used_pico = excluded.used_pico, updated_at_ms = excluded.updated_at_ms";

// What live leases may still add to the ledger: each one's granted budget less its part the ledger
// already holds (never below 0: soft mode may have spent past a slice, and that spend is in the ledger).
constexpr std::string_view k_unwritten_sql =
    "SELECT CAST(COALESCE(SUM(CASE WHEN granted_pico > written_pico THEN granted_pico - written_pico ELSE 0 END), "
    "0) AS BIGINT) FROM cap_leases WHERE cap_id = ?1 AND period_start_ms = ?2";

constexpr std::string_view k_ledger_spent_sql =
    "SELECT CAST(COALESCE(SUM(cost_usd_pico), 0) AS BIGINT) FROM spend_buckets WHERE bucket >= ?1 AND bucket < ?2 "
    "AND (?3 = 'global' OR (?3 = 'provider' AND provider = ?4) OR (?3 = 'agent' AND agent = ?4) "
    "OR (?3 = 'project' AND project = ?4) OR (?3 = 'key' AND key_name = ?4))";

constexpr std::string_view k_add_grant_sql =
    "UPDATE cap_leases SET granted_pico = granted_pico + ?1 WHERE cap_id = ?2 AND period_start_ms = ?3 "
    "AND instance_id = ?4";

// The growth the store can afford: at least the need, at most the want, and never more than half
// of what would be left beyond the need (near the limit every instance still gets a share).
int64_t affordable(int64_t available, int64_t need, int64_t want) {
  if (available <= 0 || available < need) return 0;
  return std::min(want, need + (available - need) / 2 + ((available - need) % 2));
}

// [first, end) spend buckets of a period (spend_buckets.bucket: 15-minute UTC buckets).
std::pair<int64_t, int64_t> lease_bucket_range(const LeaseClaim& claim) {
  if (claim.cap.period == core::policy::Period::total)
    return {std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()};
  return {core::policy::floor_div(claim.period_start_ms, k_spend_bucket_ms),
          core::policy::floor_div(claim.period_end_ms, k_spend_bucket_ms)};
}

} // namespace

std::string new_instance_id() {
  std::random_device device;
  std::uniform_int_distribution<uint64_t> bits;
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(bits(device)));
  return text;
}

StoreCapLedger::StoreCapLedger(const std::string& db_path, std::string instance_id, int64_t stale_ms,
                               int64_t abandon_ms)
    : m_db(db_path), m_instance(std::move(instance_id)), m_stale_ms(stale_ms), m_abandon_ms(abandon_ms) {}

void StoreCapLedger::store_claim(const LeaseClaim& claim, int64_t now_ms) {
  auto upsert = m_db.prepare(k_store_claim_sql);
  upsert.bind_int64(1, claim.cap.id);
  upsert.bind_int64(2, claim.period_start_ms);
  upsert.bind_text(3, m_instance);
  upsert.bind_int64(4, claim.period_end_ms);
  upsert.bind_int64(5, claim.granted_pico);
  upsert.bind_int64(6, claim.written_pico);
  upsert.bind_int64(7, claim.used_pico);
  upsert.bind_int64(8, now_ms);
  upsert.run();
}

int64_t StoreCapLedger::ledger_spent(const LeaseClaim& claim) {
  const auto [first, end] = lease_bucket_range(claim);
  auto select = m_db.prepare(k_ledger_spent_sql);
  select.bind_int64(1, first);
  select.bind_int64(2, end);
  select.bind_text(3, core::policy::to_string(claim.cap.scope));
  select.bind_text(4, claim.cap.value);
  return select.step() ? select.column_int64(0) : 0;
}

int64_t StoreCapLedger::unwritten_claims(const LeaseClaim& claim) {
  auto select = m_db.prepare(k_unwritten_sql);
  select.bind_int64(1, claim.cap.id);
  select.bind_int64(2, claim.period_start_ms);
  return select.step() ? select.column_int64(0) : 0;
}

LeaseState StoreCapLedger::grow(const LeaseClaim& claim, int64_t need_pico, int64_t want_pico, int64_t now_ms) {
  Transaction transaction(m_db);
  auto turn = m_db.prepare(k_take_turn_sql);
  turn.bind_int64(1, claim.cap.id);
  turn.bind_int64(2, claim.period_start_ms);
  turn.bind_int64(3, claim.period_end_ms);
  turn.run();
  auto stale = m_db.prepare(k_reclaim_stale_sql);
  stale.bind_int64(1, now_ms - m_stale_ms);
  stale.run();
  auto abandoned = m_db.prepare(k_reclaim_abandoned_sql);
  abandoned.bind_int64(1, now_ms - m_abandon_ms);
  abandoned.bind_int64(2, now_ms);
  abandoned.run();
  store_claim(claim, now_ms);
  // The leases first, the ledger second: a lease whose written part is read here was stored after
  // the ledger committed that part, so the ledger read next holds it too (counted twice at worst,
  // never missed), also on a database where each statement sees the latest commits.
  const int64_t claimed = unwritten_claims(claim);
  const int64_t spent = ledger_spent(claim);
  const int64_t available = claim.cap.limit_pico - spent - claimed;
  const int64_t extra = affordable(available, need_pico, want_pico);
  if (extra > 0) {
    auto add = m_db.prepare(k_add_grant_sql);
    add.bind_int64(1, extra);
    add.bind_int64(2, claim.cap.id);
    add.bind_int64(3, claim.period_start_ms);
    add.bind_text(4, m_instance);
    add.run();
  }
  transaction.commit();
  return LeaseState{claim.granted_pico + extra, spent, std::max<int64_t>(0, available - extra)};
}

std::vector<LeaseState> StoreCapLedger::beat(const std::vector<LeaseClaim>& claims, int64_t now_ms) {
  std::vector<LeaseState> states;
  Transaction transaction(m_db);
  for (const LeaseClaim& claim : claims) {
    store_claim(claim, now_ms);
    states.push_back(LeaseState{claim.granted_pico, ledger_spent(claim), 0});
  }
  // This instance's other leases (caps removed, periods ended) are given back.
  auto forget = m_db.prepare("DELETE FROM cap_leases WHERE instance_id = ?1 AND updated_at_ms < ?2");
  forget.bind_text(1, m_instance);
  forget.bind_int64(2, now_ms);
  forget.run();
  auto end_turns = m_db.prepare(k_end_turns_sql);
  end_turns.bind_int64(1, now_ms);
  end_turns.run();
  transaction.commit();
  return states;
}

void StoreCapLedger::release() {
  auto forget = m_db.prepare("DELETE FROM cap_leases WHERE instance_id = ?1");
  forget.bind_text(1, m_instance);
  forget.run();
}

std::vector<LeaseRow> list_cap_leases(Db& db) {
  auto select = db.prepare("SELECT cap_id, period_start_ms, instance_id, granted_pico, written_pico, updated_at_ms "
                           "FROM cap_leases ORDER BY cap_id, period_start_ms, instance_id");
  std::vector<LeaseRow> rows;
  while (select.step())
    rows.push_back({select.column_int64(0), select.column_int64(1), select.column_text(2), select.column_int64(3),
                    select.column_int64(4), select.column_int64(5)});
  return rows;
}

} // namespace llmgw::store
