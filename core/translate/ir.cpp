#include "core/translate/ir.hpp"

namespace llmgw::core::translate {
namespace {

using nlohmann::json;

std::string_view kind_name(Part::Kind kind) {
  switch (kind) {
  case Part::Kind::text: return "text";
  case Part::Kind::image: return "image";
  case Part::Kind::document: return "document";
  case Part::Kind::tool_call: return "tool_call";
  case Part::Kind::tool_result: return "tool_result";
  case Part::Kind::thinking: return "thinking";
  case Part::Kind::redacted_thinking: return "redacted_thinking";
  }
  return "?";
}

std::string_view choice_name(ToolChoice::Mode mode) {
  switch (mode) {
  case ToolChoice::Mode::unset: return "unset";
  case ToolChoice::Mode::automatic: return "auto";
  case ToolChoice::Mode::any: return "any";
  case ToolChoice::Mode::none: return "none";
  case ToolChoice::Mode::tool: return "tool";
  }
  return "?";
}

std::string_view event_name(StreamEvent::Type type) {
  switch (type) {
  case StreamEvent::Type::start: return "start";
  case StreamEvent::Type::block_start: return "block_start";
  case StreamEvent::Type::block_delta: return "block_delta";
  case StreamEvent::Type::block_stop: return "block_stop";
  case StreamEvent::Type::finish: return "finish";
  case StreamEvent::Type::error: return "error";
  }
  return "?";
}

// Only the fields that are set, so golden files stay short.
void put(json& out, const char* key, const std::string& value) {
  if (!value.empty()) out[key] = value;
}

} // namespace

std::string_view to_string(StopReason stop) {
  switch (stop) {
  case StopReason::end_turn: return "end_turn";
  case StopReason::max_tokens: return "max_tokens";
  case StopReason::tool_use: return "tool_use";
  case StopReason::stop_sequence: return "stop_sequence";
  case StopReason::refusal: return "refusal";
  case StopReason::pause_turn: return "pause_turn";
  }
  return "?";
}

std::string_view to_string(Issuer issuer) {
  switch (issuer) {
  case Issuer::none: return "none";
  case Issuer::anthropic: return "anthropic";
  case Issuer::openai: return "openai";
  case Issuer::gemini: return "gemini";
  }
  return "?";
}

json to_json(const Usage& usage) {
  return json{{"input_uncached", usage.input_uncached_tokens},
              {"cache_read", usage.cache_read_tokens},
              {"cache_write_5m", usage.cache_write_5m_tokens},
              {"cache_write_1h", usage.cache_write_1h_tokens},
              {"output", usage.output_tokens},
              {"reasoning", usage.reasoning_tokens},
              {"reported", usage.reported}};
}

json to_json(const Part& part) {
  json out{{"kind", kind_name(part.kind)}};
  put(out, "text", part.text);
  put(out, "media_type", part.media_type);
  put(out, "data", part.data);
  put(out, "url", part.url);
  put(out, "id", part.id);
  put(out, "name", part.name);
  if (part.kind == Part::Kind::tool_call && !part.custom) out["arguments"] = part.arguments;
  if (part.custom) out["custom"] = true;
  if (!part.content.empty()) {
    out["content"] = json::array();
    for (const auto& inner : part.content) out["content"].push_back(to_json(inner));
  }
  if (part.is_error) out["is_error"] = true;
  put(out, "signature", part.signature);
  if (part.issuer != Issuer::none) out["issuer"] = to_string(part.issuer);
  put(out, "reasoning_id", part.reasoning_id);
  return out;
}

json to_json(const Request& request) {
  json out{{"model", request.model}, {"stream", request.stream}};
  if (!request.system.empty()) out["system"] = request.system;
  out["messages"] = json::array();
  for (const auto& message : request.messages) {
    json parts = json::array();
    for (const auto& part : message.parts) parts.push_back(to_json(part));
    out["messages"].push_back({{"role", message.role == Role::user ? "user" : "assistant"}, {"parts", parts}});
  }
  if (!request.tools.empty()) {
    out["tools"] = json::array();
    for (const auto& tool : request.tools) {
      json t{{"name", tool.name}, {"parameters", tool.parameters}};
      put(t, "description", tool.description);
      if (tool.custom) t["custom"] = true;
      out["tools"].push_back(t);
    }
  }
  if (request.tool_choice.mode != ToolChoice::Mode::unset) {
    out["tool_choice"] = {{"mode", choice_name(request.tool_choice.mode)}};
    put(out["tool_choice"], "name", request.tool_choice.name);
  }
  if (request.parallel_tool_calls) out["parallel_tool_calls"] = *request.parallel_tool_calls;
  if (request.max_output_tokens) out["max_output_tokens"] = *request.max_output_tokens;
  if (request.temperature) out["temperature"] = *request.temperature;
  if (request.top_p) out["top_p"] = *request.top_p;
  if (request.top_k) out["top_k"] = *request.top_k;
  if (!request.stop.empty()) out["stop"] = request.stop;
  if (request.reasoning.enabled || !request.reasoning.effort.empty() || request.reasoning.budget_tokens) {
    json r{{"enabled", request.reasoning.enabled}};
    if (request.reasoning.budget_tokens) r["budget_tokens"] = *request.reasoning.budget_tokens;
    put(r, "effort", request.reasoning.effort);
    out["reasoning"] = r;
  }
  if (request.include_usage) out["include_usage"] = true;
  put(out, "user", request.user);
  if (!request.response_format.is_null()) out["response_format"] = request.response_format;
  return out;
}

json to_json(const Response& response) {
  json parts = json::array();
  for (const auto& part : response.parts) parts.push_back(to_json(part));
  json out{{"id", response.id},
           {"model", response.model},
           {"parts", parts},
           {"stop", to_string(response.stop)},
           {"usage", to_json(response.usage)}};
  put(out, "stop_sequence", response.stop_sequence);
  return out;
}

json to_json(const StreamEvent& event) {
  json out{{"type", event_name(event.type)}};
  switch (event.type) {
  case StreamEvent::Type::start:
    put(out, "id", event.id);
    put(out, "model", event.model);
    if (event.usage.reported) out["usage"] = to_json(event.usage);
    break;
  case StreamEvent::Type::block_start:
    out["block"] = event.block;
    out["part"] = to_json(event.part);
    break;
  case StreamEvent::Type::block_delta:
    out["block"] = event.block;
    put(out, "delta", event.delta);
    put(out, "signature", event.signature);
    break;
  case StreamEvent::Type::block_stop: out["block"] = event.block; break;
  case StreamEvent::Type::finish:
    out["stop"] = to_string(event.stop);
    put(out, "stop_sequence", event.stop_sequence);
    out["usage"] = to_json(event.usage);
    break;
  case StreamEvent::Type::error:
    out["status"] = event.error.status;
    put(out, "error_type", event.error.type);
    put(out, "code", event.error.code);
    out["message"] = event.error.message;
    break;
  }
  return out;
}

} // namespace llmgw::core::translate
