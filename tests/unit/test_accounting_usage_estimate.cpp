// Usage when the provider's count is missing or partial: what the observer of each format counts
// of a stream cut before its final usage, and what complete_usage makes of it.
#include "core/accounting/usage_estimate.hpp"
#include "core/protocol/response_observer.hpp"

#include <doctest/doctest.h>

#include <string>
#include <string_view>

using namespace llmgw::core;
using protocol::ApiFormat;
using protocol::ResponseObserver;

namespace {

void feed(ResponseObserver& observer, std::string_view name, std::string_view data) {
  http::SseEvent event;
  event.event = name;
  event.data = data;
  event.has_data = true;
  observer.observe_event(event);
}

UsageReading reading_of(const ResponseObserver& observer, int64_t input_estimate_tokens) {
  return complete_usage(
      {observer.usage(), observer.usage_final(), input_estimate_tokens, observer.streamed_text_bytes()});
}

} // namespace

TEST_CASE("complete_usage keeps final usage as reported") {
  Usage final_usage;
  final_usage.input_uncached_tokens = 100;
  final_usage.output_tokens = 7;
  final_usage.reported = true;
  const auto reading = complete_usage({final_usage, true, 5000, 4000});
  CHECK(reading.source == UsageSource::reported);
  CHECK(reading.usage.input_uncached_tokens == 100);
  CHECK(reading.usage.output_tokens == 7);
}

TEST_CASE("complete_usage estimates input from the request and output from the bytes received") {
  const auto reading = complete_usage({Usage{}, false, 250, 41});
  CHECK(reading.source == UsageSource::estimated);
  CHECK(reading.usage.input_uncached_tokens == 250);
  CHECK(reading.usage.output_tokens == 11); // 41 bytes / 4, rounded up
  CHECK(estimate_tokens(0) == 0);
  CHECK(estimate_tokens(1) == 1);
  CHECK(estimate_tokens(8) == 2);
}

TEST_CASE("complete_usage keeps reported input and the larger of reported and estimated output") {
  Usage partial;
  partial.input_uncached_tokens = 12;
  partial.cache_read_tokens = 3000;
  partial.output_tokens = 1;
  partial.reported = true;
  auto reading = complete_usage({partial, false, 9999, 400});
  CHECK(reading.source == UsageSource::estimated);
  CHECK(reading.usage.input_uncached_tokens == 12);
  CHECK(reading.usage.cache_read_tokens == 3000);
  CHECK(reading.usage.output_tokens == 100);
  partial.output_tokens = 500;
  CHECK(complete_usage({partial, false, 9999, 400}).usage.output_tokens == 500);
}

TEST_CASE("Chat stream cut before its usage chunk: text and tool arguments estimate the output") {
  ResponseObserver observer(ApiFormat::openai_chat);
  feed(
      observer, "",
      R"({"id":"c","model":"gpt-4o-mini","choices":[{"index":0,"delta":{"role":"assistant","content":""}}],"usage":null})");
  feed(observer, "",
       R"({"id":"c","model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"Hello, world"}}],"usage":null})");
  feed(
      observer, "",
      R"({"id":"c","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"city\":"}}]}}]})");
  CHECK(observer.streamed_text_bytes() == 12 + 10); // escapes counted as written
  CHECK_FALSE(observer.usage_final());
  const auto reading = reading_of(observer, 30);
  CHECK(reading.source == UsageSource::estimated);
  CHECK(reading.usage.input_uncached_tokens == 30);
  CHECK(reading.usage.output_tokens == 6);
}

TEST_CASE("Chat stream that ends with [DONE] but never sent usage is estimated, not reported") {
  ResponseObserver observer(ApiFormat::openai_chat);
  feed(observer, "", R"({"choices":[{"index":0,"delta":{"content":"12345678"},"finish_reason":"stop"}]})");
  feed(observer, "", "[DONE]");
  CHECK(observer.complete());
  CHECK_FALSE(observer.usage_final());
  CHECK(reading_of(observer, 10).source == UsageSource::estimated);
  CHECK(reading_of(observer, 10).usage.output_tokens == 2);
}

TEST_CASE("Responses stream cut before response.completed") {
  ResponseObserver observer(ApiFormat::openai_responses);
  feed(observer, "response.created",
       R"({"type":"response.created","response":{"id":"r","model":"gpt-5-mini","status":"in_progress","usage":null}})");
  feed(observer, "response.reasoning_summary_text.delta",
       R"({"type":"response.reasoning_summary_text.delta","delta":"Thinking"})");
  feed(observer, "response.output_text.delta", R"({"type":"response.output_text.delta","delta":"Hi there"})");
  feed(observer, "response.function_call_arguments.delta",
       R"({"type":"response.function_call_arguments.delta","delta":"{}"})");
  CHECK(observer.streamed_text_bytes() == 8 + 8 + 2);
  const auto reading = reading_of(observer, 70);
  CHECK(reading.source == UsageSource::estimated);
  CHECK(reading.usage.input_uncached_tokens == 70);
  CHECK(reading.usage.output_tokens == 5);
}

TEST_CASE("Anthropic stream cut after message_start: output_tokens 1 becomes the estimate, input stays reported") {
  ResponseObserver observer(ApiFormat::anthropic);
  feed(observer, "message_start", R"({"type":"message_start","message":{"model":"claude-sonnet-4-5","usage":{
      "input_tokens":40,"cache_read_input_tokens":1000,"cache_creation_input_tokens":0,"output_tokens":1}}})");
  feed(observer, "content_block_delta",
       R"({"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Let me see."}})");
  feed(observer, "content_block_delta",
       R"({"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"The answer is forty-two."}})");
  feed(observer, "content_block_delta",
       R"({"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\"a\":1}"}})");
  CHECK(observer.streamed_text_bytes() == 11 + 24 + 9); // escapes counted as written
  CHECK(observer.usage().reported);
  CHECK_FALSE(observer.usage_final());
  const auto reading = reading_of(observer, 9999);
  CHECK(reading.source == UsageSource::estimated);
  CHECK(reading.usage.input_uncached_tokens == 40);
  CHECK(reading.usage.cache_read_tokens == 1000);
  CHECK(reading.usage.output_tokens == 11); // 44 bytes
}

TEST_CASE("Anthropic stream cut after message_delta but before message_stop keeps the final usage") {
  ResponseObserver observer(ApiFormat::anthropic);
  feed(observer, "message_start",
       R"({"type":"message_start","message":{"usage":{"input_tokens":40,"output_tokens":1}}})");
  feed(observer, "content_block_delta",
       R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"hi"}})");
  feed(observer, "message_delta",
       R"({"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":30}})");
  CHECK_FALSE(observer.complete());
  CHECK(observer.usage_final());
  const auto reading = reading_of(observer, 9999);
  CHECK(reading.source == UsageSource::reported);
  CHECK(reading.usage.output_tokens == 30);
}

TEST_CASE("Gemini stream cut before its finishReason: parts' text and call args estimate the output") {
  ResponseObserver observer(ApiFormat::gemini);
  feed(observer, "", R"({"candidates":[{"content":{"role":"model","parts":[{"text":"Thought","thought":true},
      {"text":"Sunny"}]}}],"usageMetadata":{"promptTokenCount":80,"candidatesTokenCount":1},"modelVersion":"gemini-2.5-flash"})");
  feed(observer, "",
       R"({"candidates":[{"content":{"role":"model","parts":[{"functionCall":{"name":"f","args":{"q":"x"}}}]}}]})");
  CHECK(observer.streamed_text_bytes() == 7 + 5 + 9);
  CHECK_FALSE(observer.usage_final());
  const auto reading = reading_of(observer, 9999);
  CHECK(reading.source == UsageSource::estimated);
  CHECK(reading.usage.input_uncached_tokens == 80);
  CHECK(reading.usage.output_tokens == 6);
}

TEST_CASE("a whole answer without usage: its text estimates the output; with usage, nothing is counted") {
  ResponseObserver chat(ApiFormat::openai_chat);
  chat.observe_body(R"({"id":"c","model":"m","choices":[{"index":0,"message":{"role":"assistant",
      "content":"four bytes x3","tool_calls":[{"function":{"name":"f","arguments":"{\"k\":2}"}}]}}]})");
  CHECK(chat.streamed_text_bytes() == 13 + 9);
  CHECK_FALSE(chat.usage_final());
  CHECK(reading_of(chat, 20).usage.output_tokens == 6);
  ResponseObserver anthropic(ApiFormat::anthropic);
  anthropic.observe_body(R"({"type":"message","content":[{"type":"text","text":"abcd"},
      {"type":"tool_use","id":"t","name":"f","input":{"a":"b"}}]})");
  CHECK(anthropic.streamed_text_bytes() == 4 + 9);
  ResponseObserver gemini(ApiFormat::gemini);
  gemini.observe_body(R"({"candidates":[{"content":{"parts":[{"text":"abcdefgh"}]},"finishReason":"STOP"}]})");
  CHECK(gemini.streamed_text_bytes() == 8);
  ResponseObserver reported(ApiFormat::openai_chat);
  reported.observe_body(
      R"({"choices":[{"message":{"content":"abcd"}}],"usage":{"prompt_tokens":3,"completion_tokens":1}})");
  CHECK(reported.streamed_text_bytes() == 0);
  CHECK(reported.usage_final());
}
