#include "core/pipeline/local_reply.hpp"

#include "core/pipeline/request_context.hpp"
#include "core/protocol/error_body.hpp"

namespace llmgw::core::pipeline {

void write_error(httplib::Response& response, protocol::ApiFormat format, int status, const std::string& message) {
  response.status = status;
  // SDKs retry 5xx and 429 on their own; a refusal llmgw made is not worth that, except that
  // a rate limit (429) and shutting down (503) do pass.
  if (status != 503 && status != 429) response.set_header("x-should-retry", "false");
  response.set_content(protocol::error_body(format, status, message), "application/json");
}

void reply_locally(httplib::Response& response, RequestContext& context, LocalReply reply) {
  // An answer the upstream half wrote (headers, a content provider) gives way to this one.
  response = httplib::Response();
  write_error(response, context.endpoint.format, reply.status, reply.message);
  for (auto& [name, value] : reply.headers) response.headers.emplace(name, std::move(value));
  auto& record = context.record;
  record.http_status = reply.status;
  record.outcome = reply.outcome;
  record.error_message = std::move(reply.message);
  record.ttfb_ms = context.elapsed_ms();
  context.settlement.settle(nullptr);
}

} // namespace llmgw::core::pipeline
