#pragma once
// The database behind Db: one interface, two backends (SQLite in sqlite_connection.cpp, PostgreSQL
// in pg_connection.cpp). Store code talks to Db / Statement (db.hpp), which forward here.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace llmgw::store {

// The SQL dialect of a connection, for the few queries that must differ.
enum class Dialect { sqlite, postgres };

// One prepared statement of a backend. Parameters are 1-based, columns 0-based. A statement
// stepped to completion is ready to run again with the same bindings (SQLite's auto-reset).
class StatementBackend {
public:
  virtual ~StatementBackend() = default;
  virtual void bind_int64(int index, int64_t value) = 0;
  // copy=false: the caller keeps value alive until the next step() or reset() is done with it.
  virtual void bind_text(int index, std::string_view value, bool copy) = 0;
  virtual void bind_null(int index) = 0;
  virtual bool step() = 0;
  // Ready to run again; clear_bindings also forgets the bound values.
  virtual void reset(bool clear_bindings) = 0;
  virtual int64_t column_int64(int column) const = 0;
  virtual std::string column_text(int column) const = 0;
  virtual bool column_is_null(int column) const = 0;
};

// One connection of a backend.
class Connection {
public:
  virtual ~Connection() = default;
  virtual Dialect dialect() const = 0;
  virtual std::unique_ptr<StatementBackend> prepare(std::string_view sql) = 0;
  virtual void exec(const std::string& sql) = 0;
  virtual bool in_autocommit() const = 0;
  // The id of the row this connection inserted last (SQLite's rowid). PostgreSQL has no such
  // thing without a round trip and throws: its inserts say RETURNING id.
  virtual int64_t last_insert_id() const = 0;
  // The statement that opens a write transaction (SQLite: BEGIN IMMEDIATE).
  virtual const char* begin_sql() const = 0;
  // The schema version the database is at (0: empty).
  virtual int schema_version() = 0;
  // Record the schema version (inside the migration's transaction).
  virtual void set_schema_version(int version) = 0;
  // Serialise concurrent migrations of one database until the transaction ends.
  virtual void lock_for_migration() = 0;
};

// True for a postgres:// or postgresql:// URL (anything else is a SQLite file path).
bool is_postgres_url(std::string_view location);

// The URL with its password (user:PASSWORD@ or password=...) replaced by "***": what messages show.
std::string redact_url(std::string_view url);

// SQLite file at `path`; PostgreSQL at `url` (`name` is the redacted form used in messages).
std::unique_ptr<Connection> open_sqlite(const std::string& path, int busy_timeout_ms);
std::unique_ptr<Connection> open_postgres(const std::string& url, const std::string& name);

} // namespace llmgw::store
