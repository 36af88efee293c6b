// OpenAI Chat Completions client request -> neutral Request (PROTOCOLS.md §1.2, §5.2).
#include "core/translate/openai_chat/codec.hpp"
#include "core/translate/openai_chat/internal.hpp"

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>

namespace llmgw::core::translate::openai_chat {
namespace {

using nlohmann::json;

[[noreturn]] void fail(const std::string& message) { throw TranslateError(message); }

std::string indexed(const char* array, size_t i) { return std::string(array) + "[" + std::to_string(i) + "]"; }

// "data:<media type>;base64,<data>" -> media type and data; false for anything else.
bool split_data_url(const std::string& url, std::string& media_type, std::string& data) {
  if (url.rfind("data:", 0) != 0) return false;
  auto comma = url.find(',');
  auto marker = url.rfind(";base64", comma);
  if (comma == std::string::npos || marker == std::string::npos || marker < 5) return false;
  media_type = url.substr(5, marker - 5);
  data = url.substr(comma + 1);
  return true;
}

std::optional<Part> decode_image(const json& part) {
  const json& image = member(part, "image_url");
  std::string url = image.is_string() ? image.get<std::string>() : string_member(image, "url");
  if (url.empty()) return std::nullopt;
  Part out;
  out.kind = Part::Kind::image;
  if (!split_data_url(url, out.media_type, out.data)) out.url = url;
  return out;
}

// Only PDFs given inline become documents: file ids and other media have no neutral form.
std::optional<Part> decode_file(const json& part) {
  const json& file = member(part, "file");
  auto file_data = string_member(file, "file_data");
  Part out;
  out.kind = Part::Kind::document;
  if (!split_data_url(file_data, out.media_type, out.data)) {
    auto filename = string_member(file, "filename");
    bool pdf_name = filename.size() > 4 && filename.compare(filename.size() - 4, 4, ".pdf") == 0;
    if (!pdf_name || file_data.empty()) return std::nullopt;
    out.media_type = "application/pdf";
    out.data = file_data;
  }
  if (out.media_type != "application/pdf") return std::nullopt;
  return out;
}

void add_text(std::vector<Part>& out, std::string text) {
  if (text.empty()) return; // Anthropic rejects empty text blocks; they carry nothing anyway
  Part part;
  part.text = std::move(text);
  out.push_back(std::move(part));
}

// User, assistant or tool content: a string or an array of parts; unknown part types are skipped.
void decode_content(const json& content, std::vector<Part>& out, const std::string& at) {
  if (content.is_null()) return;
  if (content.is_string()) return add_text(out, content.get<std::string>());
  if (!content.is_array()) fail(at + ".content is neither a string nor an array");
  for (const auto& part : content) {
    auto type = string_member(part, "type");
    if (type == "text")
      add_text(out, string_member(part, "text"));
    else if (type == "refusal")
      add_text(out, string_member(part, "refusal"));
    else if (type == "image_url") {
      if (auto image = decode_image(part)) out.push_back(std::move(*image));
    } else if (type == "file") {
      if (auto document = decode_file(part)) out.push_back(std::move(*document));
    }
  }
}

class RequestDecoder {
public:
  explicit RequestDecoder(Request& request) : m_request(request) {}

  void message(const json& message, size_t i) {
    std::string at = indexed("messages", i);
    if (!message.is_object()) fail(at + " is not an object");
    auto role = string_member(message, "role");
    if (role == "system" || role == "developer") return system(message, at);
    if (role == "tool" || role == "function") return tool_result(message, at, role == "function");
    m_in_tool_results = false;
    if (role == "user") return user(message, at);
    if (role == "assistant") return assistant(message, at);
    if (role.empty()) fail(at + ".role is missing");
    fail(at + " has unknown role '" + role + "'");
  }

private:
  void system(const json& message, const std::string& at) {
    std::vector<Part> parts;
    decode_content(member(message, "content"), parts, at);
    std::string text;
    for (const auto& part : parts) {
      if (part.kind != Part::Kind::text) continue;
      if (!text.empty()) text += "\n\n";
      text += part.text;
    }
    if (!text.empty()) m_request.system.push_back(std::move(text));
  }

  void user(const json& message, const std::string& at) {
    Message out;
    decode_content(member(message, "content"), out.parts, at);
    if (!out.parts.empty()) m_request.messages.push_back(std::move(out));
  }

  void assistant(const json& message, const std::string& at) {
    Message out;
    out.role = Role::assistant;
    if (auto reasoning = reasoning_text(message); !reasoning.empty()) {
      Part thinking;
      thinking.kind = Part::Kind::thinking;
      thinking.text = std::move(reasoning);
      out.parts.push_back(std::move(thinking));
    }
    decode_content(member(message, "content"), out.parts, at);
    tool_calls(member(message, "tool_calls"), out.parts, at);
    if (const json& legacy = member(message, "function_call"); legacy.is_object()) {
      // Legacy function calling has no ids: the next function message answers this call.
      Part call = decode_tool_call({{"function", legacy}});
      call.id = m_legacy_call_id = "call_legacy_" + std::to_string(m_request.messages.size());
      m_call_names[call.id] = call.name;
      out.parts.push_back(std::move(call));
    }
    if (!out.parts.empty()) m_request.messages.push_back(std::move(out));
  }

  void tool_calls(const json& calls, std::vector<Part>& out, const std::string& at) {
    if (calls.is_null()) return;
    if (!calls.is_array()) fail(at + ".tool_calls is not an array");
    for (size_t j = 0; j < calls.size(); ++j) {
      if (!calls[j].is_object()) fail(at + "." + indexed("tool_calls", j) + " is not an object");
      Part call = decode_tool_call(calls[j]);
      if (call.name.empty()) fail(at + "." + indexed("tool_calls", j) + " has no function name");
      if (call.id.empty()) call.id = make_id("call_");
      m_call_names[call.id] = call.name;
      out.push_back(std::move(call));
    }
  }

  // Consecutive tool messages answer one assistant turn: they become one user message.
  void tool_result(const json& message, const std::string& at, bool legacy) {
    Part result;
    result.kind = Part::Kind::tool_result;
    result.id = legacy ? m_legacy_call_id : string_member(message, "tool_call_id");
    if (result.id.empty()) {
      if (legacy) return; // a function message without a call to answer
      fail(at + ".tool_call_id is missing");
    }
    auto name = m_call_names.find(result.id);
    result.name = name != m_call_names.end() ? name->second : string_member(message, "name");
    decode_content(member(message, "content"), result.content, at);
    if (!m_in_tool_results || m_request.messages.empty()) m_request.messages.push_back(Message{});
    m_request.messages.back().parts.push_back(std::move(result));
    m_in_tool_results = true;
  }

  Request& m_request;
  std::map<std::string, std::string> m_call_names; // tool-call id -> function name (Gemini needs it)
  std::string m_legacy_call_id;
  bool m_in_tool_results = false; // the last message added holds tool results only
};

std::optional<Tool> decode_tool(const json& tool, size_t i) {
  if (!tool.is_object()) fail(indexed("tools", i) + " is not an object");
  auto type = string_member(tool, "type");
  Tool out;
  if (type == "custom") {
    const json& custom = member(tool, "custom");
    out.custom = true;
    out.name = string_member(custom, "name");
    out.description = string_member(custom, "description");
  } else if (type == "function" || type.empty()) {
    // Legacy `functions` entries are the bare function object.
    const json& function = tool.contains("function") ? tool["function"] : tool;
    out.name = string_member(function, "name");
    out.description = string_member(function, "description");
    const json& parameters = member(function, "parameters");
    out.parameters = parameters.is_object() ? parameters : json{{"type", "object"}, {"properties", json::object()}};
  } else {
    return std::nullopt; // a hosted tool type that has no neutral form
  }
  if (out.name.empty()) fail(indexed("tools", i) + " has no name");
  return out;
}

ToolChoice decode_tool_choice(const json& choice) {
  ToolChoice out;
  if (choice.is_string()) {
    auto mode = choice.get<std::string>();
    if (mode == "auto")
      out.mode = ToolChoice::Mode::automatic;
    else if (mode == "required" || mode == "any")
      out.mode = ToolChoice::Mode::any;
    else if (mode == "none")
      out.mode = ToolChoice::Mode::none;
    return out;
  }
  auto type = string_member(choice, "type");
  if (type == "allowed_tools") {
    bool required = string_member(member(choice, "allowed_tools"), "mode") == "required";
    out.mode = required ? ToolChoice::Mode::any : ToolChoice::Mode::automatic;
    return out;
  }
  // {type:function,function:{name}}, {type:custom,custom:{name}}, legacy function_call {name}.
  const json& function = choice.contains("function") ? choice["function"] : choice;
  const json& holder = type == "custom" ? member(choice, "custom") : function;
  out.name = string_member(holder, "name");
  if (!out.name.empty()) out.mode = ToolChoice::Mode::tool;
  return out;
}

void decode_tools(const json& body, Request& request) {
  const json& tools = body.contains("tools") ? body["tools"] : member(body, "functions");
  if (!tools.is_null() && !tools.is_array()) fail("tools is not an array");
  for (size_t i = 0; i < tools.size(); ++i)
    if (auto tool = decode_tool(tools[i], i)) request.tools.push_back(std::move(*tool));
  const json& choice = body.contains("tool_choice") ? body["tool_choice"] : member(body, "function_call");
  request.tool_choice = decode_tool_choice(choice);
  if (const json& parallel = member(body, "parallel_tool_calls"); parallel.is_boolean())
    request.parallel_tool_calls = parallel.get<bool>();
}

// reasoning_effort, or OpenRouter's reasoning {effort, max_tokens, enabled}. "none" and "minimal"
// ask for (next to) no reasoning: thinking stays off for providers that budget it, and the effort
// is kept for OpenAI upstreams.
Reasoning decode_reasoning(const json& body) {
  Reasoning out;
  const json& object = member(body, "reasoning");
  out.effort = string_member(body, "reasoning_effort");
  if (out.effort.empty()) out.effort = string_member(object, "effort");
  out.budget_tokens = integer_member(object, "max_tokens");
  out.enabled = (!out.effort.empty() && out.effort != "none" && out.effort != "minimal") || out.budget_tokens;
  if (const json& enabled = member(object, "enabled"); enabled.is_boolean()) out.enabled = enabled.get<bool>();
  return out;
}

void decode_sampling(const json& body, Request& request) {
  if (auto n = integer_member(body, "n"); n && *n > 1) fail("n greater than 1 is not supported by this provider");
  request.max_output_tokens = integer_member(body, "max_completion_tokens");
  if (!request.max_output_tokens) request.max_output_tokens = integer_member(body, "max_tokens");
  request.temperature = number_member(body, "temperature");
  request.top_p = number_member(body, "top_p");
  request.top_k = integer_member(body, "top_k"); // vLLM / OpenRouter extension
  const json& stop = member(body, "stop");
  if (stop.is_string() && !stop.get<std::string>().empty()) request.stop.push_back(stop.get<std::string>());
  for (const auto& item : elements(stop))
    if (item.is_string() && !item.get<std::string>().empty()) request.stop.push_back(item.get<std::string>());
  request.reasoning = decode_reasoning(body);
}

} // namespace

Request decode_request(const json& body) {
  if (!body.is_object()) fail("request body is not a json object");
  Request request;
  request.model = string_member(body, "model");
  const json& messages = member(body, "messages");
  if (!messages.is_array()) fail(messages.is_null() ? "messages is missing" : "messages is not an array");
  RequestDecoder decoder(request);
  for (size_t i = 0; i < messages.size(); ++i) decoder.message(messages[i], i);
  decode_tools(body, request);
  decode_sampling(body, request);
  request.stream = member(body, "stream").is_boolean() && body["stream"].get<bool>();
  const json& include_usage = member(member(body, "stream_options"), "include_usage");
  request.include_usage = include_usage.is_boolean() && include_usage.get<bool>();
  request.user = string_member(body, "user");
  if (request.user.empty()) request.user = string_member(body, "safety_identifier");
  const json& format = member(body, "response_format");
  if (format.is_object() && string_member(format, "type") != "text") request.response_format = format;
  return request;
}

} // namespace llmgw::core::translate::openai_chat
