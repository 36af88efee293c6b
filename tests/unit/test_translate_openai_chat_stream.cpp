// OpenAI Chat Completions codec: upstream streams decoded, client streams encoded.
#include "core/translate/openai_chat/codec.hpp"
#include "core/translate/reasoning_state.hpp"
#include "tests/unit/translate_test_support.hpp"

#include <cstdint>

namespace chat = llmgw::core::translate::openai_chat;
using namespace llmgw::core::translate;
using llmgw::test::check_golden;
using llmgw::test::decode_stream;
using llmgw::test::events_json;
using llmgw::test::read_translate_fixture;
using llmgw::test::sse_json;
using nlohmann::json;

namespace {

using Type = StreamEvent::Type;

// Ids the decoder makes up ("call_" + 24 random characters) are replaced by "call_<random>".
json decode_all(std::string_view bytes, size_t split) {
  auto decoder = chat::make_stream_decoder();
  json events = events_json(decode_stream(*decoder, bytes, split));
  for (auto& event : events) {
    if (!event.contains("part")) continue;
    std::string id = event["part"].value("id", "");
    if (id.rfind("call_", 0) == 0 && id.size() == 29) event["part"]["id"] = "call_<random>";
  }
  return events;
}

// Every split point of the stream gives the events of one read; returns those.
json decode_at_every_split(const std::string& bytes) {
  json whole = decode_all(bytes, bytes.size());
  for (size_t split = 0; split < bytes.size(); ++split) {
    json parts = decode_all(bytes, split);
    if (parts != whole) {
      FAIL("split at " << split << " differs: " << parts.dump());
      break;
    }
  }
  return whole;
}

size_t count_type(const json& events, const char* type) {
  size_t n = 0;
  for (const auto& event : events) n += event["type"] == type ? 1 : 0;
  return n;
}

StreamEvent event_of(Type type, int block = 0) {
  StreamEvent event;
  event.type = type;
  event.block = block;
  return event;
}

StreamEvent block_start(int block, Part::Kind kind, std::string id = "", std::string name = "", bool custom = false) {
  StreamEvent event = event_of(Type::block_start, block);
  event.part.kind = kind;
  event.part.id = std::move(id);
  event.part.name = std::move(name);
  event.part.custom = custom;
  return event;
}

StreamEvent delta(int block, std::string text) {
  StreamEvent event = event_of(Type::block_delta, block);
  event.delta = std::move(text);
  return event;
}

StreamEvent start_event() {
  StreamEvent event = event_of(Type::start);
  event.id = "msg_01AbC";
  event.model = "claude-sonnet-4-5-20250929";
  return event;
}

StreamEvent finish_event(StopReason stop) {
  StreamEvent event = event_of(Type::finish);
  event.stop = stop;
  event.usage.input_uncached_tokens = 20;
  event.usage.cache_read_tokens = 4000;
  event.usage.cache_write_5m_tokens = 100;
  event.usage.output_tokens = 75;
  event.usage.reported = true;
  return event;
}

std::string encode(const std::vector<StreamEvent>& events, bool include_usage) {
  ResponseOptions options;
  options.model = "gpt-4.1";
  options.include_usage = include_usage;
  auto encoder = chat::make_stream_encoder(options);
  std::string out;
  for (const auto& event : events) encoder->on(event, out);
  return out;
}

// `created` is the clock: checked once per record, then fixed so goldens stay stable.
json stable(json records) {
  for (auto& record : records) {
    if (!record["data"].is_object() || !record["data"].contains("created")) continue;
    CHECK(record["data"]["created"].get<int64_t>() > 1700000000);
    record["data"]["created"] = 0;
  }
  return records;
}

// What the Sequencer does between decoder and encoder: one block at a time, in order of start.
std::vector<StreamEvent> serialise(const std::vector<StreamEvent>& events) {
  std::vector<StreamEvent> out;
  std::vector<int> order;
  for (const auto& event : events)
    if (event.type == Type::block_start) order.push_back(event.block);
  out.push_back(events.front());
  for (int block : order)
    for (const auto& event : events)
      if (event.type != Type::start && event.type != Type::finish && event.type != Type::error && event.block == block)
        out.push_back(event);
  out.push_back(events.back());
  return out;
}

// Text, then two tool calls (the first call's block is 1, its tool index must be 0).
std::vector<StreamEvent> text_then_two_calls() {
  return {start_event(),
          block_start(0, Part::Kind::text),
          delta(0, "Let me "),
          delta(0, "read them."),
          event_of(Type::block_stop, 0),
          block_start(1, Part::Kind::tool_call, "toolu_01", "Read"),
          delta(1, "{\"file_path\":"),
          delta(1, "\"a.cpp\"}"),
          event_of(Type::block_stop, 1),
          block_start(2, Part::Kind::tool_call, "toolu_02", "Read"),
          delta(2, "{\"file_path\":\"b.cpp\"}"),
          event_of(Type::block_stop, 2),
          finish_event(StopReason::tool_use)};
}

} // namespace

TEST_CASE("openai_chat stream decoder gives the same events at every split point") {
  for (const char* name : {"../streams/openai_chat_text_usage.sse", "../streams/openai_chat_tools.sse",
                           "openai_chat/stream_deepseek_reasoning.sse", "openai_chat/stream_interleaved_tools.sse",
                           "openai_chat/stream_gemini_no_index.sse", "openai_chat/stream_ollama_no_done.sse",
                           "openai_chat/stream_openrouter_error.sse"}) {
    INFO("fixture " << name);
    std::string file = std::string(name);
    std::string golden = "openai_chat/events_" + file.substr(file.rfind('/') + 1);
    golden.replace(golden.size() - 4, 4, ".json");
    json events = decode_at_every_split(read_translate_fixture(file));
    check_golden(events, golden);
    CHECK(events[0]["type"] == "start");
    CHECK(count_type(events, "finish") + count_type(events, "error") == 1);
  }
}

TEST_CASE("openai_chat stream decoder reads text and usage that arrives after finish_reason") {
  json events = decode_all(read_translate_fixture("../streams/openai_chat_text_usage.sse"), SIZE_MAX);
  const json& finish = events.back();
  CHECK(finish["type"] == "finish");
  CHECK(finish["stop"] == "end_turn");
  CHECK(finish["usage"]["input_uncached"] == 2000);
  CHECK(finish["usage"]["cache_read"] == 8000);
  CHECK(count_type(events, "block_start") == 1);
}

TEST_CASE("openai_chat stream decoder gives interleaved tool calls their own blocks") {
  json events = decode_all(read_translate_fixture("openai_chat/stream_interleaved_tools.sse"), SIZE_MAX);
  // start, text block 0 (start, delta, stop when the calls begin), call blocks 1 and 2.
  CHECK(events[4] ==
        json{{"type", "block_start"},
             {"block", 1},
             {"part", {{"kind", "tool_call"}, {"id", "call_r1"}, {"name", "read_file"}, {"arguments", "{}"}}}});
  CHECK(events[5]["block"] == 2);
  CHECK(events[6] == json{{"type", "block_delta"}, {"block", 1}, {"delta", "{\"path\":"}});
  CHECK(events[7] == json{{"type", "block_delta"}, {"block", 2}, {"delta", "{\"path\":\"b.cpp\"}"}});
  CHECK(events[8] == json{{"type", "block_delta"}, {"block", 1}, {"delta", "\"a.cpp\"}"}});
  CHECK(events.back()["stop"] == "tool_use");
}

TEST_CASE("openai_chat stream decoder infers calls without index and reports tool_use over stop") {
  json events = decode_all(read_translate_fixture("openai_chat/stream_gemini_no_index.sse"), SIZE_MAX);
  CHECK(count_type(events, "block_start") == 4); // text + three calls
  CHECK(events.back()["stop"] == "tool_use");
  CHECK(recall_tool_signature("function-call-11") == "CiQB0e2Kb8sig");
}

TEST_CASE("openai_chat stream decoder reads DeepSeek reasoning and cache hit usage") {
  json events = decode_all(read_translate_fixture("openai_chat/stream_deepseek_reasoning.sse"), SIZE_MAX);
  CHECK(events[1]["part"]["kind"] == "thinking");
  CHECK(events[1]["block"] == 0);
  CHECK(events.back()["usage"]["input_uncached"] == 176);
  CHECK(events.back()["usage"]["cache_read"] == 1024);
  CHECK(events.back()["usage"]["reasoning"] == 250);
}

TEST_CASE("openai_chat stream decoder handles compat quirks: Azure filter chunk, every call at index 0, no id, custom "
          "calls") {
  std::string bytes =
      R"(data: {"choices":[],"created":0,"id":"","model":"","object":"","prompt_filter_results":[{"prompt_index":0}]})"
      "\n\n"
      R"(data: {"id":"chatcmpl-Az1","model":"gpt-4o","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_x","type":"function","function":{"name":"a","arguments":"{}"}}]}}]})"
      "\n\n"
      R"(data: {"id":"chatcmpl-Az1","model":"gpt-4o","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_y","type":"function","function":{"name":"b","arguments":""}}]}}]})"
      "\n\n"
      R"(data: {"id":"chatcmpl-Az1","model":"gpt-4o","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"k\":1}"}}]}}]})"
      "\n\n"
      R"(data: {"id":"chatcmpl-Az1","model":"gpt-4o","choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"type":"function","function":{"name":"c","arguments":""}}]}}]})"
      "\n\n"
      R"(data: {"id":"chatcmpl-Az1","model":"gpt-4o","choices":[{"index":0,"delta":{"tool_calls":[{"index":2,"id":"call_z","type":"custom","custom":{"name":"apply_patch","input":"*** Begin"}}]}}]})"
      "\n\n"
      R"(data: {"id":"chatcmpl-Az1","model":"gpt-4o","choices":[{"index":0,"delta":{"tool_calls":[{"index":2,"custom":{"input":" Patch"}}]},"finish_reason":"tool_calls"}]})"
      "\n\ndata: [DONE]\n\n";
  json events = decode_at_every_split(bytes);
  CHECK(events[0] == json{{"type", "start"}, {"id", "chatcmpl-Az1"}, {"model", "gpt-4o"}});
  CHECK(events[1]["part"]["id"] == "call_x");
  CHECK(events[3]["part"]["id"] == "call_y"); // same index, new id: a new call
  CHECK(events[3]["block"] == 1);
  CHECK(events[4] == json{{"type", "block_delta"}, {"block", 1}, {"delta", "{\"k\":1}"}});
  CHECK(events[5]["part"]["id"] == "call_<random>"); // no id: one is made up
  CHECK(events[6]["part"] == json{{"kind", "tool_call"}, {"id", "call_z"}, {"name", "apply_patch"}, {"custom", true}});
  CHECK(events[7]["delta"] == "*** Begin");
  CHECK(events[8] == json{{"type", "block_delta"}, {"block", 3}, {"delta", " Patch"}});
  CHECK(count_type(events, "block_stop") == 4);
  CHECK(events.back()["stop"] == "tool_use");
  CHECK_FALSE(events.back()["usage"]["reported"]);
}

TEST_CASE("openai_chat stream decoder starts a new block when the kind of content changes") {
  auto record = [](const std::string& delta) {
    return "data: {\"id\":\"c\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":" + delta + "}]}\n\n";
  };
  std::string bytes = record(R"({"content":"a"})") + record(R"({"reasoning":"b"})") + record(R"({"content":"c"})") +
                      record(R"({"tool_calls":[{"index":0,"id":"t1","function":{"name":"f","arguments":"{}"}}]})") +
                      record(R"({"content":"d"})") + "data: [DONE]\n\n";
  json events = decode_at_every_split(bytes);
  std::vector<std::string> kinds;
  for (const auto& event : events)
    if (event["type"] == "block_start") kinds.push_back(event["part"]["kind"]);
  CHECK(kinds == std::vector<std::string>{"text", "thinking", "text", "tool_call", "text"});
  // Every block is stopped before the next one starts: nothing for the Sequencer to hold back.
  int open = 0;
  for (const auto& event : events) {
    if (event["type"] == "block_start") CHECK(open++ == 0);
    if (event["type"] == "block_stop") --open;
  }
  CHECK(events.back()["stop"] == "tool_use");
}

TEST_CASE("openai_chat stream decoder finishes an Ollama stream that ends without [DONE]") {
  json events = decode_all(read_translate_fixture("openai_chat/stream_ollama_no_done.sse"), SIZE_MAX);
  CHECK(events.back()["type"] == "finish");
  CHECK(events.back()["usage"]["input_uncached"] == 26);
  CHECK(events.back()["usage"]["output"] == 9);
}

TEST_CASE("openai_chat stream decoder gives no finish for a stream cut before its finish_reason") {
  std::string bytes = read_translate_fixture("../streams/openai_chat_tools.sse");
  std::string cut = bytes.substr(0, bytes.find("\"finish_reason\":\"tool_calls\""));
  cut = cut.substr(0, cut.rfind("\n\n") + 2);
  json events = decode_all(cut, SIZE_MAX);
  CHECK(count_type(events, "finish") == 0);
  CHECK(count_type(events, "error") == 0);
  CHECK(count_type(events, "block_start") == 2);
}

TEST_CASE("openai_chat stream decoder reports an in-band error once and nothing after it") {
  json events = decode_all(read_translate_fixture("openai_chat/stream_openrouter_error.sse"), SIZE_MAX);
  CHECK(events.back() == json{{"type", "error"}, {"status", 502}, {"message", "Provider returned error"}});
  CHECK(count_type(events, "finish") == 0);
}

TEST_CASE("openai_chat stream encoder writes data-only chunks, tool indexes among tool calls, usage, [DONE]") {
  json records = stable(sse_json(encode(text_then_two_calls(), true)));
  check_golden(records, "openai_chat/encode_stream_text_tools.json");
  for (const auto& record : records) CHECK_FALSE(record.contains("event"));
  CHECK(records[0]["data"]["choices"][0]["delta"] == json{{"role", "assistant"}, {"content", ""}});
  CHECK(records[3]["data"]["choices"][0]["delta"]["tool_calls"][0]["index"] == 0);
  CHECK(records[6]["data"]["choices"][0]["delta"]["tool_calls"][0]["index"] == 1);
  const json& finish = records[records.size() - 3]["data"];
  CHECK(finish["choices"][0]["finish_reason"] == "tool_calls");
  const json& usage = records[records.size() - 2]["data"];
  CHECK(usage["choices"] == json::array());
  CHECK(usage["usage"]["prompt_tokens"] == 4120);
  CHECK(usage["usage"]["prompt_tokens_details"]["cached_tokens"] == 4000);
  CHECK(records.back()["data"] == "[DONE]");
}

TEST_CASE("openai_chat stream encoder sends the usage chunk only when the client asked for it") {
  json records = sse_json(encode(text_then_two_calls(), false));
  for (const auto& record : records)
    if (record["data"].is_object()) CHECK(record["data"]["choices"].size() == 1);
  CHECK(records.back()["data"] == "[DONE]");
  CHECK(records[records.size() - 2]["data"]["choices"][0]["finish_reason"] == "tool_calls");
}

TEST_CASE("openai_chat stream encoder sends thinking as reasoning_content and a custom call's input as one JSON") {
  std::vector<StreamEvent> events = {start_event(),
                                     block_start(0, Part::Kind::thinking),
                                     delta(0, "Plan: patch."),
                                     event_of(Type::block_stop, 0),
                                     block_start(1, Part::Kind::tool_call, "call_p", "apply_patch", true),
                                     delta(1, "*** Begin Patch\n"),
                                     delta(1, "*** End Patch"),
                                     event_of(Type::block_stop, 1),
                                     finish_event(StopReason::tool_use)};
  json records = stable(sse_json(encode(events, false)));
  check_golden(records, "openai_chat/encode_stream_thinking_custom.json");
  CHECK(records[1]["data"]["choices"][0]["delta"] == json{{"reasoning_content", "Plan: patch."}});
  CHECK(records[2]["data"]["choices"][0]["delta"]["tool_calls"][0]["function"]["arguments"] == "");
  CHECK(records[3]["data"]["choices"][0]["delta"]["tool_calls"][0] ==
        json{{"index", 0}, {"function", {{"arguments", R"({"input":"*** Begin Patch\n*** End Patch"})"}}}});
}

TEST_CASE("openai_chat stream encoder ends with the error record and writes nothing after it") {
  StreamEvent error = event_of(Type::error);
  error.error = Error{529, "overloaded_error", "", "Overloaded"};
  std::string out = encode({start_event(), block_start(0, Part::Kind::text), delta(0, "Hi"), error,
                            event_of(Type::block_stop, 0), finish_event(StopReason::end_turn)},
                           true);
  json records = sse_json(out);
  REQUIRE(records.size() == 3);
  CHECK(records[2]["data"] ==
        json{{"error", {{"message", "Overloaded"}, {"type", "server_error"}, {"param", nullptr}, {"code", nullptr}}}});
  CHECK(out.find("[DONE]") == std::string::npos);
}

TEST_CASE("openai_chat stream survives decode, encode and decode again") {
  for (const char* name : {"../streams/openai_chat_text_usage.sse", "../streams/openai_chat_tools.sse",
                           "openai_chat/stream_deepseek_reasoning.sse"}) {
    INFO("fixture " << name);
    auto decoder = chat::make_stream_decoder();
    auto events = serialise(decode_stream(*decoder, read_translate_fixture(name), SIZE_MAX));
    ResponseOptions options;
    options.model = events[0].model;
    options.include_usage = true;
    auto encoder = chat::make_stream_encoder(options);
    std::string encoded;
    for (const auto& event : events) encoder->on(event, encoded);
    auto again = chat::make_stream_decoder();
    CHECK(events_json(serialise(decode_stream(*again, encoded, SIZE_MAX))) == events_json(events));
  }
}
