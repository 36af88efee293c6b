// llmgw_ledger_bench: the ledger writer's CPU per row, the figure issue 20 bounds (5 µs a row,
// amortised). Rows like a small proxied request's are queued in batches the size the writer
// gathers under load (10 ms of rows at the given rate), each batch flushed, into a new SQLite file
// at the latest schema. Two figures per round: the writer thread's own CPU (the thread named
// llmgw-ledger, from /proc; what issue 20 bounds, and what llmgw_bench reads inside llmgw serve)
// and the process's, which adds the queueing (the request thread's share) and the hand-offs.
//
//   llmgw_ledger_bench [--rows N] [--batch N] [--rounds N]
#include "store/ledger.hpp"
#include "tests/bench/bench_process.hpp"
#include "tests/support/temp_dir.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

namespace {

double process_cpu_seconds() {
  timespec now{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9;
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

llmgw::core::RequestRecord small_request(int64_t started_at_ms, int n) {
  llmgw::core::RequestRecord r;
  r.started_at_ms = started_at_ms;
  r.duration_ms = 1 + n % 7;
  r.ttfb_ms = r.duration_ms;
  r.agent = "claude-code";
  r.session_id = "session-" + std::to_string(n % 4);
  r.endpoint = "/v1/chat/completions";
  r.provider = "openai";
  r.requested_model = "gpt-4o";
  r.served_model = "gpt-4o-2024-08-06";
  r.http_status = 200;
  r.usage.input_uncached_tokens = 5;
  r.usage.output_tokens = 1;
  r.usage.reported = true;
  r.usage_source = llmgw::core::UsageSource::reported;
  r.cost_usd_pico = 22'500'000;
  r.price_version = "2026-11-01";
  r.price_basis = "exact";
  r.upstream_request_id = "chatcmpl-" + std::to_string(n);
  return r;
}

} // namespace

int main(int argc, char** argv) {
  int rows = 60'000, batch = 150, rounds = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    const int value = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--rows") == 0)
      rows = value;
    else if (std::strcmp(argv[i], "--batch") == 0)
      batch = value;
    else if (std::strcmp(argv[i], "--rounds") == 0)
      rounds = value;
  }
  if (rows <= 0 || batch <= 0 || rounds <= 0) {
    std::fprintf(stderr, "usage: llmgw_ledger_bench [--rows N] [--batch N] [--rounds N]\n");
    return 2;
  }
  const int64_t now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  std::vector<double> writer_us, process_us; // per row, one per round
  for (int round = 0; round < rounds; ++round) {
    llmgw::test::TempDir dir;
    llmgw::store::Ledger ledger(dir.file("bench.db"));
    // The rows are built before the clock starts: a request's row is its own work (metrics and
    // tracing read it too), not the ledger's.
    std::vector<llmgw::core::RequestRecord> built;
    built.reserve(static_cast<size_t>(rows));
    for (int n = 0; n < rows; ++n) built.push_back(small_request(now_ms + n / 15, n)); // 15 rows a millisecond
    const double cpu_before = process_cpu_seconds();
    const double writer_before =
        llmgw::bench::named_threads_cpu_us(::getpid(), llmgw::store::Ledger::k_writer_thread_name);
    const auto wall_before = std::chrono::steady_clock::now();
    for (int written = 0; written < rows; written += batch) {
      for (int n = written; n < std::min(rows, written + batch); ++n) ledger.record(std::move(built[n]));
      ledger.flush();
    }
    const double cpu = process_cpu_seconds() - cpu_before;
    const double writer_after =
        llmgw::bench::named_threads_cpu_us(::getpid(), llmgw::store::Ledger::k_writer_thread_name);
    const double writer_us_total = writer_before < 0 || writer_after < 0 ? -1 : writer_after - writer_before;
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_before).count();
    if (ledger.rows_written() != rows) {
      std::fprintf(stderr, "llmgw_ledger_bench: %lld of %d rows written (%s)\n",
                   static_cast<long long>(ledger.rows_written()), rows, ledger.last_error().c_str());
      return 1;
    }
    writer_us.push_back(writer_us_total < 0 ? -1 : writer_us_total / rows);
    process_us.push_back(cpu * 1e6 / rows);
    std::printf(
        "round %d: %d rows in batches of %d: writer thread %.2f us a row, process %.2f us a row, wall %.2f us a "
        "row, %lld transactions\n",
        round + 1, rows, batch, writer_us.back(), process_us.back(), wall * 1e6 / rows,
        static_cast<long long>(ledger.transactions()));
  }
  std::printf("ledger writer thread CPU per row, median of %d: %.2f us (issue 20's bound: 5 us); process, queueing "
              "included: %.2f us\n",
              rounds, median(writer_us), median(process_us));
  return 0;
}
