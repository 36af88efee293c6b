// libpq loaded with dlopen (store/libpq.cpp): the real library resolves and works, and a missing
// or wrong library is an error naming what was tried, not a crash.
#include "store/libpq.hpp"

#include <doctest/doctest.h>

#include <cstdlib>

using namespace llmgw::store;

TEST_CASE("load_libpq loads the system's libpq and every function llmgw calls works through the table") {
  std::string error;
  const auto table = load_libpq(libpq_names(), error);
  INFO(error);
  REQUIRE(table.has_value());
  CHECK(table->lib_version() >= 100000); // PostgreSQL 10 or newer
  // A real connection attempt through the loaded library: nothing listens on port 1.
  const char* keys[] = {"dbname", nullptr};
  const char* values[] = {"postgresql://127.0.0.1:1/none?connect_timeout=2", nullptr};
  PGconn* connection = table->connectdb_params(keys, values, 1);
  REQUIRE(connection != nullptr);
  CHECK(table->status(connection) == CONNECTION_BAD);
  CHECK(std::string(table->error_message(connection)).find("127.0.0.1") != std::string::npos);
  table->finish(connection);
}

TEST_CASE("load_libpq names every library it tried when none loads") {
  std::string error;
  const auto table = load_libpq({"/nonexistent/libpq.so.5", "libllmgw-no-such-libpq.so.5"}, error);
  CHECK_FALSE(table.has_value());
  CHECK(error.find("/nonexistent/libpq.so.5") != std::string::npos);
  CHECK(error.find("libllmgw-no-such-libpq.so.5") != std::string::npos);
}

TEST_CASE("load_libpq refuses a library that lacks libpq's functions") {
  std::string error;
#if defined(__APPLE__)
  const std::string other = "/usr/lib/libSystem.B.dylib";
#else
  const std::string other = "libm.so.6";
#endif
  const auto table = load_libpq({other}, error);
  CHECK_FALSE(table.has_value());
  CHECK(error.find(other + " lacks PQconnectdbParams") != std::string::npos);
}

TEST_CASE("LLMGW_LIBPQ names the one libpq to load") {
  ::setenv("LLMGW_LIBPQ", "/opt/elsewhere/libpq.so.5", 1);
  const auto chosen = libpq_names();
  ::unsetenv("LLMGW_LIBPQ");
  CHECK(chosen == std::vector<std::string>{"/opt/elsewhere/libpq.so.5"});
  const auto usual = libpq_names();
  REQUIRE_FALSE(usual.empty());
#if defined(__APPLE__)
  CHECK(usual.front() == "libpq.5.dylib");
#else
  CHECK(usual.front() == "libpq.so.5");
#endif
}
