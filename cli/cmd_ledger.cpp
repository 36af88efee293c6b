// `llmgw ledger prune`: fold old request rows into the daily sums `usage` reads, delete them, and
// give the space back to the disk.
#include "cli/common.hpp"
#include "cli/time_range.hpp"
#include "core/config/config.hpp"
#include "core/error.hpp"
#include "store/prune.hpp"

#include <cstdio>
#include <memory>

namespace llmgw::cli {
namespace {

struct PruneArgs {
  std::string before;
  bool dry_run = false;
};

std::string megabytes(int64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f MB", static_cast<double>(bytes) / 1e6);
  return text;
}

void run_prune(const GlobalOptions& options, const PruneArgs& args) {
  int64_t before_ms = 0;
  if (!args.before.empty()) {
    before_ms = parse_time_arg(args.before, false);
  } else {
    const auto config = core::config::load_config({options.config_path, {}, {}});
    const int days = config.ledger.retention_days;
    if (days <= 0) throw Error("ledger.retention_days is 0 (keep every row): give --before DATE to prune anyway");
    before_ms = store::retention_cutoff_ms(days, now_ms());
  }
  store::Db db(resolve_db_path(options));
  const auto result = store::prune_ledger(db, before_ms, args.dry_run);
  const std::string cutoff = format_local_datetime(result.cutoff_ms);
  if (args.dry_run) {
    std::printf("would fold and delete %lld request rows (%lld attempt rows) started before %s\n",
                static_cast<long long>(result.rows), static_cast<long long>(result.attempts), cutoff.c_str());
    return;
  }
  std::printf("folded %lld request rows (%lld attempt rows) started before %s into daily sums and deleted them\n",
              static_cast<long long>(result.rows), static_cast<long long>(result.attempts), cutoff.c_str());
  if (result.rows > 0)
    std::printf("database: %s -> %s%s\n", megabytes(result.bytes_before).c_str(), megabytes(result.bytes_after).c_str(),
                result.vacuumed ? " (converted to incremental auto-vacuum by a one-time VACUUM)" : "");
}

} // namespace

void register_ledger(CLI::App& app, GlobalOptions& options) {
  auto* ledger = app.add_subcommand("ledger", "maintain the request ledger");
  ledger->require_subcommand(1);
  auto args = std::make_shared<PruneArgs>();
  auto* prune = ledger->add_subcommand(
      "prune", "fold request rows older than ledger.retention_days (or --before) into daily sums and delete them");
  prune->add_option("--before", args->before, "prune rows started before this local date or time (YYYY-MM-DD[THH:MM])");
  prune->add_flag("--dry-run", args->dry_run, "only count what would be pruned");
  prune->callback([&options, args] { run_prune(options, *args); });
}

} // namespace llmgw::cli
