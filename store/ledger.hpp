#pragma once
// The request ledger: an asynchronous, batched writer of request rows into SQLite.
#include "core/accounting/request_record.hpp"
#include "core/metrics/histogram.hpp"
#include "store/db.hpp"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

namespace llmgw::store {

// Owns one connection and one writer thread. record() only queues; the writer commits queued
// rows in batches, one transaction each, retrying while the database is busy so no row is lost.
class Ledger : public core::UsageSink {
public:
  // Open (and migrate) the database and start the writer thread. Throws Error.
  explicit Ledger(const std::string& db_path, DbOptions options = {});
  ~Ledger() override;
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;

  // Queue one row; never touches SQLite on the caller's thread while the writer runs.
  // After stop() the row is written synchronously instead, so it is not lost either.
  void record(core::RequestRecord record) override;
  // Block until every row queued before this call is committed (or given up, see rows_dropped).
  void flush();
  // Flush, then end the writer thread. Idempotent; the destructor calls it.
  void stop();

  // Called on the writer thread after each commit, for every row with its id, in order (the
  // dashboard's live feed). It must return quickly and never block; null removes it.
  using RowObserver = std::function<void(int64_t id, const core::RequestRecord& record)>;
  void set_row_observer(RowObserver observer);

  // Rows committed so far, and the transactions that committed them (rows settled within 2 ms of
  // each other share one, up to 512 rows).
  int64_t rows_written() const { return m_rows_written.load(); }
  int64_t transactions() const { return m_transactions.load(); }
  // Rows abandoned after repeated non-busy failures (disk full, I/O error); normally 0.
  int64_t rows_dropped() const { return m_rows_dropped.load(); }
  // The last write error seen ("" if none), for the server to report.
  std::string last_error() const;
  // Rows queued and not yet committed (or given up), for GET /metrics.
  int64_t queue_depth() const;
  // How long each committed transaction took, in seconds (a batch of rows each).
  const core::metrics::Histogram& write_latency() const { return m_write_latency; }

private:
  void run_writer();
  void write_with_retry(std::span<const core::RequestRecord> rows);
  void write_batch(std::span<const core::RequestRecord> rows, std::vector<int64_t>& ids);

  Db m_db;
  Statement m_insert; // declared after m_db: finalized before the connection closes
  Statement m_add_spend;
  Statement m_insert_attempt;
  Statement m_clear_windows;
  Statement m_put_window;
  mutable std::mutex m_mutex;
  std::condition_variable m_wake;           // the writer waits here for rows or stop
  std::condition_variable m_settled;        // flush() waits here for progress
  std::vector<core::RequestRecord> m_queue; // swapped out whole, so the lock is held for O(1)
  int64_t m_queued_total = 0;               // rows ever queued
  int64_t m_settled_total = 0;              // rows committed or dropped
  bool m_stopping = false;
  bool m_writer_idle = false; // the writer waits for a first row (record() wakes it)
  int m_flush_waiters = 0;    // flush() calls waiting (the writer stops gathering)
  bool m_stopped = false;
  std::string m_last_error;
  std::shared_ptr<const RowObserver> m_observer; // under m_mutex; copied for each batch
  std::mutex m_late_mutex;                       // serialises synchronous writes after stop()
  std::atomic<int64_t> m_transactions{0};
  std::atomic<int64_t> m_rows_written{0};
  std::atomic<int64_t> m_rows_dropped{0};
  core::metrics::Histogram m_write_latency{core::metrics::k_write_seconds};
  std::thread m_writer;
};

} // namespace llmgw::store
