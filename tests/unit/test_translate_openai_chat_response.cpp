// OpenAI Chat Completions codec: non-streaming responses and error bodies.
#include "core/translate/openai_chat/codec.hpp"
#include "core/translate/reasoning_state.hpp"
#include "core/translate/translator.hpp"
#include "tests/unit/translate_test_support.hpp"

namespace chat = llmgw::core::translate::openai_chat;
using namespace llmgw::core::translate;
using llmgw::test::check_golden;
using llmgw::test::read_translate_json;
using nlohmann::json;

namespace {

Part part_of(Part::Kind kind, std::string text) {
  Part part;
  part.kind = kind;
  part.text = std::move(text);
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

// `created` is the clock: checked, then fixed so the golden stays stable.
json stable(json body) {
  CHECK(body["created"].get<int64_t>() > 1700000000);
  body["created"] = 0;
  return body;
}

ResponseOptions client_model(std::string model) {
  ResponseOptions options;
  options.model = std::move(model);
  return options;
}

} // namespace

TEST_CASE("openai_chat decodes a text response with cached prompt tokens") {
  auto response = chat::decode_response(read_translate_json("openai_chat/response_text.json"));
  check_golden(to_json(response), "openai_chat/response_text.decoded.json");
  CHECK(response.usage.input_uncached_tokens == 2000);
  CHECK(response.usage.cache_read_tokens == 8000);
  CHECK(response.stop == StopReason::end_turn);
}

TEST_CASE("openai_chat decodes tool calls as tool_use even when the finish_reason says stop") {
  auto response = chat::decode_response(read_translate_json("openai_chat/response_gemini_tools.json"));
  check_golden(to_json(response), "openai_chat/response_gemini_tools.decoded.json");
  CHECK(response.stop == StopReason::tool_use);
  CHECK(response.parts[1].issuer == Issuer::gemini);
  CHECK(recall_tool_signature("function-call-1") == "CiQBVKhc7sig==");
}

TEST_CASE("openai_chat decodes reasoning_content before the text and DeepSeek cache hit/miss usage") {
  auto response = chat::decode_response(read_translate_json("openai_chat/response_deepseek_reasoning.json"));
  check_golden(to_json(response), "openai_chat/response_deepseek_reasoning.decoded.json");
  REQUIRE(response.parts.size() == 2);
  CHECK(response.parts[0].kind == Part::Kind::thinking);
  CHECK(response.parts[0].issuer == Issuer::none);
  CHECK(response.usage.input_uncached_tokens == 176);
  CHECK(response.usage.cache_read_tokens == 1024);
  CHECK(response.stop == StopReason::max_tokens);
}

TEST_CASE("openai_chat decodes a refusal as text with stop reason refusal") {
  auto response = chat::decode_response(read_translate_json("openai_chat/response_refusal.json"));
  check_golden(to_json(response), "openai_chat/response_refusal.decoded.json");
  CHECK(response.stop == StopReason::refusal);
  CHECK_FALSE(response.usage.reported);
  CHECK_THROWS_AS(chat::decode_response(json::array()), TranslateError);
}

TEST_CASE("openai_chat encodes a response with thinking, text, tool calls and full usage") {
  Response response;
  response.id = "msg_01XYZ";
  response.model = "claude-sonnet-4-5-20250929";
  Part custom = call("toolu_02", "apply_patch", "");
  custom.custom = true;
  custom.text = "*** Begin Patch";
  response.parts = {part_of(Part::Kind::thinking, "Let me check."), part_of(Part::Kind::text, "Reading "),
                    part_of(Part::Kind::text, "the file."), call("toolu_01", "Read", R"({"file_path":"a.cpp"})"),
                    custom};
  response.stop = StopReason::tool_use;
  response.usage.input_uncached_tokens = 12;
  response.usage.cache_read_tokens = 9000;
  response.usage.cache_write_5m_tokens = 300;
  response.usage.cache_write_1h_tokens = 200;
  response.usage.output_tokens = 150;
  response.usage.reasoning_tokens = 40;
  response.usage.reported = true;
  auto body = stable(chat::encode_response(response, client_model("gpt-4.1")));
  check_golden(body, "openai_chat/encode_response_tools.json");
  CHECK(body["model"] == "gpt-4.1");
  CHECK(body["usage"]["prompt_tokens"] == 9512);
  CHECK(body["usage"]["total_tokens"] == 9662);
  CHECK(body["choices"][0]["message"]["tool_calls"][1]["function"]["arguments"] == R"({"input":"*** Begin Patch"})");
}

TEST_CASE("openai_chat encodes a text-only response without reasoning_content and a null-content tool turn") {
  Response response;
  response.parts = {part_of(Part::Kind::text, "Done.")};
  response.stop = StopReason::stop_sequence;
  auto body = chat::encode_response(response, client_model("gpt-4o"));
  CHECK(body["id"].get<std::string>().rfind("chatcmpl-", 0) == 0);
  CHECK(body["id"].get<std::string>().size() == 33);
  CHECK(body["object"] == "chat.completion");
  CHECK(body["choices"][0]["finish_reason"] == "stop");
  CHECK(body["choices"][0]["message"]["content"] == "Done.");
  CHECK_FALSE(body["choices"][0]["message"].contains("reasoning_content"));
  CHECK_FALSE(body["usage"]["prompt_tokens_details"].contains("cache_write_tokens"));

  response.parts = {call("c1", "f", "{}")};
  response.stop = StopReason::end_turn; // a decoder that did not apply the tool rule
  body = chat::encode_response(response, client_model("gpt-4o"));
  CHECK(body["choices"][0]["message"]["content"].is_null());
  CHECK(body["choices"][0]["finish_reason"] == "tool_calls");
}

TEST_CASE("openai_chat maps every stop reason to a finish_reason") {
  auto finish_for = [](StopReason stop) {
    Response response;
    response.stop = stop;
    return chat::encode_response(response, {})["choices"][0]["finish_reason"].get<std::string>();
  };
  CHECK(finish_for(StopReason::end_turn) == "stop");
  CHECK(finish_for(StopReason::stop_sequence) == "stop");
  CHECK(finish_for(StopReason::pause_turn) == "stop");
  CHECK(finish_for(StopReason::max_tokens) == "length");
  CHECK(finish_for(StopReason::tool_use) == "tool_calls");
  CHECK(finish_for(StopReason::refusal) == "content_filter");
}

TEST_CASE("openai_chat decodes the error bodies of OpenAI and compat servers") {
  auto openai = chat::decode_error(
      429,
      R"({"error":{"message":"Rate limit reached for gpt-4.1 in organization org-x on tokens per min (TPM): Limit 30000, Used 29000, Requested 2000.","type":"tokens","param":null,"code":"rate_limit_exceeded"}})");
  CHECK(openai.status == 429);
  CHECK(openai.type == "tokens");
  CHECK(openai.code == "rate_limit_exceeded");
  CHECK(openai.message.rfind("Rate limit reached for gpt-4.1", 0) == 0);

  auto overflow = chat::decode_error(
      400,
      R"({"error":{"message":"This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens.","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}})");
  CHECK(overflow.code == "context_length_exceeded");

  auto vllm = chat::decode_error(
      400,
      R"({"object":"error","message":"This model's maximum context length is 32768 tokens.","type":"BadRequestError","param":null,"code":400})");
  CHECK(vllm.message == "This model's maximum context length is 32768 tokens.");
  CHECK(vllm.type == "BadRequestError");
  CHECK(vllm.code.empty());

  CHECK(chat::decode_error(500, R"({"error":"model 'llama3' not found, try pulling it first"})").message ==
        "model 'llama3' not found, try pulling it first");
  CHECK(chat::decode_error(422, R"({"detail":[{"loc":["body","messages"],"msg":"field required","type":"missing"}]})")
            .message == "field required");
  CHECK(chat::decode_error(401, R"({"detail":"Invalid API key"})").message == "Invalid API key");
  auto gemini = chat::decode_error(
      400, R"([{"error":{"code":400,"message":"Request contains an invalid argument.","status":"INVALID_ARGUMENT"}}])");
  CHECK(gemini.message == "Request contains an invalid argument.");
  CHECK(gemini.type == "INVALID_ARGUMENT");
  CHECK(chat::decode_error(502, "<html><body>502 Bad Gateway</body></html>\n").message ==
        "<html><body>502 Bad Gateway</body></html>");
  CHECK(chat::decode_error(503, "").message == "upstream returned status 503");
  CHECK(chat::decode_error(500, R"({"unexpected":true})").message == R"({"unexpected":true})");
}

TEST_CASE("openai_chat encodes errors with the message word for word") {
  Error anthropic{529, "overloaded_error", "", "Overloaded"};
  CHECK(json::parse(chat::encode_error(anthropic)) ==
        json{{"error", {{"message", "Overloaded"}, {"type", "server_error"}, {"param", nullptr}, {"code", nullptr}}}});
  Error limited{429, "rate_limit_error", "", "Number of request tokens has exceeded your per-minute rate limit"};
  auto body = json::parse(chat::encode_error(limited));
  CHECK(body["error"]["type"] == "rate_limit_exceeded");
  CHECK(body["error"]["code"] == "rate_limit_exceeded");
  CHECK(body["error"]["message"] == limited.message);
  Error own{400, "invalid_request_error", "model_not_found", "The model `gpt-9` does not exist"};
  body = json::parse(chat::encode_error(own));
  CHECK(body["error"]["type"] == "invalid_request_error");
  CHECK(body["error"]["code"] == "model_not_found");
}

TEST_CASE("openai_chat marks a context overflow from another provider with context_length_exceeded") {
  Error anthropic{400, "invalid_request_error", "", "prompt is too long: 208310 tokens > 200000 maximum"};
  auto body = json::parse(chat::encode_error(anthropic));
  CHECK(body["error"]["code"] == "context_length_exceeded");
  CHECK(body["error"]["type"] == "invalid_request_error");
  CHECK(body["error"]["message"] == "prompt is too long: 208310 tokens > 200000 maximum");
  Error gemini{400, "INVALID_ARGUMENT", "",
               "The input token count (1200000) exceeds the maximum number of tokens allowed (1048576)."};
  CHECK(json::parse(chat::encode_error(gemini))["error"]["code"] == "context_length_exceeded");
}

TEST_CASE("openai_chat stream error is one data record with an error object") {
  Error error{503, "overloaded_error", "", "upstream overloaded"};
  auto text = chat::encode_stream_error(error);
  CHECK(text.rfind("data: {", 0) == 0);
  CHECK(text.substr(text.size() - 2) == "\n\n");
  CHECK(text.find("event:") == std::string::npos);
  auto records = llmgw::test::sse_json(text);
  REQUIRE(records.size() == 1);
  CHECK(records[0]["data"]["error"]["message"] == "upstream overloaded");
}

TEST_CASE("openai_chat: provider bodies nested too deep are an error, tool arguments nested too deep kept as text") {
  using llmgw::core::protocol::ApiFormat;
  const std::string deep(100000, '[');
  CHECK_THROWS_WITH_AS(translate_response(ApiFormat::openai_chat, ApiFormat::anthropic,
                                          R"({"choices":[{"message":{"content":)" + deep + "}}]}", ResponseOptions{}),
                       "the provider's response nests JSON deeper than 128 levels", TranslateError);
  // Arguments are JSON text inside a string: the body is shallow, the text is not.
  const std::string arguments = std::string(100000, '[') + std::string(100000, ']');
  const json body{
      {"choices",
       {{{"message",
          {{"role", "assistant"},
           {"tool_calls",
            {{{"id", "call_1"}, {"type", "function"}, {"function", {{"name", "f"}, {"arguments", arguments}}}}}}}},
         {"finish_reason", "tool_calls"}}}}};
  for (ApiFormat client : {ApiFormat::anthropic, ApiFormat::gemini, ApiFormat::openai_responses}) {
    std::string out;
    CHECK_NOTHROW(out = translate_response(ApiFormat::openai_chat, client, body.dump(), ResponseOptions{}));
    CHECK(json::accept(out));
  }
  // An error body of arrays nested 100,000 deep (Gemini's compat endpoint wraps errors in arrays).
  CHECK(json::accept(
      translate_error(ApiFormat::openai_chat, ApiFormat::anthropic, 500, deep + std::string(100000, ']'))));
}
