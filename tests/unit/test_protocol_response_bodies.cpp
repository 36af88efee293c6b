// The observer on whole (non-streaming) bodies of each wire format: usage, model, errors, read in
// place and checked against a parsed document.
#include "core/protocol/response_observer.hpp"
#include "tests/unit/usage_checks.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using llmgw::core::Usage;
using llmgw::test::check_usage;
using namespace llmgw::core::protocol;
using nlohmann::json;

TEST_CASE("non-streaming bodies of each format") {
  ResponseObserver chat(ApiFormat::openai_chat);
  chat.observe_body(
      R"({"id":"c","model":"gpt-4o-2024-08-06","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],
      "usage":{"prompt_tokens":30,"completion_tokens":2,"prompt_tokens_details":{"cached_tokens":0}}})");
  check_usage(chat.usage(), 30, 0, 0, 0, 2, 0);
  CHECK(chat.served_model() == "gpt-4o-2024-08-06");
  CHECK(chat.complete());
  ResponseObserver anthropic(ApiFormat::anthropic);
  anthropic.observe_body(R"({"type":"message","model":"claude-sonnet-4-5-20250929","content":[],
      "usage":{"input_tokens":3,"cache_creation_input_tokens":12304,"cache_read_input_tokens":0,"output_tokens":550}})");
  check_usage(anthropic.usage(), 3, 0, 12304, 0, 550, 0);
  ResponseObserver responses(ApiFormat::openai_responses);
  responses.observe_body(R"({"id":"resp_1","model":"gpt-5.1-codex","status":"completed","error":null,
      "usage":{"input_tokens":50,"output_tokens":5,"total_tokens":55}})");
  CHECK_FALSE(responses.saw_error());
  CHECK(responses.usage().input_uncached_tokens == 50);
  ResponseObserver gemini(ApiFormat::gemini);
  gemini.observe_body(R"({"candidates":[],"usageMetadata":{"promptTokenCount":250000,"candidatesTokenCount":1000,
      "thoughtsTokenCount":2000},"modelVersion":"gemini-2.5-pro"})");
  CHECK(gemini.usage().output_tokens == 3000);
  CHECK(gemini.served_model() == "gemini-2.5-pro");
}

TEST_CASE("error bodies carry their message") {
  ResponseObserver anthropic(ApiFormat::anthropic);
  anthropic.observe_body(
      R"({"type":"error","error":{"type":"invalid_request_error","message":"max_tokens: too large"}})");
  CHECK(anthropic.saw_error());
  CHECK(anthropic.error_message() == "max_tokens: too large");
  CHECK_FALSE(anthropic.complete());
  ResponseObserver gemini(ApiFormat::gemini);
  gemini.observe_body(R"([{"error":{"code":429,"message":"Resource exhausted","status":"RESOURCE_EXHAUSTED"}}])");
  CHECK(gemini.error_message() == "Resource exhausted");
  ResponseObserver html(ApiFormat::openai_chat);
  html.observe_body("<html>502 Bad Gateway</html>");
  CHECK_FALSE(html.usage().reported);
  CHECK_FALSE(html.saw_error());
}

namespace {

bool same_usage(const Usage& a, const Usage& b) {
  return a.input_uncached_tokens == b.input_uncached_tokens && a.cache_read_tokens == b.cache_read_tokens &&
         a.cache_write_5m_tokens == b.cache_write_5m_tokens && a.cache_write_1h_tokens == b.cache_write_1h_tokens &&
         a.output_tokens == b.output_tokens && a.reasoning_tokens == b.reasoning_tokens && a.reported == b.reported;
}

} // namespace

TEST_CASE("usage read in place equals usage read from a parsed document") {
  // Every count shape a provider (or a broken one) sends: details in either spelling, DeepSeek's
  // hit/miss, Anthropic's TTL split, nulls, strings, negatives, fractions, exponents, numbers
  // beyond 64 bits, a repeated member (the last wins), nested noise and odd spacing.
  const char* const usages[] = {
      R"({"prompt_tokens":30,"completion_tokens":2,"prompt_tokens_details":{"cached_tokens":10,"cache_write_tokens":4},
          "completion_tokens_details":{"reasoning_tokens":1}})",
      R"({"input_tokens":50,"output_tokens":5,"input_tokens_details":{"cached_tokens":20},"output_tokens_details":{"reasoning_tokens":3}})",
      R"({"prompt_tokens":100,"prompt_cache_hit_tokens":60,"prompt_cache_miss_tokens":40,"completion_tokens":7})",
      R"({"input_tokens":3,"cache_creation_input_tokens":12304,"cache_read_input_tokens":9,"output_tokens":550,
          "cache_creation":{"ephemeral_5m_input_tokens":304,"ephemeral_1h_input_tokens":12000}})",
      R"({"cache_creation":{"ephemeral_5m_input_tokens":7,"ephemeral_1h_input_tokens":8},"output_tokens_details":{"thinking_tokens":5}})",
      R"({"promptTokenCount":250000,"candidatesTokenCount":1000,"thoughtsTokenCount":2000,"cachedContentTokenCount":300000})",
      R"({"prompt_tokens":null,"input_tokens":12,"completion_tokens":"9","output_tokens":null,"input_tokens":13})",
      R"({"prompt_tokens":-5,"completion_tokens":-0,"input_tokens":2.9,"output_tokens":1e3,"promptTokenCount":-2.5e2})",
      R"({"prompt_tokens":99999999999999999999,"completion_tokens":18446744073709551615,"output_tokens":9223372036854775807})",
      R"({"prompt_tokens":1E+2,"completion_tokens":2.5e-1,"input_tokens":0.0,"candidatesTokenCount":12.75})",
      R"({ "prompt_tokens" : 4 ,
           "prompt_tokens_details" : { "cached_tokens" : 3 , "x" : [ { "cached_tokens" : 99 } ] } ,
           "note" : "\"cached_tokens\": 77" })",
      R"({"prompt_tokens":012,"completion_tokens":1.,"input_tokens":-,"output_tokens":.5,"promptTokenCount":true})",
      R"({"prompt_tokens_details":"none","completion_tokens_details":[1,2],"cache_creation":null})",
      R"({})",
      // More members than the in-place reader keeps at hand (16): found all the same.
      R"({"a1":1,"a2":2,"a3":3,"a4":4,"a5":5,"a6":6,"a7":7,"a8":8,"a9":9,"a10":10,"a11":11,"a12":12,"a13":13,
          "a14":14,"a15":15,"a16":16,"a17":17,"prompt_tokens":40,"completion_tokens":6,"input_tokens":3,"output_tokens":2,
          "prompt_tokens_details":{"cached_tokens":8},"promptTokenCount":9,"prompt_tokens":41})",
  };
  for (const char* text : usages) {
    CAPTURE(text);
    const json parsed = json::parse(text, nullptr, false);
    if (parsed.is_discarded()) {
      // Not valid JSON (the leading-zero line): a document yields nothing; in place, only the
      // well-formed numbers count and the malformed ones are absent.
      const Usage in_place = usage_from_openai(JsonText{text});
      CHECK(in_place.reported);
      CHECK(in_place.input_uncached_tokens == 0);
      CHECK(in_place.output_tokens == 0);
      continue;
    }
    CHECK(same_usage(usage_from_openai(JsonText{text}), usage_from_openai(parsed)));
    CHECK(same_usage(usage_from_anthropic(JsonText{text}), usage_from_anthropic(parsed)));
    CHECK(same_usage(usage_from_gemini(JsonText{text}), usage_from_gemini(parsed)));
  }
  CHECK_FALSE(usage_from_openai(JsonText{"null"}).reported);
  CHECK_FALSE(usage_from_anthropic(JsonText{""}).reported);
  CHECK(usage_from_openai(JsonText{R"({"prompt_tokens":99999999999999999999})"}).input_uncached_tokens ==
        1'000'000'000);
}

TEST_CASE("usage counts beyond any context window are clamped, so sums and costs never overflow") {
  // Two counts near INT64_MAX once overflowed in Gemini's candidates + thoughts and in
  // Usage::prompt_tokens() (undefined behaviour: UBSan stops the test).
  const char* const huge = R"({"promptTokenCount":9000000000000000000,"candidatesTokenCount":9e18,
    "thoughtsTokenCount":9000000000000000000,"cachedContentTokenCount":1,"input_tokens":9000000000000000000,
    "cache_read_input_tokens":18446744073709551615,"cache_creation_input_tokens":9e300,"output_tokens":-9e18})";
  for (const Usage& usage : {usage_from_gemini(json::parse(huge)), usage_from_gemini(JsonText{huge}),
                             usage_from_anthropic(json::parse(huge)), usage_from_anthropic(JsonText{huge}),
                             usage_from_openai(json::parse(huge)), usage_from_openai(JsonText{huge})}) {
    CHECK(usage.total_tokens() <= 6'000'000'000);
    CHECK(usage.output_tokens >= 0);
  }
  CHECK(usage_from_gemini(json::parse(huge)).output_tokens == 2'000'000'000);
}

TEST_CASE("non-streaming bodies: Groq's x_groq usage, escaped model names, repeated members, odd shapes") {
  ResponseObserver groq(ApiFormat::openai_chat);
  groq.observe_body(
      R"({"model":"llama-3.3-70b","choices":[],"x_groq":{"id":"req_1","usage":{"prompt_tokens":11,"completion_tokens":4}}})");
  check_usage(groq.usage(), 11, 0, 0, 0, 4, 0);
  CHECK(groq.served_model() == "llama-3.3-70b");
  ResponseObserver escaped(ApiFormat::anthropic);
  escaped.observe_body(R"({"model":"claude-\u0073onnet \"x\"","usage":{"input_tokens":1,"output_tokens":2}})");
  CHECK(escaped.served_model() == "claude-sonnet \"x\"");
  ResponseObserver repeated(ApiFormat::openai_chat);
  repeated.observe_body(R"({"usage":{"prompt_tokens":1},"model":"a","usage":{"prompt_tokens":2},"model":"b"})");
  CHECK(repeated.usage().input_uncached_tokens == 2);
  CHECK(repeated.served_model() == "b");
  ResponseObserver text_mentions(ApiFormat::openai_chat);
  text_mentions.observe_body(R"({"choices":[{"message":{"content":"\"usage\":{\"prompt_tokens\":5}"}}],"model":""})");
  CHECK_FALSE(text_mentions.usage().reported);
  CHECK(text_mentions.served_model().empty());
  CHECK(text_mentions.complete());
  ResponseObserver not_object(ApiFormat::openai_chat);
  not_object.observe_body(R"({"usage":{"prompt_tokens":5}} trailing)");
  CHECK_FALSE(not_object.usage().reported);
  CHECK_FALSE(not_object.complete());
  ResponseObserver empty_array(ApiFormat::gemini);
  empty_array.observe_body("[]");
  CHECK_FALSE(empty_array.complete());
  ResponseObserver null_error(ApiFormat::openai_responses);
  null_error.observe_body(R"({"error":null,"usage":"n/a"})");
  CHECK_FALSE(null_error.saw_error());
  CHECK_FALSE(null_error.usage().reported);
}
