#pragma once
// RAII SQLite connection, prepared statement and transaction guard; the only home of sqlite3.h.
#include "core/error.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace llmgw::store {

// Thrown when SQLite stays busy or locked past the busy timeout; callers that must not lose
// data (the ledger) catch it and retry.
class BusyError : public Error {
public:
  explicit BusyError(const std::string& message) : Error(message) {}
};

// A prepared statement. Move-only; parameters are 1-based, columns 0-based (SQLite's convention).
class Statement {
public:
  Statement() = default;
  Statement(sqlite3_stmt* stmt, std::string db_path);
  Statement(Statement&&) noexcept = default;
  Statement& operator=(Statement&&) noexcept = default;

  // Bind a parameter; throw Error on a bad index.
  void bind_int64(int index, int64_t value);
  void bind_text(int index, std::string_view value);
  // Binds without a copy: value must stay as it is until the next step() or reset() is done with
  // (the ledger's rows, bound and inserted one after another).
  void bind_text_in_place(int index, std::string_view value);
  void bind_null(int index);

  // Advance: true when a row is ready, false when done. Throws BusyError or Error (after
  // resetting the statement, so it can be retried).
  bool step();
  // Run a statement that returns no rows (or ignore them) and reset it for reuse.
  void run();
  // Reset for another execution and clear the bindings.
  void reset();

  // Column values of the current row; NULL reads as 0 or "".
  int64_t column_int64(int column) const;
  std::string column_text(int column) const;
  bool column_is_null(int column) const;

private:
  struct Finalizer {
    void operator()(sqlite3_stmt* stmt) const;
  };
  std::unique_ptr<sqlite3_stmt, Finalizer> m_stmt;
  std::string m_db_path;
};

// How to open a database.
struct DbOptions {
  int busy_timeout_ms = 5000; // how long SQLite waits on a lock before reporting busy
  bool migrate = true;        // bring the schema to the latest version on open
};

// One connection. Opening creates parent directories (0700) and the file (0600; an existing
// one, its -wal and -shm and an "llmgw" directory lose group and other access), turns on WAL,
// busy timeout, synchronous=NORMAL and foreign keys, then migrates (see migrations.hpp). Move-only.
class Db {
public:
  explicit Db(const std::string& path, DbOptions options = {});
  Db(Db&&) noexcept = default;
  Db& operator=(Db&&) noexcept = default;

  // Compile one SQL statement; throws Error with the path and SQLite's message.
  Statement prepare(std::string_view sql);
  // Run SQL without parameters (may hold several statements); throws BusyError or Error.
  void exec(const std::string& sql);

  // PRAGMA user_version: the schema version this file is at.
  int user_version();
  // Rowid of the last successful INSERT on this connection.
  int64_t last_insert_rowid() const;
  // True when no transaction is open on this connection.
  bool in_autocommit() const;
  // The path given to the constructor (used in every error message).
  const std::string& path() const { return m_path; }

private:
  struct Closer {
    void operator()(sqlite3* db) const;
  };
  void configure(int busy_timeout_ms, bool fresh);
  std::unique_ptr<sqlite3, Closer> m_db;
  std::string m_path;
};

// BEGIN IMMEDIATE on construction (takes the write lock up front, so no lock upgrade can
// deadlock); rolls back in the destructor unless commit() ran.
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
