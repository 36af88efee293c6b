// Anthropic Messages codec: requests (decode a client's request, encode one for an Anthropic
// upstream). Goldens live in tests/fixtures/translate/anthropic/.
#include "core/translate/anthropic/codec.hpp"
#include "core/translate/translator.hpp"
#include "tests/unit/translate_test_support.hpp"

#include <doctest/doctest.h>

using namespace llmgw::core::translate;
using llmgw::test::check_golden;
using llmgw::test::read_translate_json;
using nlohmann::json;

namespace {

Part text(std::string value) {
  Part part;
  part.text = std::move(value);
  return part;
}

Part media(Part::Kind kind, std::string url) {
  Part part;
  part.kind = kind;
  part.url = std::move(url);
  return part;
}

Part call(std::string id, std::string name, std::string arguments) {
  Part part;
  part.kind = Part::Kind::tool_call;
  part.id = std::move(id);
  part.name = std::move(name);
  part.arguments = std::move(arguments);
  return part;
}

Part custom_call(std::string id, std::string name, std::string input) {
  Part part = call(std::move(id), std::move(name), "{}");
  part.custom = true;
  part.text = std::move(input);
  return part;
}

Part result(std::string id, std::vector<Part> content, bool is_error = false) {
  Part part;
  part.kind = Part::Kind::tool_result;
  part.id = std::move(id);
  part.content = std::move(content);
  part.is_error = is_error;
  return part;
}

Part thinking(std::string value, std::string signature, Issuer issuer, Part::Kind kind = Part::Kind::thinking) {
  Part part;
  part.kind = kind;
  part.text = std::move(value);
  part.signature = std::move(signature);
  part.issuer = issuer;
  return part;
}

Message user(std::vector<Part> parts) { return Message{Role::user, std::move(parts)}; }
Message assistant(std::vector<Part> parts) { return Message{Role::assistant, std::move(parts)}; }

RequestOptions anthropic_options() {
  RequestOptions options;
  options.model = "claude-sonnet-4-5-20250929";
  options.family = Issuer::anthropic;
  options.auto_cache = false;
  return options;
}

Tool tool(std::string name, json parameters) {
  Tool out;
  out.name = std::move(name);
  out.description = "Runs " + out.name;
  out.parameters = std::move(parameters);
  return out;
}

// A Chat / Responses client's tool loop, as their decoders produce it.
Request chat_tools_request() {
  Request request;
  request.model = "gpt-4.1";
  request.system = {"You are a coding agent.", "   ", "Answer briefly."};
  request.messages = {
      user({text("What is in this picture and in README.md?"),
            media(Part::Kind::image, "data:image/jpeg;base64,/9j/4AAQ"),
            media(Part::Kind::image, "https://example.com/cat.png"), text("")}),
      assistant({text("Let me check."), call("call_A1", "read_file", R"({"path":"README.md"})"),
                 call("call_B2", "shell", "{\"cmd\": [\"ls\""),
                 custom_call("call_C3", "apply_patch", "*** Begin Patch\n\"x\"\n")}),
      user({result("call_A1", {text("# Demo\nA demo project.")})}),
      user({result("call_B2", {text("command timed out")}, true)}),
      user({result("call_C3", {text("Done!"), media(Part::Kind::image, "data:image/png;base64,iVBORw0KGgo")})}),
      user({text("Thanks. Summarise.")}),
  };
  json path_schema{{"type", "object"}, {"properties", {{"path", {{"type", "string"}}}}}, {"required", {"path"}}};
  request.tools = {tool("read_file", path_schema), tool("shell", json{{"properties", {{"cmd", {{"type", "array"}}}}}}),
                   tool("noop", json::object())};
  Tool patch = tool("apply_patch", json::object());
  patch.custom = true;
  request.tools.push_back(patch);
  request.tool_choice.mode = ToolChoice::Mode::any;
  request.parallel_tool_calls = false;
  request.max_output_tokens = 1000;
  request.stop = {"\n\nHuman:", " "};
  request.temperature = 1.5;
  request.top_p = 0.9;
  request.user = "user-42";
  request.response_format = {{"type", "json_schema"},
                             {"json_schema", {{"name", "answer"}, {"schema", {{"type", "object"}}}, {"strict", true}}}};
  request.stream = true;
  return request;
}

// Codex on Claude: reasoning from an OpenAI model earlier in the session, then Claude's own.
Request reasoning_request() {
  Request request;
  request.system = {"You are Codex."};
  request.messages = {
      user({text("Fix the bug.")}),
      assistant({thinking("Planning (from gpt-5).", "gAAAAABenc", Issuer::openai), text("Reading."),
                 call("call_1", "shell", R"({"command":["cat","a.c"]})")}),
      user({result("call_1", {text("int main(){}")})}),
      assistant({thinking("Now compile.", "EqQBCkgIClaude", Issuer::anthropic),
                 thinking("", "EmwKAhgBRedacted", Issuer::anthropic, Part::Kind::redacted_thinking),
                 thinking("Gemini thought.", "CiQBGemini", Issuer::gemini),
                 call("call_2", "shell", R"({"command":["make"]})")}),
      user({result("call_2", {text("ok")})}),
  };
  request.tools = {tool("shell", {{"type", "object"}, {"properties", {{"command", {{"type", "array"}}}}}})};
  request.reasoning.effort = "high";
  request.temperature = 0.7;
  request.top_k = 5;
  return request;
}

int64_t budget_of(const json& body) { return body["thinking"]["budget_tokens"].get<int64_t>(); }

} // namespace

TEST_CASE("decodes a Claude Code request: billing header dropped, thinking unwrapped, server tools skipped") {
  auto request = anthropic::decode_request(read_translate_json("anthropic/request_claude_code.json"));
  check_golden(to_json(request), "anthropic/request_claude_code.decoded.json");
  REQUIRE(request.system.size() == 2);
  CHECK(request.system[0].rfind("You are Claude Code", 0) == 0);
  CHECK(request.messages[5].parts[1].issuer == Issuer::none);   // llmgw1.none.
  CHECK(request.messages[5].parts[2].issuer == Issuer::openai); // llmgw1.openai.<opaque>
  CHECK(request.messages[5].parts[2].signature == "gAAAAABoX2z");
  CHECK(request.tools.size() == 3);
}

TEST_CASE("decodes SDK options: documents, mid-conversation system, forced tool, effort, structured output") {
  auto request = anthropic::decode_request(read_translate_json("anthropic/request_sdk_options.json"));
  check_golden(to_json(request), "anthropic/request_sdk_options.decoded.json");
  CHECK(request.parallel_tool_calls == false);
  CHECK(request.reasoning.effort == "high");
}

TEST_CASE("decodes a background title request without tools or thinking") {
  auto request = anthropic::decode_request(read_translate_json("anthropic/request_haiku_title.json"));
  check_golden(to_json(request), "anthropic/request_haiku_title.decoded.json");
  CHECK(request.system == std::vector<std::string>{"Summarize this coding conversation in under 50 characters."});
}

TEST_CASE("rejects request bodies of the wrong shape with a message naming the field") {
  auto message_of = [](const json& body) {
    try {
      anthropic::decode_request(body);
    } catch (const TranslateError& error) {
      return std::string(error.what());
    }
    return std::string("no error");
  };
  CHECK(message_of(json::array()) == "request body must be a json object");
  CHECK(message_of({{"model", "m"}}) == "messages must be an array");
  CHECK(message_of({{"messages", {{{"role", "tool"}, {"content", "x"}}}}}) ==
        "messages[0].role must be user or assistant");
  CHECK(message_of({{"messages", {{{"role", "user"}, {"content", 3}}}}}) ==
        "messages[0].content must be a string or an array of content blocks");
  CHECK(message_of({{"messages", {{{"role", "user"}, {"content", {"hi"}}}}}}) ==
        "messages[0].content[0] must be a content block object");
  CHECK(message_of({{"messages", json::array()}, {"system", 5}}) ==
        "system must be a string or an array of text blocks");
  CHECK(message_of({{"messages", json::array()}, {"max_tokens", "many"}}) == "max_tokens must be an integer");
  CHECK(message_of({{"messages", json::array()}, {"tools", {{{"description", "x"}}}}}) ==
        "tools[0].name must be a non-empty string");
}

TEST_CASE("encodes a Chat tool loop: results paired after their calls, images as base64, choice and limits") {
  auto body = anthropic::encode_request(chat_tools_request(), anthropic_options());
  check_golden(body, "anthropic/encode_chat_tools.json");
  // One user turn right after the assistant turn holds every result, before the user's text.
  REQUIRE(body["messages"].size() == 3);
  const json& results = body["messages"][2]["content"];
  CHECK(results[0]["tool_use_id"] == "call_A1");
  CHECK(results[1]["tool_use_id"] == "call_B2");
  CHECK(results[2]["tool_use_id"] == "call_C3");
  CHECK(results[3]["type"] == "text");
  CHECK(body["tool_choice"] == json{{"type", "any"}, {"disable_parallel_tool_use", true}});
  CHECK(body["temperature"] == 1.0);
  CHECK_FALSE(body.contains("top_p"));
}

TEST_CASE("encodes reasoning for Claude: own thinking replayed, foreign dropped, budget from effort") {
  auto body = anthropic::encode_request(reasoning_request(), anthropic_options());
  check_golden(body, "anthropic/encode_reasoning.json");
  CHECK(body["thinking"] == json{{"type", "enabled"}, {"budget_tokens", 24000}});
  CHECK(body["max_tokens"] == 32000);
  CHECK_FALSE(body.contains("temperature"));
  CHECK_FALSE(body.contains("top_k"));
}

TEST_CASE("turns thinking off when the last tool turn has no Anthropic thinking to replay") {
  Request request = reasoning_request();
  request.messages[3].parts.erase(request.messages[3].parts.begin(), request.messages[3].parts.begin() + 2);
  auto body = anthropic::encode_request(request, anthropic_options());
  CHECK_FALSE(body.contains("thinking"));
  CHECK(body["temperature"] == 0.7);
  CHECK(body["messages"][3]["content"][0]["type"] == "tool_use"); // gemini thought dropped too

  // Another family's upstream (options.family) gets no Anthropic state either.
  RequestOptions other = anthropic_options();
  other.family = Issuer::none;
  body = anthropic::encode_request(reasoning_request(), other);
  CHECK_FALSE(body.contains("thinking"));
  CHECK(body.dump().find("EqQBCkgIClaude") == std::string::npos);
}

TEST_CASE("keeps thinking budgets between 1024 and max_tokens") {
  Request request;
  request.messages = {user({text("hi")})};
  request.reasoning.enabled = true;
  request.max_output_tokens = 500; // too small: the client's 500 stay for the answer
  auto body = anthropic::encode_request(request, anthropic_options());
  CHECK(budget_of(body) == 1024);
  CHECK(body["max_tokens"] == 1524);

  request.max_output_tokens = 16000;
  request.reasoning.budget_tokens = 50000; // Gemini-sized budget: clamped below max_tokens
  body = anthropic::encode_request(request, anthropic_options());
  CHECK(budget_of(body) == 15999);
  CHECK(body["max_tokens"] == 16000);

  request.reasoning = Reasoning{};
  request.reasoning.effort = "minimal";
  body = anthropic::encode_request(request, anthropic_options());
  CHECK(budget_of(body) == 1024);

  request.reasoning.effort = "none"; // OpenAI's explicit "no reasoning"
  CHECK_FALSE(anthropic::encode_request(request, anthropic_options()).contains("thinking"));
  request.reasoning = Reasoning{};
  request.reasoning.budget_tokens = 0; // Gemini's thinkingBudget 0
  CHECK_FALSE(anthropic::encode_request(request, anthropic_options()).contains("thinking"));
}

TEST_CASE("leaves thinking off when a tool is forced (Anthropic allows thinking only with auto/none)") {
  Request request = reasoning_request();
  request.tool_choice.mode = ToolChoice::Mode::tool;
  request.tool_choice.name = "shell";
  auto body = anthropic::encode_request(request, anthropic_options());
  CHECK_FALSE(body.contains("thinking"));
  CHECK(body["tool_choice"] == json{{"type", "tool"}, {"name", "shell"}});
}

TEST_CASE("repairs message structure: opening user turn, late, missing, orphan and duplicate results") {
  Request request;
  request.messages = {
      assistant({text("Hello, how can I help?  ")}),
      assistant({call("functions.read:0", "read", R"({"p":1})"), call("", "list", "")}),
      user({text("   ")}),
      assistant({thinking("no signature", "", Issuer::none)}), // becomes empty: dropped
      user({text("meanwhile...")}),
      user({result("functions.read:0", {text("file body")}), result("call_gone", {text("stale output")})}),
      assistant({call("dup", "read", "{}")}),
      user({result("dup", {})}),
      assistant({call("dup", "read", "{}")}),
      user({result("dup", {text("second")})}),
      assistant({text("Final answer prefix   \n")}),
  };
  auto body = anthropic::encode_request(request, anthropic_options());
  check_golden(body, "anthropic/encode_repairs.json");
  const json& messages = body["messages"];
  for (size_t i = 0; i < messages.size(); ++i) CHECK(messages[i]["role"] == (i % 2 == 0 ? "user" : "assistant"));
  CHECK(messages.back()["content"].back()["text"] == "Final answer prefix");
  // No tools declared but tool calls in the history: placeholders, never called.
  CHECK(body["tool_choice"] == json{{"type", "none"}});
}

TEST_CASE("adds prompt-cache breakpoints for translated traffic: tools, system, last two user turns") {
  RequestOptions options = anthropic_options();
  options.auto_cache = true;
  auto body = anthropic::encode_request(chat_tools_request(), options);
  const json ephemeral{{"type", "ephemeral"}};
  CHECK(body["tools"].back()["cache_control"] == ephemeral);
  CHECK(body["system"].back()["cache_control"] == ephemeral);
  CHECK(body["messages"][2]["content"].back()["cache_control"] == ephemeral);
  CHECK(body["messages"][0]["content"].back()["cache_control"] == ephemeral);
  const std::string text = body.dump();
  size_t breakpoints = 0;
  for (size_t at = text.find("cache_control"); at != std::string::npos; at = text.find("cache_control", at + 1))
    ++breakpoints;
  CHECK(breakpoints == 4); // Anthropic's maximum
}

TEST_CASE("uses the default max_tokens and omits optional fields a plain request does not need") {
  Request request;
  request.messages = {user({text("hi")})};
  RequestOptions options = anthropic_options();
  options.default_max_tokens = 8192;
  auto body = anthropic::encode_request(request, options);
  CHECK(body == json{{"model", "claude-sonnet-4-5-20250929"},
                     {"max_tokens", 8192},
                     {"messages", {{{"role", "user"}, {"content", {{{"type", "text"}, {"text", "hi"}}}}}}}});
}

TEST_CASE("a decoded Claude Code request encodes back to a valid Anthropic request") {
  auto request = anthropic::decode_request(read_translate_json("anthropic/request_claude_code.json"));
  auto body = anthropic::encode_request(request, anthropic_options());
  check_golden(body, "anthropic/encode_claude_code_roundtrip.json");
  CHECK(body["thinking"] == json{{"type", "enabled"}, {"budget_tokens", 31999}});
}

TEST_CASE("keeps parallel calls of a Responses history in one assistant turn with their outputs after it") {
  Request request;
  request.messages = {user({text("Read both.")}),
                      assistant({thinking("plan", "EqSig", Issuer::anthropic)}),
                      assistant({call("call_x", "read", R"({"p":"x"})")}),
                      assistant({call("call_y", "read", R"({"p":"y"})")}),
                      user({result("call_x", {text("X")})}),
                      user({result("call_y", {text("Y")})})};
  request.reasoning.enabled = true;
  auto body = anthropic::encode_request(request, anthropic_options());
  const json& messages = body["messages"];
  REQUIRE(messages.size() == 3);
  CHECK(messages[1]["content"].size() == 3);
  CHECK(messages[1]["content"][0]["type"] == "thinking");
  CHECK(messages[2]["content"][0]["tool_use_id"] == "call_x");
  CHECK(messages[2]["content"][1]["tool_use_id"] == "call_y");
  CHECK(body.contains("thinking")); // the tool turn starts with Claude's own thinking
}

TEST_CASE("a request without messages still has the user turn Anthropic requires") {
  Request request;
  request.system = {"Only instructions."};
  auto body = anthropic::encode_request(request, anthropic_options());
  CHECK(body["messages"] == json::parse(R"j([{"role":"user","content":[{"type":"text","text":"(continued)"}]}])j"));
}

TEST_CASE("a tool schema nested 100,000 deep is refused with a message naming the limit, not a crash") {
  // 200 KB of '[' inside input_schema once overflowed the stack in nlohmann's dump() and copies.
  const size_t levels = 100000;
  const std::string body =
      R"({"model":"claude-sonnet-4-5","max_tokens":10,"messages":[{"role":"user","content":"hi"}],)"
      R"("tools":[{"name":"t","input_schema":{"type":"object","properties":{"x":)" +
      std::string(levels, '[') + std::string(levels, ']') + "}}}]}";
  CHECK_THROWS_WITH_AS(decode_client_request(llmgw::core::protocol::ApiFormat::anthropic, body, ""),
                       "request body nests JSON deeper than 128 levels", TranslateError);
}

TEST_CASE("a client body with members of the wrong type gives a TranslateError, never another exception") {
  using llmgw::core::protocol::ApiFormat;
  for (
      std::string body :
      {R"({"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"hi"},{"role":5,"content":[{"type":"thinking","thinking":"t","signature":"llmgw1.openai.abc"}]}]})",
       R"({"model":5,"messages":[{"role":"user","content":[{"type":"tool_result","tool_use_id":7,"content":{"a":1}}]}]})",
       R"({"messages":[{"role":"user","content":[{"type":"image","source":[]},{"type":"tool_use","input":"x","name":1}]}],"tools":{"a":1}})",
       R"({"messages":[],"thinking":{"type":"enabled","budget_tokens":"many"}})",
       R"({"messages":[],"temperature":"hot","stop_sequences":[1]})"}) {
    CAPTURE(body);
    try {
      decode_client_request(ApiFormat::anthropic, body, "");
    } catch (const TranslateError&) {}
  }
}
