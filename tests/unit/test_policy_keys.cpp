// Virtual keys: token hashing, model globs and lookup.
#include "core/policy/keys.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace llmgw::core::policy;

TEST_CASE("virtual keys: SHA-256, globs and lookup by token") {
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const std::string token = generate_key_token();
  CHECK(token.rfind("llmgw-vk-", 0) == 0);
  CHECK(token.size() == 9 + 48);
  CHECK(generate_key_token() != token);
  CHECK(glob_match("claude-*", "claude-sonnet-4-5"));
  CHECK(glob_match("gpt-?", "gpt-5"));
  CHECK(glob_match("*", ""));
  CHECK_FALSE(glob_match("claude-*", "gpt-5"));
  CHECK(glob_match("*-mini", "gpt-5-mini"));
  CHECK(models_allow("", "anything"));
  CHECK(models_allow("claude-*, gpt-5*", "gpt-5.1"));
  CHECK_FALSE(models_allow("claude-*,gpt-5*", "gemini-2.5-pro"));
  KeyRing ring({VirtualKey{"aider", sha256_hex(token), "proj", "", ""}});
  const VirtualKey* found = ring.find(token);
  REQUIRE(found != nullptr);
  CHECK(found->name == "aider");
  CHECK(ring.find("llmgw-vk-wrong") == nullptr);
  CHECK(ring.find("llmgw-test-token") == nullptr);
}
