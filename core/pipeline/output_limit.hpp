#pragma once
// A request's output limit as each API names it: read at admission to size the worst case, and
// lowered in the upstream body when the spend caps can pay for less (DESIGN.md §4). The body is
// spliced, never re-serialized; a body that needs no change is returned as it came.
#include "core/protocol/api_format.hpp"
#include "core/protocol/json_scan.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace llmgw::core::pipeline {

// The output limit a request in `format` asks for (max_tokens, max_completion_tokens,
// max_output_tokens, Gemini's generationConfig.maxOutputTokens); 0 when it names none.
int64_t requested_output_limit(protocol::ApiFormat format, std::string_view body,
                               const protocol::ScannedObject& scanned);

// The least output limit the request accepts: Anthropic's extended thinking needs max_tokens
// above thinking.budget_tokens; 1 otherwise.
int64_t least_output_limit(protocol::ApiFormat format, std::string_view body, const protocol::ScannedObject& scanned);

// body (an upstream request in `format`) with its output limit at most limit_tokens: every field
// naming a larger limit is replaced, and a body naming none gets `format`'s field
// (max_completion_tokens for Chat Completions). Unchanged when it already asks for no more, or
// when it is not a JSON object.
std::string limit_output(protocol::ApiFormat format, std::string body, int64_t limit_tokens);

} // namespace llmgw::core::pipeline
