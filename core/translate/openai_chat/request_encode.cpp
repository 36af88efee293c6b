// Neutral Request -> upstream Chat Completions body for OpenAI, Azure or an OpenAI-compatible
// server (DeepSeek, Groq, Ollama, vLLM, OpenRouter): PROTOCOLS.md §1.2, §5.1 and its repairs.
#include "core/translate/openai_chat/codec.hpp"
#include "core/translate/openai_chat/internal.hpp"
#include "core/translate/reasoning_state.hpp"

#include <algorithm>
#include <optional>
#include <set>

namespace llmgw::core::translate::openai_chat {
namespace {

using nlohmann::json;

constexpr size_t k_max_stop = 4; // OpenAI rejects more stop sequences

json image_part(const Part& image) {
  std::string url = image.url.empty() ? "data:" + image.media_type + ";base64," + image.data : image.url;
  return json{{"type", "image_url"}, {"image_url", {{"url", url}}}};
}

json text_part(const std::string& text) { return json{{"type", "text"}, {"text", text}}; }

// Only OpenAI itself reads file parts; compat servers reject them, so the model gets a note.
json document_part(const Part& document, const RequestOptions& options) {
  bool inline_pdf = document.media_type == "application/pdf" && !document.data.empty();
  if (!options.openai_first_party || !inline_pdf) return text_part("[document omitted]");
  std::string data = "data:" + document.media_type + ";base64," + document.data;
  return json{{"type", "file"}, {"file", {{"filename", "document.pdf"}, {"file_data", data}}}};
}

// A string when the content is one text part (what every compat server understands), else parts.
json user_content(const json& parts) {
  if (parts.size() == 1 && parts[0]["type"] == "text") return parts[0]["text"];
  return parts;
}

// Builds the message list while keeping OpenAI's pairing rule: a tool message must follow the
// assistant message that made the call, and every call must get its tool message (§1.2).
class MessageEncoder {
public:
  MessageEncoder(json& messages, const RequestOptions& options) : m_messages(messages), m_options(options) {}

  void user(const Message& message) {
    json parts = json::array();
    for (const auto& part : message.parts)
      if (part.kind == Part::Kind::tool_result) tool_result(part, parts);
    for (const auto& part : message.parts) {
      if (part.kind == Part::Kind::text && !part.text.empty())
        parts.push_back(text_part(part.text));
      else if (part.kind == Part::Kind::image)
        parts.push_back(image_part(part));
      else if (part.kind == Part::Kind::document)
        parts.push_back(document_part(part, m_options));
    }
    if (parts.empty()) return;
    close_calls();
    m_messages.push_back({{"role", "user"}, {"content", user_content(parts)}});
  }

  void assistant(const Message& message) {
    close_calls();
    std::string text;
    json calls = json::array();
    for (const auto& part : message.parts) {
      if (part.kind == Part::Kind::text)
        text += part.text;
      else if (part.kind == Part::Kind::tool_call)
        calls.push_back(tool_call(part));
      // thinking / redacted_thinking: Chat has no standard field to replay them in, and
      // deepseek-reasoner documents a 400 for reasoning_content in input messages: dropped.
    }
    if (text.empty() && calls.empty()) return; // e.g. a thinking-only turn
    json out{{"role", "assistant"}, {"content", text.empty() ? json(nullptr) : json(text)}};
    if (!calls.empty()) {
      out["tool_calls"] = calls;
      for (const auto& call : calls) m_unanswered.insert(call["id"].get<std::string>());
      m_open_call = m_messages.size();
    }
    m_messages.push_back(std::move(out));
  }

  // Calls that never got their tool message are removed from their assistant message.
  void close_calls() {
    if (!m_open_call) return;
    json& message = m_messages[*m_open_call];
    if (!m_unanswered.empty()) {
      json kept = json::array();
      for (const auto& call : message["tool_calls"])
        if (!m_unanswered.count(call["id"].get<std::string>())) kept.push_back(call);
      if (kept.empty())
        message.erase("tool_calls");
      else
        message["tool_calls"] = kept;
      if (kept.empty() && message["content"].is_null())
        m_messages.erase(m_messages.begin() + static_cast<long>(*m_open_call)); // nothing left of it
    }
    m_open_call.reset();
    m_unanswered.clear();
  }

private:
  json tool_call(const Part& call) const {
    json out = encode_tool_call(call);
    // Gemini's compat endpoint wants the call's thought signature back (§6.6).
    if (m_options.family == Issuer::gemini) {
      std::string signature = call.issuer == Issuer::gemini ? call.signature : recall_tool_signature(call.id);
      if (!signature.empty()) out["extra_content"] = {{"google", {{"thought_signature", signature}}}};
    }
    return out;
  }

  // A result is sent only right after its call; images cannot go in a tool message, so they
  // follow in the next user message (collected in user_parts).
  void tool_result(const Part& result, json& user_parts) {
    if (!m_open_call || !m_unanswered.count(result.id)) return; // orphan: its call is not just before
    std::string text;
    bool has_image = false;
    for (const auto& part : result.content) {
      if (part.kind == Part::Kind::text)
        text += (text.empty() ? "" : "\n") + part.text;
      else if (part.kind == Part::Kind::image) {
        user_parts.push_back(image_part(part));
        has_image = true;
      }
    }
    if (text.empty() && has_image) text = "[image in the next message]";
    if (result.is_error) text = "Error: " + text; // Chat has no error flag
    m_messages.push_back({{"role", "tool"}, {"tool_call_id", result.id}, {"content", text}});
    m_unanswered.erase(result.id);
  }

  json& m_messages;
  const RequestOptions& m_options;
  std::optional<size_t> m_open_call; // the assistant message whose tool messages may follow now
  std::set<std::string> m_unanswered;
};

json encode_messages(const Request& request, const RequestOptions& options) {
  json messages = json::array();
  std::string system;
  for (const auto& text : request.system) {
    if (text.empty()) continue;
    if (!system.empty()) system += "\n\n";
    system += text;
  }
  // "system" rather than "developer": every compat server knows it and OpenAI maps it.
  if (!system.empty()) messages.push_back({{"role", "system"}, {"content", system}});
  MessageEncoder encoder(messages, options);
  for (const auto& message : request.messages) {
    if (message.role == Role::user)
      encoder.user(message);
    else
      encoder.assistant(message);
  }
  encoder.close_calls();
  return messages;
}

json encode_tool(const Tool& tool) {
  json function{{"name", tool.name}};
  if (!tool.description.empty()) function["description"] = tool.description;
  // A custom (freeform) tool becomes a function taking its text as {"input": ...} (§5.9).
  function["parameters"] =
      tool.custom ? json{{"type", "object"}, {"properties", {{"input", {{"type", "string"}}}}}, {"required", {"input"}}}
                  : tool.parameters;
  return json{{"type", "function"}, {"function", function}};
}

void encode_tools(const Request& request, json& body) {
  // tool_choice and parallel_tool_calls without tools are rejected by OpenAI.
  if (request.tools.empty()) return;
  for (const auto& tool : request.tools) body["tools"].push_back(encode_tool(tool));
  switch (request.tool_choice.mode) {
  case ToolChoice::Mode::unset: break;
  case ToolChoice::Mode::automatic: body["tool_choice"] = "auto"; break;
  case ToolChoice::Mode::any: body["tool_choice"] = "required"; break;
  case ToolChoice::Mode::none: body["tool_choice"] = "none"; break;
  case ToolChoice::Mode::tool:
    body["tool_choice"] = {{"type", "function"}, {"function", {{"name", request.tool_choice.name}}}};
    break;
  }
  if (request.parallel_tool_calls) body["parallel_tool_calls"] = *request.parallel_tool_calls;
}

// The client's effort, else one derived from a thinking budget (CCR's levels, §5.1).
std::string reasoning_effort(const Reasoning& reasoning) {
  if (!reasoning.effort.empty()) return reasoning.effort;
  if (!reasoning.enabled) return "";
  if (!reasoning.budget_tokens) return "medium";
  if (*reasoning.budget_tokens < 4096) return "low";
  return *reasoning.budget_tokens < 16384 ? "medium" : "high";
}

void encode_sampling(const Request& request, const RequestOptions& options, json& body) {
  if (request.max_output_tokens)
    body[options.openai_first_party ? "max_completion_tokens" : "max_tokens"] = *request.max_output_tokens;
  if (request.temperature) body["temperature"] = *request.temperature;
  if (request.top_p) body["top_p"] = *request.top_p;
  if (!request.stop.empty()) {
    auto end = request.stop.begin() + static_cast<long>(std::min(request.stop.size(), k_max_stop));
    body["stop"] = std::vector<std::string>(request.stop.begin(), end);
  }
  // Compat servers often reject reasoning_effort (DeepSeek ignores it): OpenAI only.
  if (auto effort = reasoning_effort(request.reasoning); !effort.empty() && options.openai_first_party)
    body["reasoning_effort"] = effort;
}

} // namespace

json encode_request(const Request& request, const RequestOptions& options) {
  json body{{"model", options.model}, {"messages", encode_messages(request, options)}};
  encode_tools(request, body);
  encode_sampling(request, options, body);
  // OpenAI caps `user` at 64 characters; Claude Code's metadata.user_id (a JSON string of ~150)
  // would get the whole request refused, so a longer id is left out.
  if (!request.user.empty() && request.user.size() <= 64) body["user"] = request.user;
  if (!request.response_format.is_null()) body["response_format"] = request.response_format;
  body["stream"] = request.stream;
  // stream_options without stream is a 400 at OpenAI (§1.2).
  if (request.stream && options.stream_usage) body["stream_options"] = {{"include_usage", true}};
  return body;
}

} // namespace llmgw::core::translate::openai_chat
