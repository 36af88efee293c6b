// Gemini generateContent requests from a client (gemini-cli, the @google/genai SDK) into the
// neutral form (PROTOCOLS.md §6.2). The model and streaming come from the URL path, not the body:
// the caller fills Request.model and Request.stream.
#include "core/translate/gemini/codec.hpp"
#include "core/translate/gemini/internal.hpp"

#include <algorithm>
#include <cctype>

namespace llmgw::core::translate::gemini {

using namespace detail;

namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

std::string upper(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::toupper(c); });
  return text;
}

// Function calls older models send without ids get "call_<name>_<n>" from their position in the
// request (stable as the history grows), and each id-less functionResponse takes the id of the
// first unanswered call of its name, so call and result stay paired for other providers.
class CallIds {
public:
  void assign(Part& call) {
    if (call.id.empty()) call.id = "call_" + call.name + "_" + std::to_string(m_count);
    ++m_count;
    m_unanswered.push_back({call.id, call.name});
  }

  std::string answer(const std::string& given_id, const std::string& name) {
    auto it = std::find_if(m_unanswered.begin(), m_unanswered.end(), [&](const auto& call) {
      return given_id.empty() ? call.second == name : call.first == given_id;
    });
    std::string id = it != m_unanswered.end() ? it->first : given_id;
    if (it != m_unanswered.end()) m_unanswered.erase(it);
    if (id.empty()) id = "call_" + name + "_" + std::to_string(m_count++);
    return id;
  }

private:
  std::vector<std::pair<std::string, std::string>> m_unanswered; // id, name
  int m_count = 0;
};

// gemini-cli answers {"output": "..."} or {"error": "..."}; others {"content": ...} or any object.
void read_function_result(const json& response, Part& result) {
  Part text;
  if (const json& content = member(response, "content"); content.is_string())
    text.text = content.get<std::string>();
  else if (const json& output = member(response, "output"); output.is_string())
    text.text = output.get<std::string>();
  else if (const json& error = member(response, "error"); error.is_string() && response.size() == 1) {
    text.text = error.get<std::string>();
    result.is_error = true;
  } else if (!response.is_null())
    text.text = dump(response);
  if (!text.text.empty()) result.content.push_back(std::move(text));
}

Part decode_function_response(const json& part, CallIds& ids) {
  const json& response = member(part, "functionResponse");
  Part out;
  out.kind = Part::Kind::tool_result;
  out.name = string_member(response, "name");
  out.id = ids.answer(string_member(response, "id"), out.name);
  read_function_result(member(response, "response"), out);
  // Gemini 3 multimodal function responses carry images in functionResponse.parts.
  const json& parts = member(response, "parts");
  for (const auto& inner : elements(parts))
    if (auto media = decode_basic_part(inner)) out.content.push_back(std::move(*media));
  return out;
}

Message decode_content(const json& content, size_t index, CallIds& ids) {
  const std::string where = "contents[" + std::to_string(index) + "]";
  if (!content.is_object()) throw TranslateError(where + " must be an object");
  std::string role = string_member(content, "role");
  if (role != "user" && role != "model" && role != "function" && !role.empty())
    throw TranslateError(where + ".role must be user or model, got '" + role + "'");
  const json& parts = member(content, "parts");
  if (!parts.is_array() && !parts.is_null()) throw TranslateError(where + ".parts must be an array");
  Message message;
  message.role = role == "model" ? Role::assistant : Role::user;
  for (const auto& part : elements(parts)) {
    if (member(part, "functionCall").is_object()) {
      Part call = decode_function_call(part, "");
      ids.assign(call);
      message.parts.push_back(std::move(call));
    } else if (member(part, "functionResponse").is_object()) {
      message.parts.push_back(decode_function_response(part, ids));
    } else if (auto basic = decode_basic_part(part)) {
      message.parts.push_back(std::move(*basic));
    }
  }
  return message;
}

void decode_system(const json& instruction, Request& out) {
  if (instruction.is_string()) out.system.push_back(instruction.get<std::string>());
  const json& parts = member(instruction, "parts");
  for (const auto& part : elements(parts))
    if (std::string text = string_member(part, "text"); !text.empty()) out.system.push_back(text);
}

void decode_tools(const json& body, Request& out) {
  const json& tools = member(body, "tools");
  for (const auto& tool : elements(tools)) {
    const json& declarations = member(tool, "functionDeclarations");
    for (const auto& declaration : elements(declarations)) {
      Tool decoded;
      decoded.name = string_member(declaration, "name");
      decoded.description = string_member(declaration, "description");
      if (const json& schema = member(declaration, "parametersJsonSchema"); schema.is_object())
        decoded.parameters = schema;
      else if (const json& openapi = member(declaration, "parameters"); openapi.is_object())
        decoded.parameters = lowercase_schema_types(openapi);
      else
        decoded.parameters = {{"type", "object"}, {"properties", json::object()}};
      out.tools.push_back(std::move(decoded));
    }
  }
  const json& config = member(member(body, "toolConfig"), "functionCallingConfig");
  std::string mode = upper(string_member(config, "mode"));
  const json& allowed = member(config, "allowedFunctionNames");
  if (mode == "AUTO" || mode == "VALIDATED") out.tool_choice.mode = ToolChoice::Mode::automatic;
  if (mode == "NONE") out.tool_choice.mode = ToolChoice::Mode::none;
  if (mode == "ANY") out.tool_choice.mode = ToolChoice::Mode::any;
  if (mode == "ANY" && allowed.is_array() && allowed.size() == 1 && allowed[0].is_string()) {
    out.tool_choice.mode = ToolChoice::Mode::tool;
    out.tool_choice.name = allowed[0].get<std::string>();
  }
}

// thinkingBudget 0 turns thinking off, -1 lets the model choose; Gemini 3 uses thinkingLevel.
void decode_thinking(const json& thinking, Reasoning& out) {
  if (!thinking.is_object()) return;
  if (member(thinking, "includeThoughts") == true) out.enabled = true;
  std::string level = lower(string_member(thinking, "thinkingLevel"));
  if (!level.empty() && level != "thinking_level_unspecified") {
    out.enabled = true;
    out.effort = level;
  }
  if (auto budget = integer_member(thinking, "thinkingBudget")) {
    out.enabled = *budget != 0;
    if (*budget > 0) out.budget_tokens = *budget;
  }
}

void decode_response_format(const json& config, Request& out) {
  if (string_member(config, "responseMimeType") != "application/json") return;
  json schema = member(config, "responseJsonSchema");
  if (!schema.is_object() && member(config, "responseSchema").is_object())
    schema = lowercase_schema_types(member(config, "responseSchema"));
  if (!schema.is_object()) {
    out.response_format = {{"type", "json_object"}};
    return;
  }
  out.response_format = {{"type", "json_schema"}, {"json_schema", {{"name", "response"}, {"schema", schema}}}};
}

void decode_generation_config(const json& config, Request& out) {
  out.max_output_tokens = integer_member(config, "maxOutputTokens");
  out.temperature = number_member(config, "temperature");
  out.top_p = number_member(config, "topP");
  out.top_k = integer_member(config, "topK");
  const json& stop = member(config, "stopSequences");
  if (stop.is_string()) out.stop.push_back(stop.get<std::string>());
  for (const auto& sequence : elements(stop))
    if (sequence.is_string()) out.stop.push_back(sequence.get<std::string>());
  decode_thinking(member(config, "thinkingConfig"), out.reasoning);
  decode_response_format(config, out);
}

} // namespace

Request decode_request(const nlohmann::json& body) {
  if (!body.is_object()) throw TranslateError("request body must be a json object");
  const json& contents = member(body, "contents");
  if (!contents.is_array()) throw TranslateError("contents must be an array");
  Request out;
  decode_system(member(body, "systemInstruction"), out);
  CallIds ids;
  for (size_t i = 0; i < contents.size(); ++i) {
    Message message = decode_content(contents[i], i, ids);
    if (!message.parts.empty()) out.messages.push_back(std::move(message));
  }
  decode_tools(body, out);
  decode_generation_config(member(body, "generationConfig"), out);
  return out;
}

} // namespace llmgw::core::translate::gemini
