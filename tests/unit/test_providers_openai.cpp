#include "core/providers/provider.hpp"

#include <doctest/doctest.h>

using namespace llmgw::core;
using protocol::ApiFormat;

namespace {

config::ProviderConfig openai() {
  config::ProviderConfig provider;
  provider.name = "openai";
  provider.kind = config::ProviderKind::openai;
  provider.base_url = "https://api.openai.com/v1";
  provider.responses_api = true;
  return provider;
}

const providers::Adapter& adapter() { return providers::adapter_for(config::ProviderKind::openai); }

} // namespace

TEST_CASE("providers openai: Responses passes through when the provider has it, the rest goes as Chat") {
  auto provider = openai();
  CHECK(adapter().upstream_format(provider, ApiFormat::openai_responses) == ApiFormat::openai_responses);
  CHECK(adapter().upstream_format(provider, ApiFormat::openai_chat) == ApiFormat::openai_chat);
  CHECK(adapter().upstream_format(provider, ApiFormat::anthropic) == ApiFormat::openai_chat);
  CHECK(adapter().upstream_format(provider, ApiFormat::gemini) == ApiFormat::openai_chat);
  provider.responses_api = false;
  CHECK(adapter().upstream_format(provider, ApiFormat::openai_responses) == ApiFormat::openai_chat);
}

TEST_CASE("providers openai: paths under the base URL keep the client's query without key=") {
  const auto provider = openai();
  CHECK(adapter().path(provider, {ApiFormat::openai_chat, "gpt-4.1", false, false, ""}) == "/v1/chat/completions");
  CHECK(adapter().path(provider, {ApiFormat::openai_responses, "gpt-5", true, false, "?stream=1"}) ==
        "/v1/responses?stream=1");
  CHECK(adapter().path(provider, {ApiFormat::openai_chat, "gpt-4.1", false, false, "?key=llmgw-token&a=1"}) ==
        "/v1/chat/completions?a=1");
}

TEST_CASE("providers openai: a bearer key, first-party facts, OpenAI prices and reasoning") {
  httplib::Headers headers;
  adapter().add_auth(headers, "sk-test");
  REQUIRE(headers.size() == 1);
  CHECK(headers.find("authorization")->second == "Bearer sk-test");
  CHECK_FALSE(adapter().forwards_header("anthropic-beta"));
  CHECK(adapter().forwards_header("OpenAI-Beta"));
  adapter().add_required_headers(headers);
  CHECK(headers.size() == 1);
  const auto provider = openai();
  CHECK(adapter().wire_model(provider, "gpt-4.1") == "gpt-4.1");
  CHECK(adapter().price_family(provider) == "openai");
  CHECK(adapter().reasoning_issuer() == translate::Issuer::openai);
  CHECK(adapter().openai_first_party());
  CHECK_FALSE(adapter().is_local(provider));
  CHECK_FALSE(adapter().serves_any_model());
}

TEST_CASE("providers openai: a refused or exhausted key rests, other errors say nothing about it") {
  CHECK(adapter().key_trouble(401, "") == "refused (HTTP 401)");
  CHECK(adapter().key_trouble(403, "") == "refused (HTTP 403)");
  CHECK(adapter().key_trouble(402, "") == "out of credit (HTTP 402)");
  CHECK(adapter().key_trouble(429, R"({"error":{"code":"insufficient_quota"}})") == "out of quota (HTTP 429)");
  CHECK(adapter().key_trouble(429, "You exceeded your current quota") == "out of quota (HTTP 429)");
  CHECK(adapter().key_trouble(429, "slow down") == "rate limited (HTTP 429)");
  CHECK(adapter().key_trouble(400, "bad request") == "");
  CHECK(adapter().key_trouble(500, "") == "");
  CHECK(adapter().key_trouble(200, "insufficient_quota in the model's answer") == "");
}
