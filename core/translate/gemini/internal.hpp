#pragma once
// Private helpers shared by the Gemini codec files (gemini/*.cpp): JSON access, the finish-reason
// and usage mappings, output parts, tool-call ids and schema sanitising (PROTOCOLS.md §6).
#include "core/translate/ir.hpp"
#include "core/translate/json_access.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace llmgw::core::translate::gemini::detail {

using nlohmann::json;

// A Gemini finishReason in neutral terms; STOP on a turn with function calls is tool_use (§5.10 16).
StopReason stop_from_finish_reason(std::string_view reason, bool has_tool_call);
std::string_view finish_reason_for(StopReason stop);

// usageMetadata for a client: promptTokenCount includes cache, candidatesTokenCount excludes thoughts.
json usage_metadata(const Usage& usage);

// One-line JSON text; invalid UTF-8 is replaced rather than thrown on.
std::string dump(const json& value);

// "call_" + 24 random hex digits, for function calls that come without an id.
std::string fresh_call_id();

// Tool arguments JSON text as an object; anything else (invalid JSON, an array) becomes {}.
json arguments_object(const std::string& arguments);

// A signature for a Gemini client: Gemini's own raw, any other family's wrapped (reasoning_state.hpp).
std::string client_signature(const std::string& signature, Issuer issuer);

// One model output part for a client: text, thought, functionCall (with id), or null for parts
// Gemini output has no place for (images, redacted thinking).
json output_part(const Part& part);

// A functionCall part for a client from a tool call's pieces.
json function_call_part(const Part& call, const std::string& arguments, const std::string& signature);

// A content part that is not a function call or response: text, thought, inlineData, fileData,
// executableCode or codeExecutionResult (as text), with its thoughtSignature unwrapped. nullopt for
// anything else and for empty text without a signature.
std::optional<Part> decode_basic_part(const json& part);
// A functionCall part as a tool call; its id is functionCall.id or `fallback_id`.
Part decode_function_call(const json& part, const std::string& fallback_id);

// A JSON Schema cut to the OpenAPI subset functionDeclarations accept (§6.5): local $refs inlined,
// unknown keywords dropped, ["t","null"] types turned into nullable.
// Keeps a Gemini function call's signature by id for clients that cannot carry it (§6.5).
void remember_call_signature(const Part& call);

json sanitise_schema(const json& schema);
// An OpenAPI schema from a Gemini client (types may be "OBJECT", "STRING") with lower-case types,
// so other providers accept it as JSON Schema.
json lowercase_schema_types(const json& schema);

} // namespace llmgw::core::translate::gemini::detail
