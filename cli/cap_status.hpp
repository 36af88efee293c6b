#pragma once
// Caps as the CLI reports them (`cap list`, `usage --check`, `usage --statusline`).
#include "core/policy/rules.hpp"
#include "store/db.hpp"

#include <algorithm>
#include <vector>

namespace llmgw::cli {

struct CapStatus {
  core::policy::CapRule rule;
  int64_t spent = 0;    // this period, from the ledger
  int64_t reserved = 0; // held by a running server's requests in flight
  int64_t remaining() const { return std::max<int64_t>(0, rule.limit_pico - spent - reserved); }
  int used_percent() const {
    return static_cast<int>((spent + reserved) * 100 / std::max<int64_t>(1, rule.limit_pico));
  }
  bool warning() const { return used_percent() >= rule.warn_percent; }
};

// Every cap with what the ledger shows spent this period and what a running server holds.
std::vector<CapStatus> cap_statuses(store::Db& db);

} // namespace llmgw::cli
