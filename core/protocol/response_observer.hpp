#pragma once
// Watches an upstream response (a JSON body or SSE events) and keeps what accounting needs.
#include "core/accounting/usage.hpp"
#include "core/http/sse_parser.hpp"
#include "core/protocol/api_format.hpp"

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

namespace llmgw::core::protocol {

// Normalise one usage object of each wire format (PROTOCOLS.md §5.5, §6.4, §7.2).
Usage usage_from_openai(const nlohmann::json& usage); // Chat and Responses; DeepSeek hit/miss too
Usage usage_from_anthropic(const nlohmann::json& usage);
Usage usage_from_gemini(const nlohmann::json& usage_metadata);
// The same, read in place from the JSON text of the usage object without building a document (a
// whole response body's usage, on the request path). Members are matched as written, without
// unescaping their names.
struct JsonText {
  std::string_view text;
};
Usage usage_from_openai(JsonText usage);
Usage usage_from_anthropic(JsonText usage);
Usage usage_from_gemini(JsonText usage_metadata);
// Overlay the non-null fields of an Anthropic usage object onto usage: message_delta counts are
// cumulative and overwrite, never add (§3.5). usage_from_anthropic is this onto an empty Usage.
void overlay_anthropic_usage(Usage& usage, const nlohmann::json& fields);

// What one stream event was, for the relay.
struct EventInfo {
  bool usage_only_chunk = false; // Chat chunk with "choices": [] and a usage object
  bool terminal = false;         // [DONE], message_stop, response.completed/failed/incomplete
  bool error = false;            // an in-band error event
};

class ResponseObserver {
public:
  explicit ResponseObserver(ApiFormat format) : m_format(format) {}

  // A whole non-streaming JSON response body.
  void observe_body(std::string_view body);
  // One SSE event of a streamed response. Cheap for events that carry nothing of interest.
  EventInfo observe_event(const http::SseEvent& event);

  const Usage& usage() const { return m_usage; }
  const std::string& served_model() const { return m_model; }
  // True once the protocol's final event was seen (Chat: [DONE] or finish_reason plus usage;
  // Anthropic: message_stop; Responses: a terminal response.*; Gemini: a finishReason).
  bool complete() const { return m_complete; }
  // True once the usage the provider sends when it is done arrived (a whole body's usage; Chat,
  // Responses, Gemini: usage with the final event; Anthropic: message_delta's usage). Before that
  // usage() may be partial (message_start's output_tokens: 1) or empty.
  bool usage_final() const { return m_usage.reported && (m_complete || m_saw_final_usage); }
  bool saw_error() const { return m_saw_error; }
  // Bytes of generated text, thinking and tool arguments streamed so far (for a live estimate of
  // output tokens before the final usage arrives); of a whole body, counted only when it carries
  // no usage.
  int64_t streamed_text_bytes() const { return m_text_bytes; }
  const std::string& error_message() const { return m_error_message; }

private:
  EventInfo observe_chat(std::string_view data);
  EventInfo observe_anthropic(std::string_view name, std::string_view data);
  EventInfo observe_responses(std::string_view name, std::string_view data);
  EventInfo observe_gemini(std::string_view data);
  void take_model(const nlohmann::json& holder, const char* key);
  void take_error(const nlohmann::json& error);

  ApiFormat m_format;
  Usage m_usage;
  std::string m_model;
  bool m_complete = false;
  bool m_saw_error = false;
  bool m_saw_finish = false;
  bool m_saw_final_usage = false;
  int64_t m_text_bytes = 0;
  std::string m_error_message;
};

} // namespace llmgw::core::protocol
