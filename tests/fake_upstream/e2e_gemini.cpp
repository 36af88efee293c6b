// The Gemini API of the e2e fake (PROTOCOLS.md §6.1-6.5): generateContent and
// streamGenerateContent?alt=sse, a functionCall with a thoughtSignature when function
// declarations are offered, "E2E-OK" once the functionResponse is there. Like the real API it
// refuses unknown fields (its JSON is protobuf-backed), wrong roles, schema keywords outside its
// OpenAPI subset, and a replayed functionCall without its thought signature.
#include "tests/fake_upstream/e2e_handlers.hpp"
#include "tests/fake_upstream/e2e_internal.hpp"
#include "tests/fake_upstream/e2e_replies.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <cctype>
#include <cstring>
#include <set>

namespace llmgw::test::e2e {
namespace {

// Gemini function names: a letter or '_' first, then letters, digits, '_', '.', ':', '-'; 64 at most.
bool gemini_name_ok(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  if (!(std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_')) return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && std::strchr("_.:-", c) == nullptr) return false;
  return true;
}

// The documented placeholder that makes Gemini skip signature validation (§6.5).
constexpr const char* k_skip_signature = "skip_thought_signature_validator";

using Names = std::set<std::string>;

// Field names of the REST resources (ai.google.dev/api/generate-content, /caching#Content,
// /caching#Tool, /caching#Schema). Protobuf JSON also takes the snake_case spelling.
const Names k_request_fields{
    "model",        "contents", "tools", "toolConfig", "safetySettings", "systemInstruction", "generationConfig",
    "cachedContent"};
const Names k_content_fields{"role", "parts"};
const Names k_part_fields{"text",           "inlineData",          "fileData", "functionCall",     "functionResponse",
                          "executableCode", "codeExecutionResult", "thought",  "thoughtSignature", "videoMetadata",
                          "partMetadata",   "mediaResolution"};
const Names k_tool_fields{"functionDeclarations", "googleSearch", "googleSearchRetrieval",
                          "codeExecution",        "urlContext",   "computerUse",
                          "fileSearch",           "googleMaps"};
const Names k_declaration_fields{"name",     "description",        "parameters", "parametersJsonSchema",
                                 "response", "responseJsonSchema", "behavior"};
const Names k_schema_fields{"type",      "format",    "title",      "description", "nullable",      "enum",
                            "maxItems",  "minItems",  "properties", "required",    "minProperties", "maxProperties",
                            "minLength", "maxLength", "pattern",    "example",     "anyOf",         "propertyOrdering",
                            "default",   "items",     "minimum",    "maximum"};
const Names k_generation_fields{"stopSequences",
                                "responseMimeType",
                                "responseSchema",
                                "responseJsonSchema",
                                "responseModalities",
                                "candidateCount",
                                "maxOutputTokens",
                                "temperature",
                                "topP",
                                "topK",
                                "seed",
                                "presencePenalty",
                                "frequencyPenalty",
                                "responseLogprobs",
                                "logprobs",
                                "enableEnhancedCivicAnswers",
                                "speechConfig",
                                "thinkingConfig",
                                "imageConfig",
                                "mediaResolution"};
const Names k_thinking_fields{"includeThoughts", "thinkingBudget", "thinkingLevel"};

// "system_instruction" -> "systemInstruction".
std::string camel(const std::string& name) {
  std::string out;
  bool upper = false;
  for (char c : name) {
    if (c == '_') {
      upper = true;
      continue;
    }
    out += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    upper = false;
  }
  return out;
}

FakeResponse invalid(const std::string& message) { return gemini_error(400, "INVALID_ARGUMENT", message); }

// The error Gemini gives for a field its schema lacks.
std::optional<FakeResponse> unknown_fields(const json& object, const Names& known, const std::string& where) {
  if (!object.is_object()) return std::nullopt;
  for (const auto& [name, value] : object.items())
    if (!known.count(camel(name)))
      return invalid("Invalid JSON payload received. Unknown name \"" + name + "\"" +
                     (where.empty() ? "" : " at '" + where + "'") + ": Cannot find field.");
  return std::nullopt;
}

const json* member(const json& object, const char* camel_name, const char* snake_name) {
  if (!object.is_object()) return nullptr;
  if (auto it = object.find(camel_name); it != object.end()) return &*it;
  if (auto it = object.find(snake_name); it != object.end()) return &*it;
  return nullptr;
}

std::optional<FakeResponse> schema_problem(const json& schema, const std::string& where) {
  if (!schema.is_object()) return std::nullopt;
  if (auto problem = unknown_fields(schema, k_schema_fields, where)) return problem;
  if (const json* properties = member(schema, "properties", "properties"); properties && properties->is_object())
    for (const auto& [name, inner] : properties->items())
      if (auto problem = schema_problem(inner, where + ".properties[" + name + "].value")) return problem;
  if (const json* items = member(schema, "items", "items"))
    if (auto problem = schema_problem(*items, where + ".items")) return problem;
  if (const json* any_of = member(schema, "anyOf", "any_of"); any_of && any_of->is_array())
    for (size_t i = 0; i < any_of->size(); ++i)
      if (auto problem = schema_problem((*any_of)[i], where + ".any_of[" + std::to_string(i) + "]")) return problem;
  return std::nullopt;
}

std::optional<FakeResponse> tools_problem(const json& body) {
  const json* tools = member(body, "tools", "tools");
  if (tools == nullptr || !tools->is_array()) return std::nullopt;
  for (size_t t = 0; t < tools->size(); ++t) {
    const std::string at = "tools[" + std::to_string(t) + "]";
    if (auto problem = unknown_fields((*tools)[t], k_tool_fields, at)) return problem;
    const json* declarations = member((*tools)[t], "functionDeclarations", "function_declarations");
    if (declarations == nullptr || !declarations->is_array()) continue;
    for (size_t d = 0; d < declarations->size(); ++d) {
      const json& declaration = (*declarations)[d];
      const std::string where = at + ".function_declarations[" + std::to_string(d) + "]";
      if (auto problem = unknown_fields(declaration, k_declaration_fields, where)) return problem;
      const json* name = member(declaration, "name", "name");
      if (name == nullptr || !name->is_string() || !gemini_name_ok(name->get<std::string>()))
        return invalid("* GenerateContentRequest." + where +
                       ".name: Invalid function name. Must start with a letter or an underscore. Must be alphameric "
                       "(a-z, A-Z, 0-9), underscores (_), dots (.), colons (:), or dashes (-), with a maximum length "
                       "of 64.\n");
      if (const json* parameters = member(declaration, "parameters", "parameters"))
        if (auto problem = schema_problem(*parameters, where + ".parameters")) return problem;
    }
  }
  return std::nullopt;
}

std::optional<FakeResponse> config_problem(const json& body) {
  const json* config = member(body, "generationConfig", "generation_config");
  if (config == nullptr) return std::nullopt;
  if (auto problem = unknown_fields(*config, k_generation_fields, "generation_config")) return problem;
  if (const json* thinking = member(*config, "thinkingConfig", "thinking_config"))
    return unknown_fields(*thinking, k_thinking_fields, "generation_config.thinking_config");
  return std::nullopt;
}

json parts_of(const json& content) {
  const json* parts = member(content, "parts", "parts");
  return parts != nullptr && parts->is_array() ? *parts : json::array();
}

bool has_part(const json& content, const char* camel_name, const char* snake_name) {
  for (const auto& part : parts_of(content))
    if (member(part, camel_name, snake_name) != nullptr) return true;
  return false;
}

// Gemini 3: the first functionCall part of each model turn must carry its signature back.
std::optional<FakeResponse> signature_problem(const json& content, size_t index) {
  for (const auto& part : parts_of(content)) {
    if (member(part, "functionCall", "function_call") == nullptr) continue;
    const json* signature = member(part, "thoughtSignature", "thought_signature");
    if (signature == nullptr || !signature->is_string() || signature->get<std::string>().empty())
      return invalid("Function call is missing a thought_signature in functionCall parts. This is required for tools "
                     "to work correctly, and missing thought_signature may lead to degraded model performance. "
                     "Additional data, function call `default_api:" +
                     member(part, "functionCall", "function_call")->value("name", std::string()) + "` , position " +
                     std::to_string(index + 1) +
                     ". Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more details.");
    const std::string value = signature->get<std::string>();
    if (value != k_e2e_gemini_signature && value != k_skip_signature) return invalid("Corrupted thought signature.");
    return std::nullopt; // only the first call of a turn is checked
  }
  return std::nullopt;
}

std::optional<FakeResponse> contents_problem(const json& body) {
  const json* contents = member(body, "contents", "contents");
  if (contents == nullptr || !contents->is_array() || contents->empty())
    return invalid("* GenerateContentRequest.contents: contents is not specified\n");
  size_t calls_open = 0; // functionCall parts of the previous model turn
  for (size_t i = 0; i < contents->size(); ++i) {
    const json& content = (*contents)[i];
    const std::string at = "contents[" + std::to_string(i) + "]";
    if (auto problem = unknown_fields(content, k_content_fields, at)) return problem;
    const json parts = parts_of(content);
    if (parts.empty()) return invalid("* GenerateContentRequest." + at + ".parts: contents.parts must not be empty.\n");
    for (size_t p = 0; p < parts.size(); ++p)
      if (auto problem = unknown_fields(parts[p], k_part_fields, at + ".parts[" + std::to_string(p) + "]"))
        return problem;
    const std::string role = content.value("role", "user");
    if (role != "user" && role != "model") return invalid("Please use a valid role: user, model.");
    size_t responses = 0, calls = 0;
    for (const auto& part : parts) {
      if (member(part, "functionResponse", "function_response")) ++responses;
      if (member(part, "functionCall", "function_call")) ++calls;
    }
    if (role == "model") {
      if (auto problem = signature_problem(content, i)) return problem;
    }
    if (responses > 0 && responses != calls_open)
      return invalid("Please ensure that the number of function response parts is equal to the number of function "
                     "call parts of the function call turn.");
    calls_open = role == "model" ? calls : 0;
  }
  return std::nullopt;
}

// True when one parameter of the raw query is exactly param (or starts with it, for prefix).
bool query_has(const std::string& query, const std::string& param, bool prefix) {
  size_t at = 0;
  while (at <= query.size()) {
    size_t end = query.find('&', at);
    if (end == std::string::npos) end = query.size();
    const size_t length = prefix ? std::min(param.size(), end - at) : end - at;
    if ((!prefix || end - at >= param.size()) && query.compare(at, length, param) == 0) return true;
    at = end + 1;
  }
  return false;
}

bool has_param(const std::string& query, const std::string& param) { return query_has(query, param, false); }
bool has_param_prefix(const std::string& query, const std::string& prefix) { return query_has(query, prefix, true); }

std::optional<FakeResponse> request_problem(const RecordedRequest& request, const json& body) {
  // httplib's header map compares names case-insensitively.
  if (request.headers.find("x-goog-api-key") == request.headers.end() && !has_param_prefix(request.query, "key="))
    return gemini_error(403, "PERMISSION_DENIED",
                        "Method doesn't allow unregistered callers (callers without established identity). Please "
                        "use API Key or other form of API consumer identity to call this API.");
  if (!body.is_object()) return invalid("Invalid JSON payload received. Unexpected token.");
  if (auto problem = unknown_fields(body, k_request_fields, "")) return problem;
  if (auto problem = contents_problem(body)) return problem;
  if (auto problem = tools_problem(body)) return problem;
  return config_problem(body);
}

bool has_function_response(const json& body) {
  const json* contents = member(body, "contents", "contents");
  if (contents == nullptr || !contents->is_array()) return false;
  for (const auto& content : *contents)
    if (has_part(content, "functionResponse", "function_response")) return true;
  return false;
}

// The shell declaration when offered, else the first one; null when none is.
json pick_declaration(const json& body) {
  json first;
  const json* tools = member(body, "tools", "tools");
  if (tools == nullptr || !tools->is_array()) return first;
  for (const auto& tool : *tools) {
    const json* declarations = member(tool, "functionDeclarations", "function_declarations");
    if (declarations == nullptr || !declarations->is_array()) continue;
    for (const auto& declaration : *declarations) {
      if (is_shell_tool(declaration.value("name", std::string()))) return declaration;
      if (first.is_null()) first = declaration;
    }
  }
  return first;
}

json parameters_of(const json& declaration) {
  if (const json* p = member(declaration, "parameters", "parameters")) return *p;
  if (const json* p = member(declaration, "parametersJsonSchema", "parameters_json_schema")) return *p;
  return json::object();
}

FakeResponse gemini_e2e(const RecordedRequest& request, const std::string& model, bool stream, bool tool_call) {
  const json body = json::parse(request.body, nullptr, false);
  if (auto problem = request_problem(request, body)) return *problem;
  // Without alt=sse the real API streams one JSON array, which no SSE parser reads: say so.
  if (stream && !has_param(request.query, "alt=sse"))
    return invalid("fake upstream: streamGenerateContent without alt=sse would answer a JSON array, not SSE");
  const GeminiUsage usage{k_e2e_gemini_prompt_tokens, k_e2e_gemini_cached_tokens, k_e2e_gemini_candidates_tokens,
                          k_e2e_gemini_thoughts_tokens};
  const json declaration = tool_call && !has_function_response(body) ? pick_declaration(body) : json();
  if (declaration.is_object()) {
    const std::string name = declaration.value("name", std::string());
    const std::string args = shell_arguments(parameters_of(declaration));
    return stream ? gemini_function_call_stream(model, name, args, k_e2e_gemini_signature, usage)
                  : gemini_function_call_reply(model, name, args, k_e2e_gemini_signature, usage);
  }
  return stream ? gemini_text_stream(model, text_pieces(), usage) : gemini_text_reply(model, k_e2e_text, usage);
}

} // namespace

void install_gemini_handlers(FakeUpstream& upstream, bool tool_call) {
  for (const char* model : k_e2e_gemini_models) {
    const std::string base = std::string("/v1beta/models/") + model;
    upstream.on("POST", base + ":generateContent",
                [model, tool_call](const RecordedRequest& r) { return gemini_e2e(r, model, false, tool_call); });
    upstream.on("POST", base + ":streamGenerateContent",
                [model, tool_call](const RecordedRequest& r) { return gemini_e2e(r, model, true, tool_call); });
  }
}

} // namespace llmgw::test::e2e
