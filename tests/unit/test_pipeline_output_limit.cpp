// Reading and lowering a request's output limit in each API's own field, bytes spliced.
#include "core/pipeline/output_limit.hpp"

#include <doctest/doctest.h>

using namespace llmgw::core;
using pipeline::least_output_limit;
using pipeline::limit_output;
using pipeline::requested_output_limit;
using protocol::ApiFormat;

namespace {

int64_t requested(ApiFormat format, const std::string& body) {
  const auto scanned = protocol::scan_object(body);
  REQUIRE(scanned);
  return requested_output_limit(format, body, *scanned);
}

int64_t least(ApiFormat format, const std::string& body) {
  const auto scanned = protocol::scan_object(body);
  REQUIRE(scanned);
  return least_output_limit(format, body, *scanned);
}

} // namespace

TEST_CASE("the output limit is read from the field each API names it by") {
  CHECK(requested(ApiFormat::anthropic, R"({"model":"m","max_tokens":128000})") == 128000);
  CHECK(requested(ApiFormat::openai_chat, R"({"model":"m","max_completion_tokens":500})") == 500);
  CHECK(requested(ApiFormat::openai_responses, R"({"model":"m","max_output_tokens":64})") == 64);
  CHECK(requested(ApiFormat::gemini, R"({"contents":[],"generationConfig":{"temperature":1,"maxOutputTokens":77}})") ==
        77);
  CHECK(requested(ApiFormat::gemini, R"({"contents":[]})") == 0);
  CHECK(requested(ApiFormat::openai_chat, R"({"model":"m"})") == 0);
}

TEST_CASE("extended thinking sets the least output limit an Anthropic request accepts") {
  CHECK(least(ApiFormat::anthropic, R"({"max_tokens":32000,"thinking":{"type":"enabled","budget_tokens":10000}})") ==
        10001);
  CHECK(least(ApiFormat::anthropic, R"({"max_tokens":32000})") == 1);
  CHECK(least(ApiFormat::openai_chat, R"({"max_tokens":32000})") == 1);
}

TEST_CASE("a larger limit is lowered in place, the rest of the bytes untouched") {
  CHECK(limit_output(ApiFormat::anthropic, R"({"model":"m", "max_tokens" : 128000 ,"stream":false})", 5000) ==
        R"({"model":"m", "max_tokens" : 5000 ,"stream":false})");
  CHECK(limit_output(ApiFormat::openai_chat, R"({"max_tokens":900,"max_completion_tokens":900})", 800) ==
        R"({"max_tokens":800,"max_completion_tokens":800})");
  CHECK(limit_output(ApiFormat::openai_responses, R"({"max_output_tokens":9000,"input":"hi"})", 10) ==
        R"({"max_output_tokens":10,"input":"hi"})");
  CHECK(limit_output(ApiFormat::gemini, R"({"contents":[],"generationConfig":{"maxOutputTokens":9000}})", 12) ==
        R"({"contents":[],"generationConfig":{"maxOutputTokens":12}})");
}

TEST_CASE("a limit already within the budget leaves the body as it came") {
  const std::string body = R"({"model":"m","max_tokens":300})";
  CHECK(limit_output(ApiFormat::anthropic, body, 5000) == body);
  CHECK(limit_output(ApiFormat::anthropic, "not json", 5000) == "not json");
}

TEST_CASE("a body naming no limit gets its API's field") {
  CHECK(limit_output(ApiFormat::openai_chat, R"({"model":"m"})", 40) == R"({"max_completion_tokens":40,"model":"m"})");
  CHECK(limit_output(ApiFormat::openai_responses, R"({ })", 40) == R"({"max_output_tokens":40 })");
  CHECK(limit_output(ApiFormat::gemini, R"({"contents":[]})", 40) ==
        R"({"generationConfig":{"maxOutputTokens":40},"contents":[]})");
  CHECK(limit_output(ApiFormat::gemini, R"({"generationConfig":{"temperature":0}})", 40) ==
        R"({"generationConfig":{"maxOutputTokens":40,"temperature":0}})");
  CHECK(limit_output(ApiFormat::gemini, R"({"generationConfig":{}})", 40) ==
        R"({"generationConfig":{"maxOutputTokens":40}})");
}
