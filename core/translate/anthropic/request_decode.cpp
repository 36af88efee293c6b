// Anthropic Messages request -> neutral Request (PROTOCOLS.md §3.2, §4.1, §5.1). Used only when
// the request goes to a provider of another format: passthrough to Anthropic never decodes.
#include "core/translate/anthropic/internal.hpp"
#include "core/translate/anthropic/codec.hpp"

#include <map>

namespace llmgw::core::translate::anthropic {
namespace {

using namespace detail;

// Claude Code's per-request attribution block changes on every request (cch=...), which defeats
// every other provider's prefix cache (PROTOCOLS §4.1, anthropics/claude-code#68900).
constexpr std::string_view k_billing_header = "x-anthropic-billing-header:";

void add_system_text(const std::string& text, std::vector<std::string>& system) {
  if (text.empty() || text.rfind(k_billing_header, 0) == 0) return;
  system.push_back(text);
}

// A string or an array of text blocks (cache_control and citations dropped).
void decode_system(const json& value, const std::string& where, std::vector<std::string>& system) {
  if (value.is_null()) return;
  if (value.is_string()) return add_system_text(value.get<std::string>(), system);
  if (!value.is_array()) throw TranslateError(where + " must be a string or an array of text blocks");
  for (const auto& block : value) {
    if (!block.is_object()) throw TranslateError(where + " must be a string or an array of text blocks");
    add_system_text(string_member(block, "text"), system);
  }
}

std::optional<int64_t> integer(const json& body, const char* key) {
  const json& value = member(body, key);
  if (value.is_null()) return std::nullopt;
  if (!value.is_number_integer()) throw TranslateError(std::string(key) + " must be an integer");
  return value.get<int64_t>();
}

std::optional<double> number(const json& body, const char* key) {
  const json& value = member(body, key);
  if (value.is_null()) return std::nullopt;
  if (!value.is_number()) throw TranslateError(std::string(key) + " must be a number");
  return value.get<double>();
}

Message decode_message(const json& value, const std::string& where) {
  Message message;
  message.role = string_member(value, "role") == "assistant" ? Role::assistant : Role::user;
  const json& content = member(value, "content");
  if (content.is_string()) {
    Part part;
    part.text = content.get<std::string>();
    if (!part.text.empty()) message.parts.push_back(std::move(part));
    return message;
  }
  if (!content.is_array()) throw TranslateError(where + ".content must be a string or an array of content blocks");
  for (size_t i = 0; i < content.size(); ++i)
    if (auto part = decode_block(content[i], where + ".content[" + std::to_string(i) + "]"))
      message.parts.push_back(std::move(*part));
  return message;
}

void decode_messages(const json& messages, Request& request) {
  if (!messages.is_array()) throw TranslateError("messages must be an array");
  for (size_t i = 0; i < messages.size(); ++i) {
    const std::string where = "messages[" + std::to_string(i) + "]";
    const json& value = messages[i];
    if (!value.is_object()) throw TranslateError(where + " must be an object");
    const std::string role = string_member(value, "role");
    if (role == "system") { // mid-conversation system messages (newer beta) are hoisted
      decode_system(member(value, "content"), where + ".content", request.system);
      continue;
    }
    if (role != "user" && role != "assistant") throw TranslateError(where + ".role must be user or assistant");
    Message message = decode_message(value, where);
    if (!message.parts.empty()) request.messages.push_back(std::move(message));
  }
}

void decode_tools(const json& tools, Request& request) {
  if (tools.is_null()) return;
  if (!tools.is_array()) throw TranslateError("tools must be an array");
  for (size_t i = 0; i < tools.size(); ++i) {
    const json& value = tools[i];
    if (!value.is_object()) throw TranslateError("tools[" + std::to_string(i) + "] must be an object");
    // Server tools (web_search_20250305, bash_20250124, text_editor_..., code_execution_...) run on
    // Anthropic's side; no other provider can run them.
    const std::string type = string_member(value, "type");
    if (!type.empty() && type != "custom") continue;
    Tool tool;
    tool.name = string_member(value, "name");
    if (tool.name.empty()) throw TranslateError("tools[" + std::to_string(i) + "].name must be a non-empty string");
    tool.description = string_member(value, "description");
    const json& schema = member(value, "input_schema");
    tool.parameters = schema.is_object() ? schema : json{{"type", "object"}, {"properties", json::object()}};
    request.tools.push_back(std::move(tool));
  }
}

void decode_tool_choice(const json& choice, Request& request) {
  if (!choice.is_object()) return;
  const std::string type = string_member(choice, "type");
  auto& out = request.tool_choice;
  if (type == "auto") out.mode = ToolChoice::Mode::automatic;
  if (type == "any") out.mode = ToolChoice::Mode::any;
  if (type == "none") out.mode = ToolChoice::Mode::none;
  if (type == "tool") {
    out.mode = ToolChoice::Mode::tool;
    out.name = string_member(choice, "name");
  }
  if (member(choice, "disable_parallel_tool_use") == true) request.parallel_tool_calls = false;
}

// thinking {enabled, budget_tokens} | {adaptive} | {disabled}, and output_config.effort, whose
// "xhigh"/"max" have no neutral word and count as "high".
void decode_reasoning(const json& body, Reasoning& reasoning) {
  const json& thinking = member(body, "thinking");
  const std::string type = string_member(thinking, "type");
  if (type == "enabled" || type == "adaptive") reasoning.enabled = true;
  if (type == "enabled") reasoning.budget_tokens = integer(thinking, "budget_tokens");
  const std::string effort = string_member(member(body, "output_config"), "effort");
  if (effort == "low" || effort == "medium" || effort == "high") reasoning.effort = effort;
  if (effort == "xhigh" || effort == "max") reasoning.effort = "high";
}

// output_config.format {type: json_schema, schema} as the neutral (OpenAI) response_format.
json decode_response_format(const json& body) {
  const json& format = member(member(body, "output_config"), "format");
  if (string_member(format, "type") != "json_schema" || !member(format, "schema").is_object()) return nullptr;
  return json{{"type", "json_schema"},
              {"json_schema", {{"name", "response"}, {"schema", format["schema"]}, {"strict", true}}}};
}

void decode_stop_sequences(const json& value, Request& request) {
  if (value.is_null()) return;
  if (!value.is_array()) throw TranslateError("stop_sequences must be an array of strings");
  for (const auto& stop : value) {
    if (!stop.is_string()) throw TranslateError("stop_sequences must be an array of strings");
    request.stop.push_back(stop.get<std::string>());
  }
}

// Tool results carry only the call id; Gemini needs the function name too.
void name_tool_results(Request& request) {
  std::map<std::string, std::string> names;
  for (auto& message : request.messages)
    for (auto& part : message.parts) {
      if (part.kind == Part::Kind::tool_call) names[part.id] = part.name;
      if (part.kind != Part::Kind::tool_result) continue;
      if (auto it = names.find(part.id); it != names.end()) part.name = it->second;
    }
}

} // namespace

Request decode_request(const json& body) {
  if (!body.is_object()) throw TranslateError("request body must be a json object");
  Request request;
  request.model = string_member(body, "model");
  decode_system(member(body, "system"), "system", request.system);
  decode_messages(member(body, "messages"), request);
  decode_tools(member(body, "tools"), request);
  decode_tool_choice(member(body, "tool_choice"), request);
  request.max_output_tokens = integer(body, "max_tokens");
  request.temperature = number(body, "temperature");
  request.top_p = number(body, "top_p");
  request.top_k = integer(body, "top_k");
  decode_stop_sequences(member(body, "stop_sequences"), request);
  decode_reasoning(body, request.reasoning);
  request.stream = member(body, "stream") == true;
  request.user = string_member(member(body, "metadata"), "user_id");
  request.response_format = decode_response_format(body);
  name_tool_results(request);
  return request;
}

} // namespace llmgw::core::translate::anthropic
