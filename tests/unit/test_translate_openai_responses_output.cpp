// OpenAI Responses codec: what goes back to a Responses client (Codex): response bodies and
// streams that Codex accepts (PROTOCOLS.md §2.5), and round trips through the neutral form.
#include "core/translate/openai_responses/codec.hpp"
#include "core/translate/reasoning_state.hpp"
#include "tests/unit/translate_test_support.hpp"

#include <doctest/doctest.h>

#include <map>
#include <set>

using namespace llmgw::core::translate;
using llmgw::core::Usage;
using llmgw::test::check_golden;
using llmgw::test::decode_stream;
using llmgw::test::read_translate_fixture;
using llmgw::test::read_translate_json;
using llmgw::test::sse_json;
using nlohmann::json;

namespace {

const char* const k_dir = "openai_responses/";

// Generated ids and clock values replaced by stable placeholders, for golden files.
bool generated_id(const std::string& text) {
  const auto underscore = text.find('_');
  if (underscore == std::string::npos || text.size() != underscore + 25) return false;
  const std::string prefix = text.substr(0, underscore);
  if (prefix != "resp" && prefix != "msg" && prefix != "fc" && prefix != "ctc" && prefix != "rs" && prefix != "call")
    return false;
  return text.find_first_not_of("0123456789abcdef", underscore + 1) == std::string::npos;
}

json scrub(json value) {
  if (value.is_array()) {
    for (auto& entry : value) entry = scrub(entry);
  } else if (value.is_object()) {
    for (auto& [key, entry] : value.items()) {
      if (key == "created_at")
        entry = 0;
      else if (entry.is_string() && generated_id(entry.get<std::string>()))
        entry = entry.get<std::string>().substr(0, entry.get<std::string>().find('_')) + "_<generated>";
      else
        entry = scrub(entry);
    }
  }
  return value;
}

Part part_of(Part::Kind kind) {
  Part part;
  part.kind = kind;
  return part;
}

StreamEvent event_of(StreamEvent::Type type, int block = 0) {
  StreamEvent event;
  event.type = type;
  event.block = block;
  return event;
}

StreamEvent delta(int block, std::string text, std::string signature = "") {
  StreamEvent event = event_of(StreamEvent::Type::block_delta, block);
  event.delta = std::move(text);
  event.signature = std::move(signature);
  return event;
}

StreamEvent block_start(int block, Part part) {
  StreamEvent event = event_of(StreamEvent::Type::block_start, block);
  event.part = std::move(part);
  return event;
}

Usage cached_usage() {
  Usage usage;
  usage.input_uncached_tokens = 200;
  usage.cache_read_tokens = 9000;
  usage.cache_write_5m_tokens = 800;
  usage.output_tokens = 350;
  usage.reasoning_tokens = 100;
  usage.reported = true;
  return usage;
}

// A Claude turn as neutral events: thinking with a signature, text, a function call, and
// apply_patch returned as a function call with JSON arguments (a Chat upstream does that).
std::vector<StreamEvent> claude_turn(StopReason stop) {
  std::vector<StreamEvent> events;
  StreamEvent start = event_of(StreamEvent::Type::start);
  start.id = "msg_01XYZ";
  start.model = "claude-opus-5-5";
  events.push_back(start);
  Part think = part_of(Part::Kind::thinking);
  think.issuer = Issuer::anthropic;
  events.push_back(block_start(0, think));
  events.push_back(delta(0, "The test fails; "));
  events.push_back(delta(0, "look at add()."));
  events.push_back(delta(0, "", "EqQBCkgIBRAB"));
  events.push_back(event_of(StreamEvent::Type::block_stop, 0));
  events.push_back(block_start(1, part_of(Part::Kind::text)));
  events.push_back(delta(1, "Fixing the "));
  events.push_back(delta(1, "off-by-one."));
  events.push_back(event_of(StreamEvent::Type::block_stop, 1));
  Part call = part_of(Part::Kind::tool_call);
  call.id = "toolu_01Q";
  call.name = "exec_command";
  events.push_back(block_start(2, call));
  events.push_back(delta(2, R"({"cmd":)"));
  events.push_back(delta(2, R"("make test"})"));
  events.push_back(event_of(StreamEvent::Type::block_stop, 2));
  Part patch = part_of(Part::Kind::tool_call);
  patch.id = "toolu_01R";
  patch.name = "apply_patch";
  events.push_back(block_start(3, patch));
  events.push_back(delta(3, R"({"input":"*** Begin Patch\n)"));
  events.push_back(delta(3, R"(*** End Patch\n"})"));
  events.push_back(event_of(StreamEvent::Type::block_stop, 3));
  StreamEvent finish = event_of(StreamEvent::Type::finish);
  finish.stop = stop;
  finish.usage = cached_usage();
  events.push_back(finish);
  return events;
}

ResponseOptions codex_options() {
  ResponseOptions options;
  options.model = "gpt-5.5";
  options.custom_tools = {"apply_patch"};
  return options;
}

std::string encode_events(const std::vector<StreamEvent>& events, const ResponseOptions& options) {
  auto encoder = openai_responses::make_stream_encoder(options);
  std::string out;
  for (const auto& event : events) encoder->on(event, out);
  return out;
}

// What Codex relies on (PROTOCOLS.md §2.5), checked on raw SSE bytes.
void check_codex_contract(const std::string& sse) {
  auto blocks = sse_json(sse);
  REQUIRE_FALSE(blocks.empty());
  int64_t expected_sequence = 0;
  std::map<int64_t, std::string> added; // output_index -> item id
  std::set<int64_t> done;
  for (const auto& block : blocks) {
    const json& data = block["data"];
    CHECK(block["event"] == data["type"]);
    CHECK(data["sequence_number"] == expected_sequence++);
    if (data["type"] == "response.output_item.added") added[data["output_index"]] = data["item"]["id"];
    if (data["type"] == "response.output_item.done") {
      done.insert(data["output_index"].get<int64_t>());
      CHECK(added[data["output_index"]] == data["item"]["id"]);
    }
    if (data.contains("item_id")) CHECK(added[data["output_index"]] == data["item_id"]);
  }
  for (const auto& [index, id] : added) CHECK_MESSAGE(done.count(index), "no output_item.done for " << id);
  const json& last = blocks.back()["data"];
  CHECK((last["type"] == "response.completed" || last["type"] == "response.incomplete"));
  CHECK(last["response"]["output"].size() == added.size());
  CHECK(last["response"]["usage"]["total_tokens"].is_number_integer());
  CHECK(last["response"]["id"] == blocks.front()["data"]["response"]["id"]);
}

} // namespace

TEST_CASE("encodes a response: reasoning wrapped per issuer, one message, calls, custom calls, usage") {
  Response response;
  response.id = "msg_01ABC";
  response.model = "claude-opus-5-5";
  Part think = part_of(Part::Kind::thinking);
  think.text = "Plan the patch.";
  think.issuer = Issuer::anthropic;
  think.signature = "EqQBCkgIBRAB";
  Part own = part_of(Part::Kind::thinking);
  own.issuer = Issuer::openai;
  own.signature = "gAAAAABoOwn==";
  own.reasoning_id = "rs_keep";
  Part first = part_of(Part::Kind::text);
  first.text = "Patching ";
  Part second = first;
  second.text = "now.";
  Part call = part_of(Part::Kind::tool_call);
  call.id = "toolu_01Q";
  call.name = "exec_command";
  call.arguments = R"({"cmd":"make"})";
  Part patch = call;
  patch.id = "toolu_01R";
  patch.name = "apply_patch";
  patch.arguments = R"({"input":"*** Begin Patch\n*** End Patch\n"})";
  Part raw = part_of(Part::Kind::tool_call);
  raw.id = "call_raw";
  raw.name = "freeform";
  raw.custom = true;
  raw.text = "raw input";
  response.parts = {think, own, first, second, call, patch, raw};
  response.stop = StopReason::tool_use;
  response.usage = cached_usage();

  auto body = openai_responses::encode_response(response, codex_options());
  check_golden(scrub(body), std::string(k_dir) + "encode_response_tools.json");
  CHECK(body["model"] == "gpt-5.5");
  CHECK(body["output"][0]["encrypted_content"] == wrap_signature(Issuer::anthropic, "EqQBCkgIBRAB"));
  CHECK(body["output"][1]["encrypted_content"] == "gAAAAABoOwn==");
  CHECK(body["output"][1]["id"] == "rs_keep");
  CHECK(body["output"][2]["content"][0]["text"] == "Patching now.");
  CHECK(body["output"][4]["type"] == "custom_tool_call");
  CHECK(body["output"][4]["input"] == "*** Begin Patch\n*** End Patch\n");
  CHECK(body["usage"] == json{{"input_tokens", 10000},
                              {"input_tokens_details", {{"cached_tokens", 9000}}},
                              {"output_tokens", 350},
                              {"output_tokens_details", {{"reasoning_tokens", 100}}},
                              {"total_tokens", 10350}});
}

TEST_CASE("a max_tokens response is incomplete; an unreported usage still has total_tokens") {
  Response response;
  Part cut = part_of(Part::Kind::text);
  cut.text = "The answer is";
  response.parts = {cut};
  response.stop = StopReason::max_tokens;
  auto body = openai_responses::encode_response(response, ResponseOptions{"gpt-5.5", false, {}});
  CHECK(body["status"] == "incomplete");
  CHECK(body["incomplete_details"] == json{{"reason", "max_output_tokens"}});
  CHECK(body["usage"]["total_tokens"] == 0);
}

TEST_CASE("a decoded response encodes back to the same output") {
  auto upstream = read_translate_json(std::string(k_dir) + "response_tools.json");
  auto response = openai_responses::decode_response(upstream);
  auto body = openai_responses::encode_response(response, ResponseOptions{"gpt-5.1-codex", false, {}});
  REQUIRE(body["output"].size() == 4); // the web_search_call has no neutral form
  CHECK(body["output"][0]["encrypted_content"] == upstream["output"][0]["encrypted_content"]);
  CHECK(body["output"][0]["summary"][0]["text"] == "**Planning**\n\nRead the file, then patch it.");
  CHECK(body["output"][2]["call_id"] == "call_R7");
  CHECK(body["output"][3]["input"] == upstream["output"][3]["input"]);
  CHECK(body["usage"] == upstream["usage"]);
}

TEST_CASE("encodes a neutral stream the way Codex needs it") {
  std::string sse = encode_events(claude_turn(StopReason::tool_use), codex_options());
  check_golden(scrub(sse_json(sse)), std::string(k_dir) + "encode_stream_claude_turn.json");
  check_codex_contract(sse);

  auto blocks = sse_json(sse);
  const json& completed = blocks.back()["data"]["response"];
  CHECK(completed["status"] == "completed");
  CHECK(completed["model"] == "gpt-5.5");
  CHECK(completed["usage"]["input_tokens"] == 10000);
  CHECK(completed["usage"]["total_tokens"] == 10350);
  CHECK(completed["output"][0]["encrypted_content"] == wrap_signature(Issuer::anthropic, "EqQBCkgIBRAB"));
  CHECK(completed["output"][2]["call_id"] == "toolu_01Q");
  CHECK(completed["output"][3]["type"] == "custom_tool_call");
  CHECK(completed["output"][3]["input"] == "*** Begin Patch\n*** End Patch\n");
}

TEST_CASE("a max_tokens stream ends with response.incomplete; an error with response.failed") {
  std::string sse = encode_events(claude_turn(StopReason::max_tokens), codex_options());
  check_codex_contract(sse);
  auto last = sse_json(sse).back()["data"];
  CHECK(last["type"] == "response.incomplete");
  CHECK(last["response"]["incomplete_details"]["reason"] == "max_output_tokens");

  std::vector<StreamEvent> events = {event_of(StreamEvent::Type::start), block_start(0, part_of(Part::Kind::text)),
                                     delta(0, "partial")};
  StreamEvent error = event_of(StreamEvent::Type::error);
  error.error = Error{429, "rate_limit_error", "", "Rate limited. Please try again in 1.5s."};
  events.push_back(error);
  auto failed = sse_json(encode_events(events, codex_options())).back()["data"];
  CHECK(failed["type"] == "response.failed");
  CHECK(failed["response"]["error"] ==
        json{{"code", "rate_limit_exceeded"}, {"message", "Rate limited. Please try again in 1.5s."}});
}

TEST_CASE("thinking without text or signature gives a bare reasoning item; a missing call id is made up") {
  std::vector<StreamEvent> events = {
      event_of(StreamEvent::Type::start),         block_start(0, part_of(Part::Kind::thinking)),
      event_of(StreamEvent::Type::block_stop, 0), block_start(1, part_of(Part::Kind::tool_call)),
      event_of(StreamEvent::Type::block_stop, 1), event_of(StreamEvent::Type::finish)};
  std::string sse = encode_events(events, codex_options());
  check_codex_contract(sse);
  auto output = sse_json(sse).back()["data"]["response"]["output"];
  CHECK(output[0]["summary"] == json::array());
  CHECK_FALSE(output[0].contains("encrypted_content"));
  CHECK(output[1]["arguments"] == "{}");
  CHECK(output[1]["call_id"].get<std::string>().rfind("call_", 0) == 0);
}

TEST_CASE("an upstream Responses stream decodes and re-encodes to the same items") {
  std::string bytes = read_translate_fixture(std::string(k_dir) + "stream_codex_tools.sse");
  auto decoder = openai_responses::make_stream_decoder();
  auto events = decode_stream(*decoder, bytes, bytes.size());
  ResponseOptions options{"gpt-5.1-codex", false, {}};
  std::string sse = encode_events(events, options);
  check_codex_contract(sse);
  auto upstream = sse_json(bytes).back()["data"]["response"];
  auto again = sse_json(sse).back()["data"]["response"];
  REQUIRE(again["output"].size() == 4);
  CHECK(again["output"][0]["encrypted_content"] == upstream["output"][0]["encrypted_content"]);
  CHECK(again["output"][0]["id"] == "rs_9");
  CHECK(again["output"][1]["content"] == upstream["output"][1]["content"]);
  CHECK(again["output"][2]["arguments"] == upstream["output"][2]["arguments"]);
  CHECK(again["output"][3]["input"] == upstream["output"][3]["input"]);
  CHECK(again["usage"] == upstream["usage"]);
}

TEST_CASE("custom tool round trip: Codex request, upstream function call, Codex history again") {
  // 1. Codex declares apply_patch as a custom tool.
  auto request = openai_responses::decode_request(read_translate_json(std::string(k_dir) + "request_codex.json"));
  ResponseOptions options = codex_options();
  options.custom_tools.clear();
  for (const auto& tool : request.tools)
    if (tool.custom) options.custom_tools.insert(tool.name);
  REQUIRE(options.custom_tools == std::set<std::string>{"apply_patch"});
  CHECK(request.tools[2].parameters["properties"]["input"]["type"] == "string");

  // 2. An upstream without custom tools answers with a function call taking {"input": ...}.
  std::string sse = encode_events(claude_turn(StopReason::tool_use), options);
  json item;
  for (const auto& block : sse_json(sse))
    if (block["data"]["type"] == "response.output_item.done" && block["data"]["output_index"] == 3)
      item = block["data"]["item"];
  CHECK(item["type"] == "custom_tool_call");

  // 3. Codex sends the item back next turn: it is a custom call with the raw patch again.
  json output{{"type", "custom_tool_call_output"}, {"call_id", item["call_id"]}, {"output", "Done"}};
  json next = json::object();
  next["input"] = json::array({item, output});
  auto decoded = openai_responses::decode_request(next);
  REQUIRE(decoded.messages.size() == 2);
  const Part& call = decoded.messages[0].parts[0];
  CHECK(call.custom);
  CHECK(call.text == "*** Begin Patch\n*** End Patch\n");
  CHECK(decoded.messages[1].parts[0].kind == Part::Kind::tool_result);
  CHECK(decoded.messages[1].parts[0].name == "apply_patch");
}

TEST_CASE("redacted thinking survives a Codex round trip; foreign reasoning keeps its issuer") {
  Response response;
  Part redacted = part_of(Part::Kind::redacted_thinking);
  redacted.issuer = Issuer::anthropic;
  redacted.signature = "EmwKAhgBEgy3va3p";
  Part gemini = part_of(Part::Kind::thinking);
  gemini.issuer = Issuer::gemini;
  gemini.signature = "CiQBcsjafX";
  gemini.text = "thought";
  response.parts = {redacted, gemini};
  auto body = openai_responses::encode_response(response, codex_options());
  auto decoded = openai_responses::decode_request({{"input", body["output"]}});
  REQUIRE(decoded.messages.size() == 1);
  const auto& parts = decoded.messages[0].parts;
  REQUIRE(parts.size() == 2);
  CHECK(parts[0].kind == Part::Kind::redacted_thinking);
  CHECK(parts[0].issuer == Issuer::anthropic);
  CHECK(parts[0].signature == "EmwKAhgBEgy3va3p");
  CHECK(parts[1].kind == Part::Kind::thinking);
  CHECK(parts[1].issuer == Issuer::gemini);
  CHECK(parts[1].signature == "CiQBcsjafX");
  CHECK(parts[1].text == "thought");
}
