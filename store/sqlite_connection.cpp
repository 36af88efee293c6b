// The SQLite backend of Db: the only home of sqlite3.h.
#include "core/config/private_files.hpp"
#include "store/connection.hpp"
#include "store/db.hpp"

#include <sqlite3.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mutex>

namespace llmgw::store {
namespace {

bool is_busy(int code) {
  const int primary = code & 0xff;
  return primary == SQLITE_BUSY || primary == SQLITE_LOCKED;
}

[[noreturn]] void throw_sqlite(int code, const std::string& path, std::string_view what, const char* sqlite_message) {
  std::string message = path + ": " + std::string(what) + ": " + sqlite_message;
  if (is_busy(code)) throw BusyError(message);
  throw Error(message);
}

// The database holds the ledger and hashed virtual keys: only this user may read it. SQLite
// creates a database 0644 (less the umask) and gives its -wal and -shm files the database's mode,
// so the file is created 0600 before SQLite opens it. The directory is created 0700.
void prepare_private_file(const std::string& path) {
  if (path.empty() || path == ":memory:") return;
  try {
    core::config::secure_file_location(path);
  } catch (const Error& e) {
    throw Error(path + ": " + e.what());
  }
  // Only a file that does not exist yet is touched: closing any descriptor of a database file
  // drops every POSIX lock this process holds on it, those of open SQLite connections included.
  struct stat existing {};
  if (::stat(path.c_str(), &existing) == 0) return;
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) ::close(fd); // else SQLite says why it cannot open the file
}

class SqliteStatement final : public StatementBackend {
public:
  SqliteStatement(sqlite3_stmt* stmt, const std::string& db_path) : m_stmt(stmt), m_db_path(db_path) {}
  ~SqliteStatement() override { sqlite3_finalize(m_stmt); }
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  void bind_int64(int index, int64_t value) override { check_bind(sqlite3_bind_int64(m_stmt, index, value)); }
  void bind_text(int index, std::string_view value, bool copy) override {
    check_bind(sqlite3_bind_text64(m_stmt, index, value.data(), value.size(), copy ? SQLITE_TRANSIENT : SQLITE_STATIC,
                                   SQLITE_UTF8));
  }
  void bind_null(int index) override { check_bind(sqlite3_bind_null(m_stmt, index)); }

  bool step() override {
    const int rc = sqlite3_step(m_stmt);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    // Copy the message before reset: reset leaves the statement reusable for a retry.
    const std::string message = sqlite3_errmsg(sqlite3_db_handle(m_stmt));
    sqlite3_reset(m_stmt);
    throw_sqlite(rc, m_db_path, "query failed", message.c_str());
  }

  void reset(bool clear_bindings) override {
    sqlite3_reset(m_stmt);
    if (clear_bindings) sqlite3_clear_bindings(m_stmt);
  }

  int64_t column_int64(int column) const override { return sqlite3_column_int64(m_stmt, column); }
  std::string column_text(int column) const override {
    const unsigned char* text = sqlite3_column_text(m_stmt, column);
    if (text == nullptr) return {};
    const int bytes = sqlite3_column_bytes(m_stmt, column);
    return std::string(reinterpret_cast<const char*>(text), static_cast<size_t>(bytes));
  }
  bool column_is_null(int column) const override { return sqlite3_column_type(m_stmt, column) == SQLITE_NULL; }

private:
  void check_bind(int rc) const {
    if (rc != SQLITE_OK) throw_sqlite(rc, m_db_path, "bind", sqlite3_errstr(rc));
  }
  sqlite3_stmt* m_stmt;
  const std::string& m_db_path; // the connection's, which outlives its statements
};

class SqliteConnection final : public Connection {
public:
  SqliteConnection(const std::string& path, int busy_timeout_ms);
  ~SqliteConnection() override { sqlite3_close_v2(m_db); }
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  Dialect dialect() const override { return Dialect::sqlite; }
  std::unique_ptr<StatementBackend> prepare(std::string_view sql) override;
  void exec(const std::string& sql) override;
  bool in_autocommit() const override { return sqlite3_get_autocommit(m_db) != 0; }
  int64_t last_insert_id() const override { return sqlite3_last_insert_rowid(m_db); }
  const char* begin_sql() const override { return "BEGIN IMMEDIATE"; }
  int schema_version() override;
  void set_schema_version(int version) override { exec("PRAGMA user_version = " + std::to_string(version)); }
  void lock_for_migration() override {} // BEGIN IMMEDIATE already holds the write lock
  // After the migration of a fresh file: back to synchronous=NORMAL.
  void finish_fresh() {
    if (m_fresh) exec("PRAGMA synchronous=NORMAL");
  }

private:
  void configure(int busy_timeout_ms);
  sqlite3* m_db = nullptr;
  std::string m_path;
  bool m_fresh = false;
};

SqliteConnection::SqliteConnection(const std::string& path, int busy_timeout_ms) : m_path(path) {
  // Without memory statistics (which llmgw never reads), SQLite's allocations take no global mutex:
  // every row the ledger writes allocates, and the mutex was about a tenth of its CPU. Only
  // possible before SQLite initialises, which the first open does.
  static std::once_flag no_memory_statistics;
  std::call_once(no_memory_statistics, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
  prepare_private_file(path);
  // A new, empty database is created and migrated without fsyncs (about 5 of them, 20-40 ms of
  // a serve's start on a laptop disk): a power cut in those milliseconds can only lose an empty
  // ledger. Synchronous=OFF never risks anything when llmgw itself crashes: the OS has the pages.
  struct stat existing {};
  m_fresh = path != ":memory:" && (::stat(path.c_str(), &existing) != 0 || existing.st_size == 0);
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &m_db, flags, nullptr);
  if (rc != SQLITE_OK) { // the handle must be closed even when open failed (the destructor does not run)
    const std::string message = m_db != nullptr ? sqlite3_errmsg(m_db) : sqlite3_errstr(rc);
    sqlite3_close_v2(m_db);
    throw Error(path + ": cannot open database: " + message);
  }
  sqlite3_extended_result_codes(m_db, 1);
  try {
    configure(busy_timeout_ms);
  } catch (...) {
    sqlite3_close_v2(m_db);
    throw;
  }
  // -wal and -shm files that an older llmgw left readable by others (new ones take the mode of
  // the database) while another connection keeps them.
  if (path != ":memory:") {
    core::config::restrict_to_owner(path + "-wal");
    core::config::restrict_to_owner(path + "-shm");
  }
}

void SqliteConnection::configure(int busy_timeout_ms) {
  // The busy timeout goes first: switching to WAL itself may wait on another connection.
  sqlite3_busy_timeout(m_db, busy_timeout_ms);
  if (m_fresh) exec("PRAGMA synchronous=OFF"); // before the switch to WAL writes the first page
  // Pages freed by `ledger prune` go back to the disk with PRAGMA incremental_vacuum. This only
  // takes effect on a new file (before WAL writes its header); an older file is converted by the
  // one VACUUM of its first prune (store/prune.cpp).
  exec("PRAGMA auto_vacuum=INCREMENTAL");
  std::string mode;
  {
    auto wal = prepare("PRAGMA journal_mode=WAL");
    if (wal->step()) mode = wal->column_text(0);
  }
  if (mode != "wal" && m_path != ":memory:") throw Error(m_path + ": cannot enable wal mode (got '" + mode + "')");
  exec(m_fresh ? "PRAGMA foreign_keys=ON" : "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON");
  // Statement journals in memory: a ledger row's INSERT (its bucket triggers, its indexes) opens
  // one, and in a temporary file that was a 4 KB write per page it touched, every row (about
  // five write calls a row, the writer's largest cost).
  exec("PRAGMA temp_store=MEMORY");
}

std::unique_ptr<StatementBackend> SqliteConnection::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v2(m_db, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    throw_sqlite(rc, m_path, "cannot prepare statement", sqlite3_errmsg(m_db));
  }
  return std::make_unique<SqliteStatement>(stmt, m_path);
}

void SqliteConnection::exec(const std::string& sql) {
  char* error = nullptr;
  const int rc = sqlite3_exec(m_db, sql.c_str(), nullptr, nullptr, &error);
  if (rc == SQLITE_OK) return;
  const std::string message = error != nullptr ? error : sqlite3_errstr(rc);
  sqlite3_free(error);
  throw_sqlite(rc, m_path, "query failed", message.c_str());
}

int SqliteConnection::schema_version() {
  auto stmt = prepare("PRAGMA user_version");
  return stmt->step() ? static_cast<int>(stmt->column_int64(0)) : 0;
}

} // namespace

std::unique_ptr<Connection> open_sqlite(const std::string& path, int busy_timeout_ms) {
  return std::make_unique<SqliteConnection>(path, busy_timeout_ms);
}

void finish_sqlite_open(Connection& connection) {
  if (connection.dialect() == Dialect::sqlite) static_cast<SqliteConnection&>(connection).finish_fresh();
}

} // namespace llmgw::store
