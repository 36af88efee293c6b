// Anthropic's Messages API: x-api-key, a required anthropic-version, anthropic-* headers kept.
#include "core/providers/common.hpp"

#include "core/http/wire.hpp"

namespace llmgw::core::providers {
namespace {

class Anthropic final : public Adapter {
public:
  protocol::ApiFormat upstream_format(const config::ProviderConfig&, protocol::ApiFormat) const override {
    return protocol::ApiFormat::anthropic;
  }
  std::string path(const config::ProviderConfig& provider, const PathRequest& request) const override {
    return detail::path_prefix(provider) + (request.count_tokens ? "/v1/messages/count_tokens" : "/v1/messages") +
           forwarded_query(request.query, false);
  }
  std::string wire_model(const config::ProviderConfig&, const std::string& model) const override { return model; }

  AuthHeader auth_header() const override { return {"x-api-key", ""}; }
  bool forwards_header(std::string_view) const override { return true; }
  // Anthropic refuses a request without it; Claude Code and the SDKs send their own.
  RequiredHeader required_header() const override { return {"anthropic-version", "2023-06-01"}; }

  std::string_view price_family(const config::ProviderConfig&) const override { return "anthropic"; }
  translate::Issuer reasoning_issuer() const override { return translate::Issuer::anthropic; }
  bool openai_first_party() const override { return false; }
  bool is_local(const config::ProviderConfig&) const override { return false; }
  bool serves_any_model() const override { return false; }
  // An exhausted account answers 400 "Your credit balance is too low to access the API".
  std::string key_trouble(int status, std::string_view body) const override {
    return detail::key_trouble(status, body, {"credit balance is too low"});
  }
};

} // namespace

const Adapter& anthropic_adapter() {
  static const Anthropic adapter;
  return adapter;
}

} // namespace llmgw::core::providers
