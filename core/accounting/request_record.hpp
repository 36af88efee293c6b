#pragma once
// One ledger row: everything recorded about a request, whatever its outcome.
#include "core/accounting/rate_windows.hpp"
#include "core/accounting/usage.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace llmgw::core {

// Stored as TEXT; the spellings are fixed and never reused.
enum class Outcome {
  ok,             // upstream answered 2xx and the response reached the client whole
  upstream_error, // upstream answered with an error status (or an in-band error event)
  client_closed,  // the client went away before the response ended
  upstream_cut,   // the upstream stream ended before its protocol's final event
  unreachable,    // no connection to the upstream, or it timed out before answering
  refused,        // llmgw refused the request (auth, Host/Origin, cap, unknown model)
  bad_request,    // the client's request was malformed (bad JSON, body too large)
  capped,         // llmgw ended a running stream at a spend cap (caps.hard)
  shutdown,       // llmgw ended a running stream because it was shutting down
  internal_error, // llmgw failed on its own (a bug): the client got a 500 in its format
};

enum class UsageSource { reported, estimated, missing };

std::string_view to_string(Outcome outcome);
std::string_view to_string(UsageSource source);
// Parse the stored spelling back; unknown text yields Outcome::ok / UsageSource::missing.
Outcome outcome_from_string(std::string_view text);
UsageSource usage_source_from_string(std::string_view text);

// One upstream try of a request that needed more than one (retries, fallbacks).
struct Attempt {
  std::string provider;
  std::string model;
  int http_status = 0;    // 0: no HTTP answer
  int64_t latency_ms = 0; // until the status (or the failure) was known
  std::string error;      // "" when this attempt served the request; else why it did not
};

struct RequestRecord {
  int64_t started_at_ms = 0; // unix epoch milliseconds
  int64_t duration_ms = 0;
  int64_t ttfb_ms = -1; // first response byte to the client; -1 when none was sent
  std::string agent;    // claude-code, codex, aider, opencode, openai-sdk, anthropic-sdk, curl, unknown
  std::string session_id;
  std::string key_name;  // virtual key used ("" = the gateway token or the client's own credentials)
  std::string project;   // from the key or `llmgw run`
  std::string user_name; // the user of the virtual key used ("" = none; team mode: every request has one)
  std::string endpoint;  // e.g. "/v1/messages"
  std::string provider;
  std::string requested_model;
  std::string served_model;
  // The model a report names the request by: the one that answered, else the one asked for.
  const std::string& model() const { return served_model.empty() ? requested_model : served_model; }
  bool streamed = false;
  int http_status = 0;
  Outcome outcome = Outcome::ok;
  Usage usage;
  int64_t cost_usd_pico = 0;
  std::string price_version;
  std::string price_basis; // how the price was found: "exact", "alias", "family"; "" when none applied
  UsageSource usage_source = UsageSource::missing;
  bool unpriced = false;
  bool billed_to_client = false; // the client's own key or plan paid; cost is the API equivalent
  std::string upstream_request_id;
  std::string error_message;     // short, never contains a secret
  std::vector<Attempt> attempts; // every upstream try, kept only when there was more than one
  // Not a column: the provider's window headers (client's own credentials only); the ledger keeps
  // the latest per provider and agent in `rate_windows`.
  std::vector<RateWindowHeader> rate_windows;
  // Not columns: the client's W3C trace context headers (traceparent, tracestate) as sent, "" when
  // absent; traces continue the client's trace.
  std::string trace_parent;
  std::string trace_state;
};

// Where finished requests go. The store's ledger implements it; record() must not block on I/O.
// A row is taken by rvalue reference, so a chain of sinks (tracing, metrics, alerts, ledger) moves
// it once, into the ledger's queue, instead of once per sink. Sinks add `using UsageSink::record;`.
class UsageSink {
public:
  virtual ~UsageSink() = default;
  virtual void record(RequestRecord&& record) = 0;
  // A row the caller keeps: a copy is recorded.
  void record(const RequestRecord& record) { this->record(RequestRecord(record)); }
};

} // namespace llmgw::core
