# cpp-httplib and toml++ built into the binary where the installed files allow it, so a release
# binary needs only libc, libstdc++, OpenSSL and SQLite at run time.
#
# toml++: header-only (TOML_HEADER_ONLY=1). Its package's CMake target would instead link
# libtomlplusplus.so (Debian builds it with TOML_HEADER_ONLY=0), so only its headers are used, by
# the one file that parses TOML.
#
# cpp-httplib: header-only where httplib.h holds the implementation (Homebrew, a source install).
# Debian's libcpp-httplib-dev installs only the declarations (httplib.h of its split build) and
# libcpp-httplib.so; the implementation (httplib.cc) is not installed, so there it stays linked
# shared, with the defines of its pkg-config file, and LLMGW_HTTPLIB_SHARED is ON.

find_path(LLMGW_TOML_INCLUDE_DIR toml++/toml.h REQUIRED)
add_library(llmgw_toml INTERFACE)
target_include_directories(llmgw_toml SYSTEM INTERFACE ${LLMGW_TOML_INCLUDE_DIR})
set_source_files_properties(${PROJECT_SOURCE_DIR}/core/config/toml_parser.cpp PROPERTIES
  COMPILE_DEFINITIONS TOML_HEADER_ONLY=1)

find_path(LLMGW_HTTPLIB_INCLUDE_DIR httplib.h REQUIRED)
file(STRINGS ${LLMGW_HTTPLIB_INCLUDE_DIR}/httplib.h LLMGW_HTTPLIB_IMPLEMENTED REGEX "Server::listen\\(" LIMIT_COUNT 1)
add_library(llmgw_httplib INTERFACE)
if(LLMGW_HTTPLIB_IMPLEMENTED)
  set(LLMGW_HTTPLIB_SHARED OFF)
  find_package(OpenSSL 3 REQUIRED COMPONENTS SSL Crypto)
  target_include_directories(llmgw_httplib SYSTEM INTERFACE ${LLMGW_HTTPLIB_INCLUDE_DIR})
  # TLS to https providers; no zlib or brotli: llmgw relays bodies compressed as they come.
  target_compile_definitions(llmgw_httplib INTERFACE CPPHTTPLIB_OPENSSL_SUPPORT)
  target_link_libraries(llmgw_httplib INTERFACE OpenSSL::SSL OpenSSL::Crypto Threads::Threads)
else()
  set(LLMGW_HTTPLIB_SHARED ON)
  pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
  target_link_libraries(llmgw_httplib INTERFACE PkgConfig::HTTPLIB)
  message(STATUS "cpp-httplib: ${LLMGW_HTTPLIB_INCLUDE_DIR}/httplib.h holds declarations only: linking libcpp-httplib.so")
endif()
