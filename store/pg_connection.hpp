#pragma once
// Pieces of the PostgreSQL backend (pg_connection.cpp) that tests check on their own.
#include <string>
#include <string_view>
#include <vector>

namespace llmgw::store {

// SQLite's ?N and ? placeholders as PostgreSQL's $N (outside quotes and comments); `count` gets
// the highest parameter number, `referenced` (when given) which of 1..count the SQL names.
std::string postgres_placeholders(std::string_view sql, int& count, std::vector<bool>* referenced = nullptr);

// The process's local time zone as PostgreSQL names it: $TZ (a zone name or a POSIX rule), else
// the zone /etc/localtime links to, else "UTC".
std::string local_zone_name();

} // namespace llmgw::store
