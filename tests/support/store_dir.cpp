#include "tests/support/store_dir.hpp"

#include "core/error.hpp"
#include "store/db.hpp"

#include <atomic>
#include <cstdlib>
#include <fstream>

#include <unistd.h>

namespace llmgw::test {
namespace {

// postgres://user@host:port/NAME -> the same with another database name.
std::string with_database(const std::string& url, const std::string& database) {
  const size_t slash = url.find('/', url.find("://") + 3);
  const size_t query = url.find('?', slash);
  return url.substr(0, slash + 1) + database + (query == std::string::npos ? "" : url.substr(query));
}

} // namespace

bool postgres_under_test() {
  const char* file = std::getenv("LLMGW_TEST_PG_URL_FILE");
  return file != nullptr && file[0] != '\0';
}

std::string postgres_test_url() {
  const char* file = std::getenv("LLMGW_TEST_PG_URL_FILE");
  std::string url;
  if (file != nullptr) {
    std::ifstream in(file);
    std::getline(in, url);
  }
  if (url.empty())
    throw Error("PostgreSQL under test but no URL in LLMGW_TEST_PG_URL_FILE (" + std::string(file ? file : "unset") +
                "): start the cluster with tests/support/pg_cluster.sh");
  return url;
}

std::string StoreDir::file(const std::string& name) const {
  if (!postgres_under_test()) return m_dir.file(name);
  const std::string base = postgres_test_url();
  auto found = m_databases.find(name);
  if (found == m_databases.end()) {
    static std::atomic<int> counter{0};
    const std::string database = "llmgw_t_" + std::to_string(::getpid()) + "_" + std::to_string(++counter);
    store::Db admin(base, store::DbOptions{5000, false});
    admin.exec("CREATE DATABASE " + database);
    found = m_databases.emplace(name, database).first;
  }
  return with_database(base, found->second);
}

StoreDir::~StoreDir() {
  if (m_databases.empty()) return;
  try {
    store::Db admin(postgres_test_url(), store::DbOptions{5000, false});
    for (const auto& [name, database] : m_databases)
      admin.exec("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
  } catch (const Error&) {
    // The cluster is thrown away at the end of the run anyway.
  }
}

} // namespace llmgw::test
