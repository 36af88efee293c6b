// Neutral requests into a Gemini generateContent body for an upstream Gemini (PROTOCOLS.md §6.2,
// §6.5). The model and streaming go in the URL, not the body.
#include "core/translate/gemini/codec.hpp"
#include "core/translate/gemini/internal.hpp"
#include "core/translate/reasoning_state.hpp"

#include <algorithm>
#include <map>

namespace llmgw::core::translate::gemini {

using namespace detail;

namespace {

// Gemini accepts at most 5 stop sequences; 2.5 Flash takes thinking budgets up to 24576.
constexpr size_t k_max_stop_sequences = 5;
constexpr int64_t k_max_thinking_budget = 24576;

// Tool calls that have a result in the request, by id, with their names. Gemini rejects a function
// call turn whose responses do not follow it ("number of function response parts ... equal"), so
// unanswered calls are dropped and results without a call become plain text.
std::map<std::string, std::string> answered_calls(const Request& request) {
  std::map<std::string, std::string> calls;
  std::map<std::string, std::string> answered;
  for (const auto& message : request.messages)
    for (const auto& part : message.parts) {
      if (part.kind == Part::Kind::tool_call) calls.emplace(part.id, part.name);
      if (part.kind != Part::Kind::tool_result) continue;
      if (auto it = calls.find(part.id); it != calls.end()) answered.emplace(it->first, it->second);
    }
  return answered;
}

// One content being built: function responses go before anything else in a user turn.
struct Turn {
  std::string role;
  json responses = json::array();
  json parts = json::array();
};

class ContentsBuilder {
public:
  ContentsBuilder(const Request& request, const RequestOptions& options)
      : m_calls(answered_calls(request)), m_own_state(options.family == Issuer::gemini) {}

  void add(const Message& message) {
    std::string role = message.role == Role::assistant ? "model" : "user";
    if (m_turns.empty() || m_turns.back().role != role) m_turns.push_back({role});
    for (const auto& part : message.parts) add_part(part, m_turns.back());
  }

  json finish() {
    json contents = json::array();
    for (auto& turn : m_turns) {
      for (auto& part : turn.parts) turn.responses.push_back(std::move(part));
      if (turn.responses.empty()) continue;
      if (m_own_state && turn.role == "model") sign_first_call(turn.responses);
      // Dropped parts can leave two turns of one role next to each other: merge them.
      if (!contents.empty() && contents.back()["role"] == turn.role)
        for (auto& part : turn.responses) contents.back()["parts"].push_back(std::move(part));
      else
        contents.push_back({{"role", turn.role}, {"parts", std::move(turn.responses)}});
    }
    return contents;
  }

private:
  void add_part(const Part& part, Turn& turn) {
    switch (part.kind) {
    case Part::Kind::text:
      if (!part.text.empty()) turn.parts.push_back(with_signature({{"text", part.text}}, part));
      break;
    case Part::Kind::image:
    case Part::Kind::document: add_media(part, turn.parts); break;
    case Part::Kind::tool_call:
      if (m_calls.count(part.id) != 0) turn.parts.push_back(function_call(part));
      break;
    case Part::Kind::tool_result: add_result(part, turn); break;
    case Part::Kind::thinking:
      // Only Gemini's own thoughts go back to Gemini; other families' reasoning is dropped (§5.8).
      if (m_own_state && part.issuer == Issuer::gemini && !(part.text.empty() && part.signature.empty()))
        turn.parts.push_back(with_signature({{"text", part.text}, {"thought", true}}, part));
      break;
    case Part::Kind::redacted_thinking: break;
    }
  }

  json with_signature(json out, const Part& part) const {
    if (m_own_state && part.issuer == Issuer::gemini && !part.signature.empty())
      out["thoughtSignature"] = part.signature;
    return out;
  }

  static void add_media(const Part& part, json& parts) {
    if (!part.data.empty())
      parts.push_back({{"inlineData", {{"mimeType", part.media_type}, {"data", part.data}}}});
    else if (!part.url.empty())
      parts.push_back({{"fileData", {{"mimeType", part.media_type}, {"fileUri", part.url}}}});
  }

  // A call's thoughtSignature: its own when Gemini issued it, else the one remembered when a
  // Gemini response was translated for a client that has no place for it (§6.5).
  json function_call(const Part& call) const {
    json args = call.custom ? json{{"input", call.text}} : arguments_object(call.arguments);
    json out{{"functionCall", {{"name", call.name}, {"args", args}}}};
    if (!m_own_state) return out;
    std::string signature = call.issuer == Issuer::gemini ? call.signature : std::string();
    if (signature.empty()) signature = recall_tool_signature(call.id);
    if (!signature.empty()) out["thoughtSignature"] = signature;
    return out;
  }

  void add_result(const Part& result, Turn& turn) const {
    std::string text;
    for (const auto& inner : result.content)
      if (inner.kind == Part::Kind::text) text += (text.empty() ? "" : "\n") + inner.text;
    auto call = m_calls.find(result.id);
    if (call == m_calls.end()) {
      if (!text.empty()) turn.parts.push_back({{"text", text}});
    } else {
      std::string name = result.name.empty() ? call->second : result.name;
      json response{{result.is_error ? "error" : "content", text}};
      turn.responses.push_back({{"functionResponse", {{"name", name}, {"response", response}}}});
    }
    // Images a tool returned travel as parts of the same user turn.
    for (const auto& inner : result.content)
      if (inner.kind == Part::Kind::image || inner.kind == Part::Kind::document) add_media(inner, turn.parts);
  }

  // Gemini 3 rejects a function call turn whose first call has no signature; the documented
  // placeholder skips the check when the real one is unknown (ai.google.dev thought-signatures).
  static void sign_first_call(json& parts) {
    for (auto& part : parts) {
      if (!part.contains("functionCall")) continue;
      if (!part.contains("thoughtSignature")) part["thoughtSignature"] = k_gemini_skip_signature;
      return;
    }
  }

  std::map<std::string, std::string> m_calls;
  bool m_own_state;
  std::vector<Turn> m_turns;
};

// Zero-argument functions go without parameters: Gemini has refused an OBJECT schema with empty
// properties ("properties: should be non-empty for OBJECT type").
json function_declaration(const Tool& tool) {
  json out{{"name", tool.name}};
  if (!tool.description.empty()) out["description"] = tool.description;
  json parameters =
      tool.custom ? json{{"type", "object"}, {"properties", {{"input", {{"type", "string"}}}}}, {"required", {"input"}}}
                  : sanitise_schema(tool.parameters);
  const json& properties = member(parameters, "properties");
  const std::string type = string_member(parameters, "type");
  bool empty_object = (type.empty() || type == "object") && (!properties.is_object() || properties.empty());
  if (!empty_object) out["parameters"] = std::move(parameters);
  return out;
}

json tool_config(const ToolChoice& choice) {
  json config;
  switch (choice.mode) {
  case ToolChoice::Mode::unset: return nullptr;
  case ToolChoice::Mode::automatic: config = {{"mode", "AUTO"}}; break;
  case ToolChoice::Mode::any: config = {{"mode", "ANY"}}; break;
  case ToolChoice::Mode::none: config = {{"mode", "NONE"}}; break;
  case ToolChoice::Mode::tool: config = {{"mode", "ANY"}, {"allowedFunctionNames", {choice.name}}}; break;
  }
  return {{"functionCallingConfig", config}};
}

std::optional<int64_t> thinking_budget(const Reasoning& reasoning) {
  if (reasoning.budget_tokens && *reasoning.budget_tokens > 0)
    return std::min(*reasoning.budget_tokens, k_max_thinking_budget);
  if (reasoning.effort == "minimal" || reasoning.effort == "low") return 1024;
  if (reasoning.effort == "medium") return 8192;
  if (reasoning.effort == "high" || reasoning.effort == "xhigh") return k_max_thinking_budget;
  return std::nullopt;
}

void add_response_format(const json& format, json& config) {
  std::string type = string_member(format, "type");
  if (type != "json_schema" && type != "json_object") return;
  config["responseMimeType"] = "application/json";
  const json& schema = member(member(format, "json_schema"), "schema");
  if (type == "json_schema" && schema.is_object()) config["responseSchema"] = sanitise_schema(schema);
}

json generation_config(const Request& request) {
  json config = json::object();
  if (request.max_output_tokens) config["maxOutputTokens"] = *request.max_output_tokens;
  if (request.temperature) config["temperature"] = *request.temperature;
  if (request.top_p) config["topP"] = *request.top_p;
  if (request.top_k) config["topK"] = *request.top_k;
  if (!request.stop.empty()) {
    size_t count = std::min(request.stop.size(), k_max_stop_sequences);
    config["stopSequences"] = std::vector<std::string>(request.stop.begin(), request.stop.begin() + count);
  }
  if (request.reasoning.enabled) {
    json thinking{{"includeThoughts", true}};
    if (auto budget = thinking_budget(request.reasoning)) thinking["thinkingBudget"] = *budget;
    config["thinkingConfig"] = thinking;
  }
  add_response_format(request.response_format, config);
  return config;
}

} // namespace

nlohmann::json encode_request(const Request& request, const RequestOptions& options) {
  json body = json::object();
  json system = json::array();
  for (const auto& text : request.system)
    if (!text.empty()) system.push_back({{"text", text}});
  if (!system.empty()) body["systemInstruction"] = {{"parts", system}};

  ContentsBuilder contents(request, options);
  for (const auto& message : request.messages) contents.add(message);
  body["contents"] = contents.finish();

  json declarations = json::array();
  for (const auto& tool : request.tools)
    if (!tool.name.empty()) declarations.push_back(function_declaration(tool));
  if (!declarations.empty()) {
    body["tools"] = json::array({{{"functionDeclarations", declarations}}});
    if (json config = tool_config(request.tool_choice); !config.is_null()) body["toolConfig"] = config;
  }
  if (json config = generation_config(request); !config.empty()) body["generationConfig"] = config;
  return body;
}

} // namespace llmgw::core::translate::gemini
