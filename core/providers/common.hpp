#pragma once
// Facts several provider kinds share (the OpenAI-style API, bearer auth, the key-trouble rules),
// for the adapters in this folder only.
#include "core/providers/provider.hpp"
#include "core/providers/request_safety.hpp"

#include <initializer_list>

namespace llmgw::core::providers::detail {

// The path of the provider's base URL ("/v1" of "https://api.openai.com/v1").
std::string path_prefix(const config::ProviderConfig& provider);

// Chat Completions, or Responses when the client speaks it and the provider has it.
protocol::ApiFormat openai_format(const config::ProviderConfig& provider, protocol::ApiFormat client);
// {prefix}/chat/completions or {prefix}/responses, with the forwarded client query.
std::string openai_path(const config::ProviderConfig& provider, const PathRequest& request);

// anthropic-version, anthropic-beta, ...: meaningless to the other kinds (a translated request).
bool is_anthropic_header(std::string_view name);

// The key-trouble rules every kind follows: 401/403 refused, 402 out of credit, one of the kind's
// quota phrases in the body out of quota, else 429 rate limited; "" otherwise.
std::string key_trouble(int status, std::string_view body, std::initializer_list<std::string_view> quota_phrases);

} // namespace llmgw::core::providers::detail
