#pragma once
// One per request: what the stages learn about it, passed from authenticate to settle.
#include "core/accounting/request_record.hpp"
#include "core/config/config.hpp"
#include "core/policy/budget.hpp"
#include "core/protocol/api_format.hpp"
#include "core/translate/translator.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace llmgw::core::pipeline {

// An inbound API route: the format it speaks and the path suffix appended to a provider's base.
struct Endpoint {
  protocol::ApiFormat format;
  std::string path;           // canonical path recorded in the ledger, e.g. "/v1/messages"
  std::string upstream_suffix; // appended to the provider's base URL path, e.g. "/v1/messages"
  bool count_tokens = false;   // a token-counting endpoint (answered locally when not passed through)
  std::string gemini_method;   // Gemini routes: "generateContent", "streamGenerateContent" or "countTokens"
};

struct LiveConfig;

struct RequestContext {
  std::chrono::steady_clock::time_point started;
  std::shared_ptr<const LiveConfig> live; // the config this request started with (providers point into it)
  std::string deployment_id;              // "provider/model" of the current try
  std::string api_key;                    // the provider key of the current try ("" = none / client's own)
  size_t key_index = SIZE_MAX;            // which of the provider's keys, SIZE_MAX when not one of them
  Endpoint endpoint;
  const config::ProviderConfig* provider = nullptr;
  protocol::ApiFormat upstream_format = protocol::ApiFormat::openai_chat; // of the current deployment
  bool translated = false; // the current deployment speaks another format than the client
  // The client's request in neutral form, decoded once when a deployment needs translation.
  std::shared_ptr<const translate::DecodedRequest> decoded;
  bool hide_usage_chunk = false; // llmgw asked for stream usage the client did not request
  policy::Reservation reservation; // held under the caps that apply, released in settle
  const pricing::ModelPrice* price = nullptr; // set when admission priced the request
  int64_t estimated_input_tokens = 0;
  std::chrono::steady_clock::time_point attempt_started; // of the current upstream try
  std::string budget_remaining;    // USD left under the tightest cap past its warn threshold
  RequestRecord record;

  int64_t elapsed_ms() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  }
};

} // namespace llmgw::core::pipeline
