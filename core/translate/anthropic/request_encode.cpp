// Neutral Request -> Anthropic Messages request body for an Anthropic upstream whose client spoke
// another format (PROTOCOLS.md §3.2, §5.2, §5.8). Emits only fields the Messages API accepts.
#include "core/translate/anthropic/internal.hpp"
#include "core/translate/anthropic/codec.hpp"

#include <algorithm>
#include <set>

namespace llmgw::core::translate::anthropic {
namespace {

using namespace detail;

// Anthropic's minimum thinking budget, and the room kept for the answer beside it.
constexpr int64_t k_min_budget_tokens = 1024;
constexpr int64_t k_answer_room_tokens = 1024;
// Prompt-cache breakpoints on user turns (with one on tools and one on system: Anthropic's max 4).
constexpr int k_cached_user_turns = 2;

// OpenAI effort words as thinking budgets: one step per word, roughly what OpenAI models spend.
int64_t budget_for_effort(const std::string& effort) {
  if (effort == "minimal") return 1024;
  if (effort == "low") return 4096;
  if (effort == "high") return 24000;
  return 10000; // medium, or a budget-less "enabled"
}

json encode_system(const std::vector<std::string>& system) {
  json blocks = json::array();
  for (const auto& text : system)
    if (!is_blank(text)) blocks.push_back({{"type", "text"}, {"text", text}});
  return blocks;
}

// input_schema must be an object schema; a custom (freeform) tool takes one string.
json input_schema(const Tool& tool) {
  if (tool.custom)
    return json{
        {"type", "object"}, {"properties", {{"input", {{"type", "string"}}}}}, {"required", json::array({"input"})}};
  json schema = tool.parameters;
  if (!schema.is_object() || schema.empty() || (schema.contains("type") && schema["type"] != "object"))
    return json{{"type", "object"}, {"properties", json::object()}};
  schema["type"] = "object";
  return schema;
}

// Tools of the request; when it has none but the history holds tool calls, one placeholder per
// called name, since Anthropic-format providers may refuse tool_use blocks without tools (Bedrock:
// "The toolConfig field must be defined when using toolUse and toolResult content blocks").
json encode_tools(const Request& request, const json& messages) {
  json tools = json::array();
  for (const auto& tool : request.tools) {
    json out{{"name", tool.name}, {"input_schema", input_schema(tool)}};
    if (!tool.description.empty()) out["description"] = tool.description;
    tools.push_back(std::move(out));
  }
  if (!tools.empty()) return tools;
  std::set<std::string> names;
  for (const auto& message : messages)
    for (const auto& block : message["content"])
      if (block["type"] == "tool_use" && names.insert(block["name"].get<std::string>()).second)
        tools.push_back({{"name", block["name"]},
                         {"description", "A tool used earlier in this conversation."},
                         {"input_schema", {{"type", "object"}, {"properties", json::object()}}}});
  return tools;
}

// Placeholder tools (the client declared none) must not be called: tool_choice none.
void encode_tool_choice(const Request& request, bool placeholders, json& body) {
  if (!body.contains("tools")) return; // tool_choice without tools is rejected
  if (placeholders) {
    body["tool_choice"] = {{"type", "none"}};
    return;
  }
  json choice{{"type", "auto"}};
  switch (request.tool_choice.mode) {
  case ToolChoice::Mode::unset:
  case ToolChoice::Mode::automatic: break;
  case ToolChoice::Mode::any: choice["type"] = "any"; break;
  case ToolChoice::Mode::none: choice["type"] = "none"; break;
  case ToolChoice::Mode::tool: choice = {{"type", "tool"}, {"name", request.tool_choice.name}}; break;
  }
  const bool serial = request.parallel_tool_calls == false;
  if (serial && choice["type"] != "none") choice["disable_parallel_tool_use"] = true;
  if (request.tool_choice.mode != ToolChoice::Mode::unset || serial) body["tool_choice"] = std::move(choice);
}

bool thinking_wanted(const Reasoning& reasoning) {
  if (reasoning.effort == "none" || reasoning.budget_tokens == 0) return false;
  return reasoning.enabled || !reasoning.effort.empty() || reasoning.budget_tokens.value_or(0) > 0;
}

// With thinking on, the last assistant turn that calls tools must start with a signed thinking
// block (§3.2, §5.8); history from another model has none, and signatures cannot be invented.
bool tool_turn_starts_with_thinking(const json& messages) {
  for (auto it = messages.rbegin(); it != messages.rend(); ++it) {
    if ((*it)["role"] != "assistant") continue;
    const json& content = (*it)["content"];
    bool calls = std::any_of(content.begin(), content.end(), [](const json& b) { return b["type"] == "tool_use"; });
    if (!calls) continue;
    return content[0]["type"] == "thinking" || content[0]["type"] == "redacted_thinking";
  }
  return true;
}

// thinking {type: enabled, budget_tokens} with 1024 <= budget < max_tokens; false when thinking
// stays off (not asked for, a forced tool choice, which Anthropic refuses with thinking, or §5.8).
bool encode_thinking(const Request& request, json& body) {
  if (!thinking_wanted(request.reasoning)) return false;
  const std::string forced = string_member(member(body, "tool_choice"), "type");
  if (forced == "any" || forced == "tool") return false;
  if (!tool_turn_starts_with_thinking(body["messages"])) return false;
  const auto& reasoning = request.reasoning;
  const bool explicit_budget = reasoning.budget_tokens.value_or(0) > 0;
  int64_t budget =
      std::max(explicit_budget ? *reasoning.budget_tokens : budget_for_effort(reasoning.effort), k_min_budget_tokens);
  // A budget the client chose may use all but one token; a derived one leaves room for the answer.
  const int64_t max_tokens = body["max_tokens"].get<int64_t>();
  const int64_t ceiling = max_tokens - (explicit_budget ? 1 : k_answer_room_tokens);
  if (ceiling >= k_min_budget_tokens) {
    budget = std::min(budget, ceiling);
  } else { // too small for the minimum budget: keep the client's max for the answer
    budget = k_min_budget_tokens;
    body["max_tokens"] = max_tokens + k_min_budget_tokens;
  }
  body["thinking"] = {{"type", "enabled"}, {"budget_tokens", budget}};
  return true;
}

// Sent only with thinking off (thinking requires temperature 1 and no top_k). Newer Claude models
// refuse temperature and top_p together; OpenAI's temperature range is 0-2, Anthropic's 0-1.
void encode_sampling(const Request& request, json& body) {
  if (request.temperature)
    body["temperature"] = std::clamp(*request.temperature, 0.0, 1.0);
  else if (request.top_p)
    body["top_p"] = *request.top_p;
  if (request.top_k) body["top_k"] = *request.top_k;
}

void encode_stop(const std::vector<std::string>& stop, json& body) {
  json sequences = json::array();
  for (const auto& text : stop)
    if (!is_blank(text)) sequences.push_back(text); // whitespace-only sequences are rejected
  if (!sequences.empty()) body["stop_sequences"] = std::move(sequences);
}

// OpenAI response_format json_schema -> output_config.format (structured outputs).
void encode_response_format(const json& format, json& body) {
  if (string_member(format, "type") != "json_schema") return;
  const json& schema = member(member(format, "json_schema"), "schema");
  if (schema.is_object()) body["output_config"] = {{"format", {{"type", "json_schema"}, {"schema", schema}}}};
}

// Translated traffic (Codex, SDKs) gets Anthropic prompt caching: breakpoints after the tools,
// the system prompt and the last two user turns, so each turn reads what the previous one wrote.
void add_cache_breakpoints(json& body) {
  const json ephemeral{{"type", "ephemeral"}};
  if (body.contains("tools")) body["tools"].back()["cache_control"] = ephemeral;
  if (body.contains("system")) body["system"].back()["cache_control"] = ephemeral;
  int marked = 0;
  json& messages = body["messages"];
  for (auto it = messages.rbegin(); it != messages.rend() && marked < k_cached_user_turns; ++it) {
    if ((*it)["role"] != "user") continue;
    (*it)["content"].back()["cache_control"] = ephemeral;
    ++marked;
  }
}

} // namespace

json encode_request(const Request& request, const RequestOptions& options) {
  json body{{"model", options.model}};
  json system = encode_system(request.system);
  if (!system.empty()) body["system"] = std::move(system);
  body["messages"] = encode_messages(request.messages, options.family);
  json tools = encode_tools(request, body["messages"]);
  if (!tools.empty()) body["tools"] = std::move(tools);
  encode_tool_choice(request, request.tools.empty(), body);
  const int64_t asked = request.max_output_tokens.value_or(0);
  body["max_tokens"] = asked > 0 ? asked : options.default_max_tokens;
  encode_stop(request.stop, body);
  if (!encode_thinking(request, body)) encode_sampling(request, body);
  if (!request.user.empty()) body["metadata"] = {{"user_id", request.user}};
  encode_response_format(request.response_format, body);
  if (request.stream) body["stream"] = true;
  if (options.auto_cache) add_cache_breakpoints(body);
  return body;
}

} // namespace llmgw::core::translate::anthropic
