#pragma once
// Private helpers shared by the OpenAI Chat Completions codec files (openai_chat/*.cpp): field
// access that tolerates compat servers, tool calls, finish reasons, usage and error objects.
#include "core/translate/ir.hpp"
#include "core/translate/json_access.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace llmgw::core::translate::openai_chat {

// The text of a Chat content value: a string, or the text (and refusal) parts of an array joined.
std::string content_text(const nlohmann::json& content, std::string_view separator = "");

// The non-standard reasoning text of a message or delta: DeepSeek/vLLM reasoning_content,
// OpenRouter reasoning, CCR's thinking ({content}) - PROTOCOLS.md §1.10.
std::string reasoning_text(const nlohmann::json& message);

// One tool call of an assistant message ({type:function|custom,...}) as a tool_call part. Gemini's
// compat endpoint puts the call's thought signature in extra_content.google.thought_signature.
Part decode_tool_call(const nlohmann::json& call);
// A tool_call part as a Chat tool call; a custom (freeform) call becomes a function call whose
// arguments are {"input": text}.
nlohmann::json encode_tool_call(const Part& call);
// The JSON text of the arguments of a tool_call part as Chat sends them.
std::string call_arguments(const Part& call);

// A thought signature Gemini's compat endpoint sent with a tool call, or "".
std::string gemini_call_signature(const nlohmann::json& call);

// finish_reason <-> StopReason (PROTOCOLS.md §5.4). A turn with tool calls reports tool_use /
// tool_calls: clients only run tools when the stop reason says so (Gemini says "stop").
StopReason stop_from_finish(std::string_view finish_reason, bool saw_tool_calls);
std::string_view finish_from_stop(StopReason stop, bool has_tool_calls);

// core::Usage as a Chat usage object (prompt_tokens include cache reads and writes, §5.5).
nlohmann::json encode_usage(const Usage& usage);

// prefix + 24 random alphanumerics ("chatcmpl-...", "call_...").
std::string make_id(std::string_view prefix);

// Unix seconds now.
int64_t unix_now();

// The Chat error object {"message","type","param","code"} for a neutral error (§1.7).
nlohmann::json encode_error_object(const Error& error);
// A neutral error from a parsed error body of OpenAI or a compat server.
Error decode_error_json(int status, const nlohmann::json& body);

// JSON text for the wire: compact, invalid UTF-8 replaced rather than throwing.
std::string dump(const nlohmann::json& value);

} // namespace llmgw::core::translate::openai_chat
