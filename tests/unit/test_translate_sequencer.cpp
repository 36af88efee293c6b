// The sequencer between stream decoders and encoders: one block at a time, in arrival order; and
// what translator.hpp promises around it (streams that always end, passthrough stripping).
#include "core/protocol/json_scan.hpp"
#include "core/protocol/response_observer.hpp"
#include "core/translate/reasoning_state.hpp"
#include "core/translate/sequencer.hpp"
#include "core/translate/translator.hpp"
#include "tests/unit/translate_test_support.hpp"

#include <doctest/doctest.h>

using namespace llmgw::core::translate;
using llmgw::core::protocol::ApiFormat;
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

// An upstream stream through a StreamTranslator the way the relay drives it: each block fed, and
// finish() once the ResponseObserver judged the stream complete (as it does for every case below).
std::string translate_stream(ApiFormat upstream, ApiFormat client, std::string_view sse) {
  StreamTranslator translator(upstream, client, ResponseOptions{"client-model", false, {}});
  llmgw::core::protocol::ResponseObserver observer(upstream);
  std::string out;
  llmgw::core::http::SseParser parser;
  auto on_block = [&](const llmgw::core::http::SseEvent& event) {
    observer.observe_event(event);
    translator.feed(event, out);
  };
  parser.feed(sse, on_block);
  parser.finish(on_block);
  REQUIRE(observer.complete());
  translator.finish(out);
  CHECK(translator.ended());
  return out;
}

} // namespace

TEST_CASE("sequencer: interleaved tool-call fragments come out one block at a time, in arrival order") {
  Sequencer sequencer;
  std::vector<StreamEvent> out;
  for (const auto& event :
       {of_type(Type::start), start_of(7, Part::Kind::tool_call, "a"), delta_of(7, "{\"x\""),
        start_of(9, Part::Kind::tool_call, "b"), delta_of(9, "{\"y\":2}"), delta_of(7, ":1}"), of_type(Type::finish)})
    sequencer.push(event, out);
  CHECK(render(out) == "start b0 d0:{\"x\" d0::1} stop0 b1 d1:{\"y\":2} stop1 finish:tool_use");
  CHECK(sequencer.ended());
}

TEST_CASE("sequencer: a missing start is supplied, unclosed blocks are closed, nothing follows the end") {
  Sequencer sequencer;
  std::vector<StreamEvent> out;
  for (const auto& event :
       {start_of(0, Part::Kind::thinking), delta_of(0, "hm"), start_of(1, Part::Kind::text), delta_of(1, "hi"),
        of_type(Type::block_stop, 0), of_type(Type::finish), delta_of(1, "late"), of_type(Type::finish)})
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

TEST_CASE("passthrough strip: Anthropic thinking from another family is dropped, and thinking turned off when the last "
          "turn lost it") {
  const std::string body =
      R"({"model":"claude-sonnet-4-5","thinking":{"type":"enabled","budget_tokens":2048},"messages":[
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
  const std::string body =
      R"({"input":[{"type":"reasoning","id":"rs_1","summary":[],"encrypted_content":"llmgw1.anthropic.EqQB"},
    {"type":"reasoning","id":"rs_2","summary":[],"encrypted_content":"gAAAAB"},{"type":"message","role":"user","content":"x"}]})";
  auto stripped = strip_foreign_reasoning(llmgw::core::protocol::ApiFormat::openai_responses, body);
  REQUIRE(stripped);
  auto parsed = nlohmann::json::parse(*stripped);
  REQUIRE(parsed["input"].size() == 2);
  CHECK(parsed["input"][0]["id"] == "rs_2");
}

TEST_CASE(
    "stream translator: a stream the observer saw finish but whose end the decoder could not read ends with an error") {
  struct Case {
    ApiFormat upstream;
    ApiFormat client;
    std::string sse;
  };
  const Case cases[] = {
      // message_stop without a JSON object: the observer goes by the event name alone.
      {ApiFormat::anthropic, ApiFormat::openai_chat,
       "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\"}}\n\n"
       "event: message_stop\ndata: \n\n"},
      // The finish_reason of a choice other than the first, which the decoder leaves alone.
      {ApiFormat::openai_chat, ApiFormat::anthropic,
       "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"}}]}\n\n"
       "data: {\"id\":\"c\",\"choices\":[{\"index\":1,\"delta\":{},\"finish_reason\":\"stop\"}],"
       "\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1}}\n\n"},
      // A terminal event name over data that says another type.
      {ApiFormat::openai_responses, ApiFormat::gemini,
       "event: response.completed\ndata: {\"type\":\"response.in_progress\"}\n\n"},
      // An empty finishReason: a string to the observer, no reason to the decoder.
      {ApiFormat::gemini, ApiFormat::openai_responses,
       "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"hi\"}]},\"finishReason\":\"\"}]}\n\n"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.sse);
    const auto records = llmgw::test::sse_json(translate_stream(c.upstream, c.client, c.sse));
    REQUIRE_FALSE(records.empty());
    const auto& last = records.back();
    switch (c.client) {
    case ApiFormat::anthropic: CHECK(last["event"] == "error"); break;
    case ApiFormat::openai_responses: CHECK(last["event"] == "response.failed"); break;
    case ApiFormat::openai_chat:
    case ApiFormat::gemini: CHECK(last["data"].contains("error")); break;
    }
    CHECK(last.dump().find("upstream stream ended before the response was complete") != std::string::npos);
  }
}

TEST_CASE("stream translator: open blocks are closed before the error that ends a cut stream") {
  const std::string sse = "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"}}]}\n\n";
  StreamTranslator translator(ApiFormat::openai_chat, ApiFormat::anthropic, ResponseOptions{"m", false, {}});
  std::string out;
  llmgw::core::http::SseParser parser;
  parser.feed(sse, [&](const llmgw::core::http::SseEvent& event) { translator.feed(event, out); });
  translator.finish(out);
  const auto records = llmgw::test::sse_json(out);
  REQUIRE(records.size() >= 3);
  CHECK(records[records.size() - 2]["event"] == "content_block_stop");
  CHECK(records.back()["event"] == "error");
  std::string more;
  translator.finish(more); // ended: nothing follows
  CHECK(more.empty());
}

TEST_CASE("passthrough strip: members of the wrong type are skipped, never thrown on") {
  // role 5 next to a wrapped signature once escaped as nlohmann::json::type_error (a bare 500).
  const std::string body =
      R"({"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"hi"},{"role":5,"content":[{"type":"thinking","thinking":"t","signature":"llmgw1.openai.abc"}]}]})";
  std::optional<std::string> stripped;
  CHECK_NOTHROW(stripped = strip_foreign_reasoning(ApiFormat::anthropic, body));
  REQUIRE(stripped);
  CHECK(nlohmann::json::parse(*stripped)["messages"][1]["content"][0]["type"] == "text");
  for (std::string odd :
       {R"({"messages":[5,{"role":[],"content":[{"type":7,"signature":"llmgw1.openai.x"}]}]})",
        R"({"messages":{"role":"assistant"},"x":"llmgw1.openai.x"})",
        R"({"messages":[{"role":"assistant","content":[{"type":"thinking","signature":{"a":"llmgw1.x"}}]}]})"}) {
    CAPTURE(odd);
    CHECK_NOTHROW(strip_foreign_reasoning(ApiFormat::anthropic, odd));
  }
  CHECK_NOTHROW(
      strip_foreign_reasoning(ApiFormat::openai_responses,
                              R"({"input":[5,{"type":5},{"type":"reasoning","encrypted_content":7}],"z":"llmgw1."})"));
}

TEST_CASE("passthrough strip: a body nested deeper than the limit is left alone, not re-serialised") {
  const size_t levels = 100000;
  const std::string body =
      R"({"model":"m","messages":[{"role":"assistant","content":[{"type":"thinking","thinking":"t",)"
      R"("signature":"llmgw1.openai.abc"}]}],"tools":[{"name":"t","input_schema":{"x":)" +
      std::string(levels, '[') + std::string(levels, ']') + "}}]}";
  CHECK_FALSE(strip_foreign_reasoning(ApiFormat::anthropic, body));
}
