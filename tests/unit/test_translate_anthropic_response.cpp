// Anthropic Messages codec: non-streaming responses and error bodies.
#include "core/translate/anthropic/codec.hpp"
#include "core/translate/reasoning_state.hpp"
#include "tests/unit/translate_test_support.hpp"

#include <doctest/doctest.h>

using namespace llmgw::core::translate;
using llmgw::test::check_golden;
using llmgw::test::read_translate_json;
using nlohmann::json;

namespace {

Part reasoning(Part::Kind kind, std::string text, std::string signature, Issuer issuer) {
  Part part;
  part.kind = kind;
  part.text = std::move(text);
  part.signature = std::move(signature);
  part.issuer = issuer;
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

// What a Responses or Chat upstream answered, in neutral form.
Response foreign_response() {
  Response response;
  response.id = "resp_68a1";
  response.model = "gpt-5.1-codex";
  response.parts.push_back(reasoning(Part::Kind::thinking, "Plan: read then edit.", "gAAAAABenc", Issuer::openai));
  response.parts.push_back(reasoning(Part::Kind::thinking, "DeepSeek thoughts", "", Issuer::none));
  response.parts.push_back(reasoning(Part::Kind::thinking, "Claude thoughts", "EqQBsig", Issuer::anthropic));
  response.parts.push_back(reasoning(Part::Kind::redacted_thinking, "", "gAAAAABonly", Issuer::openai));
  Part empty;
  response.parts.push_back(empty); // empty text: never sent
  Part text;
  text.text = "Editing now.";
  response.parts.push_back(text);
  response.parts.push_back(call("call_1", "Edit", R"({"file_path":"/a.c","old_string":"x","new_string":"y"})"));
  response.parts.push_back(call("call_2", "Bash", "not json"));
  Part custom = call("call_3", "apply_patch", "{}");
  custom.custom = true;
  custom.text = "*** Begin Patch";
  response.parts.push_back(custom);
  response.stop = StopReason::tool_use;
  response.usage.input_uncached_tokens = 100;
  response.usage.cache_read_tokens = 2000;
  response.usage.cache_write_5m_tokens = 300;
  response.usage.cache_write_1h_tokens = 50;
  response.usage.output_tokens = 400;
  response.usage.reasoning_tokens = 250;
  response.usage.reported = true;
  return response;
}

ResponseOptions client_model() {
  ResponseOptions options;
  options.model = "claude-sonnet-4-5";
  return options;
}

std::string message_of(const std::string& body) { return json::parse(body)["error"]["message"].get<std::string>(); }
std::string type_of(const std::string& body) { return json::parse(body)["error"]["type"].get<std::string>(); }

Error error(int status, std::string type, std::string code, std::string message) {
  return Error{status, std::move(type), std::move(code), std::move(message)};
}

} // namespace

TEST_CASE("decodes a message with thinking, text, tool use and cache usage") {
  auto response = anthropic::decode_response(read_translate_json("anthropic/response_thinking_tool.json"));
  check_golden(to_json(response), "anthropic/response_thinking_tool.decoded.json");
  CHECK(response.parts[0].issuer == Issuer::anthropic);
  CHECK(response.usage.cache_write_1h_tokens == 1024);
  CHECK(response.usage.reasoning_tokens == 60);
}

TEST_CASE("decodes server-tool artefacts away and maps model_context_window_exceeded to max_tokens") {
  auto response = anthropic::decode_response(read_translate_json("anthropic/response_server_tools.json"));
  check_golden(to_json(response), "anthropic/response_server_tools.decoded.json");
  CHECK(response.stop == StopReason::max_tokens);
  REQUIRE(response.parts.size() == 2);
  CHECK(response.parts[0].kind == Part::Kind::redacted_thinking);
}

TEST_CASE("decodes a stop_sequence stop with null cache counts") {
  auto response = anthropic::decode_response(read_translate_json("anthropic/response_stop_sequence.json"));
  CHECK(response.stop == StopReason::stop_sequence);
  CHECK(response.stop_sequence == "</answer>");
  CHECK(response.usage.input_uncached_tokens == 20);
  CHECK(response.usage.cache_read_tokens == 0);
  CHECK_THROWS_AS(anthropic::decode_response(json::array()), TranslateError);
}

TEST_CASE("encodes a foreign response for an Anthropic client: wrapped signatures, object inputs, cache usage") {
  auto body = anthropic::encode_response(foreign_response(), client_model());
  check_golden(body, "anthropic/response_foreign.encoded.json");
  CHECK(body["content"][0]["signature"] == wrap_signature(Issuer::openai, "gAAAAABenc"));
  CHECK(body["content"][1]["signature"] == "llmgw1.none.");
  CHECK(body["content"][2]["signature"] == "EqQBsig");
  CHECK(body["usage"]["input_tokens"] == 100); // excludes cache (§5.5)
  CHECK(body["usage"]["cache_creation_input_tokens"] == 350);
}

TEST_CASE("the signatures an Anthropic client gets decode back to their issuer") {
  auto body = anthropic::encode_response(foreign_response(), client_model());
  json request{
      {"messages", {{{"role", "user"}, {"content", "go"}}, {{"role", "assistant"}, {"content", body["content"]}}}}};
  auto decoded = anthropic::decode_request(request);
  const auto& parts = decoded.messages[1].parts;
  CHECK(parts[0].issuer == Issuer::openai);
  CHECK(parts[0].signature == "gAAAAABenc");
  CHECK(parts[1].issuer == Issuer::none);
  CHECK(parts[2].issuer == Issuer::anthropic);
  CHECK(parts[3].issuer == Issuer::openai);
  CHECK(parts[3].signature == "gAAAAABonly");
}

TEST_CASE("an Anthropic response survives decode and encode unchanged in content, stop and usage") {
  const json original = read_translate_json("anthropic/response_thinking_tool.json");
  auto body = anthropic::encode_response(anthropic::decode_response(original), client_model());
  CHECK(body["id"] == "msg_01XYZ");
  CHECK(body["model"] == "claude-sonnet-4-5");
  CHECK(body["content"] == original["content"]);
  CHECK(body["stop_reason"] == "tool_use");
  CHECK(body["stop_sequence"] == nullptr);
  for (const char* key :
       {"input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens", "output_tokens", "cache_creation"})
    CHECK(body["usage"][key] == original["usage"][key]);
}

TEST_CASE("encodes a response without id or tool-call ids with generated Anthropic-style ids") {
  Response response;
  response.parts.push_back(call("", "Read", "{}"));
  auto body = anthropic::encode_response(response, client_model());
  CHECK(body["id"].get<std::string>().rfind("msg_", 0) == 0);
  CHECK(body["id"].get<std::string>().size() == 28);
  CHECK(body["content"][0]["id"].get<std::string>().rfind("toolu_", 0) == 0);
  CHECK(body["content"][0]["input"] == json::object());
}

TEST_CASE("decodes Anthropic error bodies and what Anthropic-compatible providers send") {
  auto overloaded = anthropic::decode_error(
      529, R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"},"request_id":"req_011CSx"})");
  CHECK(overloaded.status == 529);
  CHECK(overloaded.type == "overloaded_error");
  CHECK(overloaded.message == "Overloaded");

  auto too_long = anthropic::decode_error(
      400,
      R"({"type":"error","error":{"type":"invalid_request_error","message":"prompt is too long: 230462 tokens > 200000 maximum"}})");
  CHECK(too_long.message == "prompt is too long: 230462 tokens > 200000 maximum");

  auto openai_shaped = anthropic::decode_error(
      429, R"({"error":{"message":"Rate limit reached","type":"rate_limit_exceeded","code":"rate_limit_exceeded"}})");
  CHECK(openai_shaped.type == "rate_limit_exceeded");
  CHECK(openai_shaped.code == "rate_limit_exceeded");
  CHECK(openai_shaped.message == "Rate limit reached");

  auto text = anthropic::decode_error(502, "upstream connect error or disconnect/reset before headers");
  CHECK(text.message == "upstream connect error or disconnect/reset before headers");
  CHECK(text.type.empty());

  CHECK(anthropic::decode_error(400, R"({"error":"bad model"})").message == "bad model");
}

TEST_CASE("encodes errors with the message word for word and an Anthropic type") {
  auto body = anthropic::encode_error(error(529, "overloaded_error", "", "Overloaded"));
  CHECK(json::parse(body) ==
        json{{"type", "error"}, {"error", {{"type", "overloaded_error"}, {"message", "Overloaded"}}}});
  CHECK(type_of(anthropic::encode_error(error(429, "rate_limit_exceeded", "rate_limit_exceeded", "Slow down"))) ==
        "rate_limit_error");
  CHECK(type_of(anthropic::encode_error(error(529, "", "", "busy"))) == "overloaded_error");
  CHECK(type_of(anthropic::encode_error(error(503, "UNAVAILABLE", "", "The model is overloaded."))) == "api_error");
  CHECK(type_of(anthropic::encode_error(error(401, "", "", "bad key"))) == "authentication_error");
  CHECK(type_of(anthropic::encode_error(error(422, "", "", "x"))) == "invalid_request_error");
  const std::string odd = "quote \" backslash \\ newline \n unicode ✓";
  CHECK(message_of(anthropic::encode_error(error(500, "server_error", "", odd))) == odd);
  CHECK(message_of(anthropic::encode_error(error(500, "", "", ""))) == "upstream error (status 500)");
}

TEST_CASE("encodes context overflow so Claude Code compacts: invalid_request_error, prompt is too long") {
  const std::string openai = "This model's maximum context length is 128000 tokens. However, your messages resulted in "
                             "130512 tokens. Please reduce the length of the messages.";
  auto body = anthropic::encode_error(error(400, "invalid_request_error", "context_length_exceeded", openai));
  CHECK(type_of(body) == "invalid_request_error");
  CHECK(message_of(body) == "prompt is too long: " + openai);

  auto gemini = anthropic::encode_error(
      error(400, "INVALID_ARGUMENT", "",
            "The input token count (1200000) exceeds the maximum number of tokens allowed (1048576)."));
  CHECK(message_of(gemini).rfind("prompt is too long: The input token count", 0) == 0);

  const std::string anthropic_own = "prompt is too long: 230462 tokens > 200000 maximum";
  CHECK(message_of(anthropic::encode_error(error(400, "invalid_request_error", "", anthropic_own))) == anthropic_own);
  const std::string limit = "input length and `max_tokens` exceed context limit: 190000 + 32000 > 200000, decrease "
                            "input length or `max_tokens` and try again";
  CHECK(message_of(anthropic::encode_error(error(400, "invalid_request_error", "", limit))) == limit);
}

TEST_CASE("encodes an in-band stream error as an event: error record") {
  auto event = anthropic::encode_stream_error(error(529, "overloaded_error", "", "Overloaded"));
  CHECK(event == "event: error\ndata: "
                 "{\"error\":{\"message\":\"Overloaded\",\"type\":\"overloaded_error\"},\"type\":\"error\"}\n\n");
  auto parsed = llmgw::test::sse_json(event);
  REQUIRE(parsed.size() == 1);
  CHECK(parsed[0]["event"] == "error");
  CHECK(parsed[0]["data"]["error"]["type"] == "overloaded_error");
}
