#include "store/db.hpp"
#include "store/migrations.hpp"
#include "store_test_support.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

using llmgw::Error;
using llmgw::store::Db;
using llmgw::store::DbOptions;
using llmgw::store::Migration;
using llmgw::store::Statement;
using llmgw::store::Transaction;
using llmgw::test::TempDir;

namespace {

int64_t scalar(Db& db, const std::string& sql) {
  Statement stmt = db.prepare(sql);
  REQUIRE(stmt.step());
  return stmt.column_int64(0);
}

bool has_table(Db& db, const std::string& name) {
  Statement stmt = db.prepare("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?1");
  stmt.bind_text(1, name);
  REQUIRE(stmt.step());
  return stmt.column_int64(0) == 1;
}

const DbOptions k_unmigrated{5000, false};

unsigned mode_of(const std::string& path) {
  struct stat info {};
  REQUIRE(::stat(path.c_str(), &info) == 0);
  return info.st_mode & 0777;
}

// A write so that SQLite has its -wal and -shm files open.
void write_something(Db& db) {
  db.exec("CREATE TABLE IF NOT EXISTS scratch (x INTEGER); INSERT INTO scratch VALUES (1)");
}

} // namespace

TEST_SUITE("store db") {
  TEST_CASE("opening a new database creates parent directories and migrates to the latest schema") {
    TempDir dir;
    const std::string path = dir.file("nested/deeper/llmgw.db");
    Db db(path);
    CHECK(std::filesystem::exists(path));
    CHECK(db.user_version() == llmgw::store::latest_schema_version());
    CHECK(has_table(db, "requests"));
    CHECK(scalar(db, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = 'requests_started_at'") == 1);
  }

  TEST_CASE("opening turns on wal, normal synchronous mode and foreign keys") {
    TempDir dir;
    Db db(dir.file("llmgw.db"));
    Statement mode = db.prepare("PRAGMA journal_mode");
    REQUIRE(mode.step());
    CHECK(mode.column_text(0) == "wal");
    CHECK(scalar(db, "PRAGMA synchronous") == 1);
    CHECK(scalar(db, "PRAGMA foreign_keys") == 1);
    CHECK(scalar(db, "PRAGMA busy_timeout") == 5000);
  }

  TEST_CASE("reopening an up-to-date database keeps its rows") {
    TempDir dir;
    {
      Db db(dir.file("llmgw.db"));
      db.exec("INSERT INTO requests (started_at_ms) VALUES (42)");
    }
    Db db(dir.file("llmgw.db"));
    CHECK(scalar(db, "SELECT started_at_ms FROM requests") == 42);
  }

  TEST_CASE("a database newer than this binary is refused with the versions and the path") {
    TempDir dir;
    const std::string path = dir.file("llmgw.db");
    {
      Db db(path);
      db.exec("PRAGMA user_version = 99");
    }
    const std::string expected = path + ": database schema version 99 is newer than this llmgw (" +
                                 std::to_string(llmgw::store::latest_schema_version()) + "); upgrade llmgw";
    CHECK_THROWS_WITH_AS(Db{path}, expected.c_str(), Error);
  }

  TEST_CASE("the migration list is numbered from 1 without gaps") {
    int expected = 1;
    for (const Migration& step : llmgw::store::migrations()) CHECK(step.version == expected++);
    CHECK(llmgw::store::latest_schema_version() == expected - 1);
  }

  TEST_CASE("migrating from every older version reaches the latest schema") {
    const auto steps = llmgw::store::migrations();
    for (size_t from = 0; from < steps.size(); ++from) {
      CAPTURE(from);
      TempDir dir;
      {
        Db db(dir.file("llmgw.db"), k_unmigrated);
        llmgw::store::migrate(db, steps.first(from));
        CHECK(db.user_version() == static_cast<int>(from));
      }
      Db db(dir.file("llmgw.db"));
      CHECK(db.user_version() == llmgw::store::latest_schema_version());
      CHECK(has_table(db, "requests"));
    }
  }

  TEST_CASE("migrate applies only the steps above the stored version") {
    TempDir dir;
    Db db(dir.file("x.db"), k_unmigrated);
    const std::vector<Migration> two{{1, "a", "CREATE TABLE a (x)"}, {2, "b", "CREATE TABLE b (x)"}};
    llmgw::store::migrate(db, two);
    CHECK(db.user_version() == 2);
    std::vector<Migration> three = two;
    three.push_back({3, "c", "CREATE TABLE c (x)"});
    llmgw::store::migrate(db, three); // re-running 1 or 2 would fail: the tables exist
    CHECK(db.user_version() == 3);
    CHECK(has_table(db, "c"));
  }

  TEST_CASE("a failing migration leaves the database at its previous version") {
    TempDir dir;
    Db db(dir.file("x.db"), k_unmigrated);
    llmgw::store::migrate(db, std::vector<Migration>{{1, "a", "CREATE TABLE a (x)"}});
    const std::vector<Migration> broken{
        {1, "a", "CREATE TABLE a (x)"}, {2, "b", "CREATE TABLE b (x)"}, {3, "bad", "CREATE TABLE oops ("}};
    CHECK_THROWS_AS(llmgw::store::migrate(db, broken), Error);
    CHECK(db.user_version() == 1);
    CHECK_FALSE(has_table(db, "b"));
  }

  TEST_CASE("a transaction guard rolls back unless committed") {
    TempDir dir;
    Db db(dir.file("llmgw.db"));
    {
      Transaction transaction(db);
      db.exec("INSERT INTO requests (started_at_ms) VALUES (1)");
    }
    CHECK(scalar(db, "SELECT COUNT(*) FROM requests") == 0);
    CHECK(db.in_autocommit());
    {
      Transaction transaction(db);
      db.exec("INSERT INTO requests (started_at_ms) VALUES (2)");
      transaction.commit();
    }
    CHECK(scalar(db, "SELECT COUNT(*) FROM requests") == 1);
  }

  TEST_CASE("statements bind by index and read null columns as zero and empty") {
    TempDir dir;
    Db db(dir.file("llmgw.db"));
    Statement insert = db.prepare("INSERT INTO requests (started_at_ms, agent) VALUES (?1, ?2) RETURNING id");
    insert.bind_int64(1, 7);
    insert.bind_text(2, std::string_view("codex\0x", 7)); // length-delimited, embedded NUL kept
    REQUIRE(insert.step());
    CHECK(insert.column_int64(0) == 1);
    CHECK_FALSE(insert.step());
    Statement select = db.prepare("SELECT started_at_ms, agent, NULL FROM requests");
    REQUIRE(select.step());
    CHECK(select.column_int64(0) == 7);
    CHECK(select.column_text(1) == std::string("codex\0x", 7));
    CHECK(select.column_is_null(2));
    CHECK(select.column_int64(2) == 0);
    CHECK(select.column_text(2).empty());
    CHECK_FALSE(select.step());
    CHECK_THROWS_AS(insert.bind_int64(9, 1), Error);
  }

  TEST_CASE("sql errors name the database path") {
    TempDir dir;
    const std::string path = dir.file("llmgw.db");
    Db db(path);
    try {
      db.prepare("SELECT nonsense FROM nowhere");
      FAIL("prepare should throw");
    } catch (const Error& e) {
      CHECK(std::string(e.what()).find(path + ": cannot prepare statement: no such table") == 0);
    }
  }

  TEST_CASE("a new database, its -wal and -shm are 0600 in a 0700 directory") {
    TempDir dir;
    const std::string path = dir.file("data/llmgw/llmgw.db");
    Db db(path);
    write_something(db);
    CHECK(mode_of(dir.file("data")) == 0700);
    CHECK(mode_of(dir.file("data/llmgw")) == 0700);
    CHECK(mode_of(path) == 0600);
    REQUIRE(std::filesystem::exists(path + "-wal"));
    REQUIRE(std::filesystem::exists(path + "-shm"));
    CHECK(mode_of(path + "-wal") == 0600);
    CHECK(mode_of(path + "-shm") == 0600);
  }

  TEST_CASE("a database, -wal, -shm and llmgw directory readable by others are made private on open") {
    TempDir dir;
    const std::string path = dir.file("llmgw/llmgw.db");
    Db first(path); // keeps -wal and -shm alive, as a running server does
    write_something(first);
    for (const std::string& file : {path, path + "-wal", path + "-shm"}) ::chmod(file.c_str(), 0644);
    ::chmod(dir.file("llmgw").c_str(), 0755);
    Db second(path);
    CHECK(mode_of(dir.file("llmgw")) == 0700);
    for (const std::string& file : {path, path + "-wal", path + "-shm"}) CHECK_MESSAGE(mode_of(file) == 0600, file);
  }

  TEST_CASE("a directory the user picked keeps its mode; the database in it is still 0600") {
    TempDir dir;
    std::filesystem::create_directories(dir.file("project"));
    ::chmod(dir.file("project").c_str(), 0755);
    Db db(dir.file("project/ledger.db"));
    CHECK(mode_of(dir.file("project")) == 0755);
    CHECK(mode_of(dir.file("project/ledger.db")) == 0600);
  }

  TEST_CASE("a database someone else owns is opened without touching its mode") {
    TempDir dir;
    const std::string path = dir.file("llmgw.db");
    { Db create(path); }
    ::chmod(path.c_str(), 0644);
    if (::geteuid() != 0 || ::chown(path.c_str(), 65534, 65534) != 0) return; // only root can give a file away
    CHECK_NOTHROW(Db(path, k_unmigrated));
    CHECK(mode_of(path) == 0644);
  }

  TEST_CASE("opening fails with the path when its directory cannot be created") {
    TempDir dir;
    std::ofstream(dir.file("plain-file")) << "x";
    const std::string path = dir.file("plain-file/sub/llmgw.db");
    try {
      Db db(path);
      FAIL("open should throw");
    } catch (const Error& e) {
      CHECK(std::string(e.what()).find(path + ": cannot create directory") == 0);
    }
  }
}
