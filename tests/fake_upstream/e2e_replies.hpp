#pragma once
// Reply builders the e2e fake needs beyond tests/support's: a Chat Completions tool call and the
// Gemini API (PROTOCOLS.md §1.3-1.5, §6.3-6.4), each in the provider's exact wire format.
#include "tests/support/fake_upstream.hpp"

#include <string>
#include <vector>

namespace llmgw::test {

// OpenAI Chat Completions: one tool call (message.content null, finish_reason "tool_calls").
FakeResponse openai_chat_tool_call_reply(const std::string& model, const std::string& name,
                                         const std::string& arguments_json, int prompt_tokens, int cached_tokens,
                                         int completion_tokens);
// OpenAI Chat Completions stream of one tool call, as the API sends it: the first delta carries
// role, index 0, id, type and name with empty arguments; then the arguments in two fragments; a
// finish chunk ("tool_calls"); the usage chunk (choices: []) only if include_usage; data: [DONE].
FakeResponse openai_chat_tool_call_stream(const std::string& model, const std::string& name,
                                          const std::string& arguments_json, bool include_usage, int prompt_tokens,
                                          int cached_tokens, int completion_tokens);

// Gemini usageMetadata counts: prompt includes cached; candidates exclude thoughts.
struct GeminiUsage {
  int prompt_tokens = 0;
  int cached_tokens = 0;
  int candidates_tokens = 0;
  int thoughts_tokens = 0;
};

// Gemini generateContent: one candidate with a text part, finishReason "STOP".
FakeResponse gemini_text_reply(const std::string& model, const std::string& text, const GeminiUsage& usage);
// Gemini streamGenerateContent?alt=sse: one `data:` record per piece (CRLF framing like Google's
// servers, no event: lines, no [DONE]). Every record carries usageMetadata, cumulative: the
// first one the prompt, the thoughts and 1 candidate token, the last one the final counts; the
// last also carries finishReason "STOP".
FakeResponse gemini_text_stream(const std::string& model, const std::vector<std::string>& pieces,
                                const GeminiUsage& usage);
// Gemini generateContent whose only part is a functionCall {name, args} carrying
// thoughtSignature; finishReason "STOP" (Gemini does not say anything else on a call turn).
FakeResponse gemini_function_call_reply(const std::string& model, const std::string& name, const std::string& args_json,
                                        const std::string& thought_signature, const GeminiUsage& usage);
// The same as one SSE record (function calls arrive whole, never in fragments).
FakeResponse gemini_function_call_stream(const std::string& model, const std::string& name,
                                         const std::string& args_json, const std::string& thought_signature,
                                         const GeminiUsage& usage);
// Gemini error body {"error":{"code","message","status"}}.
FakeResponse gemini_error(int code, const std::string& status, const std::string& message);

} // namespace llmgw::test
