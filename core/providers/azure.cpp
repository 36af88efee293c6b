// Azure OpenAI: api-key header; deployment URLs with an api-version, or the v1 API without one.
#include "core/providers/common.hpp"

namespace llmgw::core::providers {
namespace {

class Azure final : public Adapter {
public:
  protocol::ApiFormat upstream_format(const config::ProviderConfig& provider,
                                      protocol::ApiFormat client) const override {
    return detail::openai_format(provider, client);
  }
  // With api_version: .../deployments/{deployment}/chat/completions?api-version=V (Responses has
  // no deployment in the path); the client's query is not forwarded there. Without: the v1 API.
  std::string path(const config::ProviderConfig& provider, const PathRequest& request) const override {
    if (provider.api_version.empty()) return detail::openai_path(provider, request);
    const std::string version = "?api-version=" + encode_path_segment(provider.api_version);
    if (request.format == protocol::ApiFormat::openai_responses)
      return detail::path_prefix(provider) + "/responses" + version;
    return detail::path_prefix(provider) + "/deployments/" + encode_path_segment(request.model) + "/chat/completions" +
           version;
  }
  std::string wire_model(const config::ProviderConfig& provider, const std::string& model) const override {
    auto it = provider.deployments.find(model);
    return it == provider.deployments.end() ? model : it->second;
  }

  AuthHeader auth_header() const override { return {"api-key", ""}; }
  bool forwards_header(std::string_view name) const override { return !detail::is_anthropic_header(name); }

  // Azure bills OpenAI's list prices.
  std::string_view price_family(const config::ProviderConfig&) const override { return "openai"; }
  translate::Issuer reasoning_issuer() const override { return translate::Issuer::openai; }
  bool openai_first_party() const override { return true; }
  bool is_local(const config::ProviderConfig&) const override { return false; }
  // Deployment names are the user's own.
  bool serves_any_model() const override { return true; }
  std::string key_trouble(int status, std::string_view body) const override {
    return detail::key_trouble(status, body, {"insufficient_quota", "exceeded your current quota"});
  }
};

} // namespace

const Adapter& azure_adapter() {
  static const Azure adapter;
  return adapter;
}

} // namespace llmgw::core::providers
