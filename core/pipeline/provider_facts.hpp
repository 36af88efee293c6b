#pragma once
// Provider-kind facts the stages ask about, answered by the kind's adapter (core/providers/).
#include "core/config/config.hpp"
#include "core/routing/router.hpp"
#include "core/translate/translator.hpp"

#include <string>

namespace llmgw::core::pipeline {

// OpenAI-compatible servers on this machine (Ollama, vLLM, llama.cpp) cost nothing unless a price
// is configured; the first-party kinds always bill.
bool is_local(const config::ProviderConfig& provider);
// Price-table provider family: OpenAI, Anthropic and Gemini by kind (Azure bills OpenAI's list
// prices), others by their config name.
std::string price_provider(const config::ProviderConfig& provider);
// Whose opaque reasoning state a provider accepts back (PROTOCOLS.md §5.8).
translate::Issuer reasoning_family(config::ProviderKind kind);
// A deployment can be called: it forwards the client's credentials, needs no key, or has one set.
bool has_key(const routing::RouteResult& deployment);

} // namespace llmgw::core::pipeline
