#pragma once
// Private helpers shared by the files of the Anthropic Messages codec (anthropic/*.cpp); not part
// of the codec interface (codec.hpp).
#include "core/translate/ir.hpp"
#include "core/translate/json_access.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace llmgw::core::translate::anthropic::detail {

using nlohmann::json;

// Compact JSON text; invalid UTF-8 is replaced rather than thrown on (stream fragments).
std::string dump(const json& value);

StopReason stop_from_wire(std::string_view stop_reason);
std::string_view stop_to_wire(StopReason stop);

// The usage object of a message / message_start: input_tokens excludes cache (PROTOCOLS §3.4).
json usage_json(const Usage& usage);

// prefix + 24 random hex digits ("msg_…", "toolu_…").
std::string random_id(std::string_view prefix);

// The tool_use `input` object of a tool call: arguments parsed (invalid or not an object:
// {"_raw": text}); a custom (freeform) call's text as {"input": text}.
json tool_input(const Part& part);

// The signature string an Anthropic client gets for a thinking / redacted_thinking part: native
// Anthropic state as is, another family's wrapped, none (or unsigned) as wrap(none, "").
std::string client_signature(const Part& part);

// One content block of a request or response as a neutral part; nullopt for blocks that have no
// neutral form (server tools and their results, citations-only blocks, empty text). `where` names
// the block in error messages. Throws TranslateError on a block that is not an object.
std::optional<Part> decode_block(const json& block, const std::string& where);

// The `messages` array for neutral messages, repaired to the Messages API's structural rules;
// thinking state is replayed only when its issuer is `family` (messages_encode.cpp).
json encode_messages(const std::vector<Message>& messages, Issuer family);

// True for text that is empty or only whitespace (Anthropic rejects such text blocks).
bool is_blank(std::string_view text);

} // namespace llmgw::core::translate::anthropic::detail
