#pragma once
// The schema as an ordered list of steps keyed by PRAGMA user_version.
#include <span>
#include <string_view>

namespace llmgw::store {

class Db;

// One step: running `sql` takes a database from version - 1 to `version`. A shipped step is
// never edited; schema changes append a new step.
struct Migration {
  int version;
  std::string_view description;
  std::string_view sql;
};

// Every step this binary knows, in order; the last one's version is the current schema version.
std::span<const Migration> migrations();

// The schema version this binary writes (the newest step's version).
int latest_schema_version();

// Apply the steps above the database's user_version inside one transaction. Throws Error when
// the database is newer than the steps ("database schema version N is newer than this llmgw").
void migrate(Db& db, std::span<const Migration> steps);

} // namespace llmgw::store
