#include "core/protocol/error_body.hpp"
#include "core/protocol/error_types.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace llmgw::core::protocol;

TEST_CASE("each API names a status with its own error type, and other statuses by client or server error") {
  CHECK(anthropic_error_types().type_for_status(429) == "rate_limit_error");
  CHECK(anthropic_error_types().type_for_status(529) == "overloaded_error");
  CHECK(anthropic_error_types().type_for_status(418) == "invalid_request_error");
  CHECK(anthropic_error_types().type_for_status(503) == "api_error");
  CHECK(openai_error_types().type_for_status(402) == "insufficient_quota");
  CHECK(openai_error_types().type_for_status(429) == "rate_limit_exceeded");
  CHECK(openai_error_types().type_for_status(502) == "server_error");
  CHECK(gemini_error_types().type_for_status(429) == "RESOURCE_EXHAUSTED");
  CHECK(gemini_error_types().type_for_status(503) == "UNAVAILABLE");
  CHECK(gemini_error_types().type_for_status(500) == "INTERNAL");
  CHECK(&error_types(ApiFormat::openai_responses) == &openai_error_types());
}

TEST_CASE("a type name gives its status; names the API only sends are known but never written") {
  CHECK(anthropic_error_types().status_for_type("overloaded_error", 500) == 529);
  CHECK(anthropic_error_types().status_for_type("BadRequestError", 500) == 500);
  CHECK(openai_error_types().status_for_type("insufficient_quota", 500) == 429);
  CHECK(openai_error_types().knows("tokens"));
  CHECK_FALSE(openai_error_types().knows("overloaded_error"));
  CHECK(gemini_error_types().knows("FAILED_PRECONDITION"));
  CHECK_FALSE(anthropic_error_types().knows(""));
}

TEST_CASE("llmgw's own error bodies use the same names as the codecs") {
  auto anthropic = nlohmann::json::parse(error_body(ApiFormat::anthropic, 429, "slow down"));
  CHECK(anthropic["type"] == "error");
  CHECK(anthropic["error"]["type"] == "rate_limit_error");
  auto openai = nlohmann::json::parse(error_body(ApiFormat::openai_chat, 402, "cap"));
  CHECK(openai["error"]["type"] == "insufficient_quota");
  CHECK(openai["error"]["code"] == "insufficient_quota");
  auto gemini = nlohmann::json::parse(error_body(ApiFormat::gemini, 429, "slow down"));
  CHECK(gemini["error"]["code"] == 429);
  CHECK(gemini["error"]["status"] == "RESOURCE_EXHAUSTED");
}
