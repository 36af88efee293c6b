#include "core/protocol/json_scan.hpp"
#include "core/pipeline/upstream_request.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

using namespace llmgw::core;
using protocol::scan_object;

TEST_CASE("json scan: finds top-level members and skips nested ones") {
  std::string body = R"( {"messages":[{"model":"inner","x":"a\"b}"}],"model":"gpt-4.1","stream":true,"n":3} )";
  auto scanned = scan_object(body);
  REQUIRE(scanned);
  REQUIRE(scanned->members.size() == 4);
  auto* model = scanned->find("model");
  REQUIRE(model != nullptr);
  CHECK(protocol::string_value(body, *model) == "gpt-4.1");
  CHECK(protocol::is_true(body, *scanned->find("stream")));
  CHECK(protocol::integer_value(body, *scanned->find("n")) == 3);
  CHECK(scanned->find("x") == nullptr);
}

TEST_CASE("json scan: unescapes string values") {
  std::string body = R"({"model":"a\u00e9\\b"})";
  auto scanned = scan_object(body);
  REQUIRE(scanned);
  CHECK(protocol::string_value(body, *scanned->find("model")) == "a\xc3\xa9\\b");
}

TEST_CASE("json scan: rejects what is not one well-formed object") {
  for (std::string bad : {"", "[1]", "{", R"({"a":)", R"({"a":1,})", R"({"a":"x})", R"({"a":[1,2})", R"({"a":{]})",
                          R"({"a":1} trailing)", R"({a:1})", R"({"a" 1})"}) {
    CAPTURE(bad);
    CHECK_FALSE(scan_object(bad));
  }
  CHECK(scan_object("{}"));
  CHECK(scan_object(" {\n\"a\" : [ ] }\n"));
}

TEST_CASE("json scan: a large body is scanned without copying its values") {
  std::string big(500 * 1024, 'x');
  std::string body = R"({"model":"m","messages":[{"role":"user","content":")" + big + R"("}],"stream":false})";
  auto scanned = scan_object(body);
  REQUIRE(scanned);
  CHECK(scanned->members.size() == 3);
  CHECK_FALSE(protocol::is_true(body, *scanned->find("stream")));
}

TEST_CASE("body rewrite: replaces only the model, keeping every other byte") {
  std::string body = "{ \"model\" : \"fast\",\n  \"z\":{\"model\":\"fast\"}, \"unknown\": [1, 2.50] }";
  auto scanned = scan_object(body);
  REQUIRE(scanned);
  auto out = pipeline::rewrite_body(body, *scanned, "claude-haiku-4-5", false);
  CHECK(out.body == "{ \"model\" : \"claude-haiku-4-5\",\n  \"z\":{\"model\":\"fast\"}, \"unknown\": [1, 2.50] }");
  CHECK_FALSE(out.injected_usage);
  auto same = pipeline::rewrite_body(body, *scanned, "fast", false);
  CHECK(same.body == body);
}

TEST_CASE("body rewrite: adds stream_options.include_usage only when missing or false") {
  std::string plain = R"({"model":"m","stream":true})";
  auto out = pipeline::rewrite_body(plain, *scan_object(plain), "m", true);
  CHECK(out.injected_usage);
  CHECK(nlohmann::json::parse(out.body)["stream_options"]["include_usage"] == true);

  std::string asked = R"({"model":"m","stream":true,"stream_options":{"include_usage":true}})";
  auto kept = pipeline::rewrite_body(asked, *scan_object(asked), "m", true);
  CHECK_FALSE(kept.injected_usage);
  CHECK(kept.body == asked);

  std::string other = R"({"model":"m","stream":true,"stream_options":{"include_obfuscation":false}})";
  auto merged = pipeline::rewrite_body(other, *scan_object(other), "m2", true);
  CHECK(merged.injected_usage);
  auto parsed = nlohmann::json::parse(merged.body);
  CHECK(parsed["stream_options"]["include_usage"] == true);
  CHECK(parsed["stream_options"]["include_obfuscation"] == false);
  CHECK(parsed["model"] == "m2");
}

TEST_CASE("body rewrite: stream_options.include_usage of another type is set to true, not thrown on") {
  for (std::string value : {"\"yes\"", "1", "null", "[true]"}) {
    std::string body = R"({"model":"m","stream":true,"stream_options":{"include_usage":)" + value + "}}";
    CAPTURE(body);
    auto out = pipeline::rewrite_body(body, *scan_object(body), "m", true);
    CHECK(out.injected_usage);
    CHECK(nlohmann::json::parse(out.body)["stream_options"]["include_usage"] == true);
  }
}

TEST_CASE("redact: removes every occurrence of a secret") {
  CHECK(pipeline::redact("key sk-1 and sk-1", "sk-1") == "key [redacted] and [redacted]");
  CHECK(pipeline::redact("nothing", "") == "nothing");
}

TEST_CASE("json scan: a member's raw value and an array's first element, in place") {
  using llmgw::core::protocol::first_element;
  using llmgw::core::protocol::member_text;
  const std::string object = R"( {"a": {"b": [1, {"c": "}"}]}, "d" : "x\"y" , "a2":null, "d":7} )";
  CHECK(member_text(object, "a") == R"({"b": [1, {"c": "}"}]})");
  CHECK(member_text(object, "d") == "7"); // the last of a repeated name
  CHECK(member_text(object, "a2") == "null");
  CHECK(member_text(object, "b").empty()); // nested, not a member
  CHECK(member_text(object, "c").empty());
  CHECK(member_text(R"({"a":1,})", "a").empty()); // not one object
  CHECK(member_text(R"({"a":1)", "a").empty());
  CHECK(member_text("[1]", "a").empty());
  CHECK(member_text("", "a").empty());
  CHECK(first_element(R"( [ {"e":1} , 2 ] )") == R"({"e":1})");
  CHECK(first_element("[]").empty());
  CHECK(first_element(R"({"e":1})").empty());
  CHECK(first_element(R"([ "unterminated )").empty());
}

namespace {

// `levels` nested arrays around a 1, inside an object member: {"a":[[...[1]...]]}.
std::string nested_object(size_t levels) {
  return "{\"a\":" + std::string(levels, '[') + "1" + std::string(levels, ']') + "}";
}

} // namespace

TEST_CASE("json scan: refuses a body nested deeper than the limit and says why") {
  using protocol::k_max_json_depth;
  using protocol::ScanFailure;
  ScanFailure failure = ScanFailure::malformed;
  // The object is level 1: k_max_json_depth - 1 arrays inside it reach the limit exactly.
  CHECK(scan_object(nested_object(k_max_json_depth - 1), &failure));
  CHECK_FALSE(scan_object(nested_object(k_max_json_depth), &failure));
  CHECK(failure == ScanFailure::too_deep);
  CHECK_FALSE(scan_object(nested_object(100000), &failure)); // 200 KB of brackets, no recursion
  CHECK(failure == ScanFailure::too_deep);
  CHECK_FALSE(scan_object(R"({"a":[1})", &failure));
  CHECK(failure == ScanFailure::malformed);
  // Brackets inside strings are text, not nesting.
  CHECK(scan_object("{\"a\":\"" + std::string(1000, '[') + "\\\"" + std::string(1000, '{') + "\"}"));
  // The in-place readers refuse the same text as "not one object".
  protocol::TopLevelMember members[2];
  CHECK(protocol::object_members(nested_object(k_max_json_depth), members, 2) == SIZE_MAX);
  CHECK(protocol::member_text(nested_object(k_max_json_depth), "a").empty());
  CHECK(protocol::first_element("[" + nested_object(k_max_json_depth - 1) + "]").empty());
  CHECK_FALSE(protocol::first_element("[" + nested_object(k_max_json_depth - 2) + "]").empty());
  CHECK(protocol::too_deep_message("request body") == "request body nests JSON deeper than 128 levels");
}

TEST_CASE("json scan: parse_json refuses text nested too deep, and what is not JSON") {
  using protocol::k_max_json_depth;
  using protocol::parse_json;
  auto array = [](size_t levels) { return std::string(levels, '[') + std::string(levels, ']'); };
  CHECK(parse_json(array(k_max_json_depth)).is_array());
  CHECK(parse_json(array(k_max_json_depth + 1)).is_discarded());
  CHECK(parse_json(std::string(100000, '[')).is_discarded()); // not even closed
  CHECK(protocol::nests_too_deep(std::string(100000, '{')));
  CHECK_FALSE(protocol::nests_too_deep("\"" + std::string(1000, '[') + "\""));
  CHECK_FALSE(protocol::nests_too_deep(std::string(1000, ']'))); // unbalanced closers never count
  CHECK(parse_json(R"({"a":"[[[\"{{{"})")["a"] == "[[[\"{{{");
  CHECK(parse_json("{").is_discarded());
  CHECK(parse_json("").is_discarded());
  // nlohmann stops at a NUL byte; text after one must not make an object valid (found by fuzzing).
  using namespace std::string_literals;
  CHECK(parse_json("{\"model\": \"m\"}\0 garbage"s).is_discarded());
  CHECK_FALSE(protocol::scan_object("{\"model\": \"m\"}\0 garbage"s));
}
