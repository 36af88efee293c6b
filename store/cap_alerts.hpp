#pragma once
// Which cap alerts ([alerts] command) went out: one per cap, kind and period, across restarts.
#include "store/db.hpp"

#include <cstdint>
#include <string_view>

namespace llmgw::store {

// Records that the `kind` ("warn", "reached") alert of cap `cap_id` goes out for the period that
// starts at period_start_ms. True when it had not gone out for that period yet (the caller sends
// it); false when it had. Throws Error / BusyError.
bool claim_cap_alert(Db& db, int64_t cap_id, std::string_view kind, int64_t period_start_ms, int64_t now_ms);

} // namespace llmgw::store
