// Anthropic Messages codec: streams (decoding an Anthropic upstream, encoding for Claude Code).
#include "core/translate/anthropic/codec.hpp"
#include "core/translate/reasoning_state.hpp"
#include "tests/unit/translate_test_support.hpp"

#include <doctest/doctest.h>

#include <algorithm>

using namespace llmgw::core::translate;
using llmgw::test::check_golden;
using llmgw::test::decode_stream;
using llmgw::test::events_json;
using llmgw::test::read_translate_fixture;
using llmgw::test::sse_json;
using nlohmann::json;

namespace {

std::vector<StreamEvent> decode_all(std::string_view bytes, size_t split = std::string::npos) {
  auto decoder = anthropic::make_stream_decoder();
  return decode_stream(*decoder, bytes, split);
}

// Every split point gives what one read gives.
void check_every_split(const std::string& bytes) {
  const json whole = events_json(decode_all(bytes));
  for (size_t split = 0; split <= bytes.size(); ++split) {
    INFO("split at " << split);
    REQUIRE(events_json(decode_all(bytes, split)) == whole);
  }
}

// Builds the final message the way the Anthropic SDK's MessageStream does (lib/MessageStream.ts),
// checking what it relies on: an event name equal to data.type on every record, blocks opened
// and closed in index order, tool input JSON that parses to an object, a message_stop at the end.
json accumulate(const std::string& sse) {
  json message;
  std::string partial_json;
  bool stopped = false;
  for (const auto& record : sse_json(sse)) {
    REQUIRE_MESSAGE(record.contains("event"), "record without event: line: " << record.dump());
    const json& data = record["data"];
    const std::string type = record["event"];
    CHECK(data["type"] == type);
    CHECK_FALSE(stopped);
    if (type == "message_start") message = data["message"];
    if (type == "content_block_start") {
      CHECK(data["index"] == message["content"].size());
      message["content"].push_back(data["content_block"]);
      partial_json.clear();
    }
    if (type == "content_block_delta") {
      CHECK(data["index"] == message["content"].size() - 1);
      json& block = message["content"].back();
      const json& delta = data["delta"];
      if (delta["type"] == "text_delta")
        block["text"] = block["text"].get<std::string>() + delta["text"].get<std::string>();
      if (delta["type"] == "thinking_delta")
        block["thinking"] = block["thinking"].get<std::string>() + delta["thinking"].get<std::string>();
      if (delta["type"] == "signature_delta") block["signature"] = delta["signature"];
      if (delta["type"] == "input_json_delta") partial_json += delta["partial_json"].get<std::string>();
    }
    if (type == "content_block_stop") {
      CHECK(data["index"] == message["content"].size() - 1);
      json& block = message["content"].back();
      if (block["type"] == "tool_use") {
        block["input"] = partial_json.empty() ? json::object() : json::parse(partial_json);
        CHECK(block["input"].is_object());
      }
    }
    if (type == "message_delta") {
      message["stop_reason"] = data["delta"]["stop_reason"];
      message["stop_sequence"] = data["delta"]["stop_sequence"];
      for (const auto& [key, value] : data["usage"].items())
        if (!value.is_null()) message["usage"][key] = value;
    }
    if (type == "message_stop") stopped = true;
  }
  CHECK(stopped);
  return message;
}

StreamEvent event(StreamEvent::Type type, int block = 0) {
  StreamEvent out;
  out.type = type;
  out.block = block;
  return out;
}

StreamEvent opening(int block, Part::Kind kind, std::string id = {}, std::string name = {},
                    Issuer issuer = Issuer::none) {
  StreamEvent out = event(StreamEvent::Type::block_start, block);
  out.part.kind = kind;
  out.part.id = std::move(id);
  out.part.name = std::move(name);
  out.part.issuer = issuer;
  return out;
}

StreamEvent delta(int block, std::string text, std::string signature = {}) {
  StreamEvent out = event(StreamEvent::Type::block_delta, block);
  out.delta = std::move(text);
  out.signature = std::move(signature);
  return out;
}

// What a Chat upstream (DeepSeek-style reasoning) or a Responses upstream gives, in order.
std::vector<StreamEvent> foreign_events() {
  StreamEvent start = event(StreamEvent::Type::start);
  start.id = "chatcmpl-9x";
  start.model = "deepseek-reasoner";
  StreamEvent custom = opening(4, Part::Kind::tool_call, "call_p", "apply_patch");
  custom.part.custom = true;
  StreamEvent finish = event(StreamEvent::Type::finish);
  finish.stop = StopReason::end_turn; // Gemini-style STOP on a tool turn
  finish.usage.input_uncached_tokens = 800;
  finish.usage.cache_read_tokens = 6400;
  finish.usage.output_tokens = 95;
  finish.usage.reported = true;
  return {start,
          opening(0, Part::Kind::thinking),
          delta(0, "The user wants "),
          delta(0, "a listing."),
          event(StreamEvent::Type::block_stop, 0),
          opening(1, Part::Kind::text),
          event(StreamEvent::Type::block_stop, 1), // stayed empty: never sent
          opening(2, Part::Kind::text),
          delta(2, ""),
          delta(2, "Listing files."),
          event(StreamEvent::Type::block_stop, 2),
          opening(3, Part::Kind::tool_call, "call_ls", "Bash"),
          delta(3, "{\"command\":"),
          delta(3, "\"ls -la\"}"),
          event(StreamEvent::Type::block_stop, 3),
          custom,
          delta(4, "*** Begin Patch\n"),
          delta(4, "+ \"quoted\" \\ ✓\n"),
          event(StreamEvent::Type::block_stop, 4),
          finish};
}

std::string encode(const std::vector<StreamEvent>& events, std::string model = "claude-sonnet-4-5") {
  ResponseOptions options;
  options.model = std::move(model);
  auto encoder = anthropic::make_stream_encoder(options);
  std::string out;
  for (const auto& item : events) encoder->on(item, out);
  return out;
}

} // namespace

TEST_CASE("decodes a thinking + text + tool_use stream the same at every split point") {
  const std::string bytes = read_translate_fixture("../streams/anthropic_thinking_tool.sse");
  check_every_split(bytes);
  auto events = decode_all(bytes);
  check_golden(events_json(events), "anthropic/stream_thinking_tool.events.json");
  REQUIRE(events.back().type == StreamEvent::Type::finish);
  CHECK(events.back().usage.output_tokens == 180);       // message_delta overwrites...
  CHECK(events.back().usage.cache_read_tokens == 30500); // ...and is never added to message_start
  CHECK(events.back().usage.reasoning_tokens == 95);
}

TEST_CASE("decodes multi-byte text split anywhere") {
  const std::string bytes = read_translate_fixture("../streams/anthropic_cjk_emoji.sse");
  check_every_split(bytes);
  std::string text;
  for (const auto& item : decode_all(bytes))
    if (item.type == StreamEvent::Type::block_delta) text += item.delta;
  CHECK(text == "你好，世界！🌏🚀 ビルドは成功しました ✅ — 한국어도 👍🏽");
}

TEST_CASE("decodes redacted thinking whole and skips server tools and citations") {
  const std::string bytes = read_translate_fixture("anthropic/stream_redacted_server_tool.sse");
  check_every_split(bytes);
  auto events = decode_all(bytes);
  check_golden(events_json(events), "anthropic/stream_redacted_server_tool.events.json");
  CHECK(events.back().stop == StopReason::stop_sequence);
  CHECK(events.back().stop_sequence == "</answer>");
  CHECK(events.back().usage.cache_write_1h_tokens == 4000);
}

TEST_CASE("keeps the 1-hour cache write of message_start when message_delta carries only the total") {
  const std::string bytes =
      "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"model\":"
      "\"claude-opus-4-6\",\"content\":[],\"usage\":{\"input_tokens\":10,\"cache_creation_input_tokens\":3000,"
      "\"cache_creation\":{\"ephemeral_5m_input_tokens\":0,\"ephemeral_1h_input_tokens\":3000},"
      "\"output_tokens\":1}}}\n\n"
      "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},"
      "\"usage\":{\"input_tokens\":10,\"cache_creation_input_tokens\":3000,\"output_tokens\":12}}\n\n"
      "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
  auto events = decode_all(bytes);
  REQUIRE(events.back().type == StreamEvent::Type::finish);
  CHECK(events.back().usage.cache_write_1h_tokens == 3000);
  CHECK(events.back().usage.cache_write_5m_tokens == 0);
  CHECK(events.back().usage.output_tokens == 12);
}

TEST_CASE("decodes an in-band overloaded error as an error event with status 529 and no finish") {
  auto events = decode_all(read_translate_fixture("anthropic/stream_overloaded.sse"));
  check_golden(events_json(events), "anthropic/stream_overloaded.events.json");
  REQUIRE(events.back().type == StreamEvent::Type::error);
  CHECK(events.back().error.status == 529);
  CHECK(events.back().error.message == "Overloaded");
}

TEST_CASE("a stream cut before message_delta gives no finish; one missing only message_stop finishes") {
  const std::string bytes = read_translate_fixture("../streams/anthropic_thinking_tool.sse");
  const auto cut = bytes.find("event: message_delta");
  auto events = decode_all(bytes.substr(0, cut));
  CHECK(events.back().type == StreamEvent::Type::block_stop);

  events = decode_all(bytes.substr(0, bytes.find("event: message_stop")));
  REQUIRE(events.back().type == StreamEvent::Type::finish);
  CHECK(events.back().stop == StopReason::tool_use);
  int finishes = 0;
  for (const auto& item : decode_all(bytes)) finishes += item.type == StreamEvent::Type::finish;
  CHECK(finishes == 1);
}

TEST_CASE("decodes records without event: lines by their data type") {
  std::string bytes = read_translate_fixture("../streams/anthropic_thinking_tool.sse");
  std::string data_only;
  for (size_t at = 0; at < bytes.size();) {
    size_t end = bytes.find('\n', at);
    std::string line = bytes.substr(at, end - at + 1);
    if (line.rfind("event:", 0) != 0) data_only += line;
    at = end + 1;
  }
  CHECK(events_json(decode_all(data_only)) == events_json(decode_all(bytes)));
}

TEST_CASE("encodes a foreign stream that the Anthropic SDK accumulates into a valid message") {
  const std::string sse = encode(foreign_events());
  check_golden(sse_json(sse), "anthropic/stream_foreign.sse.json");
  // Every record is exactly "event: <name>\ndata: <one-line JSON>\n\n".
  for (size_t at = 0; at < sse.size();) {
    const size_t end = sse.find("\n\n", at);
    REQUIRE(end != std::string::npos);
    const std::string record = sse.substr(at, end - at);
    CHECK(record.rfind("event: ", 0) == 0);
    CHECK(record.find("\ndata: {") != std::string::npos);
    CHECK(std::count(record.begin(), record.end(), '\n') == 1);
    at = end + 2;
  }
  const json message = accumulate(sse);
  CHECK(message["id"] == "chatcmpl-9x");
  CHECK(message["model"] == "claude-sonnet-4-5");
  REQUIRE(message["content"].size() == 4);
  CHECK(message["content"][0] ==
        json{{"type", "thinking"}, {"thinking", "The user wants a listing."}, {"signature", "llmgw1.none."}});
  CHECK(message["content"][1] == json{{"type", "text"}, {"text", "Listing files."}});
  CHECK(message["content"][2]["input"] == json{{"command", "ls -la"}});
  CHECK(message["content"][3]["input"] == json{{"input", "*** Begin Patch\n+ \"quoted\" \\ ✓\n"}});
  CHECK(message["stop_reason"] == "tool_use"); // tool calls were sent: clients only run tools on tool_use
  CHECK(message["usage"]["input_tokens"] == 800);
  CHECK(message["usage"]["cache_read_input_tokens"] == 6400);
  CHECK(message["usage"]["output_tokens"] == 95);
}

TEST_CASE("an Anthropic stream decoded and encoded again gives Claude Code the same message") {
  const std::string upstream = read_translate_fixture("../streams/anthropic_thinking_tool.sse");
  const json message = accumulate(encode(decode_all(upstream), "claude-sonnet-4-5-20250929"));
  const json original = accumulate(upstream);
  CHECK(message["content"] == original["content"]);
  CHECK(message["content"][0]["signature"] == "EqQBCkgIARABGAIiQL7a"); // Anthropic's own: as it was
  CHECK(message["id"] == original["id"]);
  CHECK(message["stop_reason"] == original["stop_reason"]);
  for (const char* key : {"input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens", "output_tokens"})
    CHECK(message["usage"][key] == original["usage"][key]);
}

TEST_CASE("encodes redacted reasoning whole, wraps foreign signatures and invents missing tool ids") {
  StreamEvent start = event(StreamEvent::Type::start);
  StreamEvent thought = opening(0, Part::Kind::thinking, {}, {}, Issuer::openai);
  StreamEvent redacted = opening(1, Part::Kind::redacted_thinking, {}, {}, Issuer::openai);
  const std::string sse =
      encode({start, thought, delta(0, "summary"), delta(0, "", "gAAAA"), delta(0, "", "BBB"),
              event(StreamEvent::Type::block_stop, 0), redacted, delta(1, "", "gAAAAonly"),
              event(StreamEvent::Type::block_stop, 1), opening(2, Part::Kind::tool_call, "", "Read"),
              event(StreamEvent::Type::block_stop, 2), event(StreamEvent::Type::finish)});
  const json message = accumulate(sse);
  CHECK(message["id"].get<std::string>().rfind("msg_", 0) == 0);
  CHECK(message["content"][0]["signature"] == wrap_signature(Issuer::openai, "gAAAABBB"));
  CHECK(message["content"][1] ==
        json{{"type", "redacted_thinking"}, {"data", wrap_signature(Issuer::openai, "gAAAAonly")}});
  CHECK(message["content"][2]["id"].get<std::string>().rfind("toolu_", 0) == 0);
  CHECK(message["content"][2]["input"] == json::object());
  CHECK(message["usage"]["output_tokens"] == 0);
}

TEST_CASE("encodes a mid-stream error as the last record, an event: error with the Anthropic body") {
  StreamEvent failure = event(StreamEvent::Type::error);
  failure.error = Error{429, "rate_limit_exceeded", "", "Rate limit reached for gpt-5"};
  const std::string sse = encode({event(StreamEvent::Type::start), opening(0, Part::Kind::text), delta(0, "Hi"),
                                  failure, event(StreamEvent::Type::finish)});
  const json records = sse_json(sse);
  REQUIRE(records.size() == 4);
  CHECK(records[3] == json{{"event", "error"},
                           {"data",
                            {{"type", "error"},
                             {"error", {{"type", "rate_limit_error"}, {"message", "Rate limit reached for gpt-5"}}}}}});
}

TEST_CASE("message_start carries the input usage a decoder reported at the start") {
  StreamEvent start = event(StreamEvent::Type::start);
  start.usage.input_uncached_tokens = 12;
  start.usage.cache_read_tokens = 30500;
  start.usage.cache_write_5m_tokens = 2048;
  start.usage.output_tokens = 1;
  start.usage.reported = true;
  const json records = sse_json(encode({start, event(StreamEvent::Type::finish)}));
  CHECK(records[0]["data"]["message"]["usage"]["cache_read_input_tokens"] == 30500);
  CHECK(records[0]["data"]["message"]["usage"]["cache_creation_input_tokens"] == 2048);
  // A finish without usage keeps the start's counts rather than zeroing them.
  CHECK(records[1]["data"]["usage"]["input_tokens"] == 12);
  CHECK(records[1]["data"]["delta"]["stop_reason"] == "end_turn");
}

TEST_CASE("decodes a tool input sent whole in content_block_start") {
  const std::string bytes =
      "event: content_block_start\n"
      "data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_9\","
      "\"name\":\"Read\",\"input\":{\"file_path\":\"/a\"}}}\n\n"
      "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n";
  auto events = decode_all(bytes);
  REQUIRE(events.size() == 3);
  CHECK(events[1].delta == R"({"file_path":"/a"})");
}
