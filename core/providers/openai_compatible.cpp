// Servers speaking OpenAI's API: Ollama, vLLM, llama.cpp, OpenRouter, DeepSeek, Groq, Mistral...
#include "core/providers/common.hpp"

#include "core/http/upstream_pool.hpp"

#include <strings.h>

namespace llmgw::core::providers {
namespace {

// The host of "scheme://host[:port]" ("[::1]" keeps its brackets).
std::string_view host_of(std::string_view origin) {
  const size_t scheme = origin.find("://");
  if (scheme != std::string_view::npos) origin.remove_prefix(scheme + 3);
  if (origin.empty()) return origin;
  const size_t end = origin.front() == '[' ? origin.find(']') + 1 : origin.find(':');
  return origin.substr(0, end);
}

class OpenAiCompatible final : public Adapter {
public:
  protocol::ApiFormat upstream_format(const config::ProviderConfig& provider,
                                      protocol::ApiFormat client) const override {
    return detail::openai_format(provider, client);
  }
  std::string path(const config::ProviderConfig& provider, const PathRequest& request) const override {
    return detail::openai_path(provider, request);
  }
  std::string wire_model(const config::ProviderConfig&, const std::string& model) const override { return model; }

  AuthHeader auth_header() const override { return {"Authorization", "Bearer "}; }
  bool forwards_header(std::string_view name) const override { return !detail::is_anthropic_header(name); }

  // Each server has its own prices: the table knows them under the provider's config name.
  std::string_view price_family(const config::ProviderConfig& provider) const override { return provider.name; }
  translate::Issuer reasoning_issuer() const override { return translate::Issuer::none; }
  // Many reject max_completion_tokens and the developer role.
  bool openai_first_party() const override { return false; }
  bool is_local(const config::ProviderConfig& provider) const override {
    const std::string_view origin = http::split_base_url(provider.base_url).origin;
    const std::string_view host = host_of(origin);
    return host == "127.0.0.1" || host == "[::1]" ||
           (host.size() == 9 && ::strncasecmp(host.data(), "localhost", 9) == 0);
  }
  bool serves_any_model() const override { return true; }
  // Aggregators and proxies relay their upstream's words: any first-party quota phrase counts.
  std::string key_trouble(int status, std::string_view body) const override {
    return detail::key_trouble(status, body,
                               {"insufficient_quota", "exceeded your current quota", "credit balance is too low"});
  }
};

} // namespace

const Adapter& openai_compatible_adapter() {
  static const OpenAiCompatible adapter;
  return adapter;
}

} // namespace llmgw::core::providers
