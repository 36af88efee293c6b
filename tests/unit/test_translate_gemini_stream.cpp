// Gemini alt=sse streams: decoding upstream chunks at every split point, encoding for gemini-cli
// (PROTOCOLS.md §6.3, §8).
#include "core/translate/gemini/codec.hpp"
#include "core/translate/reasoning_state.hpp"
#include "tests/unit/translate_test_support.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

using llmgw::core::translate::Issuer;
using llmgw::core::translate::Part;
using llmgw::core::translate::ResponseOptions;
using llmgw::core::translate::StopReason;
using llmgw::core::translate::StreamEvent;
using llmgw::test::check_golden;
using llmgw::test::decode_stream;
using llmgw::test::events_json;
using llmgw::test::read_translate_fixture;
using llmgw::test::sse_json;
using nlohmann::json;
namespace gemini = llmgw::core::translate::gemini;

namespace {

std::string read_stream_fixture(const std::string& name) {
  std::ifstream in(std::string(LLMGW_TEST_FIXTURES) + "/streams/" + name, std::ios::binary);
  REQUIRE(in.good());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Tool calls without an id get a random one; goldens see it as "call_<fresh>".
json normalised(const std::vector<StreamEvent>& events) {
  json out = events_json(events);
  for (auto& event : out) {
    if (!event.contains("part") || !event["part"].contains("id")) continue;
    std::string id = event["part"]["id"];
    if (id.size() == 29 && id.rfind("call_", 0) == 0) event["part"]["id"] = "call_<fresh>";
  }
  return out;
}

json decode_all(std::string_view bytes, size_t split) {
  auto decoder = gemini::make_stream_decoder();
  return normalised(decode_stream(*decoder, bytes, split));
}

void check_every_split(const std::string& bytes, const std::string& golden) {
  json whole = decode_all(bytes, bytes.size());
  check_golden(whole, golden);
  for (size_t split = 0; split <= bytes.size(); ++split) {
    INFO("split at " << split);
    REQUIRE(decode_all(bytes, split) == whole);
  }
}

StreamEvent event(StreamEvent::Type type, int block = 0) {
  StreamEvent out;
  out.type = type;
  out.block = block;
  return out;
}

StreamEvent block_start(int block, Part::Kind kind, std::string id = "", std::string name = "",
                        Issuer issuer = Issuer::none) {
  StreamEvent out = event(StreamEvent::Type::block_start, block);
  out.part.kind = kind;
  out.part.id = std::move(id);
  out.part.name = std::move(name);
  out.part.issuer = issuer;
  return out;
}

StreamEvent delta(int block, std::string text, std::string signature = "") {
  StreamEvent out = event(StreamEvent::Type::block_delta, block);
  out.delta = std::move(text);
  out.signature = std::move(signature);
  return out;
}

// What an Anthropic upstream says for a thinking + text + tool call turn, in neutral events.
std::vector<StreamEvent> anthropic_turn() {
  StreamEvent start = event(StreamEvent::Type::start);
  start.id = "msg_01Stream";
  start.model = "claude-sonnet-4-5";
  StreamEvent finish = event(StreamEvent::Type::finish);
  finish.stop = StopReason::tool_use;
  finish.usage.input_uncached_tokens = 20;
  finish.usage.cache_read_tokens = 4000;
  finish.usage.output_tokens = 90;
  finish.usage.reasoning_tokens = 30;
  finish.usage.reported = true;
  return {start,
          block_start(0, Part::Kind::thinking, "", "", Issuer::anthropic),
          delta(0, "Let me"),
          delta(0, " check."),
          delta(0, "", "EqQBsig"),
          event(StreamEvent::Type::block_stop, 0),
          block_start(1, Part::Kind::text),
          delta(1, "Reading "),
          delta(1, "a.cpp"),
          event(StreamEvent::Type::block_stop, 1),
          block_start(2, Part::Kind::tool_call, "toolu_01X", "read_file"),
          delta(2, R"({"absolute_path":)"),
          delta(2, R"("/repo/a.cpp"})"),
          event(StreamEvent::Type::block_stop, 2),
          finish};
}

std::string encode(const std::vector<StreamEvent>& events) {
  ResponseOptions options;
  options.model = "gemini-2.5-pro";
  auto encoder = gemini::make_stream_encoder(options);
  std::string out;
  for (const auto& e : events) encoder->on(e, out);
  return out;
}

} // namespace

TEST_CASE("gemini stream decoder reads the recorded CRLF stream the same at every split point") {
  std::string bytes = read_stream_fixture("gemini_crlf.sse");
  check_every_split(bytes, "gemini/stream_crlf.golden.json");
  auto decoder = gemini::make_stream_decoder();
  auto events = decode_stream(*decoder, bytes, bytes.size());
  REQUIRE(events.size() >= 2);
  CHECK(events.back().type == StreamEvent::Type::finish);
  CHECK(events.back().stop == StopReason::tool_use); // STOP after a function call
  CHECK(events.back().usage.output_tokens == 335);   // candidates 25 + thoughts 310
  for (const auto& e : events)
    if (e.type == StreamEvent::Type::block_start && e.part.kind == Part::Kind::tool_call)
      CHECK(llmgw::core::translate::recall_tool_signature(e.part.id) == "CiQB0e2Kb7");
}

TEST_CASE("gemini stream decoder continues text blocks across chunks and attaches a trailing signature") {
  std::string bytes = read_translate_fixture("gemini/stream_text.sse");
  check_every_split(bytes, "gemini/stream_text.golden.json");
  auto decoder = gemini::make_stream_decoder();
  auto events = decode_stream(*decoder, bytes, bytes.size());
  CHECK(events.back().stop == StopReason::max_tokens);
}

TEST_CASE("gemini stream decoder gives no finish for a stream cut before its finishReason") {
  std::string bytes = read_stream_fixture("gemini_crlf.sse");
  std::string cut = bytes.substr(0, bytes.rfind("data: "));
  auto decoder = gemini::make_stream_decoder();
  auto events = decode_stream(*decoder, cut, cut.size());
  REQUIRE_FALSE(events.empty());
  for (const auto& e : events) CHECK(e.type != StreamEvent::Type::finish);
}

TEST_CASE("gemini stream decoder counts toolUsePromptTokenCount as input") {
  const std::string bytes =
      "data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"ok\"}]},"
      "\"finishReason\":\"STOP\"}],\"usageMetadata\":{\"promptTokenCount\":100,\"candidatesTokenCount\":5,"
      "\"toolUsePromptTokenCount\":40,\"totalTokenCount\":145},\"modelVersion\":\"gemini-2.5-flash\"}\n\n";
  auto decoder = gemini::make_stream_decoder();
  auto events = decode_stream(*decoder, bytes, bytes.size());
  REQUIRE(events.back().type == StreamEvent::Type::finish);
  CHECK(events.back().usage.input_uncached_tokens == 140);
  CHECK(events.back().usage.output_tokens == 5);
}

TEST_CASE("gemini stream decoder reports a mid-stream error once and nothing after it") {
  std::string bytes = read_translate_fixture("gemini/stream_error.sse");
  bytes += "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"late\"}]},\"finishReason\":\"STOP\"}]}\n\n";
  auto decoder = gemini::make_stream_decoder();
  auto events = decode_stream(*decoder, bytes, bytes.size());
  check_golden(events_json(events), "gemini/stream_error.golden.json");
  CHECK(events.back().type == StreamEvent::Type::error);
  CHECK(events.back().error.status == 503);
}

TEST_CASE("gemini stream encoder writes gemini-cli chunks for thinking, text, a tool call and the finish") {
  std::string bytes = encode(anthropic_turn());
  check_golden(sse_json(bytes), "gemini/stream_encode.golden.json");
  CHECK(bytes.find("event:") == std::string::npos);
  CHECK(bytes.find('\r') == std::string::npos);
  json chunks = sse_json(bytes);
  REQUIRE(chunks.size() == 7);
  for (const auto& chunk : chunks) {
    CHECK(chunk["data"]["modelVersion"] == "gemini-2.5-pro");
    CHECK(chunk["data"]["responseId"] == "msg_01Stream");
    CHECK(chunk["data"]["candidates"][0]["content"]["role"] == "model");
  }
  const json& call = chunks[5]["data"]["candidates"][0]["content"]["parts"][0]["functionCall"];
  CHECK(call == json::parse(R"({"id":"toolu_01X","name":"read_file","args":{"absolute_path":"/repo/a.cpp"}})"));
  const json& last = chunks.back()["data"];
  CHECK(last["candidates"][0]["finishReason"] == "STOP");
  CHECK(last["usageMetadata"]["promptTokenCount"] == 4020);
  CHECK(last["usageMetadata"]["candidatesTokenCount"] == 60);
  CHECK(last["usageMetadata"]["thoughtsTokenCount"] == 30);
}

TEST_CASE("gemini stream encoder output decodes back to the same turn") {
  std::string bytes = encode(anthropic_turn());
  auto decoder = gemini::make_stream_decoder();
  auto events = decode_stream(*decoder, bytes, bytes.size());
  check_golden(events_json(events), "gemini/stream_roundtrip.golden.json");
  CHECK(events.back().type == StreamEvent::Type::finish);
  CHECK(events.back().stop == StopReason::tool_use);
  CHECK(events.back().usage.output_tokens == 90);
}

TEST_CASE("gemini stream encoder sends a custom tool call's input as its one argument") {
  StreamEvent start = event(StreamEvent::Type::start);
  StreamEvent begin = block_start(0, Part::Kind::tool_call, "call_9", "apply_patch");
  begin.part.custom = true;
  std::string bytes = encode({start, begin, delta(0, "*** Begin Patch\n"), delta(0, "*** End Patch"),
                              event(StreamEvent::Type::block_stop, 0)});
  json chunks = sse_json(bytes);
  REQUIRE(chunks.size() == 1);
  CHECK(chunks[0]["data"]["candidates"][0]["content"]["parts"][0]["functionCall"]["args"] ==
        json{{"input", "*** Begin Patch\n*** End Patch"}});
}

TEST_CASE("gemini stream encoder ends a stream with an in-band error") {
  StreamEvent error = event(StreamEvent::Type::error);
  error.error.status = 429;
  error.error.message = "rate limited";
  std::string bytes =
      encode({event(StreamEvent::Type::start), block_start(0, Part::Kind::text), delta(0, "Hi"), error});
  json chunks = sse_json(bytes);
  REQUIRE(chunks.size() == 2);
  CHECK(chunks[1]["data"] ==
        json::parse(R"({"error":{"code":429,"message":"rate limited","status":"RESOURCE_EXHAUSTED"}})"));
}
