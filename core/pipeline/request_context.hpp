#pragma once
// One per request: what the stages learn about it, passed from authenticate to settle, and the
// Settlement that ends it.
#include "core/accounting/request_record.hpp"
#include "core/config/config.hpp"
#include "core/pipeline/settlement.hpp"
#include "core/policy/budget.hpp"
#include "core/policy/keys.hpp"
#include "core/protocol/api_format.hpp"
#include "core/protocol/json_scan.hpp"
#include "core/routing/router.hpp"
#include "core/translate/translator.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace llmgw::core::pipeline {

// An inbound API route: the format it speaks and the path suffix appended to a provider's base.
// Its text is static (the route table's), so a request copies an Endpoint without allocating.
struct Endpoint {
  protocol::ApiFormat format;
  std::string_view path;            // canonical path recorded in the ledger, e.g. "/v1/messages"
  std::string_view upstream_suffix; // appended to the provider's base URL path, e.g. "/v1/messages"
  bool count_tokens = false;        // a token-counting endpoint (answered locally when not passed through)
  std::string_view gemini_method;   // Gemini routes: "generateContent", "streamGenerateContent" or "countTokens"
};

struct LiveConfig;

struct RequestContext {
  std::chrono::steady_clock::time_point started;
  std::shared_ptr<const LiveConfig> live; // the config this request started with (providers point into it)
  Endpoint endpoint;
  std::string path_model; // the model a Gemini route names in its path

  // authenticate
  bool token_ok = false;                 // the gateway token or a virtual key
  std::optional<policy::VirtualKey> key; // the virtual key presented, if any
  // parse
  std::optional<protocol::ScannedObject> scanned;
  std::string model; // as requested
  // route
  std::vector<routing::RouteResult> deployments; // in the order they are tried
  // The current try
  std::string api_key; // the provider key ("" = none / the client's own)
  const config::ProviderConfig* provider = nullptr;
  protocol::ApiFormat upstream_format = protocol::ApiFormat::openai_chat;
  bool translated = false; // the current deployment speaks another format than the client
  // The client's request in neutral form, decoded once when a deployment needs translation.
  std::shared_ptr<const translate::DecodedRequest> decoded;
  bool hide_usage_chunk = false; // llmgw asked for stream usage the client did not request
  // admit
  policy::Reservation reservation;            // held under the caps and limits that apply; the settlement releases it
  const pricing::ModelPrice* price = nullptr; // set when admission priced the request
  int64_t estimated_input_tokens = 0;         // admission: the client's body; each try: the body it sends (bytes / 4)
  int64_t output_limit_tokens = 0; // > 0: the caps pay for no more output; the upstream body is lowered to it
  std::string budget_remaining;    // USD left under the tightest cap past its warn threshold

  RequestRecord record;
  // Declared last so that it is destroyed first, while everything it settles is still there.
  Settlement settlement;

  int64_t elapsed_ms() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  }
};

} // namespace llmgw::core::pipeline
