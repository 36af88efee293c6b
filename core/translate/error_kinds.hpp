#pragma once
// Error facts every codec needs the same way.
#include "core/translate/ir.hpp"

namespace llmgw::core::translate {

// The request did not fit the model's context window, in any provider's words (OpenAI
// context_length_exceeded, Anthropic "prompt is too long", Gemini "exceeds the maximum number of
// tokens", vLLM/Ollama "maximum context length"). Clients compact on it.
bool is_context_overflow(const Error& error);

} // namespace llmgw::core::translate
