#include "core/protocol/error_types.hpp"

#include <array>

namespace llmgw::core::protocol {
namespace {

constexpr std::array<ErrorTypeRow, 10> k_anthropic_rows{{{400, "invalid_request_error"},
                                                         {401, "authentication_error"},
                                                         {402, "billing_error"},
                                                         {403, "permission_error"},
                                                         {404, "not_found_error"},
                                                         {413, "request_too_large"},
                                                         {429, "rate_limit_error"},
                                                         {500, "api_error"},
                                                         {504, "timeout_error"},
                                                         {529, "overloaded_error"}}};

// OpenAI sends insufficient_quota with a 429; llmgw's own 402 (a spend cap) is named by it too.
// "requests" and "tokens" are the types of OpenAI's per-minute rate limits.
constexpr std::array<ErrorTypeRow, 10> k_openai_rows{{{400, "invalid_request_error"},
                                                      {401, "authentication_error"},
                                                      {403, "permission_error"},
                                                      {404, "not_found_error"},
                                                      {429, "rate_limit_exceeded"},
                                                      {429, "insufficient_quota"},
                                                      {402, "insufficient_quota"},
                                                      {500, "server_error"},
                                                      {429, "requests"},
                                                      {429, "tokens"}}};

// google.rpc.Code names with the HTTP statuses Google maps them to.
constexpr std::array<ErrorTypeRow, 20> k_gemini_rows{{{400, "INVALID_ARGUMENT"},
                                                      {401, "UNAUTHENTICATED"},
                                                      {402, "RESOURCE_EXHAUSTED"},
                                                      {403, "PERMISSION_DENIED"},
                                                      {404, "NOT_FOUND"},
                                                      {408, "DEADLINE_EXCEEDED"},
                                                      {409, "ABORTED"},
                                                      {429, "RESOURCE_EXHAUSTED"},
                                                      {499, "CANCELLED"},
                                                      {500, "INTERNAL"},
                                                      {501, "UNIMPLEMENTED"},
                                                      {502, "UNAVAILABLE"},
                                                      {503, "UNAVAILABLE"},
                                                      {529, "UNAVAILABLE"},
                                                      {504, "DEADLINE_EXCEEDED"},
                                                      {400, "FAILED_PRECONDITION"},
                                                      {400, "OUT_OF_RANGE"},
                                                      {409, "ALREADY_EXISTS"},
                                                      {500, "DATA_LOSS"},
                                                      {500, "UNKNOWN"}}};

constexpr ErrorTypes k_anthropic{k_anthropic_rows, "invalid_request_error", "api_error"};
constexpr ErrorTypes k_openai{k_openai_rows, "invalid_request_error", "server_error"};
constexpr ErrorTypes k_gemini{k_gemini_rows, "INVALID_ARGUMENT", "INTERNAL"};

} // namespace

std::string_view ErrorTypes::type_for_status(int status) const {
  for (const auto& row : rows)
    if (row.status == status) return row.type;
  return status >= 500 ? other_server_error : other_client_error;
}

int ErrorTypes::status_for_type(std::string_view type, int fallback) const {
  for (const auto& row : rows)
    if (row.type == type) return row.status;
  return fallback;
}

bool ErrorTypes::knows(std::string_view type) const { return status_for_type(type, 0) != 0; }

const ErrorTypes& anthropic_error_types() { return k_anthropic; }
const ErrorTypes& openai_error_types() { return k_openai; }
const ErrorTypes& gemini_error_types() { return k_gemini; }

const ErrorTypes& error_types(ApiFormat format) {
  switch (format) {
  case ApiFormat::anthropic: return k_anthropic;
  case ApiFormat::gemini: return k_gemini;
  case ApiFormat::openai_chat:
  case ApiFormat::openai_responses: break;
  }
  return k_openai;
}

} // namespace llmgw::core::protocol
