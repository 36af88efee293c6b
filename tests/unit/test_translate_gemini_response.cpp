// Gemini non-streaming responses and error bodies (PROTOCOLS.md §6.3, §6.4).
#include "core/translate/gemini/codec.hpp"
#include "core/translate/reasoning_state.hpp"
#include "tests/unit/translate_test_support.hpp"

#include <doctest/doctest.h>

using llmgw::core::translate::Error;
using llmgw::core::translate::Issuer;
using llmgw::core::translate::Message;
using llmgw::core::translate::Part;
using llmgw::core::translate::Request;
using llmgw::core::translate::RequestOptions;
using llmgw::core::translate::Response;
using llmgw::core::translate::ResponseOptions;
using llmgw::core::translate::Role;
using llmgw::core::translate::StopReason;
using llmgw::core::translate::TranslateError;
using llmgw::test::check_golden;
using llmgw::test::read_translate_json;
using nlohmann::json;
namespace gemini = llmgw::core::translate::gemini;

namespace {

json response_with(const std::string& parts, const std::string& finish_reason) {
  json body = json::parse(R"({"candidates":[{"content":{"role":"model","parts":)" + parts + R"(},"index":0}]})");
  if (!finish_reason.empty()) body["candidates"][0]["finishReason"] = finish_reason;
  return body;
}

bool is_fresh_call_id(const std::string& id) {
  if (id.size() != 29 || id.rfind("call_", 0) != 0) return false;
  return id.find_first_not_of("0123456789abcdef", 5) == std::string::npos;
}

} // namespace

TEST_CASE("gemini decode_response reads thoughts, text, signatures and usage with thinking in output") {
  Response response = gemini::decode_response(read_translate_json("gemini/response_thinking_text.json"));
  check_golden(to_json(response), "gemini/response_thinking_text.golden.json");
  CHECK(response.usage.output_tokens == 335); // candidates 25 + thoughts 310
  CHECK(response.usage.reasoning_tokens == 310);
  CHECK(response.usage.input_uncached_tokens == 476);
  CHECK(response.usage.cache_read_tokens == 1024);
  CHECK(response.stop == StopReason::end_turn);
}

TEST_CASE("gemini decode_response reports tool_use when function calls end with STOP") {
  Response response = gemini::decode_response(read_translate_json("gemini/response_tool_call.json"));
  check_golden(to_json(response), "gemini/response_tool_call.golden.json");
  CHECK(response.stop == StopReason::tool_use);
  CHECK(llmgw::core::translate::recall_tool_signature("fc_a1") == "CiQB0e2Kb7resp");
}

TEST_CASE("gemini decode_response gives id-less function calls fresh ids and remembers their signatures") {
  json body = response_with(R"([{"functionCall":{"name":"ls","args":{}},"thoughtSignature":"CsigFresh"},
                                {"functionCall":{"name":"ls"}}])",
                            "STOP");
  Response first = gemini::decode_response(body);
  Response second = gemini::decode_response(body);
  REQUIRE(first.parts.size() == 2);
  CHECK(is_fresh_call_id(first.parts[0].id));
  CHECK(first.parts[0].id != first.parts[1].id);
  CHECK(first.parts[0].id != second.parts[0].id);
  CHECK(first.parts[1].arguments == "{}");
  CHECK(llmgw::core::translate::recall_tool_signature(first.parts[0].id) == "CsigFresh");
}

TEST_CASE("gemini signature remembered from a response is replayed on the call by id") {
  Response response = gemini::decode_response(
      response_with(R"([{"functionCall":{"name":"grep","args":{"q":"x"}},"thoughtSignature":"CsigReplay"}])", "STOP"));
  // The client (say Claude Code) sends the call back without any signature.
  Part call = response.parts.at(0);
  call.signature.clear();
  call.issuer = Issuer::none;
  Part result;
  result.kind = Part::Kind::tool_result;
  result.id = call.id;
  result.content.push_back(Part{});
  result.content[0].text = "no match";
  Request request;
  Message user;
  user.parts.push_back(Part{});
  user.parts[0].text = "search";
  request.messages.push_back(user);
  Message assistant;
  assistant.role = Role::assistant;
  assistant.parts.push_back(call);
  request.messages.push_back(assistant);
  Message answer;
  answer.parts.push_back(result);
  request.messages.push_back(answer);
  RequestOptions options;
  options.family = Issuer::gemini;
  json body = gemini::encode_request(request, options);
  CHECK(body["contents"][1]["parts"][0]["thoughtSignature"] == "CsigReplay");
  CHECK(body["contents"][2]["parts"][0]["functionResponse"]["name"] == "grep");
  CHECK(body["contents"][2]["parts"][0]["functionResponse"]["response"] == json{{"content", "no match"}});
}

TEST_CASE("gemini decode_response maps finish reasons") {
  auto stop = [](const std::string& reason) {
    return gemini::decode_response(response_with(R"([{"text":"x"}])", reason)).stop;
  };
  CHECK(stop("STOP") == StopReason::end_turn);
  CHECK(stop("MAX_TOKENS") == StopReason::max_tokens);
  for (const char* blocked : {"SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY"})
    CHECK(stop(blocked) == StopReason::refusal);
  CHECK(stop("MALFORMED_FUNCTION_CALL") == StopReason::end_turn);
  CHECK(stop("OTHER") == StopReason::end_turn);
  CHECK(stop("") == StopReason::end_turn);
}

TEST_CASE("gemini decode_response turns a blocked prompt into a refusal without parts") {
  Response response = gemini::decode_response(json::parse(
      R"({"promptFeedback":{"blockReason":"PROHIBITED_CONTENT"},"usageMetadata":{"promptTokenCount":12,"totalTokenCount":12},"modelVersion":"gemini-2.5-flash"})"));
  CHECK(response.stop == StopReason::refusal);
  CHECK(response.parts.empty());
  CHECK(response.usage.input_uncached_tokens == 12);
  CHECK_THROWS_AS(gemini::decode_response(json("text")), TranslateError);
}

TEST_CASE("gemini encode_response writes a candidate for gemini-cli with Gemini usage conventions") {
  Response response;
  response.id = "msg_01XYZ";
  response.model = "claude-sonnet-4-5";
  Part thought;
  thought.kind = Part::Kind::thinking;
  thought.text = "Need the file first.";
  thought.signature = "EqQBCkYsig";
  thought.issuer = Issuer::anthropic;
  Part words;
  words.text = "Reading it now.";
  Part empty;
  Part call;
  call.kind = Part::Kind::tool_call;
  call.id = "toolu_01A";
  call.name = "read_file";
  call.arguments = R"({"absolute_path":"/repo/a.cpp"})";
  Part redacted;
  redacted.kind = Part::Kind::redacted_thinking;
  redacted.signature = "opaque";
  response.parts = {thought, words, empty, call, redacted};
  response.stop = StopReason::tool_use;
  response.usage.input_uncached_tokens = 10;
  response.usage.cache_read_tokens = 2000;
  response.usage.cache_write_5m_tokens = 300;
  response.usage.output_tokens = 120;
  response.usage.reasoning_tokens = 80;
  response.usage.reported = true;
  ResponseOptions options;
  options.model = "gemini-2.5-pro";
  json body = gemini::encode_response(response, options);
  check_golden(body, "gemini/encode_response_tool.golden.json");
  CHECK(body["usageMetadata"]["promptTokenCount"] == 2310);
  CHECK(body["usageMetadata"]["candidatesTokenCount"] == 40);
  CHECK(body["usageMetadata"]["thoughtsTokenCount"] == 80);
  CHECK(body["usageMetadata"]["totalTokenCount"] == 2430);
  // Decoding our own output gives back the same usage and the wrapped signature's issuer.
  Response back = gemini::decode_response(body);
  CHECK(back.usage.output_tokens == 120);
  CHECK(back.parts[0].issuer == Issuer::anthropic);
  CHECK(back.parts[0].signature == "EqQBCkYsig");
  CHECK(back.stop == StopReason::tool_use);
}

TEST_CASE("gemini encode_response maps stop reasons and never sends an empty parts list") {
  Response response;
  ResponseOptions options;
  options.model = "m";
  auto finish = [&](StopReason stop) {
    response.stop = stop;
    return gemini::encode_response(response, options)["candidates"][0]["finishReason"];
  };
  CHECK(finish(StopReason::end_turn) == "STOP");
  CHECK(finish(StopReason::stop_sequence) == "STOP");
  CHECK(finish(StopReason::max_tokens) == "MAX_TOKENS");
  CHECK(finish(StopReason::refusal) == "SAFETY");
  CHECK(gemini::encode_response(response, options)["candidates"][0]["content"]["parts"] ==
        json::parse(R"([{"text":""}])"));
}

TEST_CASE("gemini decode_error reads error objects, arrays of them and plain text") {
  Error limited = gemini::decode_error(
      429,
      R"({"error":{"code":429,"message":"Resource has been exhausted (e.g. check quota).","status":"RESOURCE_EXHAUSTED"}})");
  CHECK(limited.status == 429);
  CHECK(limited.type == "RESOURCE_EXHAUSTED");
  CHECK(limited.message == "Resource has been exhausted (e.g. check quota).");
  Error wrapped = gemini::decode_error(
      503,
      R"([{"error":{"code":503,"message":"The model is overloaded. Please try again later.","status":"UNAVAILABLE"}}])");
  CHECK(wrapped.type == "UNAVAILABLE");
  CHECK(wrapped.message == "The model is overloaded. Please try again later.");
  Error text = gemini::decode_error(502, "Bad Gateway");
  CHECK(text.message == "Bad Gateway");
  CHECK(text.type.empty());
  CHECK(gemini::decode_error(500, "").message == "gemini upstream returned http status 500");
}

TEST_CASE("gemini encode_error keeps the message word for word and names the status") {
  Error error;
  error.status = 429;
  error.type = "rate_limit_error";
  error.message = "Number of request tokens has exceeded your per-minute rate limit";
  CHECK(
      json::parse(gemini::encode_error(error)) ==
      json::parse(
          R"({"error":{"code":429,"message":"Number of request tokens has exceeded your per-minute rate limit","status":"RESOURCE_EXHAUSTED"}})"));
  error.status = 400;
  error.type = "FAILED_PRECONDITION";
  error.message = "User location is not supported for the API use.";
  CHECK(json::parse(gemini::encode_error(error))["error"]["status"] == "FAILED_PRECONDITION");
  for (auto [status, name] : std::vector<std::pair<int, std::string>>{{400, "INVALID_ARGUMENT"},
                                                                      {401, "UNAUTHENTICATED"},
                                                                      {403, "PERMISSION_DENIED"},
                                                                      {404, "NOT_FOUND"},
                                                                      {500, "INTERNAL"},
                                                                      {503, "UNAVAILABLE"},
                                                                      {504, "DEADLINE_EXCEEDED"},
                                                                      {529, "UNAVAILABLE"}}) {
    Error plain;
    plain.status = status;
    plain.message = "x";
    CHECK(json::parse(gemini::encode_error(plain))["error"]["status"] == name);
  }
}

TEST_CASE("gemini encode_error reports a context overflow as INVALID_ARGUMENT with the original words") {
  Error error;
  error.status = 400;
  error.type = "invalid_request_error";
  error.message = "prompt is too long: 215000 tokens > 200000 maximum";
  json body = json::parse(gemini::encode_error(error));
  CHECK(body["error"]["message"] == error.message);
  CHECK(body["error"]["status"] == "INVALID_ARGUMENT");
  error.status = 413;
  error.type = "";
  error.code = "context_length_exceeded";
  CHECK(json::parse(gemini::encode_error(error))["error"]["status"] == "INVALID_ARGUMENT");
}

TEST_CASE("gemini encode_stream_error is one data block with the error body") {
  Error error;
  error.status = 500;
  error.message = "upstream stream cut";
  std::string event = gemini::encode_stream_error(error);
  CHECK(event == "data: {\"error\":{\"code\":500,\"message\":\"upstream stream cut\",\"status\":\"INTERNAL\"}}\n\n");
}
