// The type-checked JSON reading every codec goes through: wrong types read as absent.
#include "core/translate/json_access.hpp"

#include <doctest/doctest.h>

#include <cstdint>

using namespace llmgw::core::translate;
using nlohmann::json;

TEST_CASE("json access: a member of another type, or of a value that is no object, reads as absent") {
  const json body = json::parse(R"({"s":"text","n":5,"a":[1],"o":{"k":"v"},"z":null})");
  CHECK(member(body, "o")["k"] == "v");
  CHECK(member(body, "missing").is_null());
  CHECK(member(json::array({1}), "s").is_null());
  CHECK(member(json("s"), "s").is_null());
  CHECK(string_member(body, "s") == "text");
  for (const char* key : {"n", "a", "o", "z", "missing"}) CHECK(string_member(body, key).empty());
  CHECK(elements(member(body, "a")).size() == 1);
  for (const char* key : {"s", "n", "o", "z", "missing"}) CHECK(elements(member(body, key)).empty());
}

TEST_CASE("json access: integers within int64, whole floats cut, nothing undefined") {
  auto integer = [](const char* text) { return integer_member(json::parse(text), "v"); };
  CHECK(integer(R"({"v":-7})") == -7);
  CHECK(integer(R"({"v":18446744073709551615})") == INT64_MAX);
  CHECK(integer(R"({"v":1024.9})") == 1024);
  CHECK(integer(R"({"v":-1e300})") == std::nullopt); // a double beyond int64: its conversion is undefined
  CHECK(integer(R"({"v":1e19})") == std::nullopt);
  CHECK(integer(R"({"v":"12"})") == std::nullopt);
  CHECK(integer(R"({"v":true})") == std::nullopt);
  CHECK(number_member(json::parse(R"({"v":2})"), "v") == 2.0);
  CHECK(number_member(json::parse(R"({"v":"2"})"), "v") == std::nullopt);
}
