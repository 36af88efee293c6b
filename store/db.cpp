#include "store/db.hpp"

#include "core/config/private_files.hpp"
#include "store/migrations.hpp"

#include <sqlite3.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

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

} // namespace

void Statement::Finalizer::operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }

Statement::Statement(sqlite3_stmt* stmt, std::string db_path) : m_stmt(stmt), m_db_path(std::move(db_path)) {}

void Statement::bind_int64(int index, int64_t value) {
  const int rc = sqlite3_bind_int64(m_stmt.get(), index, value);
  if (rc != SQLITE_OK) throw_sqlite(rc, m_db_path, "bind", sqlite3_errstr(rc));
}

void Statement::bind_text(int index, std::string_view value) {
  const int rc = sqlite3_bind_text64(m_stmt.get(), index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK) throw_sqlite(rc, m_db_path, "bind", sqlite3_errstr(rc));
}

void Statement::bind_text_in_place(int index, std::string_view value) {
  const int rc = sqlite3_bind_text64(m_stmt.get(), index, value.data(), value.size(), SQLITE_STATIC, SQLITE_UTF8);
  if (rc != SQLITE_OK) throw_sqlite(rc, m_db_path, "bind", sqlite3_errstr(rc));
}

void Statement::bind_null(int index) {
  const int rc = sqlite3_bind_null(m_stmt.get(), index);
  if (rc != SQLITE_OK) throw_sqlite(rc, m_db_path, "bind", sqlite3_errstr(rc));
}

bool Statement::step() {
  const int rc = sqlite3_step(m_stmt.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  // Copy the message before reset: reset leaves the statement reusable for a retry.
  const std::string message = sqlite3_errmsg(sqlite3_db_handle(m_stmt.get()));
  sqlite3_reset(m_stmt.get());
  throw_sqlite(rc, m_db_path, "query failed", message.c_str());
}

void Statement::run() {
  while (step()) {}
  sqlite3_reset(m_stmt.get());
}

void Statement::reset() {
  sqlite3_reset(m_stmt.get());
  sqlite3_clear_bindings(m_stmt.get());
}

int64_t Statement::column_int64(int column) const { return sqlite3_column_int64(m_stmt.get(), column); }

std::string Statement::column_text(int column) const {
  const unsigned char* text = sqlite3_column_text(m_stmt.get(), column);
  if (text == nullptr) return {};
  const int bytes = sqlite3_column_bytes(m_stmt.get(), column);
  return std::string(reinterpret_cast<const char*>(text), static_cast<size_t>(bytes));
}

bool Statement::column_is_null(int column) const { return sqlite3_column_type(m_stmt.get(), column) == SQLITE_NULL; }

void Db::Closer::operator()(sqlite3* db) const { sqlite3_close_v2(db); }

Db::Db(const std::string& path, DbOptions options) : m_path(path) {
  prepare_private_file(path);
  // A new, empty database is created and migrated without fsyncs (about 5 of them, 20-40 ms of
  // a serve's start on a laptop disk): a power cut in those milliseconds can only lose an empty
  // ledger. Synchronous=OFF never risks anything when llmgw itself crashes: the OS has the pages.
  struct stat existing {};
  const bool fresh = path != ":memory:" && (::stat(path.c_str(), &existing) != 0 || existing.st_size == 0);
  sqlite3* raw = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  m_db.reset(raw); // the handle must be closed even when open failed
  if (rc != SQLITE_OK) {
    throw Error(path + ": cannot open database: " + (raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
  }
  sqlite3_extended_result_codes(raw, 1);
  configure(options.busy_timeout_ms, fresh);
  // -wal and -shm files that an older llmgw left readable by others (new ones take the mode of
  // the database) while another connection keeps them.
  if (path != ":memory:") {
    core::config::restrict_to_owner(path + "-wal");
    core::config::restrict_to_owner(path + "-shm");
  }
  if (options.migrate) migrate(*this, migrations());
  if (fresh) exec("PRAGMA synchronous=NORMAL");
}

void Db::configure(int busy_timeout_ms, bool fresh) {
  // The busy timeout goes first: switching to WAL itself may wait on another connection.
  sqlite3_busy_timeout(m_db.get(), busy_timeout_ms);
  if (fresh) exec("PRAGMA synchronous=OFF"); // before the switch to WAL writes the first page
  // Pages freed by `ledger prune` go back to the disk with PRAGMA incremental_vacuum. This only
  // takes effect on a new file (before WAL writes its header); an older file is converted by the
  // one VACUUM of its first prune (store/prune.cpp).
  exec("PRAGMA auto_vacuum=INCREMENTAL");
  std::string mode;
  {
    Statement wal = prepare("PRAGMA journal_mode=WAL");
    if (wal.step()) mode = wal.column_text(0);
  }
  if (mode != "wal" && m_path != ":memory:") throw Error(m_path + ": cannot enable wal mode (got '" + mode + "')");
  exec(fresh ? "PRAGMA foreign_keys=ON" : "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON");
}

Statement Db::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v2(m_db.get(), sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    throw_sqlite(rc, m_path, "cannot prepare statement", sqlite3_errmsg(m_db.get()));
  }
  return Statement(stmt, m_path);
}

void Db::exec(const std::string& sql) {
  char* error = nullptr;
  const int rc = sqlite3_exec(m_db.get(), sql.c_str(), nullptr, nullptr, &error);
  if (rc == SQLITE_OK) return;
  const std::string message = error != nullptr ? error : sqlite3_errstr(rc);
  sqlite3_free(error);
  throw_sqlite(rc, m_path, "query failed", message.c_str());
}

int Db::user_version() {
  Statement stmt = prepare("PRAGMA user_version");
  return stmt.step() ? static_cast<int>(stmt.column_int64(0)) : 0;
}

int64_t Db::last_insert_rowid() const { return sqlite3_last_insert_rowid(m_db.get()); }

bool Db::in_autocommit() const { return sqlite3_get_autocommit(m_db.get()) != 0; }

Transaction::Transaction(Db& db) : m_db(db) { m_db.exec("BEGIN IMMEDIATE"); }

Transaction::~Transaction() {
  // A failed statement may already have rolled the transaction back; only roll back if open.
  if (m_done || m_db.in_autocommit()) return;
  try {
    m_db.exec("ROLLBACK");
  } catch (const Error&) {
    // Nothing more to do in a destructor: SQLite rolls back when the connection closes.
  }
}

void Transaction::commit() {
  m_db.exec("COMMIT");
  m_done = true;
}

} // namespace llmgw::store
