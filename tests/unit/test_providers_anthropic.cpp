#include "core/providers/provider.hpp"

#include <doctest/doctest.h>

using namespace llmgw::core;
using protocol::ApiFormat;

namespace {

config::ProviderConfig anthropic() {
  config::ProviderConfig provider;
  provider.name = "anthropic";
  provider.kind = config::ProviderKind::anthropic;
  provider.base_url = "https://api.anthropic.com";
  return provider;
}

const providers::Adapter& adapter() { return providers::adapter_for(config::ProviderKind::anthropic); }

} // namespace

TEST_CASE("providers anthropic: every client is spoken to in Messages") {
  const auto provider = anthropic();
  for (auto client : {ApiFormat::anthropic, ApiFormat::openai_chat, ApiFormat::openai_responses, ApiFormat::gemini})
    CHECK(adapter().upstream_format(provider, client) == ApiFormat::anthropic);
}

TEST_CASE("providers anthropic: messages and count_tokens paths, the client's query without key=") {
  auto provider = anthropic();
  CHECK(adapter().path(provider, {ApiFormat::anthropic, "claude-sonnet-4-5", true, false, ""}) == "/v1/messages");
  CHECK(adapter().path(provider, {ApiFormat::anthropic, "claude-sonnet-4-5", false, true, ""}) ==
        "/v1/messages/count_tokens");
  CHECK(adapter().path(provider, {ApiFormat::anthropic, "m", false, false, "?beta=true&key=llmgw-token"}) ==
        "/v1/messages?beta=true");
  provider.base_url = "http://127.0.0.1:9000/proxy/";
  CHECK(adapter().path(provider, {ApiFormat::anthropic, "m", false, false, ""}) == "/proxy/v1/messages");
}

TEST_CASE("providers anthropic: x-api-key, a default anthropic-version, anthropic-* headers kept") {
  httplib::Headers headers;
  adapter().add_auth(headers, "sk-ant-test");
  CHECK(headers.find("x-api-key")->second == "sk-ant-test");
  CHECK(headers.find("authorization") == headers.end());
  adapter().add_required_headers(headers);
  CHECK(headers.find("anthropic-version")->second == "2023-06-01");
  httplib::Headers own{{"anthropic-version", "2024-01-01"}};
  adapter().add_required_headers(own);
  CHECK(own.size() == 1);
  CHECK(own.find("anthropic-version")->second == "2024-01-01");
  CHECK(adapter().forwards_header("anthropic-beta"));
}

TEST_CASE("providers anthropic: Anthropic prices and reasoning, not first-party OpenAI") {
  const auto provider = anthropic();
  CHECK(adapter().wire_model(provider, "claude-haiku-4-5") == "claude-haiku-4-5");
  CHECK(adapter().price_family(provider) == "anthropic");
  CHECK(adapter().reasoning_issuer() == translate::Issuer::anthropic);
  CHECK_FALSE(adapter().openai_first_party());
  CHECK_FALSE(adapter().is_local(provider));
  CHECK_FALSE(adapter().serves_any_model());
}

TEST_CASE("providers anthropic: a too-low credit balance benches the key") {
  CHECK(adapter().key_trouble(400, "Your credit balance is too low to access the API") == "out of quota (HTTP 400)");
  CHECK(adapter().key_trouble(401, "") == "refused (HTTP 401)");
  CHECK(adapter().key_trouble(429, "") == "rate limited (HTTP 429)");
  CHECK(adapter().key_trouble(529, "overloaded") == "");
}
