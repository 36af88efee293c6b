#include "core/providers/provider.hpp"

#include <doctest/doctest.h>

using namespace llmgw::core;
using protocol::ApiFormat;

namespace {

config::ProviderConfig azure() {
  config::ProviderConfig provider;
  provider.name = "azure";
  provider.kind = config::ProviderKind::azure;
  provider.base_url = "https://my-resource.openai.azure.com/openai";
  provider.api_version = "2024-10-21";
  provider.responses_api = true;
  provider.deployments = {{"gpt-4.1", "my-gpt41"}};
  return provider;
}

const providers::Adapter& adapter() { return providers::adapter_for(config::ProviderKind::azure); }

} // namespace

TEST_CASE("providers azure: a model's deployment, the model itself when none is mapped") {
  const auto provider = azure();
  CHECK(adapter().wire_model(provider, "gpt-4.1") == "my-gpt41");
  CHECK(adapter().wire_model(provider, "gpt-5") == "gpt-5");
}

TEST_CASE("providers azure: deployment URLs with api-version; the client's query stays out") {
  const auto provider = azure();
  CHECK(adapter().path(provider, {ApiFormat::openai_chat, "my-gpt41", true, false, "?key=llmgw-token&x=1"}) ==
        "/openai/deployments/my-gpt41/chat/completions?api-version=2024-10-21");
  CHECK(adapter().path(provider, {ApiFormat::openai_responses, "my-gpt41", false, false, ""}) ==
        "/openai/responses?api-version=2024-10-21");
}

TEST_CASE("providers azure: a deployment name from the client is one encoded path segment") {
  const auto provider = azure();
  const std::string out =
      adapter().path(provider, {ApiFormat::openai_chat, "x/../../admin?a=1 HTTP/1.1\r\nHost: y", false, false, ""});
  CHECK(out == "/openai/deployments/x%2F..%2F..%2Fadmin%3Fa%3D1%20HTTP%2F1.1%0D%0AHost%3A%20y/chat/completions"
               "?api-version=2024-10-21");
  CHECK(adapter().path(provider, {ApiFormat::openai_chat, "..", false, false, ""}) ==
        "/openai/deployments/%2E%2E/chat/completions?api-version=2024-10-21");
}

TEST_CASE("providers azure: without api_version the v1 API, the model in the body") {
  auto provider = azure();
  provider.api_version.clear();
  provider.base_url = "https://my-resource.openai.azure.com/openai/v1";
  CHECK(adapter().path(provider, {ApiFormat::openai_chat, "my-gpt41", false, false, "?key=t&a=b"}) ==
        "/openai/v1/chat/completions?a=b");
}

TEST_CASE("providers azure: api-key header, OpenAI's prices and reasoning, first-party OpenAI") {
  httplib::Headers headers;
  adapter().add_auth(headers, "azure-key");
  REQUIRE(headers.size() == 1);
  CHECK(headers.find("api-key")->second == "azure-key");
  const auto provider = azure();
  CHECK(adapter().upstream_format(provider, ApiFormat::openai_responses) == ApiFormat::openai_responses);
  CHECK(adapter().upstream_format(provider, ApiFormat::anthropic) == ApiFormat::openai_chat);
  CHECK(adapter().price_family(provider) == "openai");
  CHECK(adapter().reasoning_issuer() == translate::Issuer::openai);
  CHECK(adapter().openai_first_party());
  CHECK_FALSE(adapter().is_local(provider));
  CHECK(adapter().serves_any_model());
  CHECK(adapter().key_trouble(429, R"({"error":{"code":"insufficient_quota"}})") == "out of quota (HTTP 429)");
  CHECK(adapter().key_trouble(401, "") == "refused (HTTP 401)");
}
