#pragma once
// The latest subscription / rate-limit window headers per provider (table `rate_windows`), written
// by the ledger's writer thread and read by `llmgw usage` and its status line.
#include "core/accounting/request_record.hpp"
#include "store/db.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace llmgw::store {

// Replaces the headers kept for (provider, agent) with these: parameters 1..5 are provider,
// agent, name, value, updated_at_ms. Run k_clear_rate_windows_sql (1..2: provider, agent) first.
extern const std::string_view k_clear_rate_windows_sql;
extern const std::string_view k_put_rate_window_sql;

// Store the window headers of one record (none: nothing changes). Statements prepared from the
// two SQL texts above; runs inside the caller's transaction.
void put_rate_windows(Statement& clear, Statement& put, const core::RequestRecord& record);

// One provider's latest headers (of whichever agent saw them last), names lowercase, sorted.
struct ProviderWindows {
  std::string provider;
  std::string agent;
  int64_t updated_at_ms = 0;
  std::vector<core::RateWindowHeader> headers;
};

// Every provider with window headers, by provider name.
std::vector<ProviderWindows> latest_rate_windows(Db& db);

} // namespace llmgw::store
