#pragma once
// The store under test: the store unit tests run against SQLite, and again against PostgreSQL
// when LLMGW_TEST_PG_URL_FILE names the file tests/support/pg_cluster.sh wrote the cluster's URL to
// (ctest's "postgres" fixture). StoreDir stands in for TempDir: file(name) is a fresh database.
#include "tests/support/temp_dir.hpp"

#include <map>
#include <string>

namespace llmgw::test {

// True when the store tests run against PostgreSQL (LLMGW_TEST_PG_URL_FILE is set).
bool postgres_under_test();

// The test cluster's URL; throws when LLMGW_TEST_PG_URL_FILE is set but names no URL (a test
// that needs PostgreSQL fails rather than passes without it).
std::string postgres_test_url();

// A temporary directory; with PostgreSQL under test, file(name) is the URL of a new database
// (one per name, created on first use, dropped with the StoreDir) instead of a path in it.
class StoreDir {
public:
  StoreDir() = default;
  ~StoreDir();
  StoreDir(const StoreDir&) = delete;
  StoreDir& operator=(const StoreDir&) = delete;

  const std::string& path() const { return m_dir.path(); }
  // The temporary directory itself (for helpers that take one).
  const TempDir& temp() const { return m_dir; }
  std::string file(const std::string& name) const;
  // A path in the directory whatever the backend (for files that are not the database).
  std::string plain_file(const std::string& name) const { return m_dir.file(name); }

private:
  TempDir m_dir;
  mutable std::map<std::string, std::string> m_databases; // name -> database name
};

} // namespace llmgw::test
