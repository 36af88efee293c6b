#pragma once
// Answers llmgw gives itself (refusals, bad requests, unreachable providers, its own failures):
// an error body in the caller's API format with the right status, and the request's row.
#include "core/accounting/request_record.hpp"
#include "core/protocol/api_format.hpp"

#include <httplib.h>

#include <string>

namespace llmgw::core::pipeline {

struct RequestContext;

struct LocalReply {
  int status = 500;
  std::string message;
  Outcome outcome = Outcome::refused;
  httplib::Headers headers; // e.g. retry-after on a rate limit
};

// Write an error body in `format` (no request context: before a route matched).
void write_error(httplib::Response& response, protocol::ApiFormat format, int status, const std::string& message);

// Answer the request with `reply`, record it and settle it.
void reply_locally(httplib::Response& response, RequestContext& context, LocalReply reply);

} // namespace llmgw::core::pipeline
