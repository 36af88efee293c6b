#include "store/ledger.hpp"

#include "core/platform/thread_name.hpp"
#include "store/rate_windows.hpp"
#include "store/request_rows.hpp"

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <map>
#include <random>
#include <thread>

namespace llmgw::store {
namespace {

// Rows go to the database in batches: a commit costs about 100 us whatever it holds, and a row
// costs less the more share its pages (llmgw_ledger_bench: 4.5 us a row in batches of 150, 3.8
// in 600, 3.5 in 1500). A batch is written once it holds k_batch_rows rows, or k_gather_longest
// after its first row, whichever comes first: under load (20,000 requests a second) every 50 ms,
// a trickle (streams ending a few a millisecond apart) 100 ms after its first row, so a row is
// on disk within 100 ms of its answer; flush() and stop() cut the wait short. A backlog (a
// database that was busy for a while) goes in transactions of k_batch_rows: one batch never
// holds the core for long (about 4 ms).
constexpr size_t k_batch_rows = 1024;
constexpr auto k_gather_longest = std::chrono::milliseconds(100);
// A busy database is retried without limit (another process holds the write lock and will
// release it); other errors get a few attempts before the batch is given up.
constexpr int k_max_error_attempts = 5;
constexpr std::chrono::milliseconds k_first_backoff{10};
constexpr std::chrono::milliseconds k_max_backoff{500};

// A random 64-bit hex id: the rows of two processes never share a key.
std::string random_instance_id() {
  std::random_device device;
  const uint64_t value = (static_cast<uint64_t>(device()) << 32) ^ device();
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(value));
  return text;
}

} // namespace

Ledger::Ledger(const std::string& db_path, DbOptions options, int64_t max_queued_rows)
    : m_db(db_path, options),
      m_insert(m_db.dialect() == Dialect::postgres ? m_db.prepare(k_insert_request_sql) : Statement{}),
      m_add_spend(m_db.prepare(k_add_spend_sql)), m_insert_attempt(m_db.prepare(k_insert_attempt_sql)),
      m_clear_windows(m_db.prepare(k_clear_rate_windows_sql)), m_put_window(m_db.prepare(k_put_rate_window_sql)),
      m_add_usage(m_db.prepare(k_add_usage_sql)), m_add_session(m_db.prepare(k_add_session_sql)),
      m_add_session_total(m_db.prepare(k_add_session_total_sql)), m_max_queued(max_queued_rows) {
  if (m_db.dialect() == Dialect::postgres) {
    m_instance = random_instance_id();
    m_find_row = m_db.prepare("SELECT id FROM requests WHERE row_key = ?1");
  } else {
    m_add_run = m_db.prepare(k_add_run_sql);
    m_extend_run = m_db.prepare(k_extend_run_sql);
  }
  m_writer = std::thread([this] { run_writer(); });
}

Ledger::~Ledger() { stop(); }

void Ledger::record(core::RequestRecord&& record) {
  {
    std::lock_guard lock(m_mutex);
    if (!m_stopped) {
      if (m_queued_total - m_settled_total >= m_max_queued) {
        // The database has been away long enough to fill the queue: keep serving, count the loss.
        if (m_rows_dropped.fetch_add(1) % 1000 == 0)
          std::fprintf(stderr, "llmgw: warning: the ledger queue is full (%lld rows); request rows are being lost\n",
                       static_cast<long long>(m_max_queued));
        return;
      }
      m_queue.push_back(std::move(record));
      ++m_queued_total;
      // Otherwise the writer is gathering and takes this row too.
      if (m_writer_idle || (m_writer_gathering && m_queue.size() == k_batch_rows)) m_wake.notify_one();
      return;
    }
  }
  std::lock_guard late(m_late_mutex);
  std::vector<core::RequestRecord> single;
  single.push_back(std::move(record));
  int64_t seq = 0;
  {
    std::lock_guard lock(m_mutex);
    seq = m_taken_total++;
  }
  write_with_retry(single, seq);
}

void Ledger::flush() {
  std::unique_lock lock(m_mutex);
  const int64_t target = m_queued_total;
  ++m_flush_waiters;
  m_wake.notify_one();
  m_settled.wait(lock, [&] { return m_settled_total >= target; });
  --m_flush_waiters;
}

void Ledger::stop() {
  {
    std::lock_guard lock(m_mutex);
    if (m_stopping) return;
    m_stopping = true;
    m_wake.notify_one();
  }
  m_writer.join();
  std::lock_guard lock(m_mutex);
  m_stopped = true;
}

void Ledger::set_row_observer(RowObserver observer) {
  std::lock_guard lock(m_mutex);
  m_observer = observer ? std::make_shared<const RowObserver>(std::move(observer)) : nullptr;
}

std::string Ledger::last_error() const {
  std::lock_guard lock(m_mutex);
  return m_last_error;
}

int64_t Ledger::queue_depth() const {
  std::lock_guard lock(m_mutex);
  return m_queued_total - m_settled_total;
}

void Ledger::run_writer() {
  core::platform::name_this_thread(k_writer_thread_name);
  std::vector<core::RequestRecord> batch;
  std::unique_lock lock(m_mutex);
  for (;;) {
    m_writer_idle = true;
    m_wake.wait(lock, [&] { return !m_queue.empty() || m_stopping; });
    m_writer_idle = false;
    if (m_queue.empty()) return; // stopping and drained
    const auto first_row = std::chrono::steady_clock::now();
    const auto cut_short = [&] { return m_stopping || m_flush_waiters > 0; };
    m_writer_gathering = true;
    m_wake.wait_until(lock, first_row + k_gather_longest,
                      [&] { return cut_short() || m_queue.size() >= k_batch_rows; });
    m_writer_gathering = false;
    // Take everything queued in O(1), whatever the backlog (a database busy for a while), and
    // write it in transactions of at most k_batch_rows.
    batch.swap(m_queue);
    const int64_t first_seq = m_taken_total;
    m_taken_total += static_cast<int64_t>(batch.size());
    lock.unlock();
    for (size_t at = 0; at < batch.size(); at += k_batch_rows) {
      const size_t count = std::min(k_batch_rows, batch.size() - at);
      write_with_retry(std::span<const core::RequestRecord>(batch).subspan(at, count),
                       first_seq + static_cast<int64_t>(at));
      std::lock_guard settled(m_mutex);
      m_settled_total += static_cast<int64_t>(count);
      m_settled.notify_all();
    }
    batch.clear(); // outside the lock; keeps its capacity for the queue it is swapped with next
    lock.lock();
  }
}

void Ledger::write_with_retry(std::span<const core::RequestRecord> batch, int64_t first_seq) {
  auto backoff = k_first_backoff;
  std::vector<int64_t> ids;
  for (int failures = 0;;) {
    try {
      const auto started = std::chrono::steady_clock::now();
      write_batch(batch, first_seq, ids);
      m_write_latency.observe_us(
          std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started).count());
      m_rows_written += static_cast<int64_t>(batch.size());
      ++m_transactions;
      std::shared_ptr<const RowObserver> observer;
      {
        std::lock_guard lock(m_mutex);
        observer = m_observer;
      }
      if (observer)
        for (size_t i = 0; i < batch.size(); ++i) (*observer)(ids[i], batch[i]);
      return;
    } catch (const BusyError& e) {
      std::lock_guard lock(m_mutex);
      m_last_error = e.what();
    } catch (const Error& e) {
      std::lock_guard lock(m_mutex);
      m_last_error = e.what();
      if (++failures >= k_max_error_attempts) {
        m_rows_dropped += static_cast<int64_t>(batch.size());
        return;
      }
    }
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, k_max_backoff);
  }
}

int64_t Ledger::stored_id(const std::string& row_key) {
  m_find_row.reset();
  m_find_row.bind_text(1, row_key);
  const int64_t id = m_find_row.step() ? m_find_row.column_int64(0) : 0;
  m_find_row.reset();
  if (id == 0) throw Error(m_db.path() + ": storing a request returned no id");
  return id;
}

void Ledger::append_rows(std::span<const core::RequestRecord> batch, std::vector<int64_t>& ids) {
  // The statements' parameters point at the rows of the batch before (or of this one's failed
  // try): bound again in full the first time.
  for (BoundValues& bound : m_appends_bound) bound.forget();
  for (size_t i = 0; i < batch.size();) {
    // The largest statement that the rows left fill: 32 rows, 16, ... 1 (the last one prepared
    // when first needed).
    size_t size = 0;
    while (size + 1 < m_appends.size() && (size_t{1} << (size + 1)) <= batch.size() - i) ++size;
    const size_t rows = size_t{1} << size;
    Statement& append = m_appends[size];
    if (!append) append = m_db.prepare(append_requests_sql(static_cast<int>(rows)));
    // Every parameter is bound again below, so no reset() that clears them first (run() and a
    // failed step() leave the statement reset): clearing 928 of them was about 2 % of a row.
    for (size_t row = 0; row < rows; ++row)
      bind_request(append, batch[i + row], static_cast<int>(row), &m_appends_bound[size]);
    append.run();
    const int64_t last = m_db.last_insert_id(); // the rows' ids are consecutive, up to the last rowid
    for (size_t row = 0; row < rows; ++row) ids.push_back(last - static_cast<int64_t>(rows - 1 - row));
    i += rows;
    // Every 128 rows (about 0.4 ms) the core goes to a request that waits for it: on one core a
    // batch of 1,024 rows otherwise held it for 3-4 ms (the p99 at concurrency 64, pinned:
    // 0.79-0.80x with the yield; every 32 rows cost more CPU and a higher median).
    if (i % 128 == 0 && i < batch.size()) std::this_thread::yield();
  }
}

void Ledger::insert_keyed_rows(std::span<const core::RequestRecord> batch, int64_t first_seq, std::vector<int64_t>& ids,
                               std::vector<bool>& stored_before) {
  std::string row_key;
  for (size_t i = 0; i < batch.size(); ++i) {
    m_insert.reset();
    bind_request(m_insert, batch[i]);
    row_key = m_instance + "-" + std::to_string(first_seq + static_cast<int64_t>(i));
    m_insert.bind_text(30, row_key);
    if (!m_insert.step()) {
      // Stored by an earlier try of this batch whose commit went through unacknowledged (the
      // connection broke): the whole batch is there, its sums included.
      ids.push_back(stored_id(row_key));
      stored_before[i] = true;
      ++m_rows_already_stored;
      continue;
    }
    ids.push_back(m_insert.column_int64(0));
    m_insert.run(); // past the one row RETURNING gives, so the statement is done
  }
}

void Ledger::write_batch(std::span<const core::RequestRecord> batch, int64_t first_seq, std::vector<int64_t>& ids) {
  ids.clear();
  Transaction transaction(m_db);
  std::vector<bool> stored_before(batch.size()); // by an earlier, unacknowledged commit (PostgreSQL)
  if (m_instance.empty())
    append_rows(batch, ids);
  else
    insert_keyed_rows(batch, first_seq, ids, stored_before);
  // What the batch adds to each bucket, upserted once per bucket after the rows: a row's own
  // upserts (a trigger did them until schema version 13) cost more than its insert.
  std::map<SpendKey, int64_t> spend;
  std::map<UsageKey, BucketSums> usage;
  std::map<SessionKey, BucketSums> sessions;
  std::map<RunKey, RequestRun> runs; // SQLite: the request log's (its ids are the batch's, consecutive)
  // Per provider and agent, the last row with rate-limit headers: its windows replace the others'.
  std::map<std::pair<std::string_view, std::string_view>, const core::RequestRecord*> windows;
  for (size_t i = 0; i < batch.size(); ++i) {
    if (stored_before[i]) continue; // with its attempts and sums
    const core::RequestRecord& record = batch[i];
    // The attempts table holds the tries of requests that needed more than one; a single try is
    // the row itself.
    for (size_t n = 0; record.attempts.size() > 1 && n < record.attempts.size(); ++n) {
      const core::Attempt& attempt = record.attempts[n];
      m_insert_attempt.reset();
      m_insert_attempt.bind_int64(1, ids[i]);
      m_insert_attempt.bind_int64(2, static_cast<int64_t>(n + 1));
      m_insert_attempt.bind_text(3, attempt.provider);
      m_insert_attempt.bind_text(4, attempt.model);
      m_insert_attempt.bind_int64(5, attempt.http_status);
      m_insert_attempt.bind_int64(6, attempt.latency_ms);
      m_insert_attempt.bind_text(7, attempt.error);
      m_insert_attempt.run();
    }
    // Rows are in the order they settled, so the last answer's windows are the ones kept.
    if (!record.rate_windows.empty()) windows[{record.provider, record.agent}] = &record;
    if (counts_toward_caps(record)) spend[spend_key(record)] += record.cost_usd_pico;
    usage[usage_key(record)].add(record);
    sessions[session_key(record)].add(record);
    if (m_add_run) {
      RequestRun& run = runs[run_key(record)];
      if (run.requests++ == 0) run.first_id = ids[i];
      run.last_id = ids[i];
      run.errors += record.outcome != core::Outcome::ok ? 1 : 0;
    }
  }
  LastRun last_run = add_runs(runs, ids.empty() ? 0 : ids.front());
  for (const auto& [key, record] : windows) put_rate_windows(m_clear_windows, m_put_window, *record);
  for (const auto& [key, cost] : spend) {
    m_add_spend.reset();
    bind_spend(m_add_spend, key, cost);
    m_add_spend.run();
  }
  for (const auto& [key, sums] : usage) {
    m_add_usage.reset();
    bind_usage(m_add_usage, key, sums);
    m_add_usage.run();
  }
  // Each session's total: its buckets' sums, and the newest of them.
  std::map<std::string_view, std::pair<BucketSums, int64_t>> totals;
  for (const auto& [key, sums] : sessions) {
    m_add_session.reset();
    bind_session(m_add_session, key, sums);
    m_add_session.run();
    const auto& [bucket, session_id, agent] = key;
    if (session_id.empty()) continue;
    auto& [total, last_bucket] = totals[session_id];
    total.requests += sums.requests;
    total.cost_usd_pico += sums.cost_usd_pico;
    last_bucket = std::max(last_bucket, bucket);
  }
  for (const auto& [session_id, total] : totals) {
    m_add_session_total.reset();
    m_add_session_total.bind_text_in_place(1, session_id);
    m_add_session_total.bind_int64(2, total.first.requests);
    m_add_session_total.bind_int64(3, total.first.cost_usd_pico);
    m_add_session_total.bind_int64(4, total.second);
    m_add_session_total.run();
  }
  transaction.commit();
  m_last_run = std::move(last_run);
}

Ledger::LastRun Ledger::add_runs(const std::map<RunKey, RequestRun>& runs, int64_t batch_first) {
  if (runs.size() == 1) {
    const auto& [key, run] = *runs.begin();
    const auto& [agent, provider, model] = key;
    LastRun next{std::string(agent), std::string(provider), std::string(model), run.first_id, run.last_id};
    if (m_last_run.last_id > 0 && run.first_id == m_last_run.last_id + 1 && agent == m_last_run.agent &&
        provider == m_last_run.provider && model == m_last_run.model) {
      m_extend_run.reset();
      m_extend_run.bind_int64(1, run.last_id);
      m_extend_run.bind_int64(2, run.requests);
      m_extend_run.bind_int64(3, run.errors);
      m_extend_run.bind_int64(4, m_last_run.first_id);
      m_extend_run.bind_int64(5, m_last_run.last_id);
      const bool extended = m_extend_run.step(); // not when pruned meanwhile
      m_extend_run.reset();
      if (extended) {
        next.first_id = m_last_run.first_id;
        return next;
      }
    }
    add_run(key, run, batch_first);
    return next;
  }
  for (const auto& [key, run] : runs) add_run(key, run, batch_first);
  return {};
}

void Ledger::add_run(const RunKey& key, const RequestRun& run, int64_t batch_first) {
  m_add_run.reset();
  bind_run(m_add_run, key, run, batch_first);
  m_add_run.run();
}

} // namespace llmgw::store
