#pragma once
// What goes upstream: the client's headers minus hop-by-hop and credential headers plus the
// provider's credentials, and the client's body spliced (never re-serialized) where it must change.
#include "core/config/config.hpp"
#include "core/pipeline/request_context.hpp"
#include "core/protocol/json_scan.hpp"

#include <httplib.h>
#include <string>
#include <string_view>

namespace llmgw::core::pipeline {

// Upstream request headers for a provider with one of its keys (api_key); forwards the client's
// credentials instead only when the provider is set to auth = "client". A client header whose
// name or value holds a control character (CR, LF, NUL...) is dropped.
httplib::Headers upstream_headers(const httplib::Headers& client, const config::ProviderConfig& provider,
                                  const std::string& api_key);

// The model name a provider expects in the body (Azure: the deployment of the model).
std::string wire_model(const config::ProviderConfig& provider, const std::string& model);

// Path and query of a request to a provider spoken to in `format`, for the wire model `model`
// (percent-encoded where it enters the path). A passed-through request keeps the client's query
// minus its key= parameters; Azure with an api_version uses deployment URLs. See providers::Adapter.
std::string upstream_path(const config::ProviderConfig& provider, protocol::ApiFormat format, const Endpoint& endpoint,
                          const std::string& model, bool stream, std::string_view client_query, bool passthrough);

// Copy the upstream response headers a client may use (request ids, rate limits, retry-after).
void copy_response_headers(const httplib::Headers& upstream, httplib::Response& response);
// The same, taking the headers' nodes instead of copying them (upstream is left empty).
void move_response_headers(httplib::Headers&& upstream, httplib::Response& response);

struct RewrittenBody {
  std::string body;
  bool injected_usage = false; // stream_options.include_usage was added for llmgw's accounting
};

// Replace the model when it differs from the requested one and, for streamed Chat Completions,
// make sure stream_options.include_usage is true. Untouched bytes are copied as they are. Never
// throws, whatever JSON the client sent.
RewrittenBody rewrite_body(std::string_view body, const protocol::ScannedObject& scanned,
                           std::string_view upstream_model, bool force_include_usage);

// Replace every occurrence of secret in text (no-op for an empty secret).
std::string redact(std::string text, const std::string& secret);

} // namespace llmgw::core::pipeline
