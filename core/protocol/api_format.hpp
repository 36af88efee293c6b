#pragma once
// The wire formats llmgw speaks, on either side.
#include <string_view>

namespace llmgw::core::protocol {

enum class ApiFormat { openai_chat, openai_responses, anthropic, gemini };

// Stable lowercase name: "openai_chat", "openai_responses", "anthropic" or "gemini".
std::string_view to_string(ApiFormat format);

} // namespace llmgw::core::protocol
