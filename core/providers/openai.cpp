// OpenAI's own API (api.openai.com): Chat Completions and Responses, bearer keys.
#include "core/providers/common.hpp"

namespace llmgw::core::providers {
namespace {

class OpenAi final : public Adapter {
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

  std::string_view price_family(const config::ProviderConfig&) const override { return "openai"; }
  translate::Issuer reasoning_issuer() const override { return translate::Issuer::openai; }
  bool openai_first_party() const override { return true; }
  bool is_local(const config::ProviderConfig&) const override { return false; }
  bool serves_any_model() const override { return false; }
  // An exhausted key: code insufficient_quota, "You exceeded your current quota..." (429).
  std::string key_trouble(int status, std::string_view body) const override {
    return detail::key_trouble(status, body, {"insufficient_quota", "exceeded your current quota"});
  }
};

} // namespace

const Adapter& openai_adapter() {
  static const OpenAi adapter;
  return adapter;
}

} // namespace llmgw::core::providers
