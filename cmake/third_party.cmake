# cpp-httplib and toml++ built into the binary where the installed files allow it, so a release
# binary needs only libc, libstdc++, OpenSSL and SQLite at run time.
#
# toml++: header-only (TOML_HEADER_ONLY=1). Its package's CMake target would instead link
# libtomlplusplus.so (Debian builds it with TOML_HEADER_ONLY=0), so only its headers are used, by
# the one file that parses TOML.
#
# cpp-httplib: header-only where httplib.h holds the implementation (Homebrew, a source install).
# Debian's libcpp-httplib-dev installs only the declarations (httplib.h of upstream's split build)
# and a shared libcpp-httplib.so linking zlib and brotli; there the implementation half of the same
# release, vendored in core/third_party/cpp-httplib, is compiled into a static library instead.
# Either way every file including httplib.h gets the same definitions: TLS (OpenSSL) only, no zlib
# or brotli (llmgw relays bodies compressed as they come).

find_path(LLMGW_TOML_INCLUDE_DIR toml++/toml.h REQUIRED)
add_library(llmgw_toml INTERFACE)
target_include_directories(llmgw_toml SYSTEM INTERFACE ${LLMGW_TOML_INCLUDE_DIR})
set_source_files_properties(${PROJECT_SOURCE_DIR}/core/config/toml_parser.cpp PROPERTIES
  COMPILE_DEFINITIONS TOML_HEADER_ONLY=1)

find_path(LLMGW_HTTPLIB_INCLUDE_DIR httplib.h REQUIRED)
file(STRINGS ${LLMGW_HTTPLIB_INCLUDE_DIR}/httplib.h LLMGW_HTTPLIB_IMPLEMENTED REGEX "Server::listen\\(" LIMIT_COUNT 1)
find_package(OpenSSL 3 REQUIRED COMPONENTS SSL Crypto)
if(LLMGW_HTTPLIB_IMPLEMENTED)
  add_library(llmgw_httplib INTERFACE)
  set(LLMGW_HTTPLIB_SCOPE INTERFACE)
else()
  set(LLMGW_HTTPLIB_VENDORED ${PROJECT_SOURCE_DIR}/core/third_party/cpp-httplib)
  file(STRINGS ${LLMGW_HTTPLIB_VENDORED}/VERSION LLMGW_HTTPLIB_VENDORED_VERSION LIMIT_COUNT 1)
  file(STRINGS ${LLMGW_HTTPLIB_INCLUDE_DIR}/httplib.h LLMGW_HTTPLIB_VERSION_LINE
    REGEX "^#define CPPHTTPLIB_VERSION \"[^\"]+\"" LIMIT_COUNT 1)
  string(REGEX REPLACE ".*\"([^\"]+)\".*" "\\1" LLMGW_HTTPLIB_VERSION "${LLMGW_HTTPLIB_VERSION_LINE}")
  if(NOT LLMGW_HTTPLIB_VERSION STREQUAL LLMGW_HTTPLIB_VENDORED_VERSION)
    message(FATAL_ERROR "cpp-httplib: ${LLMGW_HTTPLIB_INCLUDE_DIR}/httplib.h holds declarations only "
      "(CPPHTTPLIB_VERSION \"${LLMGW_HTTPLIB_VERSION}\"), and the implementation vendored in "
      "core/third_party/cpp-httplib is version ${LLMGW_HTTPLIB_VENDORED_VERSION}: they must be the same release. "
      "Regenerate the vendored file for that version (see its README.md), or install a header-only httplib.h "
      "(upstream's single header) and point CMAKE_PREFIX_PATH or LLMGW_HTTPLIB_INCLUDE_DIR at it.")
  endif()
  add_library(llmgw_httplib STATIC ${LLMGW_HTTPLIB_VENDORED}/httplib.cc)
  set(LLMGW_HTTPLIB_SCOPE PUBLIC)
  # Not our code: its warnings are silenced (-w, and it does not get llmgw_settings' -Werror or
  # sanitizer flags), so -Werror and sanitizer builds hold as they did with the shared library;
  # the inline parts of httplib.h compiled into our files are still instrumented.
  target_compile_options(llmgw_httplib PRIVATE -w)
  message(STATUS "cpp-httplib ${LLMGW_HTTPLIB_VERSION}: declarations from ${LLMGW_HTTPLIB_INCLUDE_DIR}/httplib.h, "
    "implementation compiled from core/third_party/cpp-httplib (static)")
endif()
target_include_directories(llmgw_httplib SYSTEM ${LLMGW_HTTPLIB_SCOPE} ${LLMGW_HTTPLIB_INCLUDE_DIR})
# TLS to https providers, nothing else: these definitions change httplib's classes, so the
# implementation and every file including httplib.h must see the same ones.
target_compile_definitions(llmgw_httplib ${LLMGW_HTTPLIB_SCOPE} CPPHTTPLIB_OPENSSL_SUPPORT)
target_link_libraries(llmgw_httplib ${LLMGW_HTTPLIB_SCOPE} OpenSSL::SSL OpenSSL::Crypto Threads::Threads)
