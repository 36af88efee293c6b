#include "core/providers/provider.hpp"

#include <doctest/doctest.h>

using namespace llmgw::core;
using protocol::ApiFormat;

namespace {

config::ProviderConfig gemini() {
  config::ProviderConfig provider;
  provider.name = "gemini";
  provider.kind = config::ProviderKind::gemini;
  provider.base_url = "https://generativelanguage.googleapis.com";
  return provider;
}

const providers::Adapter& adapter() { return providers::adapter_for(config::ProviderKind::gemini); }

std::string path(const providers::PathRequest& request) { return adapter().path(gemini(), request); }

} // namespace

TEST_CASE("providers gemini: every client is spoken to in generateContent") {
  const auto provider = gemini();
  for (auto client : {ApiFormat::anthropic, ApiFormat::openai_chat, ApiFormat::openai_responses, ApiFormat::gemini})
    CHECK(adapter().upstream_format(provider, client) == ApiFormat::gemini);
}

TEST_CASE("providers gemini: the model and method are in the path, streams ask for SSE") {
  CHECK(path({ApiFormat::gemini, "gemini-2.5-flash", false, false, ""}) ==
        "/v1beta/models/gemini-2.5-flash:generateContent");
  CHECK(path({ApiFormat::gemini, "gemini-2.5-flash", true, false, ""}) ==
        "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse");
  CHECK(path({ApiFormat::gemini, "gemini-2.5-flash", false, true, ""}) ==
        "/v1beta/models/gemini-2.5-flash:countTokens");
  CHECK(path({ApiFormat::gemini, "gemini-2.5-flash", true, false, "?alt=sse&key=llmgw-token"}) ==
        "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse");
  auto versioned = gemini();
  versioned.base_url = "https://generativelanguage.googleapis.com/v1";
  CHECK(adapter().path(versioned, {ApiFormat::gemini, "gemini-2.5-pro", false, false, ""}) ==
        "/v1/models/gemini-2.5-pro:generateContent");
}

TEST_CASE("providers gemini: a model carrying a second request stays one encoded path segment") {
  const std::string attack = "gemini-2.5-flash:generateContent HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"
                             "POST /v1beta/models/gemini-2.5-pro";
  const std::string out = path({ApiFormat::gemini, attack, false, false, ""});
  CHECK(out.find_first_of("\r\n \t") == std::string::npos);
  CHECK(out.rfind("/v1beta/models/gemini-2.5-flash%3AgenerateContent%20HTTP%2F1.1%0D%0AHost%3A%20x%0D%0A", 0) == 0);
  // The method is the one llmgw chose, once, at the end; the model has no ':' or '/' left.
  CHECK(out.size() - out.rfind(":generateContent") == std::string_view(":generateContent").size());
  CHECK(out.find(':') == out.rfind(':'));
  CHECK(out.find("/", std::string_view("/v1beta/models/").size()) == std::string::npos);
  CHECK(path({ApiFormat::gemini, "../../v1/files", false, false, ""}) ==
        "/v1beta/models/..%2F..%2Fv1%2Ffiles:generateContent");
}

TEST_CASE("providers gemini: a ?key= goes only to a provider that forwards the client's own credentials") {
  auto provider = gemini();
  provider.forward_client_auth = true;
  CHECK(adapter().path(provider, {ApiFormat::gemini, "gemini-2.5-flash", false, false, "?key=AIza-own"}) ==
        "/v1beta/models/gemini-2.5-flash:generateContent?key=AIza-own");
}

TEST_CASE("providers gemini: x-goog-api-key, Gemini prices and reasoning") {
  httplib::Headers headers;
  adapter().add_auth(headers, "AIza-test");
  CHECK(headers.find("x-goog-api-key")->second == "AIza-test");
  CHECK_FALSE(adapter().forwards_header("anthropic-version"));
  const auto provider = gemini();
  CHECK(adapter().wire_model(provider, "gemini-2.5-pro") == "gemini-2.5-pro");
  CHECK(adapter().price_family(provider) == "gemini");
  CHECK(adapter().reasoning_issuer() == translate::Issuer::gemini);
  CHECK_FALSE(adapter().openai_first_party());
  CHECK_FALSE(adapter().is_local(provider));
  CHECK_FALSE(adapter().serves_any_model());
  CHECK(adapter().key_trouble(429, "You exceeded your current quota, please check your plan") ==
        "out of quota (HTTP 429)");
  CHECK(adapter().key_trouble(429, "RESOURCE_EXHAUSTED") == "rate limited (HTTP 429)");
}
