// Usage normalisation and the stream observer of each wire format (whole bodies:
// test_protocol_response_bodies.cpp).
#include "core/http/sse_parser.hpp"
#include "core/protocol/response_observer.hpp"
#include "tests/unit/usage_checks.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>
#include <string>

using llmgw::core::Usage;
using llmgw::core::http::SseEvent;
using llmgw::core::http::SseParser;
using llmgw::test::check_usage;
using namespace llmgw::core::protocol;
using nlohmann::json;

namespace {

std::string read_fixture(const std::string& name) {
  std::ifstream in(std::string(LLMGW_TEST_FIXTURES) + "/streams/" + name, std::ios::binary);
  REQUIRE(in.good());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

struct Run {
  int usage_only_chunks = 0;
  int terminal_events = 0;
  int error_events = 0;
};

Run observe_stream(ResponseObserver& observer, const std::string& bytes) {
  Run run;
  SseParser parser;
  auto on_block = [&](const SseEvent& event) {
    EventInfo info = observer.observe_event(event);
    run.usage_only_chunks += info.usage_only_chunk;
    run.terminal_events += info.terminal;
    run.error_events += info.error;
  };
  parser.feed(bytes, on_block);
  parser.finish(on_block);
  return run;
}

EventInfo feed_one(ResponseObserver& observer, std::string_view name, std::string_view data) {
  SseEvent event;
  event.event = name;
  event.data = data;
  event.has_data = true;
  return observer.observe_event(event);
}

} // namespace

TEST_CASE("api formats have stable names") {
  CHECK(to_string(ApiFormat::openai_chat) == "openai_chat");
  CHECK(to_string(ApiFormat::openai_responses) == "openai_responses");
  CHECK(to_string(ApiFormat::anthropic) == "anthropic");
  CHECK(to_string(ApiFormat::gemini) == "gemini");
}

TEST_CASE("OpenAI usage: input includes cached and cache-write tokens, details optional") {
  check_usage(usage_from_openai(json::parse(R"({"prompt_tokens":10000,"completion_tokens":500,
      "prompt_tokens_details":{"cached_tokens":8000,"cache_write_tokens":1500},
      "completion_tokens_details":{"reasoning_tokens":320}})")),
              500, 8000, 1500, 0, 500, 320);
  check_usage(usage_from_openai(json::parse(R"({"prompt_tokens":12,"completion_tokens":2,"total_tokens":14})")), 12, 0,
              0, 0, 2, 0);
  check_usage(usage_from_openai(json::parse(R"({"input_tokens":5120,"input_tokens_details":{"cached_tokens":4096},
      "output_tokens":900,"output_tokens_details":{"reasoning_tokens":640},"total_tokens":6020})")),
              1024, 4096, 0, 0, 900, 640);
  check_usage(usage_from_openai(json::parse(R"({"prompt_tokens":7,"completion_tokens":1,
      "prompt_tokens_details":null,"completion_tokens_details":{"reasoning_tokens":null}})")),
              7, 0, 0, 0, 1, 0);
  CHECK_FALSE(usage_from_openai(json()).reported);
}

TEST_CASE("DeepSeek usage: cache hit and miss counts") {
  check_usage(usage_from_openai(json::parse(R"({"prompt_tokens":1000,"completion_tokens":50,
      "prompt_cache_hit_tokens":960,"prompt_cache_miss_tokens":40,"prompt_tokens_details":{"cached_tokens":960}})")),
              40, 960, 0, 0, 50, 0);
}

TEST_CASE("Anthropic usage: parts are disjoint and the TTL split is honoured") {
  check_usage(usage_from_anthropic(json::parse(R"({"input_tokens":3,"cache_creation_input_tokens":12304,
      "cache_read_input_tokens":0,"output_tokens":550})")),
              3, 0, 12304, 0, 550, 0);
  check_usage(usage_from_anthropic(json::parse(R"({"input_tokens":10,"cache_creation_input_tokens":3000,
      "cache_creation":{"ephemeral_5m_input_tokens":1000,"ephemeral_1h_input_tokens":2000},
      "cache_read_input_tokens":500,"output_tokens":40,"output_tokens_details":{"thinking_tokens":25}})")),
              10, 500, 1000, 2000, 40, 25);
  check_usage(usage_from_anthropic(json::parse(R"({"input_tokens":10,"cache_creation_input_tokens":300,
      "cache_creation":null,"cache_read_input_tokens":null,"output_tokens":4})")),
              10, 0, 300, 0, 4, 0);
}

TEST_CASE("Anthropic stream: the TTL split of message_start survives a message_delta with only the total") {
  const std::string start = R"({"type":"message_start","message":{"model":"claude-opus-4-6","usage":{
      "input_tokens":10,"cache_creation_input_tokens":3000,"cache_read_input_tokens":0,"output_tokens":1,
      "cache_creation":{"ephemeral_5m_input_tokens":0,"ephemeral_1h_input_tokens":3000}}}})";
  SUBCASE("the same total keeps the split exactly") {
    ResponseObserver observer(ApiFormat::anthropic);
    feed_one(observer, "message_start", start);
    feed_one(observer, "message_delta", R"({"type":"message_delta","delta":{"stop_reason":"end_turn"},
        "usage":{"input_tokens":10,"cache_creation_input_tokens":3000,"cache_read_input_tokens":0,"output_tokens":40}})");
    check_usage(observer.usage(), 10, 0, 0, 3000, 40, 0);
  }
  SUBCASE("a different total is split in the proportion seen") {
    ResponseObserver observer(ApiFormat::anthropic);
    feed_one(observer, "message_start", R"({"type":"message_start","message":{"usage":{"input_tokens":10,
        "cache_creation_input_tokens":4000,"output_tokens":1,
        "cache_creation":{"ephemeral_5m_input_tokens":1000,"ephemeral_1h_input_tokens":3000}}}})");
    feed_one(observer, "message_delta",
             R"({"type":"message_delta","delta":{},"usage":{"cache_creation_input_tokens":4002,"output_tokens":7}})");
    check_usage(observer.usage(), 10, 0, 1000, 3002, 7, 0); // 4002 * 3/4 = 3001.5, rounded up
    // A second delta with the same total changes nothing.
    feed_one(observer, "message_delta",
             R"({"type":"message_delta","delta":{},"usage":{"cache_creation_input_tokens":4002,"output_tokens":9}})");
    check_usage(observer.usage(), 10, 0, 1000, 3002, 9, 0);
  }
  SUBCASE("a split in the delta itself wins") {
    ResponseObserver observer(ApiFormat::anthropic);
    feed_one(observer, "message_start", start);
    feed_one(observer, "message_delta", R"({"type":"message_delta","delta":{},"usage":{
        "cache_creation_input_tokens":3000,"cache_creation":{"ephemeral_5m_input_tokens":3000,
        "ephemeral_1h_input_tokens":0},"output_tokens":2}})");
    check_usage(observer.usage(), 10, 0, 3000, 0, 2, 0);
  }
  SUBCASE("with no split seen every write is a 5-minute write") {
    ResponseObserver observer(ApiFormat::anthropic);
    feed_one(observer, "message_start", R"({"type":"message_start","message":{"usage":{"input_tokens":10,
        "cache_creation_input_tokens":500,"output_tokens":1}}})");
    feed_one(observer, "message_delta",
             R"({"type":"message_delta","delta":{},"usage":{"cache_creation_input_tokens":600,"output_tokens":3}})");
    check_usage(observer.usage(), 10, 0, 600, 0, 3, 0);
  }
}

TEST_CASE("Gemini usage: toolUsePromptTokenCount is input outside promptTokenCount") {
  const char* metadata = R"({"promptTokenCount":1200,"cachedContentTokenCount":200,"candidatesTokenCount":30,
      "toolUsePromptTokenCount":450,"thoughtsTokenCount":20,"totalTokenCount":1700})";
  check_usage(usage_from_gemini(json::parse(metadata)), 1450, 200, 0, 0, 50, 20);
  check_usage(usage_from_gemini(JsonText{metadata}), 1450, 200, 0, 0, 50, 20);
  CHECK(usage_from_gemini(json::parse(metadata)).total_tokens() == 1700);
  ResponseObserver stream(ApiFormat::gemini);
  feed_one(stream, "",
           std::string(R"({"candidates":[{"content":{"parts":[{"text":"ok"}]},"finishReason":"STOP"}],)") +
               R"("usageMetadata":)" + metadata + "}");
  check_usage(stream.usage(), 1450, 200, 0, 0, 50, 20);
}

TEST_CASE("Gemini usage: cached part subtracted, thoughts billed as output") {
  check_usage(usage_from_gemini(json::parse(R"({"promptTokenCount":1500,"cachedContentTokenCount":1024,
      "candidatesTokenCount":25,"thoughtsTokenCount":310,"totalTokenCount":1835})")),
              476, 1024, 0, 0, 335, 310);
  check_usage(usage_from_gemini(json::parse(R"({"promptTokenCount":250000,"candidatesTokenCount":1000,
      "thoughtsTokenCount":2000})")),
              250000, 0, 0, 0, 3000, 2000);
}

TEST_CASE("Chat stream: usage from the usage-only chunk, complete on [DONE]") {
  ResponseObserver observer(ApiFormat::openai_chat);
  Run run = observe_stream(observer, read_fixture("openai_chat_text_usage.sse"));
  check_usage(observer.usage(), 2000, 8000, 0, 0, 500, 0);
  CHECK(observer.served_model() == "gpt-4.1-2025-04-14");
  CHECK(run.usage_only_chunks == 1);
  CHECK(run.terminal_events == 1);
  CHECK(observer.complete());
  CHECK_FALSE(observer.saw_error());
}

TEST_CASE("Chat stream with tool calls") {
  ResponseObserver observer(ApiFormat::openai_chat);
  Run run = observe_stream(observer, read_fixture("openai_chat_tools.sse"));
  check_usage(observer.usage(), 1024, 4096, 0, 0, 700, 640);
  CHECK(observer.served_model() == "gpt-5.1");
  CHECK(run.usage_only_chunks == 1);
  CHECK(observer.complete());
}

TEST_CASE("Chat stream: completion needs [DONE] or finish_reason plus usage") {
  ResponseObserver observer(ApiFormat::openai_chat);
  feed_one(observer, "",
           R"({"model":"m","choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":null}],"usage":null})");
  feed_one(observer, "", R"({"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":null})");
  CHECK_FALSE(observer.complete());
  CHECK_FALSE(observer.usage().reported);
  EventInfo info =
      feed_one(observer, "", R"({"model":"m","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":1}})");
  CHECK(info.usage_only_chunk);
  CHECK_FALSE(info.terminal);
  CHECK(observer.complete());
  // Read in place: spaced out, a usage object nested in text or a choice does not count.
  ResponseObserver spaced(ApiFormat::openai_chat);
  info = feed_one(spaced, "", R"({ "model" : "m" , "choices" : [ ] , "usage" : { "prompt_tokens" : 4 } })");
  CHECK(info.usage_only_chunk);
  CHECK(spaced.usage().prompt_tokens() == 4);
  info = feed_one(spaced, "", R"({"choices":[{"usage":{"prompt_tokens":9}}],"usage":{"prompt_tokens":5}})");
  CHECK_FALSE(info.usage_only_chunk);
  CHECK(spaced.usage().prompt_tokens() == 5);
}

TEST_CASE("Chat stream: the last non-null usage wins and usage beside choices is not usage-only") {
  ResponseObserver observer(ApiFormat::openai_chat);
  auto first = feed_one(
      observer, "",
      R"({"choices":[{"index":0,"delta":{"content":"a"}}],"usage":{"prompt_tokens":10,"completion_tokens":1}})");
  CHECK_FALSE(first.usage_only_chunk);
  feed_one(observer, "", R"({"choices":[{"index":0,"delta":{"content":"b"}}],"usage":null})");
  feed_one(
      observer, "",
      R"({"choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":10,"completion_tokens":7}})");
  CHECK(observer.usage().output_tokens == 7);
  CHECK(observer.complete());
}

TEST_CASE("Chat stream: Groq usage under x_groq and text that merely mentions usage") {
  ResponseObserver observer(ApiFormat::openai_chat);
  feed_one(observer, "", R"({"choices":[{"index":0,"delta":{"content":"say \"usage\": {\"error\": 1}"}}]})");
  CHECK_FALSE(observer.usage().reported);
  CHECK_FALSE(observer.saw_error());
  feed_one(observer, "", R"({"choices":[{"index":0,"delta":{},"finish_reason":"stop"}],
      "x_groq":{"id":"req_1","usage":{"prompt_tokens":20,"completion_tokens":5,"total_tokens":25}}})");
  check_usage(observer.usage(), 20, 0, 0, 0, 5, 0);
}

TEST_CASE("Chat stream: an error payload is an in-band error") {
  ResponseObserver observer(ApiFormat::openai_chat);
  EventInfo info = feed_one(observer, "", R"({"error":{"message":"Rate limit reached","type":"rate_limit_error"}})");
  CHECK(info.error);
  CHECK(observer.saw_error());
  CHECK(observer.error_message() == "Rate limit reached");
}

TEST_CASE("Anthropic stream: message_start plus cumulative message_delta") {
  ResponseObserver observer(ApiFormat::anthropic);
  Run run = observe_stream(observer, read_fixture("anthropic_thinking_tool.sse"));
  check_usage(observer.usage(), 12, 30500, 2048, 0, 180, 95);
  CHECK(observer.served_model() == "claude-sonnet-4-5-20250929");
  CHECK(run.terminal_events == 1);
  CHECK(observer.complete());
}

TEST_CASE("Anthropic stream in CJK and emoji") {
  ResponseObserver observer(ApiFormat::anthropic);
  observe_stream(observer, read_fixture("anthropic_cjk_emoji.sse"));
  check_usage(observer.usage(), 420, 0, 0, 0, 31, 0);
  CHECK(observer.served_model() == "claude-haiku-4-5-20251001");
  CHECK(observer.complete());
}

TEST_CASE("Anthropic message_delta usage overwrites, never adds") {
  ResponseObserver observer(ApiFormat::anthropic);
  feed_one(observer, "message_start", R"({"type":"message_start","message":{"model":"claude-opus-4-6",
      "usage":{"input_tokens":100,"cache_creation_input_tokens":50,"cache_read_input_tokens":900,"output_tokens":1}}})");
  feed_one(observer, "message_delta", R"({"type":"message_delta","delta":{"stop_reason":null},
      "usage":{"input_tokens":150,"cache_read_input_tokens":null,"cache_creation_input_tokens":null,"output_tokens":50}})");
  check_usage(observer.usage(), 150, 900, 50, 0, 50, 0);
  feed_one(observer, "message_delta",
           R"({"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":80}})");
  check_usage(observer.usage(), 150, 900, 50, 0, 80, 0);
  CHECK_FALSE(observer.complete());
  EventInfo stop = feed_one(observer, "message_stop", R"({"type":"message_stop"})");
  CHECK(stop.terminal);
  CHECK(observer.complete());
}

TEST_CASE("Anthropic error event and events without an event line") {
  ResponseObserver observer(ApiFormat::anthropic);
  EventInfo info =
      feed_one(observer, "error", R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})");
  CHECK(info.error);
  CHECK(observer.error_message() == "Overloaded");
  ResponseObserver bare(ApiFormat::anthropic);
  CHECK(feed_one(bare, "", R"({"type":"message_stop"})").terminal);
}

TEST_CASE("Responses stream: usage and model from response.completed") {
  ResponseObserver observer(ApiFormat::openai_responses);
  Run run = observe_stream(observer, read_fixture("responses_text.sse"));
  check_usage(observer.usage(), 1024, 4096, 0, 0, 900, 640);
  CHECK(observer.served_model() == "gpt-5.1-codex");
  CHECK(run.terminal_events == 1);
  CHECK(observer.complete());
}

TEST_CASE("Responses stream: failed and incomplete responses are billed") {
  ResponseObserver failed(ApiFormat::openai_responses);
  EventInfo info = feed_one(failed, "response.failed", R"({"type":"response.failed","response":{"model":"gpt-5",
      "status":"failed","error":{"code":"server_error","message":"boom"},"usage":{"input_tokens":40,"output_tokens":2,"total_tokens":42}}})");
  CHECK(info.terminal);
  CHECK(info.error);
  CHECK(failed.error_message() == "boom");
  check_usage(failed.usage(), 40, 0, 0, 0, 2, 0);
  ResponseObserver incomplete(ApiFormat::openai_responses);
  CHECK(
      feed_one(
          incomplete, "response.incomplete",
          R"({"type":"response.incomplete","response":{"usage":{"input_tokens":9,"output_tokens":3,"total_tokens":12}}})")
          .terminal);
  CHECK(incomplete.usage().output_tokens == 3);
  CHECK_FALSE(incomplete.saw_error());
  ResponseObserver errored(ApiFormat::openai_responses);
  CHECK(feed_one(errored, "error",
                 R"({"type":"error","code":"rate_limit_exceeded","message":"slow down","sequence_number":3})")
            .error);
  CHECK(errored.error_message() == "slow down");
  CHECK_FALSE(errored.complete());
}

TEST_CASE("Gemini stream with CRLF: last usageMetadata, thoughts as output, finishReason completes") {
  ResponseObserver observer(ApiFormat::gemini);
  observe_stream(observer, read_fixture("gemini_crlf.sse"));
  check_usage(observer.usage(), 476, 1024, 0, 0, 335, 310);
  CHECK(observer.served_model() == "gemini-2.5-flash");
  CHECK(observer.complete());
  ResponseObserver cut(ApiFormat::gemini);
  feed_one(cut, "", R"({"candidates":[{"content":{"parts":[{"text":"a"}]}}],"usageMetadata":{"promptTokenCount":5}})");
  CHECK(cut.usage().input_uncached_tokens == 5);
  CHECK_FALSE(cut.complete());
}
