#pragma once
// Private helpers shared by the OpenAI Responses codec files (openai_responses/*.cpp): JSON access,
// generated ids, output items, usage and error shapes (PROTOCOLS.md §2).
#include "core/translate/ir.hpp"
#include "core/translate/json_access.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace llmgw::core::translate::openai_responses::detail {

using nlohmann::json;

// Redacted Anthropic thinking has no Responses item of its own: it travels as a reasoning item
// whose wrapped encrypted_content starts with this marker, so a replay restores its kind.
inline constexpr std::string_view k_redacted_marker = "redacted:";

// A fresh id such as "resp_" + 24 hex digits (unique per process, not predictable).
std::string new_id(std::string_view prefix);
int64_t now_seconds();

// Single-line JSON that never throws on invalid UTF-8 (it is replaced).
std::string dump(const json& value);

// Splits "data:<media type>;base64,<data>"; false when url is not a base64 data URL.
bool parse_data_url(std::string_view url, std::string& media_type, std::string& data);
std::string data_url(const std::string& media_type, const std::string& data);

// A reasoning item (input or output) as a neutral thinking or redacted_thinking part. Reasoning
// state is unwrapped with OpenAI as the native family; no encrypted_content means issuer none.
Part thinking_from_reasoning(const json& item);
// The parts of one response output item (message, function_call, custom_tool_call, reasoning);
// other item types give none.
std::vector<Part> parts_from_output_item(const json& item);

// The encrypted_content a Responses client gets for reasoning state: OpenAI's own as is, any
// other family's wrapped; "" when there is no state.
std::string encrypted_content(Part::Kind kind, Issuer issuer, const std::string& signature);
// The input string of a custom tool call: its text, or (when an upstream returned it as a
// function call) the "input" string of its JSON arguments.
std::string custom_input(const Part& part);

// Output items with status "completed" (ids given by the caller).
json message_item(const std::string& id, const std::string& text, const char* status);
json function_call_item(const std::string& id, const std::string& call_id, const std::string& name,
                        const std::string& arguments, const char* status);
json custom_call_item(const std::string& id, const std::string& call_id, const std::string& name,
                      const std::string& input, const char* status);
json reasoning_item(const std::string& id, const std::string& summary, const std::string& encrypted);

// Usage in Responses form: input_tokens includes cache reads and writes, total_tokens always set.
json usage_json(const Usage& usage);

// The error type and code a Responses client reads for an error (context overflow gets code
// context_length_exceeded; Codex also acts on rate_limit_exceeded and insufficient_quota).
std::string error_type(const Error& error);
std::string error_code(const Error& error);
// The HTTP status an in-band error code stands for.
int status_for_code(const std::string& code);

} // namespace llmgw::core::translate::openai_responses::detail
