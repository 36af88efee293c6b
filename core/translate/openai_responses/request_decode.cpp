// Responses API request (what Codex sends, PROTOCOLS.md §2.1) -> neutral Request.
#include "core/translate/openai_responses/codec.hpp"
#include "core/translate/openai_responses/internal.hpp"

#include <map>

namespace llmgw::core::translate::openai_responses {
namespace {

using namespace detail;

Part text_part(std::string text) {
  Part part;
  part.text = std::move(text);
  return part;
}

Part image_part(const json& entry) {
  Part part;
  part.kind = Part::Kind::image;
  const json& source = member(entry, "image_url");
  std::string url = source.is_string() ? source.get<std::string>() : string_member(source, "url");
  if (!parse_data_url(url, part.media_type, part.data)) part.url = url;
  return part;
}

Part file_part(const json& entry) {
  Part part;
  part.kind = Part::Kind::document;
  std::string file_data = string_member(entry, "file_data");
  if (!parse_data_url(file_data, part.media_type, part.data) && !file_data.empty()) {
    part.media_type = "application/pdf"; // bare base64: PDF is the one file type models take
    part.data = file_data;
  }
  if (part.data.empty()) part.url = string_member(entry, "file_url");
  return part;
}

// Message content or a tool output: a string, or an array of input/output parts.
std::vector<Part> content_parts(const json& content) {
  std::vector<Part> parts;
  if (content.is_string()) {
    if (!content.get<std::string>().empty()) parts.push_back(text_part(content.get<std::string>()));
    return parts;
  }
  if (!content.is_array()) throw TranslateError("message content must be a string or an array");
  for (const auto& entry : content) {
    std::string type = string_member(entry, "type");
    std::string text = type == "refusal" ? string_member(entry, "refusal") : string_member(entry, "text");
    if (type == "input_text" || type == "output_text" || type == "text" || type == "refusal") {
      if (!text.empty()) parts.push_back(text_part(std::move(text)));
    } else if (type == "input_image") {
      parts.push_back(image_part(entry));
    } else if (type == "input_file") {
      Part part = file_part(entry);
      if (!part.data.empty() || !part.url.empty()) parts.push_back(std::move(part));
    }
  }
  return parts;
}

// Builds messages from input items: assistant-side items (messages, reasoning, calls) that follow
// each other share one assistant message; consecutive tool outputs share one user message.
class InputReader {
public:
  explicit InputReader(Request& request) : m_request(request) {}

  void read(const json& item) {
    if (!item.is_object()) throw TranslateError("input items must be objects");
    std::string type = string_member(item, "type");
    if (type.empty() && item.contains("role")) type = "message";
    if (type == "message")
      read_message(item);
    else if (type == "function_call" || type == "custom_tool_call")
      read_call(item);
    else if (type == "function_call_output" || type == "custom_tool_call_output")
      read_output(item);
    else if (type == "reasoning")
      assistant().parts.push_back(thinking_from_reasoning(item));
    // local_shell_call, web_search_call, additional_tools, item_reference...: no neutral form.
  }

private:
  Message& assistant() {
    if (m_request.messages.empty() || m_request.messages.back().role != Role::assistant)
      m_request.messages.push_back(Message{Role::assistant, {}});
    return m_request.messages.back();
  }

  Message& tool_results() {
    auto& messages = m_request.messages;
    bool reuse = !messages.empty() && messages.back().role == Role::user && !messages.back().parts.empty() &&
                 messages.back().parts.back().kind == Part::Kind::tool_result;
    if (!reuse) messages.push_back(Message{Role::user, {}});
    return messages.back();
  }

  void read_message(const json& item) {
    std::string role = string_member(item, "role");
    auto parts = content_parts(member(item, "content"));
    if (role == "developer" || role == "system") {
      for (auto& part : parts)
        if (part.kind == Part::Kind::text) m_request.system.push_back(std::move(part.text));
    } else if (role == "assistant") {
      auto& target = assistant().parts;
      for (auto& part : parts)
        if (part.kind == Part::Kind::text) target.push_back(std::move(part));
    } else if (!parts.empty()) {
      m_request.messages.push_back(Message{Role::user, std::move(parts)});
    }
  }

  void read_call(const json& item) {
    Part part = parts_from_output_item(item).front();
    m_call_names[part.id] = part.name;
    assistant().parts.push_back(std::move(part));
  }

  void read_output(const json& item) {
    Part part;
    part.kind = Part::Kind::tool_result;
    part.id = string_member(item, "call_id");
    if (auto it = m_call_names.find(part.id); it != m_call_names.end()) part.name = it->second;
    const json& output = member(item, "output");
    if (!output.is_null()) part.content = content_parts(output);
    tool_results().parts.push_back(std::move(part));
  }

  Request& m_request;
  std::map<std::string, std::string> m_call_names; // call id -> tool name
};

// A custom tool's one string argument, described by its grammar so other models can follow it.
json custom_parameters(const json& format) {
  std::string description = "The whole input of the tool, as plain text.";
  if (string_member(format, "type") == "grammar") {
    description = "The whole input of the tool, as plain text that follows this " + string_member(format, "syntax") +
                  " grammar:\n" + string_member(format, "definition");
  }
  return {{"type", "object"},
          {"properties", {{"input", {{"type", "string"}, {"description", description}}}}},
          {"required", {"input"}}};
}

void read_tools(const json& tools, Request& request) {
  if (tools.is_null()) return;
  if (!tools.is_array()) throw TranslateError("tools must be an array");
  for (const auto& entry : tools) {
    if (!entry.is_object()) throw TranslateError("tools must be objects");
    std::string type = string_member(entry, "type");
    if (type != "function" && type != "custom") continue; // hosted tools: web_search, local_shell...
    Tool tool;
    tool.name = string_member(entry, "name");
    tool.description = string_member(entry, "description");
    tool.custom = type == "custom";
    const json& parameters = member(entry, "parameters");
    if (tool.custom)
      tool.parameters = custom_parameters(member(entry, "format"));
    else if (parameters.is_object() && !parameters.empty())
      tool.parameters = parameters;
    else
      tool.parameters = {{"type", "object"}, {"properties", json::object()}};
    request.tools.push_back(std::move(tool));
  }
}

ToolChoice read_tool_choice(const json& choice) {
  ToolChoice out;
  if (choice.is_string()) {
    std::string mode = choice.get<std::string>();
    if (mode == "auto")
      out.mode = ToolChoice::Mode::automatic;
    else if (mode == "required")
      out.mode = ToolChoice::Mode::any;
    else if (mode == "none")
      out.mode = ToolChoice::Mode::none;
  } else if (std::string type = string_member(choice, "type"); type == "function" || type == "custom") {
    out.mode = ToolChoice::Mode::tool;
    out.name = string_member(choice, "name");
  }
  return out;
}

void read_reasoning(const json& reasoning, Request& request) {
  if (!reasoning.is_object()) return;
  request.reasoning.effort = string_member(reasoning, "effort");
  const std::string& effort = request.reasoning.effort;
  request.reasoning.enabled = effort != "none" && effort != "minimal";
}

// text.format (Responses) -> response_format (Chat's shape, the neutral one).
json read_text_format(const json& text) {
  const json& format = member(text, "format");
  std::string type = string_member(format, "type");
  if (type == "json_object") return {{"type", "json_object"}};
  if (type != "json_schema") return nullptr;
  json schema{{"name", string_member(format, "name")}, {"schema", member(format, "schema")}};
  if (member(format, "strict").is_boolean()) schema["strict"] = format["strict"];
  if (!string_member(format, "description").empty()) schema["description"] = format["description"];
  return {{"type", "json_schema"}, {"json_schema", schema}};
}

void read_sampling(const json& body, Request& request) {
  if (const json& v = member(body, "max_output_tokens"); v.is_number_integer())
    request.max_output_tokens = v.get<int64_t>();
  if (const json& v = member(body, "temperature"); v.is_number()) request.temperature = v.get<double>();
  if (const json& v = member(body, "top_p"); v.is_number()) request.top_p = v.get<double>();
  if (const json& v = member(body, "parallel_tool_calls"); v.is_boolean()) request.parallel_tool_calls = v.get<bool>();
  if (const json& v = member(body, "stream"); v.is_boolean()) request.stream = v.get<bool>();
}

} // namespace

Request decode_request(const json& body) {
  if (!body.is_object()) throw TranslateError("request body must be a JSON object");
  Request request;
  request.model = string_member(body, "model");
  if (std::string instructions = string_member(body, "instructions"); !instructions.empty())
    request.system.push_back(std::move(instructions));
  const json& input = member(body, "input");
  if (input.is_string()) {
    if (auto parts = content_parts(input); !parts.empty()) request.messages.push_back(Message{Role::user, parts});
  } else if (input.is_array()) {
    InputReader reader(request);
    for (const auto& item : input) reader.read(item);
  } else if (!input.is_null()) {
    throw TranslateError("input must be a string or an array of items");
  }
  read_tools(member(body, "tools"), request);
  request.tool_choice = read_tool_choice(member(body, "tool_choice"));
  read_sampling(body, request);
  read_reasoning(member(body, "reasoning"), request);
  request.response_format = read_text_format(member(body, "text"));
  request.user = string_member(body, "user");
  if (request.user.empty()) request.user = string_member(body, "safety_identifier");
  return request;
}

} // namespace llmgw::core::translate::openai_responses
