// Which adapter serves each provider kind. A new kind: its file, and one line here.
#include "core/providers/provider.hpp"

namespace llmgw::core::providers {

const Adapter& openai_adapter();
const Adapter& anthropic_adapter();
const Adapter& gemini_adapter();
const Adapter& azure_adapter();
const Adapter& openai_compatible_adapter();

const Adapter& adapter_for(config::ProviderKind kind) {
  switch (kind) {
  case config::ProviderKind::openai: return openai_adapter();
  case config::ProviderKind::anthropic: return anthropic_adapter();
  case config::ProviderKind::gemini: return gemini_adapter();
  case config::ProviderKind::azure: return azure_adapter();
  case config::ProviderKind::openai_compatible: return openai_compatible_adapter();
  }
  return openai_compatible_adapter();
}

} // namespace llmgw::core::providers
