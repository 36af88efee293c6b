#include "store/db.hpp"

#include "store/migrations.hpp"
#include "store/pg_migrations.hpp"

namespace llmgw::store {

void finish_sqlite_open(Connection& connection); // sqlite_connection.cpp

Statement::Statement(std::unique_ptr<StatementBackend> backend) : m_backend(std::move(backend)) {}

void Statement::run() {
  while (step()) {}
  m_backend->reset(false);
}

Db::Db(const std::string& location, DbOptions options) {
  if (is_postgres_url(location)) {
    m_path = redact_url(location);
    m_dialect = Dialect::postgres;
    m_connection = open_postgres(location, m_path);
    if (options.migrate) migrate(*this, pg_migrations());
    return;
  }
  m_path = location;
  m_connection = open_sqlite(location, options.busy_timeout_ms);
  if (options.migrate) migrate(*this, migrations());
  finish_sqlite_open(*m_connection);
}

Db::~Db() = default;

Statement Db::prepare(std::string_view sql) { return Statement(m_connection->prepare(sql)); }

void Db::exec(const std::string& sql) { m_connection->exec(sql); }

int Db::user_version() { return m_connection->schema_version(); }

bool Db::in_autocommit() const { return m_connection->in_autocommit(); }

Transaction::Transaction(Db& db) : m_db(db) { m_db.exec(m_db.connection().begin_sql()); }

Transaction::~Transaction() {
  // A failed statement may already have rolled the transaction back; only roll back if open.
  if (m_done || m_db.in_autocommit()) return;
  try {
    m_db.exec("ROLLBACK");
  } catch (const Error&) {
    // Nothing more to do in a destructor: the database rolls back when the connection closes.
  }
}

void Transaction::commit() {
  m_db.exec("COMMIT");
  m_done = true;
}

} // namespace llmgw::store
