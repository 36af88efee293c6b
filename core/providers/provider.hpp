#pragma once
// One adapter per provider kind: what differs between OpenAI, Anthropic, Gemini, Azure and
// OpenAI-compatible servers lives in that kind's file (openai.cpp, anthropic.cpp, ...), and
// nowhere else. A new kind is one new file and one line in registry.cpp.
//
// Adapters are stateless singletons; no call allocates beyond the strings it returns.
#include "core/config/config.hpp"
#include "core/protocol/api_format.hpp"
#include "core/translate/ir.hpp"

#include <httplib.h>
#include <string>
#include <string_view>

namespace llmgw::core::providers {

// The parts of an upstream path that depend on the request.
struct PathRequest {
  protocol::ApiFormat format = protocol::ApiFormat::openai_chat; // spoken to the provider (upstream_format)
  std::string_view model; // the wire model (wire_model); percent-encoded where it enters the path
  bool stream = false;
  bool count_tokens = false; // a token-counting endpoint
  std::string_view query;    // the client's query ("?a=b&c" or "") when passed through, else ""
};

class Adapter {
public:
  virtual ~Adapter() = default;

  // The format a request is sent in for a client speaking `client`: the client's own when the
  // provider speaks it (passthrough), else the provider's native one (translated).
  virtual protocol::ApiFormat upstream_format(const config::ProviderConfig& provider,
                                              protocol::ApiFormat client) const = 0;
  // Path and query of a request (the base URL's path prefix included). Client text is
  // percent-encoded; a forwarded query loses its key= parameters (the llmgw token).
  virtual std::string path(const config::ProviderConfig& provider, const PathRequest& request) const = 0;
  // The model name the provider expects (Azure: the deployment of the model).
  virtual std::string wire_model(const config::ProviderConfig& provider, const std::string& model) const = 0;

  // The header that carries the provider key: its name, and what comes before the key in its
  // value ("Authorization", "Bearer ").
  struct AuthHeader {
    std::string_view name;
    std::string_view prefix;
  };
  virtual AuthHeader auth_header() const = 0;
  // Whether a client header means something to this kind (anthropic-* only to Anthropic).
  virtual bool forwards_header(std::string_view name) const = 0;
  // A header the kind requires, added when the client did not send it (anthropic-version), or
  // an empty name.
  struct RequiredHeader {
    std::string_view name;
    std::string_view value;
  };
  virtual RequiredHeader required_header() const { return {}; }

  // Adds the header that carries the provider key (non-empty, free of control characters).
  void add_auth(httplib::Headers& headers, std::string_view key) const;
  // Adds the header the kind requires when headers lack it.
  void add_required_headers(httplib::Headers& headers) const;

  // The provider name the price table knows this provider's models under.
  virtual std::string_view price_family(const config::ProviderConfig& provider) const = 0;
  // Whose opaque reasoning state the provider accepts back (PROTOCOLS.md §5.8).
  virtual translate::Issuer reasoning_issuer() const = 0;
  // OpenAI's own API (api.openai.com, Azure): max_completion_tokens, developer role, inline PDFs.
  virtual bool openai_first_party() const = 0;
  // A server on this machine: its models cost nothing unless a price is configured.
  virtual bool is_local(const config::ProviderConfig& provider) const = 0;
  // Model names are the user's own (a server's models, deployment names): a lone provider of this
  // kind serves every model nothing else routes.
  virtual bool serves_any_model() const = 0;
  // Why a key should rest after this answer ("refused (HTTP 401)", "out of quota (HTTP 429)",
  // "rate limited (HTTP 429)"), "" when the answer says nothing about the key.
  virtual std::string key_trouble(int status, std::string_view body) const = 0;
};

// The adapter of a provider kind (a static object: the reference stays valid).
const Adapter& adapter_for(config::ProviderKind kind);

} // namespace llmgw::core::providers
