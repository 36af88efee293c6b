// ensure_token and write_config_file: private modes, stable tokens, no silent overwrite.
#include "config_test_support.hpp"
#include "core/config/config.hpp"
#include "core/error.hpp"

#include <doctest/doctest.h>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

using namespace llmgw::core::config;
using llmgw::test::ConfigTempDir;

namespace {

unsigned mode_of(const std::string& path) {
  struct stat info {};
  REQUIRE(::stat(path.c_str(), &info) == 0);
  return info.st_mode & 0777;
}

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

} // namespace

TEST_CASE("config: ensure_token creates a 0600 token in a 0700 directory and keeps it") {
  ConfigTempDir dir;
  const std::string path = dir.file("nested/llmgw/token");
  const std::string token = ensure_token(path);
  CHECK(token.size() == 6 + 48);
  CHECK(token.rfind("llmgw-", 0) == 0);
  CHECK(token.find_first_not_of("0123456789abcdef", 6) == std::string::npos);
  CHECK(mode_of(path) == 0600);
  CHECK(mode_of(dir.file("nested/llmgw")) == 0700);
  CHECK(read(path) == token + "\n");
  CHECK(ensure_token(path) == token);
  CHECK(ensure_token(dir.file("other-token")) != token);
  for (const auto& entry : std::filesystem::directory_iterator(dir.file("nested/llmgw")))
    CHECK(entry.path().filename() == "token"); // no temp file left behind
}

TEST_CASE("config: ensure_token reads an existing token trimmed, replaces a blank one") {
  ConfigTempDir dir;
  const std::string path = dir.write("token", "  my-own-token\n\n");
  CHECK(ensure_token(path) == "my-own-token");
  dir.write("blank", " \n");
  const std::string created = ensure_token(dir.file("blank"));
  CHECK(created.rfind("llmgw-", 0) == 0);
  CHECK(ensure_token(dir.file("blank")) == created);
}

TEST_CASE("config: write_config_file refuses to overwrite unless asked") {
  ConfigTempDir dir;
  const std::string path = dir.file("a/config.toml");
  write_config_file(path, "one\n", false);
  CHECK(read(path) == "one\n");
  CHECK_THROWS_WITH_AS(write_config_file(path, "two\n", false),
                       ("config file already exists: " + path + " (use --force to overwrite it)").c_str(),
                       llmgw::Error);
  CHECK(read(path) == "one\n");
  write_config_file(path, "three\n", true);
  CHECK(read(path) == "three\n");
}

TEST_CASE("config: ensure_token makes an existing token and llmgw's own directory private") {
  ConfigTempDir dir;
  const std::string path = dir.write("config/llmgw/token", "llmgw-old-token\n");
  ::chmod(dir.file("config/llmgw").c_str(), 0755);
  ::chmod(path.c_str(), 0644);
  CHECK(ensure_token(path) == "llmgw-old-token");
  CHECK(mode_of(path) == 0600);
  CHECK(mode_of(dir.file("config/llmgw")) == 0700);
}

TEST_CASE("config: a token beside a config file in a directory the user picked leaves that directory's mode") {
  ConfigTempDir dir;
  std::filesystem::create_directories(dir.file("project"));
  ::chmod(dir.file("project").c_str(), 0755);
  const std::string path = dir.file("project/token");
  ensure_token(path);
  CHECK(mode_of(path) == 0600);
  CHECK(mode_of(dir.file("project")) == 0755);
}
