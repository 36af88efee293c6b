// OpenAI Responses codec: requests (what Codex sends, and what goes to OpenAI's Responses
// endpoint), non-streaming response decoding, and errors.
#include "core/translate/openai_responses/codec.hpp"
#include "core/translate/reasoning_state.hpp"
#include "tests/unit/translate_test_support.hpp"

#include <doctest/doctest.h>

using namespace llmgw::core::translate;
using llmgw::test::check_golden;
using llmgw::test::read_translate_json;
using nlohmann::json;

namespace {

const char* const k_dir = "openai_responses/";

RequestOptions openai_options(std::string model = "gpt-5-pro") {
  RequestOptions options;
  options.model = std::move(model);
  options.family = Issuer::openai;
  options.openai_first_party = true;
  return options;
}

Part text(std::string value) {
  Part part;
  part.text = std::move(value);
  return part;
}

Part tool_call(std::string id, std::string name, std::string arguments) {
  Part part;
  part.kind = Part::Kind::tool_call;
  part.id = std::move(id);
  part.name = std::move(name);
  part.arguments = std::move(arguments);
  return part;
}

Part tool_result(std::string id, std::vector<Part> content, bool is_error = false) {
  Part part;
  part.kind = Part::Kind::tool_result;
  part.id = std::move(id);
  part.content = std::move(content);
  part.is_error = is_error;
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

// What Claude Code sends, once decoded: thinking with an Anthropic signature, text, tool calls
// (one never answered), a result with an image, and a trailing user text.
Request anthropic_shaped_request() {
  Request request;
  request.model = "claude-opus-5-5";
  request.system = {"You are Claude Code.", "Be brief."};
  Part image;
  image.kind = Part::Kind::image;
  image.media_type = "image/png";
  image.data = "iVBORw0KGgo=";
  request.messages.push_back({Role::user, {text("look at this"), image}});
  request.messages.push_back({Role::assistant,
                              {thinking("Let me read it.", Issuer::anthropic, "EqQBCkgIBRABGAIiQ"), text("Reading."),
                               tool_call("toolu_01A", "Read", R"({"file_path":"/a.c"})"),
                               tool_call("toolu_01B", "Bash", R"({"command":"ls"})")}});
  request.messages.push_back({Role::user,
                              {tool_result("toolu_01A", {text("int main() {}"), image}),
                               tool_result("toolu_99", {text("orphan result")}), text("and now?")}});
  request.messages.push_back({Role::assistant, {thinking("", Issuer::none, "")}});
  request.messages.push_back({Role::user, {tool_result("toolu_01B", {text("no such dir")}, true)}});
  Tool read;
  read.name = "Read";
  read.description = "Reads a file";
  read.parameters = {{"type", "object"}, {"properties", {{"file_path", {{"type", "string"}}}}}};
  Tool bash;
  bash.name = "Bash";
  request.tools = {read, bash};
  request.tool_choice.mode = ToolChoice::Mode::any;
  request.max_output_tokens = 8;
  request.temperature = 0.5;
  request.top_k = 40;
  request.stop = {"END"};
  request.reasoning.enabled = true;
  request.reasoning.budget_tokens = 10000;
  request.user = R"({"device_id":"4f1c...","account_uuid":"","session_id":"0199a1f2-7c3e-7d41-9a55-2b8f0c1d2e3f"})";
  request.stream = true;
  return request;
}

} // namespace

TEST_CASE("decodes a Codex request: developer text to system, merged assistant turns, custom tool history") {
  auto request = openai_responses::decode_request(read_translate_json(std::string(k_dir) + "request_codex.json"));
  check_golden(to_json(request), std::string(k_dir) + "request_codex.decoded.json");

  REQUIRE(request.system.size() == 2);
  CHECK(request.system[1].rfind("<permissions instructions>", 0) == 0);
  // reasoning + two calls share one assistant message; both outputs share one user message
  REQUIRE(request.messages.size() >= 5);
  CHECK(request.messages[2].role == Role::assistant);
  CHECK(request.messages[2].parts.size() == 3);
  CHECK(request.messages[3].parts.size() == 2);
  CHECK(request.messages[3].parts[1].name == "exec_command");
  const Part& own = request.messages[2].parts[0];
  CHECK(own.issuer == Issuer::openai);
  CHECK(own.signature == "gAAAAABoOwnCodexOwnReasoning==");
  CHECK(own.text == "**Inspecting the test**\n\nI should run the tests first.");
  const Part& foreign = request.messages[4].parts[0];
  CHECK(foreign.issuer == Issuer::anthropic);
  CHECK(foreign.signature == "EuYBCkYIBhgCKkDforeignSignature");
  // function tools and the custom apply_patch tool; hosted tools are skipped
  REQUIRE(request.tools.size() == 3);
  CHECK(request.tools[2].custom);
  CHECK(request.reasoning.enabled);
  CHECK(request.reasoning.effort == "medium");
}

TEST_CASE("decodes a string input with instructions and sampling fields") {
  auto request = openai_responses::decode_request(read_translate_json(std::string(k_dir) + "request_sdk_string.json"));
  check_golden(to_json(request), std::string(k_dir) + "request_sdk_string.decoded.json");
  CHECK(request.system == std::vector<std::string>{"Answer in one sentence."});
  CHECK(request.max_output_tokens == 256);
  CHECK(request.user == "user-1234");
  CHECK(request.stream);
}

TEST_CASE("decodes images, files, array tool outputs, refusals, a named tool choice and text.format") {
  auto request =
      openai_responses::decode_request(read_translate_json(std::string(k_dir) + "request_images_format.json"));
  check_golden(to_json(request), std::string(k_dir) + "request_images_format.decoded.json");
  CHECK(request.tool_choice.mode == ToolChoice::Mode::tool);
  CHECK(request.tool_choice.name == "view_image");
  CHECK_FALSE(request.reasoning.enabled); // effort minimal
  CHECK(request.response_format["json_schema"]["name"] == "description");
  CHECK(request.user == "hashed-user-77");
}

TEST_CASE("rejects request bodies that do not have the Responses shape") {
  CHECK_THROWS_AS(openai_responses::decode_request(json::array()), TranslateError);
  CHECK_THROWS_AS(openai_responses::decode_request({{"input", 42}}), TranslateError);
  CHECK_THROWS_AS(openai_responses::decode_request({{"input", json::array({"hi"})}}), TranslateError);
  CHECK_THROWS_AS(openai_responses::decode_request({{"input", "hi"}, {"tools", "shell"}}), TranslateError);
  CHECK_THROWS_WITH_AS(openai_responses::decode_request(
                           {{"input", json::array({{{"type", "message"}, {"role", "user"}, {"content", 7}}})}}),
                       "message content must be a string or an array", TranslateError);
  // unknown fields and item types are ignored, never rejected
  auto request = openai_responses::decode_request(
      {{"input", json::array({{{"type", "additional_tools"}, {"tools", json::array()}}})}, {"surprise", true}});
  CHECK(request.messages.empty());
}

TEST_CASE("encodes an Anthropic-shaped request for OpenAI's Responses endpoint") {
  auto body = openai_responses::encode_request(anthropic_shaped_request(), openai_options());
  check_golden(body, std::string(k_dir) + "encode_from_anthropic.json");

  CHECK(body["instructions"] == "You are Claude Code.\n\nBe brief.");
  CHECK(body["store"] == false);
  CHECK(body["max_output_tokens"] == 16); // raised to OpenAI's minimum
  CHECK(body["tool_choice"] == "required");
  CHECK(body["reasoning"]["effort"] == "medium");
  CHECK(body["include"] == json::array({"reasoning.encrypted_content"}));
  CHECK_FALSE(body.contains("temperature"));
  CHECK_FALSE(body.contains("stop"));
  CHECK_FALSE(body.contains("safety_identifier")); // longer than OpenAI's 64 characters
  CHECK(body["tools"][1]["parameters"] == json{{"type", "object"}, {"properties", json::object()}});
  for (const auto& item : body["input"]) {
    CHECK(item["type"] != "reasoning"); // Anthropic signatures never go to OpenAI
    CHECK(item.value("call_id", "") != "toolu_99");
  }
}

TEST_CASE("replays own reasoning but drops foreign (wrapped) reasoning when encoding for OpenAI") {
  auto request = openai_responses::decode_request(read_translate_json(std::string(k_dir) + "request_codex.json"));
  auto body = openai_responses::encode_request(request, openai_options("gpt-5.5"));
  check_golden(body, std::string(k_dir) + "encode_codex_roundtrip.json");

  int reasoning = 0;
  for (const auto& item : body["input"]) {
    if (item["type"] != "reasoning") {
      CHECK_FALSE(item.contains("id")); // Codex's own item ids mean nothing to OpenAI with store:false
      continue;
    }
    ++reasoning;
    CHECK(item["encrypted_content"] == "gAAAAABoOwnCodexOwnReasoning==");
    CHECK(item["id"] == "rs_68f0a1b2c3d4e5f6");
  }
  CHECK(reasoning == 1);
  CHECK(body["include"] == json::array({"reasoning.encrypted_content"}));

  SUBCASE("for another family nothing is replayed") {
    auto other = openai_options();
    other.family = Issuer::none;
    auto foreign = openai_responses::encode_request(request, other);
    for (const auto& item : foreign["input"]) CHECK(item["type"] != "reasoning");
  }
}

TEST_CASE("encodes every tool choice mode and structured output") {
  Request request;
  request.messages.push_back({Role::user, {text("hi")}});
  Tool patch;
  patch.name = "apply_patch";
  patch.custom = true;
  request.tools.push_back(patch);
  auto choice = [&](ToolChoice::Mode mode, std::string name = "") {
    request.tool_choice = {mode, std::move(name)};
    auto body = openai_responses::encode_request(request, openai_options());
    return body.contains("tool_choice") ? body["tool_choice"] : json();
  };
  CHECK(choice(ToolChoice::Mode::unset).is_null());
  CHECK(choice(ToolChoice::Mode::automatic) == "auto");
  CHECK(choice(ToolChoice::Mode::any) == "required");
  CHECK(choice(ToolChoice::Mode::none) == "none");
  CHECK(choice(ToolChoice::Mode::tool, "apply_patch") == json{{"type", "custom"}, {"name", "apply_patch"}});
  CHECK(choice(ToolChoice::Mode::tool, "shell") == json{{"type", "function"}, {"name", "shell"}});

  request.response_format = {{"type", "json_schema"},
                             {"json_schema", {{"name", "out"}, {"schema", {{"type", "object"}}}, {"strict", true}}}};
  auto body = openai_responses::encode_request(request, openai_options());
  CHECK(body["text"]["format"] ==
        json{{"type", "json_schema"}, {"name", "out"}, {"schema", {{"type", "object"}}}, {"strict", true}});
  CHECK(body["tools"][0] == json{{"type", "custom"}, {"name", "apply_patch"}});
  CHECK_FALSE(body.contains("reasoning"));
  CHECK_FALSE(body.contains("include")); // non-reasoning models reject it
}

TEST_CASE("a custom tool call answered through another format goes back to OpenAI as custom_tool_call") {
  // A Chat client saw apply_patch as a function taking {"input": ...}.
  Request request;
  Tool patch;
  patch.name = "apply_patch";
  patch.custom = true;
  request.tools.push_back(patch);
  request.messages.push_back({Role::user, {text("patch it")}});
  request.messages.push_back(
      {Role::assistant, {tool_call("call_1", "apply_patch", R"({"input":"*** Begin Patch\n"})")}});
  request.messages.push_back({Role::user, {tool_result("call_1", {text("Success.")})}});
  auto body = openai_responses::encode_request(request, openai_options());
  REQUIRE(body["input"].size() == 3);
  CHECK(body["input"][1] == json{{"type", "custom_tool_call"},
                                 {"call_id", "call_1"},
                                 {"name", "apply_patch"},
                                 {"input", "*** Begin Patch\n"}});
  CHECK(body["input"][2] == json{{"type", "custom_tool_call_output"}, {"call_id", "call_1"}, {"output", "Success."}});
}

TEST_CASE("decodes a response with reasoning, text, function and custom tool calls and cached usage") {
  auto response = openai_responses::decode_response(read_translate_json(std::string(k_dir) + "response_tools.json"));
  check_golden(to_json(response), std::string(k_dir) + "response_tools.decoded.json");
  CHECK(response.stop == StopReason::tool_use);
  CHECK(response.usage.input_uncached_tokens == 1024);
  CHECK(response.usage.cache_read_tokens == 4096);
  CHECK(response.usage.output_tokens == 900);
  CHECK(response.usage.reasoning_tokens == 640);
  REQUIRE(response.parts.size() == 4);
  CHECK(response.parts[0].issuer == Issuer::openai);
  CHECK(response.parts[0].reasoning_id == "rs_68f0a1");
  CHECK(response.parts[3].custom);
}

TEST_CASE("an incomplete response stops at max_tokens; a content filter is a refusal") {
  auto body = read_translate_json(std::string(k_dir) + "response_incomplete.json");
  auto response = openai_responses::decode_response(body);
  CHECK(response.stop == StopReason::max_tokens);
  CHECK(response.parts.size() == 2);
  CHECK(response.parts[0].issuer == Issuer::none); // no encrypted_content, nothing to replay
  body["incomplete_details"]["reason"] = "content_filter";
  CHECK(openai_responses::decode_response(body).stop == StopReason::refusal);
  CHECK_THROWS_AS(openai_responses::decode_response("oops"), TranslateError);
}

TEST_CASE("decodes OpenAI error bodies, stream error events and plain text") {
  auto rate = openai_responses::decode_error(
      429,
      R"({"error":{"message":"Rate limit reached for gpt-5 in organization org-x on tokens per min (TPM): Limit 30000, Used 29000. Please try again in 2.5s.","type":"tokens","param":null,"code":"rate_limit_exceeded"}})");
  CHECK(rate.status == 429);
  CHECK(rate.type == "tokens");
  CHECK(rate.code == "rate_limit_exceeded");
  CHECK(rate.message.find("try again in 2.5s") != std::string::npos);

  auto event = openai_responses::decode_error(
      400,
      R"({"type":"error","code":"context_length_exceeded","message":"Your input exceeds the context window of this model.","param":"input","sequence_number":3})");
  CHECK(event.code == "context_length_exceeded");
  CHECK(event.type.empty());

  auto text = openai_responses::decode_error(502, "upstream connect error or disconnect/reset before headers");
  CHECK(text.message == "upstream connect error or disconnect/reset before headers");
  CHECK(text.code.empty());
}

TEST_CASE("encodes errors keeping the message word for word, with a code Codex acts on") {
  Error anthropic_overflow{400, "invalid_request_error", "", "prompt is too long: 210345 tokens > 200000 maximum"};
  auto body = json::parse(openai_responses::encode_error(anthropic_overflow));
  CHECK(body["error"]["message"] == "prompt is too long: 210345 tokens > 200000 maximum");
  CHECK(body["error"]["type"] == "invalid_request_error");
  CHECK(body["error"]["code"] == "context_length_exceeded");
  CHECK(body["error"]["param"].is_null());

  Error overloaded{529, "overloaded_error", "", "Overloaded"};
  body = json::parse(openai_responses::encode_error(overloaded));
  CHECK(body["error"] ==
        json{{"message", "Overloaded"}, {"type", "server_error"}, {"param", nullptr}, {"code", "server_error"}});

  Error rate{429, "rate_limit_error", "", "Number of request tokens has exceeded your per-minute rate limit"};
  CHECK(json::parse(openai_responses::encode_error(rate))["error"]["code"] == "rate_limit_exceeded");
  Error gemini{429, "RESOURCE_EXHAUSTED", "429", "Resource has been exhausted (e.g. check quota)."};
  CHECK(json::parse(openai_responses::encode_error(gemini))["error"]["code"] == "rate_limit_exceeded");
  Error quota{402, "insufficient_quota", "insufficient_quota", "llmgw: daily cap of $5.00 reached"};
  CHECK(json::parse(openai_responses::encode_error(quota))["error"]["code"] == "insufficient_quota");
}

TEST_CASE("encodes an in-band error as response.failed with the error code") {
  Error overflow{400, "", "", "This model's maximum context length is 128000 tokens."};
  std::string sse = openai_responses::encode_stream_error(overflow);
  CHECK(sse.rfind("event: response.failed\ndata: ", 0) == 0);
  CHECK(sse.size() > 2);
  CHECK(sse.substr(sse.size() - 2) == "\n\n");
  auto blocks = llmgw::test::sse_json(sse);
  REQUIRE(blocks.size() == 1);
  const json& data = blocks[0]["data"];
  CHECK(data["type"] == "response.failed");
  CHECK(data["response"]["status"] == "failed");
  CHECK(data["response"]["id"].get<std::string>().rfind("resp_", 0) == 0);
  CHECK(data["response"]["error"] == json{{"code", "context_length_exceeded"},
                                          {"message", "This model's maximum context length is 128000 tokens."}});
}
