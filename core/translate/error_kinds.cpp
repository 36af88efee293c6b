#include "core/translate/error_kinds.hpp"

#include <algorithm>
#include <cctype>

namespace llmgw::core::translate {

bool is_context_overflow(const Error& error) {
  if (error.code == "context_length_exceeded" || error.type == "context_length_exceeded") return true;
  std::string text = error.message;
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const char* phrase :
       {"prompt is too long", "maximum context length", "context length exceeded", "context window",
        "exceeds the maximum number of tokens", "too many input tokens", "exceed context limit"})
    if (text.find(phrase) != std::string::npos) return true;
  return false;
}

} // namespace llmgw::core::translate
