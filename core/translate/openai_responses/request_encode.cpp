// Neutral Request -> a body for OpenAI's Responses endpoint (PROTOCOLS.md §2.1), for clients of
// other formats sent to a Responses-only OpenAI model.
#include "core/translate/openai_responses/codec.hpp"
#include "core/translate/openai_responses/internal.hpp"

#include <algorithm>
#include <iterator>
#include <set>

namespace llmgw::core::translate::openai_responses {
namespace {

using namespace detail;

// OpenAI rejects max_output_tokens below 16 ("integer below minimum value").
constexpr int64_t k_min_output_tokens = 16;
// safety_identifier longer than this is rejected; Claude Code's metadata.user_id is longer.
constexpr size_t k_max_identifier = 64;

json input_part(const Part& part) {
  switch (part.kind) {
  case Part::Kind::text: return {{"type", "input_text"}, {"text", part.text}};
  case Part::Kind::image:
    return {{"type", "input_image"}, {"image_url", part.url.empty() ? data_url(part.media_type, part.data) : part.url}};
  case Part::Kind::document:
    if (!part.url.empty()) return {{"type", "input_file"}, {"file_url", part.url}};
    return {{"type", "input_file"}, {"filename", "document.pdf"}, {"file_data", data_url(part.media_type, part.data)}};
  default: return nullptr;
  }
}

// A tool result's output: a string when it is all text, else input_text/input_image parts.
json tool_output(const Part& result) {
  bool text_only = std::all_of(result.content.begin(), result.content.end(),
                               [](const Part& p) { return p.kind == Part::Kind::text; });
  // Responses has no error flag on outputs; say it in the text (PROTOCOLS.md §5.1).
  std::string prefix = result.is_error ? "Error: " : "";
  if (text_only) {
    std::string text = prefix;
    for (const auto& part : result.content) text += (text.size() > prefix.size() ? "\n" : "") + part.text;
    return text;
  }
  json parts = json::array();
  if (!prefix.empty()) parts.push_back({{"type", "input_text"}, {"text", prefix}});
  for (const auto& part : result.content)
    if (json item = input_part(part); !item.is_null() && part.kind != Part::Kind::document) parts.push_back(item);
  return parts;
}

// Writes the input items, keeping only tool calls and outputs that pair up (OpenAI rejects a
// function_call without its output and an output without its call).
class InputWriter {
public:
  InputWriter(const Request& request, const RequestOptions& options) : m_options(options) {
    std::set<std::string> custom_tools;
    for (const auto& tool : request.tools)
      if (tool.custom) custom_tools.insert(tool.name);
    std::set<std::string> calls;
    std::set<std::string> results;
    for (const auto& message : request.messages) {
      for (const auto& part : message.parts) {
        if (part.kind == Part::Kind::tool_call) calls.insert(part.id);
        if (part.kind == Part::Kind::tool_result) results.insert(part.id);
        if (part.kind == Part::Kind::tool_call && (part.custom || custom_tools.count(part.name)))
          m_custom_calls.insert(part.id);
      }
    }
    std::set_intersection(calls.begin(), calls.end(), results.begin(), results.end(),
                          std::inserter(m_paired, m_paired.begin()));
  }

  json write(const std::vector<Message>& messages) {
    for (const auto& message : messages) {
      if (message.role == Role::user)
        write_user(message);
      else
        write_assistant(message);
    }
    return m_items;
  }

  bool replayed_reasoning() const { return m_replayed_reasoning; }

private:
  void write_user(const Message& message) {
    json content = json::array();
    for (const auto& part : message.parts) {
      if (part.kind == Part::Kind::tool_result)
        write_output(part);
      else if (json item = input_part(part); !item.is_null())
        content.push_back(item);
    }
    if (!content.empty()) m_items.push_back({{"type", "message"}, {"role", "user"}, {"content", content}});
  }

  void write_output(const Part& result) {
    if (!m_paired.count(result.id)) return;
    const char* type = m_custom_calls.count(result.id) ? "custom_tool_call_output" : "function_call_output";
    m_items.push_back({{"type", type}, {"call_id", result.id}, {"output", tool_output(result)}});
  }

  void write_assistant(const Message& message) {
    std::string text;
    auto flush = [&] {
      if (text.empty()) return;
      json content = json::array({{{"type", "output_text"}, {"text", text}}});
      m_items.push_back({{"type", "message"}, {"role", "assistant"}, {"content", content}});
      text.clear();
    };
    for (const auto& part : message.parts) {
      if (part.kind == Part::Kind::text) {
        text += part.text;
        continue;
      }
      flush();
      if (part.kind == Part::Kind::tool_call)
        write_call(part);
      else if (part.kind == Part::Kind::thinking)
        write_reasoning(part);
    }
    flush();
  }

  void write_call(const Part& call) {
    if (!m_paired.count(call.id)) return;
    if (m_custom_calls.count(call.id)) {
      m_items.push_back(
          {{"type", "custom_tool_call"}, {"call_id", call.id}, {"name", call.name}, {"input", custom_input(call)}});
      return;
    }
    m_items.push_back(
        {{"type", "function_call"}, {"call_id", call.id}, {"name", call.name}, {"arguments", call.arguments}});
  }

  // Only OpenAI's own encrypted reasoning goes back (store:false makes it the only way to replay).
  void write_reasoning(const Part& thinking) {
    if (thinking.issuer != m_options.family || thinking.issuer != Issuer::openai || thinking.signature.empty()) return;
    json item{{"type", "reasoning"}, {"summary", json::array()}, {"encrypted_content", thinking.signature}};
    if (!thinking.reasoning_id.empty()) item["id"] = thinking.reasoning_id;
    if (!thinking.text.empty()) item["summary"].push_back({{"type", "summary_text"}, {"text", thinking.text}});
    m_items.push_back(std::move(item));
    m_replayed_reasoning = true;
  }

  const RequestOptions& m_options;
  std::set<std::string> m_custom_calls; // call ids of custom (freeform) tool calls
  std::set<std::string> m_paired;       // call ids that have both a call and a result
  json m_items = json::array();
  bool m_replayed_reasoning = false;
};

json tool_json(const Tool& tool) {
  json out{{"type", tool.custom ? "custom" : "function"}, {"name", tool.name}};
  if (!tool.description.empty()) out["description"] = tool.description;
  if (tool.custom) return out;
  json parameters = tool.parameters.is_object() ? tool.parameters : json::object();
  if (!parameters.contains("type")) parameters["type"] = "object";
  if (parameters["type"] == "object" && !parameters.contains("properties")) parameters["properties"] = json::object();
  out["parameters"] = parameters;
  // Responses defaults strict to true, which rejects most schemas written for other APIs.
  out["strict"] = false;
  return out;
}

json tool_choice_json(const Request& request) {
  const ToolChoice& choice = request.tool_choice;
  switch (choice.mode) {
  case ToolChoice::Mode::automatic: return "auto";
  case ToolChoice::Mode::any: return "required";
  case ToolChoice::Mode::none: return "none";
  case ToolChoice::Mode::tool: {
    bool custom = std::any_of(request.tools.begin(), request.tools.end(),
                              [&](const Tool& t) { return t.custom && t.name == choice.name; });
    return {{"type", custom ? "custom" : "function"}, {"name", choice.name}};
  }
  case ToolChoice::Mode::unset: break;
  }
  return nullptr;
}

// The OpenAI effort level; "" leaves it to the model. Budgets map as in PROTOCOLS.md §5.1.
std::string effort_of(const Reasoning& reasoning) {
  const std::string& effort = reasoning.effort;
  if (effort == "none" || effort == "minimal" || effort == "low" || effort == "medium" || effort == "high" ||
      effort == "xhigh")
    return effort;
  if (effort == "max") return "high";
  if (!reasoning.enabled || !reasoning.budget_tokens) return {};
  if (*reasoning.budget_tokens < 4096) return "low";
  return *reasoning.budget_tokens < 16384 ? "medium" : "high";
}

void write_reasoning_fields(const Request& request, bool replayed, json& body) {
  std::string effort = effort_of(request.reasoning);
  if (!effort.empty()) body["reasoning"] = {{"effort", effort}};
  bool on = (request.reasoning.enabled || !effort.empty()) && effort != "none";
  // Reasoning state comes back only when asked for; non-reasoning models reject the include.
  if (on || replayed) body["include"] = json::array({"reasoning.encrypted_content"});
}

json text_format(const json& response_format) {
  std::string type = string_member(response_format, "type");
  if (type == "json_object") return {{"format", {{"type", "json_object"}}}};
  if (type != "json_schema") return nullptr;
  json format = member(response_format, "json_schema");
  if (!format.is_object()) return nullptr;
  format["type"] = "json_schema";
  if (!format.contains("name")) format["name"] = "response";
  return {{"format", format}};
}

} // namespace

json encode_request(const Request& request, const RequestOptions& options) {
  json body{{"model", options.model.empty() ? request.model : options.model}};
  std::string instructions;
  for (const auto& text : request.system) instructions += (instructions.empty() ? "" : "\n\n") + text;
  if (!instructions.empty()) body["instructions"] = instructions;
  InputWriter writer(request, options);
  body["input"] = writer.write(request.messages);
  if (!request.tools.empty()) {
    body["tools"] = json::array();
    for (const auto& tool : request.tools) body["tools"].push_back(tool_json(tool));
  }
  if (json choice = tool_choice_json(request); !choice.is_null()) body["tool_choice"] = choice;
  if (request.parallel_tool_calls) body["parallel_tool_calls"] = *request.parallel_tool_calls;
  if (request.max_output_tokens) body["max_output_tokens"] = std::max(*request.max_output_tokens, k_min_output_tokens);
  write_reasoning_fields(request, writer.replayed_reasoning(), body);
  if (json text = text_format(request.response_format); !text.is_null()) body["text"] = text;
  if (!request.user.empty() && request.user.size() <= k_max_identifier) body["safety_identifier"] = request.user;
  // Stateless like Codex: the full history goes every turn and nothing is kept upstream.
  body["store"] = false;
  body["stream"] = request.stream;
  return body;
}

} // namespace llmgw::core::translate::openai_responses
