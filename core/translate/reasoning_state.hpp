#pragma once
// Reasoning state that must go back only to the provider family that issued it (PROTOCOLS.md
// §5.8, §6.5). When a client's format has a native field for opaque reasoning state (Anthropic
// thinking signatures, Responses encrypted_content) but the state came from another family, the
// encoder wraps it as "llmgw1.<issuer>.<opaque>"; decoders unwrap it and learn its issuer, and any
// request sent upstream keeps only the state its provider issued.
#include "core/translate/ir.hpp"

#include <string>
#include <string_view>

namespace llmgw::core::translate {

// "llmgw1.gemini.<opaque>" for Issuer::gemini and so on.
std::string wrap_signature(Issuer issuer, std::string_view opaque);

struct UnwrappedSignature {
  Issuer issuer = Issuer::none;
  std::string opaque;
};
// The issuer and opaque state of a signature read from a format whose own family is `native`:
// a wrapped one says its issuer, any other belongs to `native`. Empty stays empty with `native`.
UnwrappedSignature unwrap_signature(std::string_view signature, Issuer native);

// True when text contains a wrapped signature anywhere (a fast check before parsing a body that
// is otherwise passed through untouched).
bool contains_wrapped_signature(std::string_view text);

// Gemini thought signatures of function calls, by tool-call id, for clients whose format has no
// place for them (Chat tool_calls, Anthropic tool_use, Responses function_call). The Gemini decoder
// stores them; the Gemini encoder looks them up. Bounded (oldest evicted); thread-safe.
void remember_tool_signature(const std::string& tool_call_id, const std::string& signature);
std::string recall_tool_signature(const std::string& tool_call_id);

// What Gemini documents to send when a function call's signature is unknown.
inline constexpr std::string_view k_gemini_skip_signature = "skip_thought_signature_validator";

} // namespace llmgw::core::translate
