#include "store/cap_alerts.hpp"

namespace llmgw::store {

bool claim_cap_alert(Db& db, int64_t cap_id, std::string_view kind, int64_t period_start_ms, int64_t now_ms) {
  // One statement: the row is written only when it is new or names an earlier period.
  Statement claim =
      db.prepare("INSERT INTO cap_alerts (cap_id, kind, period_start_ms, sent_at_ms) VALUES (?1, ?2, ?3, ?4) "
                 "ON CONFLICT (cap_id, kind) DO UPDATE SET period_start_ms = excluded.period_start_ms, sent_at_ms = "
                 "excluded.sent_at_ms WHERE cap_alerts.period_start_ms < excluded.period_start_ms RETURNING 1");
  claim.bind_int64(1, cap_id);
  claim.bind_text(2, kind);
  claim.bind_int64(3, period_start_ms);
  claim.bind_int64(4, now_ms);
  const bool claimed = claim.step();
  claim.run(); // to the end, so the write is committed
  return claimed;
}

} // namespace llmgw::store
