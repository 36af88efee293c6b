// The PostgreSQL backend of Db, over libpq loaded on first use (store/libpq.hpp; pg_listener.cpp
// is the other file that calls it).
#include "store/pg_connection.hpp"

#include "store/connection.hpp"
#include "store/db.hpp"
#include "store/libpq.hpp"

#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <vector>

#include <unistd.h>

namespace llmgw::store {
namespace {

// Loaded by the first PgConnection (which throws when it cannot be); a guard check after that.
const Libpq& pq() { return libpq(); }

std::string trimmed(const char* text) {
  std::string out = text != nullptr ? text : "";
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

// Errors a retry can get past: serialization failures, deadlocks, lock timeouts, a server
// shutting down or starting, and lost connections (class 08).
bool is_retryable(const char* state) {
  if (state == nullptr) return false;
  static constexpr const char* k_codes[] = {"40001", "40P01", "55P03", "57P01", "57P02", "57P03"};
  for (const char* code : k_codes)
    if (std::strcmp(state, code) == 0) return true;
  return std::strncmp(state, "08", 2) == 0;
}

class PgConnection;

constexpr Oid k_text_oid = 25; // pg_type's text

class PgStatement final : public StatementBackend {
public:
  PgStatement(PgConnection& connection, std::string_view sql);
  ~PgStatement() override;
  PgStatement(const PgStatement&) = delete;
  PgStatement& operator=(const PgStatement&) = delete;

  void bind_int64(int index, int64_t value) override { slot(index) = std::to_string(value); }
  void bind_text(int index, std::string_view value, bool) override { slot(index) = std::string(value); }
  void bind_null(int index) override {
    slot(index);
    m_bound[static_cast<size_t>(index - 1)] = false;
  }
  bool step() override;
  // Run with the bound values: the first time as one-off SQL, again as a server-side prepared
  // statement (parsed and planned once: the ledger's inserts run thousands of times).
  PGresult* execute();
  void reset(bool clear_bindings) override {
    clear();
    if (clear_bindings) std::fill(m_bound.begin(), m_bound.end(), false);
  }
  int64_t column_int64(int column) const override;
  std::string column_text(int column) const override {
    if (m_result == nullptr || pq().getisnull(m_result, m_row, column)) return {};
    return std::string(pq().getvalue(m_result, m_row, column),
                       static_cast<size_t>(pq().getlength(m_result, m_row, column)));
  }
  bool column_is_null(int column) const override {
    return m_result == nullptr || pq().getisnull(m_result, m_row, column) != 0;
  }

private:
  std::string& slot(int index);
  void clear() {
    if (m_result != nullptr) pq().clear(m_result);
    m_result = nullptr;
  }
  PgConnection& m_connection;
  std::string m_sql;
  std::vector<std::string> m_values;
  std::vector<bool> m_bound;
  std::vector<Oid> m_types;
  PGresult* m_result = nullptr;
  int m_runs = 0;
  std::string m_name;              // of the prepared statement, "" until prepared
  int64_t m_prepared_session = -1; // the connection's session it was prepared on
  int m_row = -1;
  int m_rows = 0;
};

class PgConnection final : public Connection {
public:
  PgConnection(const std::string& url, const std::string& name);
  ~PgConnection() override { pq().finish(m_conn); }
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  Dialect dialect() const override { return Dialect::postgres; }
  std::unique_ptr<StatementBackend> prepare(std::string_view sql) override {
    sync_time_zone();
    return std::make_unique<PgStatement>(*this, sql);
  }
  void exec(const std::string& sql) override { pq().clear(checked(pq().exec(ready(), sql.c_str()))); }
  bool in_autocommit() const override {
    // A lost connection (UNKNOWN) holds no transaction either: the server rolled it back.
    const PGTransactionStatusType status = pq().transaction_status(m_conn);
    return status == PQTRANS_IDLE || status == PQTRANS_UNKNOWN;
  }
  int64_t last_insert_id() const override {
    throw std::logic_error("PostgreSQL inserts return their id with RETURNING, not last_insert_id()");
  }
  const char* begin_sql() const override { return "BEGIN"; }
  int schema_version() override;
  void set_schema_version(int version) override {
    exec("DELETE FROM schema_version; INSERT INTO schema_version (version) VALUES (" + std::to_string(version) + ")");
  }
  void lock_for_migration() override {
    // One key for llmgw's schema: instances starting together migrate one after the other.
    exec("SELECT pg_advisory_xact_lock(7236571093); "
         "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
  }

  // The connection, reconnected first if it was lost (BusyError when it cannot be).
  PGconn* ready();
  // The result when it succeeded; else cleared and thrown (BusyError when retryable).
  PGresult* checked(PGresult* result);

private:
  void sync_time_zone();
  PGconn* m_conn = nullptr;
  std::string m_name;
  std::string m_zone;
  bool m_lost = false;   // reconnect before the next statement
  int64_t m_session = 0; // counts reconnections: prepared statements live in one session
  int64_t m_statements = 0;

public:
  int64_t session() const { return m_session; }
  std::string next_statement_name() { return "llmgw_" + std::to_string(++m_statements); }
  // Drop a prepared statement of this session; nothing when the connection or transaction cannot.
  void deallocate(const std::string& name) {
    if (pq().status(m_conn) != CONNECTION_OK || m_lost || pq().transaction_status(m_conn) == PQTRANS_INERROR) return;
    pq().clear(pq().exec(m_conn, ("DEALLOCATE " + name).c_str()));
  }
};

PgConnection::PgConnection(const std::string& url, const std::string& name) : m_name(name) {
  try {
    libpq(); // loaded here, once: a clear error (which package to install) instead of a crash
  } catch (const Error& error) {
    throw Error(m_name + ": " + error.what());
  }
  // connect_timeout goes first so that one in the URL wins.
  const char* keys[] = {"connect_timeout", "application_name", "dbname", nullptr};
  const char* values[] = {"5", "llmgw", url.c_str(), nullptr};
  m_conn = pq().connectdb_params(keys, values, 1);
  if (m_conn == nullptr) throw Error(m_name + ": cannot connect: out of memory");
  pq().set_notice_processor(
      m_conn, [](void*, const char*) {}, nullptr); // "already exists, skipping" and such
  if (pq().status(m_conn) != CONNECTION_OK) {
    const std::string message = trimmed(pq().error_message(m_conn));
    pq().finish(m_conn);
    m_conn = nullptr;
    throw Error(m_name + ": cannot connect: " + message);
  }
  sync_time_zone();
}

PGconn* PgConnection::ready() {
  if (pq().status(m_conn) == CONNECTION_OK && !m_lost) return m_conn;
  pq().reset(m_conn);
  if (pq().status(m_conn) != CONNECTION_OK)
    throw BusyError(m_name + ": cannot reach the database: " + trimmed(pq().error_message(m_conn)));
  m_lost = false;
  ++m_session;
  m_zone.clear(); // a new session: set again
  sync_time_zone();
  return m_conn;
}

PGresult* PgConnection::checked(PGresult* result) {
  const ExecStatusType status = result != nullptr ? pq().result_status(result) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY) return result;
  const char* state = result != nullptr ? pq().result_error_field(result, PG_DIAG_SQLSTATE) : nullptr;
  // The server ending this session (57P01, 57P02: shutdown, terminated) or the connection failing
  // (08...) may leave libpq's status OK until the next call finds the socket closed: reconnect then.
  const bool lost = pq().status(m_conn) != CONNECTION_OK ||
                    (state != nullptr && (std::strncmp(state, "08", 2) == 0 || std::strncmp(state, "57P0", 4) == 0));
  m_lost = m_lost || lost;
  const bool retry = lost || is_retryable(state);
  const std::string message =
      m_name +
      ": query failed: " + trimmed(result != nullptr ? pq().result_error_message(result) : pq().error_message(m_conn));
  pq().clear(result);
  if (retry) throw BusyError(message);
  throw Error(message);
}

int PgConnection::schema_version() {
  PGresult* exists = checked(pq().exec(ready(), "SELECT to_regclass('schema_version') IS NOT NULL"));
  const bool found = pq().ntuples(exists) == 1 && std::strcmp(pq().getvalue(exists, 0, 0), "t") == 0;
  pq().clear(exists);
  if (!found) return 0;
  PGresult* version = checked(pq().exec(m_conn, "SELECT COALESCE(MAX(version), 0) FROM schema_version"));
  const int value = pq().ntuples(version) == 1 ? std::atoi(pq().getvalue(version, 0, 0)) : 0;
  pq().clear(version);
  return value;
}

// Reports group by local day, week and month in the session's TimeZone: kept equal to the
// process's (TZ may change while a connection is open, as tests do).
void PgConnection::sync_time_zone() {
  std::string zone = local_zone_name();
  if (zone == m_zone) return;
  pq().clear(checked(pq().exec(ready(), ("SET TimeZone = " + std::string("'") + zone + "'").c_str())));
  m_zone = std::move(zone);
}

PgStatement::PgStatement(PgConnection& connection, std::string_view sql) : m_connection(connection) {
  int count = 0;
  std::vector<bool> referenced;
  m_sql = postgres_placeholders(sql, count, &referenced);
  m_values.resize(static_cast<size_t>(count));
  m_bound.resize(static_cast<size_t>(count));
  // A number the SQL skips (the dashboard leaves out the filters not given) has no type for
  // PostgreSQL to infer: it is declared text. The others are inferred from their use.
  m_types.resize(static_cast<size_t>(count));
  for (size_t i = 0; i < m_types.size(); ++i) m_types[i] = referenced[i] ? 0 : k_text_oid;
}

std::string& PgStatement::slot(int index) {
  if (index < 1 || static_cast<size_t>(index) > m_values.size())
    throw Error("bind: parameter index " + std::to_string(index) + " out of range");
  m_bound[static_cast<size_t>(index - 1)] = true;
  return m_values[static_cast<size_t>(index - 1)];
}

PgStatement::~PgStatement() {
  clear();
  if (!m_name.empty() && m_prepared_session == m_connection.session()) m_connection.deallocate(m_name);
}

PGresult* PgStatement::execute() {
  std::vector<const char*> values(m_values.size());
  std::vector<int> lengths(m_values.size());
  for (size_t i = 0; i < m_values.size(); ++i) {
    values[i] = m_bound[i] ? m_values[i].c_str() : nullptr;
    lengths[i] = static_cast<int>(m_values[i].size());
  }
  PGconn* conn = m_connection.ready();
  const int count = static_cast<int>(values.size());
  if (++m_runs == 1)
    return m_connection.checked(
        pq().exec_params(conn, m_sql.c_str(), count, m_types.data(), values.data(), lengths.data(), nullptr, 0));
  if (m_prepared_session != m_connection.session()) { // not yet, or before a reconnection
    m_name = m_connection.next_statement_name();
    pq().clear(m_connection.checked(pq().prepare(conn, m_name.c_str(), m_sql.c_str(), count, m_types.data())));
    m_prepared_session = m_connection.session();
  }
  return m_connection.checked(
      pq().exec_prepared(conn, m_name.c_str(), count, values.data(), lengths.data(), nullptr, 0));
}

bool PgStatement::step() {
  if (m_result == nullptr) {
    m_result = execute();
    m_row = -1;
    m_rows = pq().ntuples(m_result);
  }
  if (++m_row < m_rows) return true;
  clear(); // done: ready to run again with the same bindings, as SQLite resets itself
  return false;
}

int64_t PgStatement::column_int64(int column) const {
  if (m_result == nullptr || pq().getisnull(m_result, m_row, column)) return 0;
  const char* text = pq().getvalue(m_result, m_row, column);
  if (text[0] == 't') return 1; // booleans
  if (text[0] == 'f') return 0;
  return std::strtoll(text, nullptr, 10); // integers, and numeric sums ("123")
}

} // namespace

std::string postgres_placeholders(std::string_view sql, int& count, std::vector<bool>* referenced) {
  std::string out;
  out.reserve(sql.size() + 8);
  count = 0;
  if (referenced != nullptr) referenced->clear();
  char quote = 0;
  for (size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    if (quote != 0) {
      out += c;
      if (c == quote) quote = 0; // a doubled quote closes and reopens: same result
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      const size_t end = sql.find('\n', i);
      const size_t stop = end == std::string_view::npos ? sql.size() : end;
      out.append(sql.substr(i, stop - i));
      i = stop - 1;
      continue;
    } else if (c == '?') {
      size_t j = i + 1;
      int number = 0;
      while (j < sql.size() && sql[j] >= '0' && sql[j] <= '9') number = number * 10 + (sql[j++] - '0');
      if (j == i + 1) number = count + 1; // bare ?: the next number
      count = std::max(count, number);
      if (referenced != nullptr) {
        referenced->resize(static_cast<size_t>(count));
        (*referenced)[static_cast<size_t>(number - 1)] = true;
      }
      out += '$' + std::to_string(number);
      i = j - 1;
      continue;
    }
    out += c;
  }
  return out;
}

std::string local_zone_name() {
  if (const char* tz = std::getenv("TZ"); tz != nullptr && tz[0] != '\0') {
    std::string zone = tz[0] == ':' ? tz + 1 : tz;
    if (const size_t at = zone.find("zoneinfo/"); zone.starts_with('/') && at != std::string::npos)
      zone = zone.substr(at + 9);
    // A quote would end the SET's literal: such a zone is no zone PostgreSQL knows.
    if (!zone.empty() && zone.find('\'') == std::string::npos) return zone;
  }
  char target[512];
  const ssize_t n = ::readlink("/etc/localtime", target, sizeof target - 1);
  if (n > 0) {
    const std::string link(target, static_cast<size_t>(n));
    if (const size_t at = link.find("zoneinfo/"); at != std::string::npos) return link.substr(at + 9);
  }
  return "UTC";
}

bool is_postgres_url(std::string_view location) {
  return location.starts_with("postgres://") || location.starts_with("postgresql://");
}

std::string redact_url(std::string_view url) {
  std::string out(url);
  // postgres://user:password@host: the password sits between the first ':' after the scheme and '@'.
  const size_t scheme = out.find("://");
  const size_t at = out.find('@', scheme == std::string::npos ? 0 : scheme + 3);
  if (scheme != std::string::npos && at != std::string::npos) {
    const size_t colon = out.find(':', scheme + 3);
    if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "***");
  }
  // ...?password=secret&...
  for (size_t key = out.find("password="); key != std::string::npos; key = out.find("password=", key + 1)) {
    const size_t value = key + 9;
    const size_t end = out.find('&', value);
    out.replace(value, (end == std::string::npos ? out.size() : end) - value, "***");
  }
  return out;
}

std::unique_ptr<Connection> open_postgres(const std::string& url, const std::string& name) {
  return std::make_unique<PgConnection>(url, name);
}

} // namespace llmgw::store
