// OpenAI Chat Completions codec: client requests decoded, upstream requests encoded.
#include "core/translate/openai_chat/codec.hpp"
#include "core/translate/reasoning_state.hpp"
#include "tests/unit/translate_test_support.hpp"

#include <cstdint>
#include <optional>

namespace chat = llmgw::core::translate::openai_chat;
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

Part call(std::string id, std::string name, std::string arguments) {
  Part part;
  part.kind = Part::Kind::tool_call;
  part.id = std::move(id);
  part.name = std::move(name);
  part.arguments = std::move(arguments);
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

Part image(std::string media_type, std::string data, std::string url = "") {
  Part part;
  part.kind = Part::Kind::image;
  part.media_type = std::move(media_type);
  part.data = std::move(data);
  part.url = std::move(url);
  return part;
}

Part thinking(std::string value, Issuer issuer, std::string signature) {
  Part part;
  part.kind = Part::Kind::thinking;
  part.text = std::move(value);
  part.issuer = issuer;
  part.signature = std::move(signature);
  return part;
}

Message user(std::vector<Part> parts) { return Message{Role::user, std::move(parts)}; }
Message assistant(std::vector<Part> parts) { return Message{Role::assistant, std::move(parts)}; }

// What Claude Code sends, already in neutral form: system blocks, an image, a PDF, a thinking
// turn with two tool calls, results with an error and an image, then more user text.
Request claude_code_like() {
  Request request;
  request.model = "claude-sonnet-4-5";
  request.system = {"You are Claude Code, Anthropic's official CLI for Claude.", "Working directory: /repo"};
  Part pdf;
  pdf.kind = Part::Kind::document;
  pdf.media_type = "application/pdf";
  pdf.data = "JVBERi0xLjQK";
  request.messages.push_back(user({text("Look at the screenshot and the spec."), image("image/png", "iVBORw0KGgo="),
                                   image("", "", "https://example.com/a.png"), pdf}));
  request.messages.push_back(assistant(
      {thinking("The user wants a fix.", Issuer::anthropic, "EqQBCkYIBxgC"), text("I'll read both files."),
       call("toolu_01", "Read", R"({"file_path":"/repo/a.cpp"})"), call("toolu_02", "Bash", R"({"command":"make"})")}));
  request.messages.push_back(
      user({result("toolu_01", {text("int main() {}")}), result("toolu_02", {text("make: *** [all] Error 1")}, true),
            text("Also, the build is on CI.")}));
  request.messages.push_back(assistant({thinking("Only thinking here.", Issuer::anthropic, "EqQBCkYIBxgD")}));
  request.messages.push_back(user({text("Go on.")}));
  Tool read{"Read", "Reads a file", json{{"type", "object"}, {"properties", {{"file_path", {{"type", "string"}}}}}},
            false};
  Tool patch{"apply_patch", "Apply a patch", json::object(), true};
  request.tools = {read, patch};
  request.tool_choice.mode = ToolChoice::Mode::any;
  request.parallel_tool_calls = false;
  request.max_output_tokens = 32000;
  request.temperature = 1.0;
  request.top_k = 40;
  request.stop = {"a", "b", "c", "d", "e"};
  request.reasoning.enabled = true;
  request.reasoning.budget_tokens = 10000;
  request.stream = true;
  request.user = "user_abc";
  return request;
}

RequestOptions compat_options() {
  RequestOptions options;
  options.model = "deepseek-chat";
  options.family = Issuer::none;
  return options;
}

RequestOptions openai_options() {
  RequestOptions options;
  options.model = "gpt-5.1";
  options.family = Issuer::openai;
  options.openai_first_party = true;
  return options;
}

} // namespace

TEST_CASE("openai_chat decodes a client request with system, text and images") {
  auto request = chat::decode_request(read_translate_json("openai_chat/request_aider.json"));
  check_golden(to_json(request), "openai_chat/request_aider.decoded.json");
  CHECK(request.include_usage);
  REQUIRE(request.messages.size() == 3);        // the empty user message carries nothing
  CHECK(request.messages[2].parts.size() == 3); // audio skipped
}

TEST_CASE("openai_chat decodes tool calls, consecutive tool messages into one user message, and options") {
  auto request = chat::decode_request(read_translate_json("openai_chat/request_agent_tools.json"));
  check_golden(to_json(request), "openai_chat/request_agent_tools.decoded.json");
  REQUIRE(request.messages.size() == 6);
  CHECK(request.messages[2].role == Role::user);
  CHECK(request.messages[2].parts.size() == 2);       // both tool results in one message
  CHECK(request.messages[2].parts[1].name == "read"); // name taken from the call
  CHECK(request.messages[3].parts.size() == 1);       // the next user message is separate
  CHECK(request.system.size() == 3);                  // developer hoisted too, in order
  CHECK(request.max_output_tokens == 8192);           // max_completion_tokens wins
}

TEST_CASE("openai_chat decodes legacy functions and PDF file parts") {
  auto request = chat::decode_request(read_translate_json("openai_chat/request_legacy.json"));
  check_golden(to_json(request), "openai_chat/request_legacy.decoded.json");
  REQUIRE(request.messages.size() == 3);
  CHECK(request.messages[1].parts[0].id == request.messages[2].parts[0].id);
  CHECK_FALSE(request.reasoning.enabled); // "minimal" asks for next to no reasoning
  CHECK(request.reasoning.effort == "minimal");
  CHECK(request.response_format.is_null());
}

TEST_CASE("openai_chat reads token counts leniently: floats, huge values, strings ignored") {
  auto max_for = [](json value) {
    return chat::decode_request(json{{"messages", json::array()}, {"max_tokens", value}}).max_output_tokens;
  };
  CHECK(max_for(1024.0) == 1024);
  CHECK(max_for(18446744073709551615ULL) == INT64_MAX);
  CHECK(max_for(1e300) == std::nullopt);
  CHECK(max_for("1024") == std::nullopt);
}

TEST_CASE("openai_chat rejects request bodies of the wrong shape with a message naming the field") {
  auto message_of = [](const json& body) {
    try {
      chat::decode_request(body);
    } catch (const TranslateError& error) {
      return std::string(error.what());
    }
    return std::string("no error");
  };
  CHECK(message_of(json::array()) == "request body is not a json object");
  CHECK(message_of(json{{"model", "m"}}) == "messages is missing");
  CHECK(message_of(json{{"messages", "hi"}}) == "messages is not an array");
  CHECK(message_of(json{{"messages", {1}}}) == "messages[0] is not an object");
  CHECK(message_of(json{{"messages", {{{"role", "robot"}, {"content", "x"}}}}}) ==
        "messages[0] has unknown role 'robot'");
  CHECK(message_of(json{{"messages", {{{"role", "user"}, {"content", 5}}}}}) ==
        "messages[0].content is neither a string nor an array");
  CHECK(message_of(json{{"messages", {{{"role", "tool"}, {"content", "x"}}}}}) ==
        "messages[0].tool_call_id is missing");
  CHECK(message_of(json{{"messages", json::array()}, {"tools", {1}}}) == "tools[0] is not an object");
  CHECK(message_of(json{{"messages", json::array()}, {"n", 2}}) ==
        "n greater than 1 is not supported by this provider");
  CHECK(message_of(json{{"messages", json::array()}, {"unknown_field", {1, 2}}}) == "no error");
}

TEST_CASE("openai_chat encodes a Claude Code request for a compat server") {
  auto body = chat::encode_request(claude_code_like(), compat_options());
  check_golden(body, "openai_chat/encode_claude_code.compat.json");
  CHECK(body["model"] == "deepseek-chat");
  CHECK(body["max_tokens"] == 32000);
  CHECK_FALSE(body.contains("max_completion_tokens"));
  CHECK_FALSE(body.contains("reasoning_effort")); // compat servers reject it
  CHECK_FALSE(body.contains("top_k"));
  CHECK(body["stop"].size() == 4);
  CHECK(body["stream_options"]["include_usage"] == true);
  // Tool messages right after the calls, before the user text of the same neutral message.
  const auto& messages = body["messages"];
  CHECK(messages[2]["role"] == "assistant");
  CHECK(messages[3]["role"] == "tool");
  CHECK(messages[4]["role"] == "tool");
  CHECK(messages[4]["content"] == "Error: make: *** [all] Error 1");
  CHECK(messages[5]["role"] == "user");
  CHECK(messages[6]["content"] == "Go on."); // the thinking-only assistant turn is gone
}

TEST_CASE("openai_chat encodes for OpenAI itself: max_completion_tokens, reasoning_effort, file parts") {
  auto body = chat::encode_request(claude_code_like(), openai_options());
  check_golden(body, "openai_chat/encode_claude_code.openai.json");
  CHECK(body["max_completion_tokens"] == 32000);
  CHECK(body["reasoning_effort"] == "medium"); // budget 10000
  CHECK(body["messages"][1]["content"][3]["type"] == "file");
}

TEST_CASE("openai_chat derives reasoning_effort from a thinking budget") {
  auto effort_for = [](std::optional<int64_t> budget, std::string effort, bool enabled) {
    Request request;
    request.messages.push_back(user({text("hi")}));
    request.reasoning.enabled = enabled;
    request.reasoning.budget_tokens = budget;
    request.reasoning.effort = effort;
    auto body = chat::encode_request(request, openai_options());
    return body.contains("reasoning_effort") ? body["reasoning_effort"].get<std::string>() : std::string("-");
  };
  CHECK(effort_for(1024, "", true) == "low");
  CHECK(effort_for(4096, "", true) == "medium");
  CHECK(effort_for(16384, "", true) == "high");
  CHECK(effort_for(std::nullopt, "", true) == "medium");
  CHECK(effort_for(std::nullopt, "minimal", false) == "minimal");
  CHECK(effort_for(std::nullopt, "", false) == "-");
}

TEST_CASE("openai_chat maps every tool_choice mode and sends none of them without tools") {
  Request request;
  request.messages.push_back(user({text("hi")}));
  request.tool_choice.mode = ToolChoice::Mode::any;
  request.parallel_tool_calls = true;
  auto bare = chat::encode_request(request, compat_options());
  CHECK_FALSE(bare.contains("tool_choice"));
  CHECK_FALSE(bare.contains("parallel_tool_calls"));
  CHECK_FALSE(bare.contains("stream_options")); // not streaming
  request.tools.push_back(Tool{"f", "", json{{"type", "object"}}, false});
  auto choice_for = [&](ToolChoice::Mode mode) {
    request.tool_choice.mode = mode;
    request.tool_choice.name = "f";
    return chat::encode_request(request, compat_options()).value("tool_choice", json("-"));
  };
  CHECK(choice_for(ToolChoice::Mode::unset) == "-");
  CHECK(choice_for(ToolChoice::Mode::automatic) == "auto");
  CHECK(choice_for(ToolChoice::Mode::any) == "required");
  CHECK(choice_for(ToolChoice::Mode::none) == "none");
  CHECK(choice_for(ToolChoice::Mode::tool) == json{{"type", "function"}, {"function", {{"name", "f"}}}});
  CHECK(chat::encode_request(request, compat_options())["parallel_tool_calls"] == true);
}

TEST_CASE("openai_chat never sends a call without its tool message nor a tool message without its call") {
  Request request;
  request.messages.push_back(user({result("orphan_1", {text("no call before me")}), text("start")}));
  request.messages.push_back(assistant({call("c1", "f", "{}"), call("c2", "f", "{}")}));
  request.messages.push_back(user({result("c1", {text("one")})})); // c2 never answered
  request.messages.push_back(assistant({text("partial"), call("c3", "f", "{}")}));
  request.messages.push_back(user({text("interrupted")}));        // c3 never answered
  request.messages.push_back(assistant({call("c4", "f", "{}")})); // only unanswered calls
  request.messages.push_back(user({text("next"), result("c4", {text("late")})}));
  request.messages.push_back(assistant({call("c5", "f", "{}")})); // the conversation ends here
  auto body = chat::encode_request(request, compat_options());
  check_golden(body["messages"], "openai_chat/encode_pairing.json");
  const auto& messages = body["messages"];
  REQUIRE(messages.size() == 8); // c5, the last turn, had only an unanswered call: dropped
  CHECK(messages[0] == json{{"role", "user"}, {"content", "start"}});
  CHECK(messages[1]["tool_calls"].size() == 1); // c2 removed
  CHECK(messages[2] == json{{"role", "tool"}, {"tool_call_id", "c1"}, {"content", "one"}});
  CHECK(messages[3] == json{{"role", "assistant"}, {"content", "partial"}}); // c3 removed
  CHECK(messages[4]["content"] == "interrupted");
  // c4's result came after a user text in the neutral message: tool first, so it is kept.
  CHECK(messages[5]["tool_calls"][0]["id"] == "c4");
  CHECK(messages[6]["role"] == "tool");
  CHECK(messages[7] == json{{"role", "user"}, {"content", "next"}});
}

TEST_CASE("openai_chat puts images of a tool result in a user message after the tool messages") {
  Request request;
  request.messages.push_back(assistant({call("c1", "screenshot", "{}")}));
  request.messages.push_back(user({result("c1", {image("image/png", "AAAA")}), text("what do you see?")}));
  auto messages = chat::encode_request(request, compat_options())["messages"];
  REQUIRE(messages.size() == 3);
  CHECK(messages[1] == json{{"role", "tool"}, {"tool_call_id", "c1"}, {"content", "[image in the next message]"}});
  CHECK(messages[2]["content"][0]["image_url"]["url"] == "data:image/png;base64,AAAA");
  CHECK(messages[2]["content"][1] == json{{"type", "text"}, {"text", "what do you see?"}});
}

TEST_CASE("openai_chat encodes custom tools and calls as functions taking {input}") {
  Request request;
  Part custom = call("c1", "apply_patch", "");
  custom.custom = true;
  custom.text = "*** Begin Patch\n*** End Patch";
  request.messages.push_back(assistant({custom}));
  request.messages.push_back(user({result("c1", {text("ok")})}));
  request.tools.push_back(Tool{"apply_patch", "", json::object(), true});
  auto body = chat::encode_request(request, compat_options());
  CHECK(body["messages"][0]["tool_calls"][0]["function"]["arguments"] ==
        R"({"input":"*** Begin Patch\n*** End Patch"})");
  CHECK(body["tools"][0]["function"]["parameters"]["required"] == json{"input"});
}

TEST_CASE("openai_chat replays Gemini call signatures only to the Gemini family") {
  Request request;
  Part signed_call = call("c1", "f", "{}");
  signed_call.signature = "sig-gemini";
  signed_call.issuer = Issuer::gemini;
  request.messages.push_back(assistant({signed_call, call("c2", "f", "{}")}));
  request.messages.push_back(user({result("c1", {text("1")}), result("c2", {text("2")})}));
  remember_tool_signature("c2", "sig-remembered");
  RequestOptions gemini = compat_options();
  gemini.family = Issuer::gemini;
  auto calls = chat::encode_request(request, gemini)["messages"][0]["tool_calls"];
  CHECK(calls[0]["extra_content"]["google"]["thought_signature"] == "sig-gemini");
  CHECK(calls[1]["extra_content"]["google"]["thought_signature"] == "sig-remembered");
  auto plain = chat::encode_request(request, openai_options())["messages"][0]["tool_calls"];
  CHECK_FALSE(plain[0].contains("extra_content"));
  CHECK_FALSE(plain[1].contains("extra_content"));
}

TEST_CASE("openai_chat request survives decode then encode for a compat server") {
  auto request = chat::decode_request(read_translate_json("openai_chat/request_agent_tools.json"));
  auto body = chat::encode_request(request, compat_options());
  check_golden(body, "openai_chat/request_agent_tools.reencoded.json");
  CHECK(body["messages"][0]["content"] ==
        "You are opencode, an interactive CLI tool that helps users with software engineering tasks.\n\n"
        "Working directory: /home/dev/app\n\nPlatform: linux\n\nBe brief.");
  CHECK_FALSE(body["messages"][2].contains("reasoning_content")); // thinking is not replayed
}
