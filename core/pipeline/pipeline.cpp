// The API request path, listed once: attribute → authenticate → parse → route → admit →
// dispatch and relay → settle. The settlement owned by the context makes "every request ends with
// an answer in its caller's format and one row" hold whatever a stage throws.
#include "core/pipeline/stages.hpp"

#include "core/policy/redaction.hpp"

#include <array>
#include <cstdio>
#include <exception>

namespace llmgw::core::pipeline {
namespace {

using Stage = Verdict (*)(Services&, const httplib::Request&, RequestContext&);

constexpr std::array<Stage, 6> k_stages{refuse_while_draining, attribute, authenticate, parse, route, admit};

int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void run_stages(Services& services, const httplib::Request& request, httplib::Response& response,
                const std::shared_ptr<RequestContext>& context) {
  for (Stage stage : k_stages)
    if (auto reply = stage(services, request, *context)) return reply_locally(response, *context, std::move(*reply));
  if (context->endpoint.count_tokens && context->translated)
    return count_tokens_locally(services, request, response, *context);
  dispatch_and_relay(services, request, response, context);
}

// llmgw's own failure: a 500 in the caller's format, never a secret in it.
void reply_internal_error(httplib::Response& response, RequestContext& context, const char* what) {
  std::string message = std::string("llmgw internal error: ") + what;
  policy::redact_in_place(message, context.api_key);
  std::fprintf(stderr, "llmgw: error: %s %s: %s\n", context.endpoint.path.c_str(), context.model.c_str(),
               message.c_str());
  if (context.settlement.pending())
    reply_locally(response, context, {500, std::move(message), Outcome::internal_error, {}});
}

} // namespace

void serve_api(Services& services, const httplib::Request& request, httplib::Response& response,
               const Endpoint& endpoint, const std::string& path_model) {
  auto context = std::make_shared<RequestContext>();
  context->started = std::chrono::steady_clock::now();
  context->endpoint = endpoint;
  context->path_model = path_model;
  context->live = services.live();
  context->record.started_at_ms = unix_ms();
  context->record.endpoint = endpoint.path;
  context->settlement = Settlement(services, *context);
  try {
    run_stages(services, request, response, context);
  } catch (const std::exception& error) {
    reply_internal_error(response, *context, error.what());
  } catch (...) {
    reply_internal_error(response, *context, "unknown exception");
  }
}

} // namespace llmgw::core::pipeline
