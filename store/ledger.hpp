#pragma once
// The request ledger: an asynchronous, batched writer of request rows into SQLite.
#include "core/accounting/request_record.hpp"
#include "core/metrics/histogram.hpp"
#include "store/db.hpp"
#include "store/request_rows.hpp"

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

namespace llmgw::store {

// Owns one connection and one writer thread. record() only queues; the writer commits queued
// rows in batches, one transaction each, retrying while the database is busy or unreachable so no
// row is lost. The queue is bounded (max_queued_rows): past it rows are dropped and counted. On
// PostgreSQL every row carries a key of this writer's (a random instance id and its place in the
// queue), so a batch retried after a commit whose answer was lost is not written twice.
class Ledger : public core::UsageSink {
public:
  // Rows held in memory at most while the database cannot take them (about 1 KB each: 200 MB, half
  // an hour of an outage at 100 requests a second).
  static constexpr int64_t k_max_queued_rows = 200'000;
  // The writer thread's name (top -H, /proc/PID/task/TID/comm): llmgw_bench reads its CPU.
  static constexpr const char* k_writer_thread_name = "llmgw-ledger";

  // Open (and migrate) the database and start the writer thread. Throws Error.
  explicit Ledger(const std::string& db_path, DbOptions options = {}, int64_t max_queued_rows = k_max_queued_rows);
  ~Ledger() override;
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;

  // Queue one row; never touches the database on the caller's thread while the writer runs.
  // After stop() the row is written synchronously instead, so it is not lost either.
  using core::UsageSink::record;
  void record(core::RequestRecord&& record) override;
  // Block until every row queued before this call is committed (or given up, see rows_dropped).
  void flush();
  // Flush, then end the writer thread. Idempotent; the destructor calls it.
  void stop();

  // Called on the writer thread after each commit, for every row with its id, in order (the
  // dashboard's live feed). It must return quickly and never block; null removes it.
  using RowObserver = std::function<void(int64_t id, const core::RequestRecord& record)>;
  void set_row_observer(RowObserver observer);

  // Rows committed so far, and the transactions that committed them (rows settled within 100 ms of
  // the first share one, up to 1,024 rows).
  int64_t rows_written() const { return m_rows_written.load(); }
  int64_t transactions() const { return m_transactions.load(); }
  // Rows abandoned after repeated non-busy failures (disk full, I/O error) or dropped with the
  // queue full; normally 0.
  int64_t rows_dropped() const { return m_rows_dropped.load(); }
  // The last write error seen ("" if none), for the server to report.
  std::string last_error() const;
  // Rows of a retried batch that an earlier, unacknowledged commit had already stored.
  int64_t rows_already_stored() const { return m_rows_already_stored.load(); }
  // Rows queued and not yet committed (or given up), for GET /metrics.
  int64_t queue_depth() const;
  // How long each committed transaction took, in seconds (a batch of rows each).
  const core::metrics::Histogram& write_latency() const { return m_write_latency; }

private:
  void run_writer();
  // first_seq: the queue position of rows[0] (row keys are the instance id and the position).
  void write_with_retry(std::span<const core::RequestRecord> rows, int64_t first_seq);
  void write_batch(std::span<const core::RequestRecord> rows, int64_t first_seq, std::vector<int64_t>& ids);
  // The last run committed, when its batch held one combination of agent, provider and model (a
  // trickle of rows, one batch each): the next batch of that combination alone, with the ids that
  // follow, extends it instead of adding a run a row.
  struct LastRun {
    std::string agent, provider, model;
    int64_t first_id = 0, last_id = 0; // 0: none
  };
  // SQLite: the batch's runs of the request log, added or (one that continues m_last_run) grown;
  // returns what m_last_run becomes once the batch is committed.
  LastRun add_runs(const std::map<RunKey, RequestRun>& runs, int64_t batch_first);
  void add_run(const RunKey& key, const RequestRun& run, int64_t batch_first);
  // SQLite: the rows, their ids appended to `ids`.
  void append_rows(std::span<const core::RequestRecord> rows, std::vector<int64_t>& ids);
  // PostgreSQL: each row with its key, its id appended to `ids`; a row an earlier commit stored is
  // marked in `stored_before` (sized like rows).
  void insert_keyed_rows(std::span<const core::RequestRecord> rows, int64_t first_seq, std::vector<int64_t>& ids,
                         std::vector<bool>& stored_before);
  int64_t stored_id(const std::string& row_key); // the id of a row stored by an earlier commit

  Db m_db;
  Statement m_insert; // PostgreSQL; declared after m_db: finalized before the connection closes
  Statement m_add_spend;
  Statement m_insert_attempt;
  Statement m_clear_windows;
  Statement m_put_window;
  Statement m_add_usage;   // the dashboard's usage_buckets
  Statement m_add_session; // and session_buckets
  Statement m_add_session_total;
  mutable std::mutex m_mutex;
  std::condition_variable m_wake;           // the writer waits here for rows or stop
  std::condition_variable m_settled;        // flush() waits here for progress
  std::vector<core::RequestRecord> m_queue; // swapped out whole, so the lock is held for O(1)
  int64_t m_queued_total = 0;               // rows ever queued
  int64_t m_max_queued;
  int64_t m_taken_total = 0;   // rows ever taken by the writer (or written late)
  int64_t m_settled_total = 0; // rows committed or dropped
  bool m_stopping = false;
  bool m_writer_idle = false;      // the writer waits for a first row (record() wakes it)
  bool m_writer_gathering = false; // the writer waits for a full batch (record() wakes it) or its time
  int m_flush_waiters = 0;         // flush() calls waiting (the writer stops gathering)
  bool m_stopped = false;
  std::string m_last_error;
  std::shared_ptr<const RowObserver> m_observer; // under m_mutex; copied for each batch
  std::mutex m_late_mutex;                       // serialises synchronous writes after stop()
  std::atomic<int64_t> m_transactions{0};
  std::atomic<int64_t> m_rows_written{0};
  std::atomic<int64_t> m_rows_dropped{0};
  std::atomic<int64_t> m_rows_already_stored{0};
  std::string m_instance; // "" on SQLite: its commits are never in doubt, rows get no key
  Statement m_find_row;   // SELECT id by row key (PostgreSQL only)
  // SQLite: INSERTs of 1, 2, 4, ... 32 rows (append_requests_sql), each prepared when first used.
  // A statement's start and end, and its seek into each index, are shared by its rows.
  std::array<Statement, 6> m_appends;
  std::array<BoundValues, 6> m_appends_bound; // what each holds bound: a batch's rows, forgotten after it
  Statement m_add_run;                        // a batch's run of one agent, provider and model (SQLite: migration 15)
  Statement m_extend_run;                     // the run before, grown by a batch that continues it
  LastRun m_last_run;
  core::metrics::Histogram m_write_latency{core::metrics::k_write_seconds};
  std::thread m_writer;
};

} // namespace llmgw::store
