#include "core/protocol/api_format.hpp"

namespace llmgw::core::protocol {

std::string_view to_string(ApiFormat format) {
  switch (format) {
  case ApiFormat::openai_chat: return "openai_chat";
  case ApiFormat::openai_responses: return "openai_responses";
  case ApiFormat::anthropic: return "anthropic";
  case ApiFormat::gemini: return "gemini";
  }
  return "unknown";
}

} // namespace llmgw::core::protocol
