#pragma once
// Connection, prepared statement and transaction guard over SQLite or PostgreSQL (connection.hpp).
#include "core/error.hpp"
#include "store/connection.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace llmgw::store {

// Thrown when SQLite stays busy or locked past the busy timeout, or PostgreSQL reports a
// serialization failure, a deadlock or a lost connection; callers that must not lose data (the
// ledger) catch it and retry.
class BusyError : public Error {
public:
  explicit BusyError(const std::string& message) : Error(message) {}
};

// A prepared statement. Move-only; parameters are 1-based, columns 0-based (SQLite's convention).
class Statement {
public:
  Statement() = default;
  explicit Statement(std::unique_ptr<StatementBackend> backend);
  Statement(Statement&&) noexcept = default;
  Statement& operator=(Statement&&) noexcept = default;
  // False for a default-constructed (never prepared) statement.
  explicit operator bool() const { return m_backend != nullptr; }

  // Bind a parameter; throw Error on a bad index.
  void bind_int64(int index, int64_t value) { m_backend->bind_int64(index, value); }
  void bind_text(int index, std::string_view value) { m_backend->bind_text(index, value, true); }
  // Binds without a copy: value must stay as it is until the next step() or reset() is done with
  // (the ledger's rows, bound and inserted one after another).
  void bind_text_in_place(int index, std::string_view value) { m_backend->bind_text(index, value, false); }
  void bind_null(int index) { m_backend->bind_null(index); }

  // Advance: true when a row is ready, false when done. Throws BusyError or Error (after
  // resetting the statement, so it can be retried).
  bool step() { return m_backend->step(); }
  // Run a statement that returns no rows (or ignore them) and reset it for reuse.
  void run();
  // Reset for another execution and clear the bindings.
  void reset() { m_backend->reset(true); }

  // Column values of the current row; NULL reads as 0 or "".
  int64_t column_int64(int column) const { return m_backend->column_int64(column); }
  std::string column_text(int column) const { return m_backend->column_text(column); }
  bool column_is_null(int column) const { return m_backend->column_is_null(column); }

private:
  std::unique_ptr<StatementBackend> m_backend;
};

// How to open a database.
struct DbOptions {
  int busy_timeout_ms = 5000; // how long SQLite waits on a lock before reporting busy
  bool migrate = true;        // bring the schema to the latest version on open
};

// One connection, to a SQLite file or (location "postgres://..." / "postgresql://...") a
// PostgreSQL database. SQLite: opening creates parent directories (0700) and the file (0600; an
// existing one, its -wal and -shm and an "llmgw" directory lose group and other access), turns on
// WAL, busy timeout, synchronous=NORMAL and foreign keys. Then migrates (see migrations.hpp and
// pg_migrations.hpp). Move-only.
class Db {
public:
  explicit Db(const std::string& location, DbOptions options = {});
  Db(Db&&) noexcept = default;
  Db& operator=(Db&&) noexcept = default;
  ~Db();

  // Compile one SQL statement; throws Error with the path and the database's message.
  Statement prepare(std::string_view sql);
  // Run SQL without parameters (may hold several statements); throws BusyError or Error.
  void exec(const std::string& sql);

  // The schema version the database is at (SQLite: PRAGMA user_version).
  int user_version();
  // True when no transaction is open on this connection.
  bool in_autocommit() const;
  Dialect dialect() const { return m_dialect; }
  // The id of the row inserted last on this connection (SQLite only; see Connection).
  int64_t last_insert_id() const { return m_connection->last_insert_id(); }
  // The path given to the constructor, or the URL without its password (in every error message).
  const std::string& path() const { return m_path; }
  Connection& connection() { return *m_connection; }

private:
  std::unique_ptr<Connection> m_connection;
  std::string m_path;
  Dialect m_dialect = Dialect::sqlite;
};

// BEGIN IMMEDIATE on construction (SQLite: takes the write lock up front, so no lock upgrade can
// deadlock; PostgreSQL: BEGIN); rolls back in the destructor unless commit() ran.
class Transaction {
public:
  explicit Transaction(Db& db);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  // COMMIT; throws BusyError or Error (the destructor then rolls back).
  void commit();

private:
  Db& m_db;
  bool m_done = false;
};

} // namespace llmgw::store
