#pragma once
// libpq, loaded at run time (dlopen) the first time a postgres:// store is opened: a SQLite-only
// llmgw never maps it nor the Kerberos, LDAP and TLS libraries it links. libpq-fe.h gives the
// types only; the binary does not link libpq.
#include <libpq-fe.h>

#include <optional>
#include <string>
#include <vector>

namespace llmgw::store {

// The libpq functions llmgw calls (each named after its PQ function), resolved from the library.
#define LLMGW_LIBPQ_FUNCTIONS(X)                                                                                       \
  X(connectdb_params, PQconnectdbParams)                                                                               \
  X(set_notice_processor, PQsetNoticeProcessor)                                                                        \
  X(status, PQstatus)                                                                                                  \
  X(error_message, PQerrorMessage)                                                                                     \
  X(finish, PQfinish)                                                                                                  \
  X(reset, PQreset)                                                                                                    \
  X(transaction_status, PQtransactionStatus)                                                                           \
  X(exec, PQexec)                                                                                                      \
  X(exec_params, PQexecParams)                                                                                         \
  X(prepare, PQprepare)                                                                                                \
  X(exec_prepared, PQexecPrepared)                                                                                     \
  X(result_status, PQresultStatus)                                                                                     \
  X(result_error_field, PQresultErrorField)                                                                            \
  X(result_error_message, PQresultErrorMessage)                                                                        \
  X(ntuples, PQntuples)                                                                                                \
  X(getvalue, PQgetvalue)                                                                                              \
  X(getisnull, PQgetisnull)                                                                                            \
  X(getlength, PQgetlength)                                                                                            \
  X(clear, PQclear)                                                                                                    \
  X(lib_version, PQlibVersion)                                                                                         \
  X(escape_identifier, PQescapeIdentifier)                                                                             \
  X(freemem, PQfreemem)                                                                                                \
  X(notifies, PQnotifies)                                                                                              \
  X(socket, PQsocket)                                                                                                  \
  X(consume_input, PQconsumeInput)

struct Libpq {
#define LLMGW_LIBPQ_MEMBER(member, function) decltype(&::function) member = nullptr;
  LLMGW_LIBPQ_FUNCTIONS(LLMGW_LIBPQ_MEMBER)
#undef LLMGW_LIBPQ_MEMBER
};

// libpq, loaded once for the process on the first call (thread-safe) and never unloaded. Throws
// Error saying which package to install when it cannot be loaded or lacks a function.
const Libpq& libpq();

// Loads the first of `names` (as dlopen takes them: a soname or a path) that opens and has every
// function; nullopt when none does, with the reasons in `error`. libpq() calls it with
// libpq_names(); tests with others.
std::optional<Libpq> load_libpq(const std::vector<std::string>& names, std::string& error);

// Where libpq() looks: $LLMGW_LIBPQ alone when set; else, in order, the platform's soname, the
// directory libpq was found in at build time, then (macOS) Homebrew's keg-only libpq.
std::vector<std::string> libpq_names();

} // namespace llmgw::store
