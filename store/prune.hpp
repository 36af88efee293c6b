#pragma once
// Keeping the ledger small: request rows older than a cut-off are folded into usage_rollup
// (migration 6), so `usage` totals stay the same, then deleted with their attempts, and the
// freed pages go back to the disk. Caps read spend_buckets, which a prune leaves alone.
#include "store/db.hpp"

#include <cstdint>

namespace llmgw::store {

struct PruneResult {
  int64_t cutoff_ms = 0;    // rows started before this went (a 15-minute bucket boundary)
  int64_t rows = 0;         // request rows folded and deleted (or that would be, dry run)
  int64_t attempts = 0;     // their attempt rows
  int64_t bytes_before = 0; // database file size before and after (0 for a dry run)
  int64_t bytes_after = 0;
  bool vacuumed = false; // the file was converted to incremental auto-vacuum by a full VACUUM
};

// Folds and deletes the request rows that started before `before_ms` (rounded down to a bucket
// boundary) in one transaction, then gives the freed pages back to the disk (the first prune of
// a file made before auto-vacuum was on runs one full VACUUM instead). dry_run only counts.
// Throws Error / BusyError.
PruneResult prune_ledger(Db& db, int64_t before_ms, bool dry_run);

// The cut-off of a retention of `days` days at now_ms (0 days: nothing is pruned, returns 0).
int64_t retention_cutoff_ms(int days, int64_t now_ms);

} // namespace llmgw::store
