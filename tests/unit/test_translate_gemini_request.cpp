// Gemini generateContent requests: decoding gemini-cli bodies, encoding neutral requests for an
// upstream Gemini (PROTOCOLS.md §6.2, §6.5).
#include "core/translate/gemini/codec.hpp"
#include "core/translate/reasoning_state.hpp"
#include "core/translate/translator.hpp"
#include "tests/unit/translate_test_support.hpp"

#include <doctest/doctest.h>

using llmgw::core::translate::Issuer;
using llmgw::core::translate::Message;
using llmgw::core::translate::Part;
using llmgw::core::translate::Request;
using llmgw::core::translate::RequestOptions;
using llmgw::core::translate::Role;
using llmgw::core::translate::Tool;
using llmgw::core::translate::ToolChoice;
using llmgw::core::translate::TranslateError;
using llmgw::test::check_golden;
using llmgw::test::read_translate_json;
using nlohmann::json;
namespace gemini = llmgw::core::translate::gemini;

namespace {

Part text(std::string value) {
  Part part;
  part.text = std::move(value);
  return part;
}

Part call(std::string id, std::string name, std::string arguments, Issuer issuer = Issuer::none,
          std::string signature = "") {
  Part part;
  part.kind = Part::Kind::tool_call;
  part.id = std::move(id);
  part.name = std::move(name);
  part.arguments = std::move(arguments);
  part.issuer = issuer;
  part.signature = std::move(signature);
  return part;
}

Part result(std::string id, std::string content, bool is_error = false) {
  Part part;
  part.kind = Part::Kind::tool_result;
  part.id = std::move(id);
  part.content.push_back(text(std::move(content)));
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

Part image(std::string media_type, std::string data, std::string url = "") {
  Part part;
  part.kind = Part::Kind::image;
  part.media_type = std::move(media_type);
  part.data = std::move(data);
  part.url = std::move(url);
  return part;
}

Message message(Role role, std::vector<Part> parts) {
  Message out;
  out.role = role;
  out.parts = std::move(parts);
  return out;
}

RequestOptions gemini_options() {
  RequestOptions options;
  options.model = "gemini-3-pro-preview";
  options.family = Issuer::gemini;
  return options;
}

// What Claude Code sends, after the Anthropic decoder: thinking signed by Anthropic, tool_use
// ids, a tool_result with an image, a schema full of keywords Gemini rejects.
Request claude_code_request() {
  Request request;
  request.system = {"You are Claude Code, Anthropic's official CLI for Claude.", "", "Working directory: /repo"};
  request.messages.push_back(
      message(Role::user, {text("What does this screenshot show?"), image("image/png", "iVBORw0KGgo="),
                           image("image/jpeg", "", "https://example.com/shot.jpg")}));
  request.messages.push_back(message(
      Role::assistant, {thinking("Let me look at the file.", Issuer::anthropic, "EqQBCkYIBxgCsig"),
                        text("Reading the file."), call("toolu_01A", "Read", R"({"file_path":"/repo/a.cpp"})")}));
  request.messages.push_back(message(Role::user, {result("toolu_01A", "int main() {}"), text("Also run the tests.")}));
  request.messages.push_back(message(Role::assistant, {call("toolu_01B", "Bash", "{not json")}));
  Part failed = result("toolu_01B", "exit 1");
  failed.is_error = true;
  failed.content.push_back(image("image/png", "c2NyZWVu"));
  request.messages.push_back(message(Role::user, {failed}));
  Tool read;
  read.name = "Read";
  read.description = "Reads a file from the local filesystem.";
  read.parameters = json::parse(R"({"$schema":"http://json-schema.org/draft-07/schema#","type":"object",
    "properties":{"file_path":{"type":"string","description":"The absolute path"},
                  "limit":{"type":"number","exclusiveMinimum":0}},
    "required":["file_path"],"additionalProperties":false})");
  Tool bash;
  bash.name = "Bash";
  bash.parameters = json::parse(R"({"type":"object","properties":{"command":{"type":"string"},
    "timeout":{"type":["number","null"]}},"required":["command","missing"]})");
  request.tools = {read, bash};
  request.tool_choice = {ToolChoice::Mode::tool, "Bash"};
  request.max_output_tokens = 32000;
  request.temperature = 1.0;
  request.stop = {"a", "b", "c", "d", "e", "f"};
  request.reasoning.enabled = true;
  request.reasoning.budget_tokens = 31999;
  request.user = "user_abc";
  request.parallel_tool_calls = false;
  return request;
}

json declaration_parameters(const json& schema) {
  Request request;
  request.messages.push_back(message(Role::user, {text("hi")}));
  Tool tool;
  tool.name = "t";
  tool.parameters = schema;
  request.tools.push_back(tool);
  json body = gemini::encode_request(request, gemini_options());
  return body["tools"][0]["functionDeclarations"][0].value("parameters", json());
}

} // namespace

TEST_CASE("gemini decode_request reads a gemini-cli turn with thoughts, tool calls and results") {
  auto request = gemini::decode_request(read_translate_json("gemini/request_cli_tools.json"));
  check_golden(to_json(request), "gemini/request_cli_tools.golden.json");
  CHECK(request.model.empty());
  CHECK_FALSE(request.stream);
}

TEST_CASE("gemini decode_request pairs id-less function responses with their calls by order and name") {
  auto request = gemini::decode_request(read_translate_json("gemini/request_cli_tools.json"));
  REQUIRE(request.messages.size() == 5);
  const auto& calls = request.messages[3].parts;
  const auto& results = request.messages[4].parts;
  REQUIRE(calls.size() == 2);
  REQUIRE(results.size() == 2);
  CHECK(calls[0].id == "call_read_file_1");
  CHECK(calls[1].id == "call_read_file_2");
  CHECK(results[0].id == calls[0].id);
  CHECK(results[1].id == calls[1].id);
  CHECK(results[1].is_error);
  CHECK(request.messages[2].parts[0].id == request.messages[1].parts[2].id);
  // The same history decoded again gives the same ids (the next turn's request must match).
  auto again = gemini::decode_request(read_translate_json("gemini/request_cli_tools.json"));
  CHECK(again.messages[3].parts[1].id == calls[1].id);
}

TEST_CASE("gemini decode_request reads media, code execution, ids, json output and disabled thinking") {
  auto request = gemini::decode_request(read_translate_json("gemini/request_media.json"));
  check_golden(to_json(request), "gemini/request_media.golden.json");
  CHECK_FALSE(request.reasoning.enabled);
}

TEST_CASE("gemini decode_request reads thinkingLevel, a single stop string and a content without role") {
  auto request = gemini::decode_request(read_translate_json("gemini/request_level.json"));
  check_golden(to_json(request), "gemini/request_level.golden.json");
}

TEST_CASE("gemini decode_request rejects bodies without the generateContent shape") {
  CHECK_THROWS_AS(gemini::decode_request(json::array()), TranslateError);
  CHECK_THROWS_WITH_AS(gemini::decode_request(json{{"contents", "hi"}}), "contents must be an array", TranslateError);
  CHECK_THROWS_WITH_AS(gemini::decode_request(json::parse(R"({"contents":[{"role":"system","parts":[]}]})")),
                       "contents[0].role must be user or model, got 'system'", TranslateError);
  CHECK_THROWS_WITH_AS(gemini::decode_request(json::parse(R"({"contents":[{"role":"user","parts":{"text":"x"}}]})")),
                       "contents[0].parts must be an array", TranslateError);
}

TEST_CASE("gemini decode_request unwraps a wrapped foreign signature and keeps its issuer") {
  json body = json::parse(R"({"contents":[{"role":"model","parts":[{"text":"t","thought":true}]}]})");
  body["contents"][0]["parts"][0]["thoughtSignature"] =
      llmgw::core::translate::wrap_signature(Issuer::anthropic, "EqQB");
  auto request = gemini::decode_request(body);
  REQUIRE(request.messages.size() == 1);
  CHECK(request.messages[0].parts[0].issuer == Issuer::anthropic);
  CHECK(request.messages[0].parts[0].signature == "EqQB");
}

TEST_CASE("gemini encode_request translates a Claude Code request for Gemini") {
  json body = gemini::encode_request(claude_code_request(), gemini_options());
  check_golden(body, "gemini/encode_claude_code.golden.json");
  CHECK_FALSE(body.contains("model"));
  CHECK_FALSE(body.contains("stream"));
  // Anthropic's thinking never goes to Gemini; the unknown call signature gets the placeholder.
  CHECK(body.dump().find("EqQBCkYIBxgCsig") == std::string::npos);
  CHECK(body["contents"][1]["parts"][1]["thoughtSignature"] ==
        std::string(llmgw::core::translate::k_gemini_skip_signature));
  CHECK(body["generationConfig"]["stopSequences"].size() == 5);
}

TEST_CASE("gemini encode_request replays Gemini's own signatures and recovers function response names") {
  llmgw::core::translate::remember_tool_signature("call_remembered", "Cs4BsigRemembered");
  Request request;
  request.messages.push_back(message(Role::user, {text("Fix the build.")}));
  request.messages.push_back(
      message(Role::assistant, {thinking("plan", Issuer::gemini, "CthinkSig"),
                                thinking("foreign", Issuer::openai, "gAAAAenc"), text("Looking.")}));
  Part own_text = text("Checking both.");
  own_text.issuer = Issuer::gemini;
  own_text.signature = "CtextSig";
  request.messages.push_back(
      message(Role::assistant, {own_text, call("c1", "read", R"({"p":1})", Issuer::gemini, "CcallSig"),
                                call("c2", "read", R"({"p":2})")}));
  request.messages.push_back(message(Role::user, {result("c1", "one")}));
  request.messages.push_back(message(Role::user, {result("c2", "two"), text("and now?")}));
  request.messages.push_back(
      message(Role::assistant, {call("call_remembered", "make", "{}"), call("c_unanswered", "rm", "{}")}));
  request.messages.push_back(
      message(Role::user, {result("call_remembered", "ok"), result("c_orphan", "stray output")}));
  Tool custom;
  custom.name = "apply_patch";
  custom.custom = true;
  custom.description = "Apply a patch";
  request.tools.push_back(custom);
  request.tool_choice.mode = ToolChoice::Mode::any;
  request.reasoning.enabled = true;
  request.reasoning.effort = "medium";
  request.response_format = json::parse(R"({"type":"json_schema","json_schema":{"name":"r","strict":true,
    "schema":{"type":"object","properties":{"ok":{"type":"boolean"}},"required":["ok"],"additionalProperties":false}}})");
  json body = gemini::encode_request(request, gemini_options());
  check_golden(body, "gemini/encode_own_state.golden.json");
  const json& contents = body["contents"];
  REQUIRE(contents.size() == 5);
  for (size_t i = 1; i < contents.size(); ++i) CHECK(contents[i]["role"] != contents[i - 1]["role"]);
  CHECK(contents[3]["parts"][0]["thoughtSignature"] == "Cs4BsigRemembered");
  CHECK(contents[4]["parts"][0]["functionResponse"]["name"] == "make");
  CHECK(body.dump().find("gAAAAenc") == std::string::npos);
  CHECK(body.dump().find("c_unanswered") == std::string::npos);
}

TEST_CASE("gemini encode_request sends no reasoning state when the upstream family is not gemini") {
  Request request;
  request.messages.push_back(message(Role::user, {text("q")}));
  request.messages.push_back(message(
      Role::assistant, {thinking("plan", Issuer::gemini, "Cthink"), call("x1", "f", "{}", Issuer::gemini, "Csig")}));
  request.messages.push_back(message(Role::user, {result("x1", "done")}));
  RequestOptions options;
  options.family = Issuer::none;
  json body = gemini::encode_request(request, options);
  CHECK(body.dump().find("thoughtSignature") == std::string::npos);
  CHECK(body.dump().find("\"thought\"") == std::string::npos);
  CHECK(body["contents"][1]["parts"].size() == 1);
}

TEST_CASE("gemini encode_request maps every tool_choice mode to functionCallingConfig") {
  Request request;
  request.messages.push_back(message(Role::user, {text("q")}));
  Tool tool;
  tool.name = "f";
  request.tools.push_back(tool);
  auto config = [&](ToolChoice choice) {
    request.tool_choice = choice;
    json body = gemini::encode_request(request, gemini_options());
    return body.value("toolConfig", json());
  };
  CHECK(config({ToolChoice::Mode::unset, ""}).is_null());
  CHECK(config({ToolChoice::Mode::automatic, ""}) == json::parse(R"({"functionCallingConfig":{"mode":"AUTO"}})"));
  CHECK(config({ToolChoice::Mode::any, ""}) == json::parse(R"({"functionCallingConfig":{"mode":"ANY"}})"));
  CHECK(config({ToolChoice::Mode::none, ""}) == json::parse(R"({"functionCallingConfig":{"mode":"NONE"}})"));
  CHECK(config({ToolChoice::Mode::tool, "f"}) ==
        json::parse(R"({"functionCallingConfig":{"mode":"ANY","allowedFunctionNames":["f"]}})"));
  // A zero-argument function goes without parameters.
  CHECK_FALSE(
      gemini::encode_request(request, gemini_options())["tools"][0]["functionDeclarations"][0].contains("parameters"));
}

TEST_CASE("gemini encode_request turns reasoning effort into a thinking budget and omits empty config") {
  Request request;
  request.messages.push_back(message(Role::user, {text("q")}));
  CHECK_FALSE(gemini::encode_request(request, gemini_options()).contains("generationConfig"));
  CHECK_FALSE(gemini::encode_request(request, gemini_options()).contains("systemInstruction"));
  request.reasoning.enabled = true;
  auto budget = [&](std::string effort) {
    request.reasoning.effort = std::move(effort);
    return gemini::encode_request(request, gemini_options())["generationConfig"]["thinkingConfig"];
  };
  CHECK(budget("low") == json::parse(R"({"includeThoughts":true,"thinkingBudget":1024})"));
  CHECK(budget("medium")["thinkingBudget"] == 8192);
  CHECK(budget("high")["thinkingBudget"] == 24576);
  CHECK(budget("") == json::parse(R"({"includeThoughts":true})"));
}

TEST_CASE("gemini schema sanitising inlines $ref and $defs") {
  json parameters = declaration_parameters(json::parse(R"({"type":"object","$defs":{"Point":{"type":"object",
    "properties":{"x":{"type":"integer"},"y":{"type":"integer"}},"required":["x","y"]}},
    "properties":{"from":{"$ref":"#/$defs/Point","description":"start"},
                  "to":{"allOf":[{"$ref":"#/definitions/Point"}]}},
    "definitions":{"Point":{"type":"object","properties":{"x":{"type":"integer"}}}}})"));
  CHECK(parameters == json::parse(R"({"type":"object","properties":{
    "from":{"type":"object","description":"start","properties":{"x":{"type":"integer"},"y":{"type":"integer"}},"required":["x","y"]},
    "to":{"type":"object","properties":{"x":{"type":"integer"}}}}})"));
}

TEST_CASE("gemini schema sanitising stops recursive references") {
  json parameters =
      declaration_parameters(json::parse(R"({"type":"object","properties":{"tree":{"$ref":"#/$defs/Node"}},
    "$defs":{"Node":{"type":"object","properties":{"children":{"type":"array","items":{"$ref":"#/$defs/Node"}}}}}})"));
  std::string text = parameters.dump();
  CHECK(text.find("$ref") == std::string::npos);
  CHECK(text.size() < 2000);
  CHECK(parameters["properties"]["tree"]["properties"]["children"]["type"] == "array");
}

TEST_CASE("gemini schema sanitising bounds references that fan out") {
  // Ten properties all referring back to their definition: 10^8 nodes at the reference depth limit.
  json node{{"type", "object"}, {"properties", json::object()}};
  for (char name = 'a'; name < 'k'; ++name) node["properties"][std::string(1, name)] = {{"$ref", "#/$defs/N"}};
  json parameters = declaration_parameters(json{{"$defs", {{"N", node}}}, {"$ref", "#/$defs/N"}});
  CHECK(parameters["properties"].size() == 10);
  CHECK(parameters.dump().size() < 1'000'000);
}

TEST_CASE("gemini schema sanitising drops keywords Gemini rejects") {
  json parameters = declaration_parameters(json::parse(R"({"type":"object","additionalProperties":false,
    "properties":{"mode":{"const":"fast"},"count":{"type":"integer","exclusiveMinimum":0,"minimum":1,"format":"int32"},
      "level":{"type":"integer","enum":[1,2,3]},"when":{"type":"string","format":"date-time"},
      "mail":{"type":"string","format":"email","pattern":"^.+@.+$"},"list":{"type":"array"}},
    "required":["mode","ghost"]})"));
  CHECK(parameters == json::parse(R"({"type":"object","properties":{
    "mode":{},"count":{"type":"integer","minimum":1,"format":"int32"},"level":{"type":"integer"},
    "when":{"type":"string","format":"date-time"},"mail":{"type":"string","pattern":"^.+@.+$"},
    "list":{"type":"array","items":{"type":"string"}}},"required":["mode"]})"));
}

TEST_CASE("gemini schema sanitising turns null types into nullable") {
  json parameters = declaration_parameters(json::parse(R"({"type":"object","properties":{
    "a":{"type":["string","null"],"description":"maybe"},
    "b":{"anyOf":[{"type":"integer"},{"type":"null"}]},
    "c":{"type":["string","integer"]},
    "d":{"type":"string","enum":["x","y",null]}}})"));
  CHECK(parameters == json::parse(R"({"type":"object","properties":{
    "a":{"type":"string","nullable":true,"description":"maybe"},
    "b":{"type":"integer","nullable":true},
    "c":{"anyOf":[{"type":"string"},{"type":"integer"}]},
    "d":{"type":"string","enum":["x","y"],"nullable":true}}})"));
}

TEST_CASE("gemini schema sanitising keeps an empty object property") {
  json parameters = declaration_parameters(json::parse(R"({"type":"object","properties":{
    "options":{"type":"object","properties":{}},"name":{"type":"string"}}})"));
  CHECK(parameters["properties"]["options"] == json::parse(R"({"type":"object","properties":{}})"));
}

TEST_CASE("gemini decode_request refuses a schema nested 20,000 deep before the schema converters recurse") {
  const size_t levels = 20000;
  std::string open;
  std::string close;
  for (size_t i = 0; i < levels; ++i) {
    open += R"({"type":"object","properties":{"p":)";
    close += "}}";
  }
  const std::string schema = open + R"({"type":"string"})" + close;
  const std::string body = R"({"contents":[{"role":"user","parts":[{"text":"hi"}]}],"tools":[{"functionDeclarations":[)"
                           R"({"name":"f","parameters":)" +
                           schema + "}]}]}";
  CHECK_THROWS_WITH_AS(
      llmgw::core::translate::decode_client_request(llmgw::core::protocol::ApiFormat::gemini, body, "m"),
      "request body nests JSON deeper than 128 levels", TranslateError);
}

TEST_CASE("gemini decode_request ignores numbers no integer can hold instead of converting them") {
  // A double beyond int64 converted to an integer is undefined behaviour (UBSan stops the test).
  auto request = gemini::decode_request(json::parse(
      R"({"contents":[],"generationConfig":{"maxOutputTokens":1e300,"topK":-1e300,"thinkingConfig":{"thinkingBudget":1e19}}})"));
  CHECK_FALSE(request.max_output_tokens);
  CHECK_FALSE(request.top_k);
  CHECK_FALSE(request.reasoning.budget_tokens);
}
