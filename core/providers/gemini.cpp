// Google AI Studio's Gemini API: /v1beta/models/{model}:{method}, x-goog-api-key (PROTOCOLS.md §6.1).
#include "core/providers/common.hpp"

namespace llmgw::core::providers {
namespace {

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

class Gemini final : public Adapter {
public:
  protocol::ApiFormat upstream_format(const config::ProviderConfig&, protocol::ApiFormat) const override {
    return protocol::ApiFormat::gemini;
  }
  // The model is one path segment ended by ':' and the method: encoded, a ':' or '/' of the
  // client's cannot pick another method or model.
  std::string path(const config::ProviderConfig& provider, const PathRequest& request) const override {
    const char* method = request.count_tokens ? "countTokens"
                         : request.stream     ? "streamGenerateContent"
                                              : "generateContent";
    // With auth = "client" a ?key= is the client's own Gemini key, forwarded like x-goog-api-key.
    std::string query = forwarded_query(request.query, provider.forward_client_auth);
    // Without alt=sse Gemini streams one JSON array instead of events (PROTOCOLS.md §6.1).
    if (request.stream && query.find("alt=sse") == std::string::npos) query += query.empty() ? "?alt=sse" : "&alt=sse";
    const std::string prefix = detail::path_prefix(provider);
    const bool versioned = ends_with(prefix, "/v1beta") || ends_with(prefix, "/v1");
    return prefix + (versioned ? "" : "/v1beta") + "/models/" + encode_path_segment(request.model) + ":" + method +
           query;
  }
  std::string wire_model(const config::ProviderConfig&, const std::string& model) const override { return model; }

  AuthHeader auth_header() const override { return {"x-goog-api-key", ""}; }
  bool forwards_header(std::string_view name) const override { return !detail::is_anthropic_header(name); }

  std::string_view price_family(const config::ProviderConfig&) const override { return "gemini"; }
  translate::Issuer reasoning_issuer() const override { return translate::Issuer::gemini; }
  bool openai_first_party() const override { return false; }
  bool is_local(const config::ProviderConfig&) const override { return false; }
  bool serves_any_model() const override { return false; }
  // 429 RESOURCE_EXHAUSTED "You exceeded your current quota ..." (also the free tier's per-day limit).
  std::string key_trouble(int status, std::string_view body) const override {
    return detail::key_trouble(status, body, {"exceeded your current quota"});
  }
};

} // namespace

const Adapter& gemini_adapter() {
  static const Gemini adapter;
  return adapter;
}

} // namespace llmgw::core::providers
