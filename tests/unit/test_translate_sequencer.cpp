// The sequencer between stream decoders and encoders: one block at a time, in arrival order.
#include "core/translate/reasoning_state.hpp"
#include "core/translate/sequencer.hpp"
#include "core/translate/translator.hpp"

#include <doctest/doctest.h>

using namespace llmgw::core::translate;
using Type = StreamEvent::Type;

namespace {

StreamEvent start_of(int block, Part::Kind kind, std::string id = {}) {
  StreamEvent event;
  event.type = Type::block_start;
  event.block = block;
  event.part.kind = kind;
  event.part.id = std::move(id);
  return event;
}

StreamEvent delta_of(int block, std::string text) {
  StreamEvent event;
  event.type = Type::block_delta;
  event.block = block;
  event.delta = std::move(text);
  return event;
}

StreamEvent of_type(Type type, int block = 0) {
  StreamEvent event;
  event.type = type;
  event.block = block;
  return event;
}

// "start b0 d0:x stop0 ..." for compact comparisons.
std::string render(const std::vector<StreamEvent>& events) {
  std::string out;
  for (const auto& event : events) {
    if (!out.empty()) out += ' ';
    switch (event.type) {
    case Type::start: out += "start"; break;
    case Type::block_start: out += "b" + std::to_string(event.block); break;
    case Type::block_delta: out += "d" + std::to_string(event.block) + ":" + event.delta; break;
    case Type::block_stop: out += "stop" + std::to_string(event.block); break;
    case Type::finish: out += "finish:" + std::string(to_string(event.stop)); break;
    case Type::error: out += "error"; break;
    }
  }
  return out;
}

} // namespace

TEST_CASE("sequencer: interleaved tool-call fragments come out one block at a time, in arrival order") {
  Sequencer sequencer;
  std::vector<StreamEvent> out;
  for (const auto& event : {of_type(Type::start), start_of(7, Part::Kind::tool_call, "a"), delta_of(7, "{\"x\""),
                            start_of(9, Part::Kind::tool_call, "b"), delta_of(9, "{\"y\":2}"), delta_of(7, ":1}"),
                            of_type(Type::finish)})
    sequencer.push(event, out);
  CHECK(render(out) == "start b0 d0:{\"x\" d0::1} stop0 b1 d1:{\"y\":2} stop1 finish:tool_use");
  CHECK(sequencer.ended());
}

TEST_CASE("sequencer: a missing start is supplied, unclosed blocks are closed, nothing follows the end") {
  Sequencer sequencer;
  std::vector<StreamEvent> out;
  for (const auto& event : {start_of(0, Part::Kind::thinking), delta_of(0, "hm"), start_of(1, Part::Kind::text),
                            delta_of(1, "hi"), of_type(Type::block_stop, 0), of_type(Type::finish),
                            delta_of(1, "late"), of_type(Type::finish)})
    sequencer.push(event, out);
  CHECK(render(out) == "start b0 d0:hm stop0 b1 d1:hi stop1 finish:end_turn");
}

TEST_CASE("sequencer: an error flushes what arrived and ends the stream") {
  Sequencer sequencer;
  std::vector<StreamEvent> out;
  for (const auto& event : {of_type(Type::start), start_of(0, Part::Kind::text), delta_of(0, "par"),
                            of_type(Type::error), of_type(Type::finish)})
    sequencer.push(event, out);
  CHECK(render(out) == "start b0 d0:par stop0 error");
}

TEST_CASE("reasoning state: wrapped signatures keep their issuer, native ones take the format's family") {
  const auto wrapped = wrap_signature(Issuer::gemini, "CiQBabc");
  CHECK(wrapped == "llmgw1.gemini.CiQBabc");
  auto back = unwrap_signature(wrapped, Issuer::anthropic);
  CHECK(back.issuer == Issuer::gemini);
  CHECK(back.opaque == "CiQBabc");
  auto native = unwrap_signature("EqQBCkYIBxgC", Issuer::anthropic);
  CHECK(native.issuer == Issuer::anthropic);
  CHECK(native.opaque == "EqQBCkYIBxgC");
  CHECK(unwrap_signature(wrap_signature(Issuer::none, ""), Issuer::anthropic).issuer == Issuer::none);
  CHECK(contains_wrapped_signature(R"({"signature":"llmgw1.none."})"));
  CHECK_FALSE(contains_wrapped_signature(R"({"signature":"EqQB"})"));
}

TEST_CASE("reasoning state: Gemini tool signatures are remembered by call id, oldest forgotten first") {
  remember_tool_signature("call_seq_1", "sig-1");
  CHECK(recall_tool_signature("call_seq_1") == "sig-1");
  CHECK(recall_tool_signature("call_unknown").empty());
  for (int i = 0; i < 9000; ++i) remember_tool_signature("call_fill_" + std::to_string(i), "s");
  CHECK(recall_tool_signature("call_seq_1").empty());
  CHECK(recall_tool_signature("call_fill_8999") == "s");
}

TEST_CASE("passthrough strip: Anthropic thinking from another family is dropped, and thinking turned off when the last turn lost it") {
  const std::string body = R"({"model":"claude-sonnet-4-5","thinking":{"type":"enabled","budget_tokens":2048},"messages":[
    {"role":"user","content":"hi"},
    {"role":"assistant","content":[{"type":"thinking","thinking":"t","signature":"llmgw1.none."},{"type":"tool_use","id":"toolu_1","name":"Bash","input":{}}]},
    {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"ok"}]}]})";
  auto stripped = strip_foreign_reasoning(llmgw::core::protocol::ApiFormat::anthropic, body);
  REQUIRE(stripped);
  auto parsed = nlohmann::json::parse(*stripped);
  CHECK_FALSE(parsed.contains("thinking"));
  CHECK(parsed["messages"][1]["content"].size() == 1);
  CHECK(parsed["messages"][1]["content"][0]["type"] == "tool_use");
  CHECK_FALSE(strip_foreign_reasoning(llmgw::core::protocol::ApiFormat::anthropic, R"({"messages":[]})"));
}

TEST_CASE("passthrough strip: Responses reasoning items llmgw wrapped are dropped, OpenAI's own kept") {
  const std::string body = R"({"input":[{"type":"reasoning","id":"rs_1","summary":[],"encrypted_content":"llmgw1.anthropic.EqQB"},
    {"type":"reasoning","id":"rs_2","summary":[],"encrypted_content":"gAAAAB"},{"type":"message","role":"user","content":"x"}]})";
  auto stripped = strip_foreign_reasoning(llmgw::core::protocol::ApiFormat::openai_responses, body);
  REQUIRE(stripped);
  auto parsed = nlohmann::json::parse(*stripped);
  REQUIRE(parsed["input"].size() == 2);
  CHECK(parsed["input"][0]["id"] == "rs_2");
}
