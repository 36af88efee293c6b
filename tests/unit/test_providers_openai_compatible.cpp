#include "core/providers/provider.hpp"

#include <doctest/doctest.h>

using namespace llmgw::core;
using protocol::ApiFormat;

namespace {

config::ProviderConfig compatible(std::string name, std::string base_url) {
  config::ProviderConfig provider;
  provider.name = std::move(name);
  provider.kind = config::ProviderKind::openai_compatible;
  provider.base_url = std::move(base_url);
  return provider;
}

const providers::Adapter& adapter() { return providers::adapter_for(config::ProviderKind::openai_compatible); }

} // namespace

TEST_CASE("providers openai_compatible: Chat unless the server has Responses") {
  auto provider = compatible("deepseek", "https://api.deepseek.com/v1");
  CHECK(adapter().upstream_format(provider, ApiFormat::openai_responses) == ApiFormat::openai_chat);
  CHECK(adapter().upstream_format(provider, ApiFormat::anthropic) == ApiFormat::openai_chat);
  provider.responses_api = true;
  CHECK(adapter().upstream_format(provider, ApiFormat::openai_responses) == ApiFormat::openai_responses);
  CHECK(adapter().path(provider, {ApiFormat::openai_chat, "deepseek-chat", true, false, "?key=llmgw-token"}) ==
        "/v1/chat/completions");
  CHECK(adapter().path(compatible("openrouter", "https://openrouter.ai/api/v1"),
                       {ApiFormat::openai_chat, "deepseek/deepseek-chat", false, false, ""}) ==
        "/api/v1/chat/completions");
}

TEST_CASE("providers openai_compatible: priced under its own name, no reasoning replay, not first-party") {
  const auto provider = compatible("deepseek", "https://api.deepseek.com/v1");
  httplib::Headers headers;
  adapter().add_auth(headers, "sk-ds");
  CHECK(headers.find("Authorization")->second == "Bearer sk-ds");
  CHECK(adapter().wire_model(provider, "deepseek-chat") == "deepseek-chat");
  CHECK(adapter().price_family(provider) == "deepseek");
  CHECK(adapter().reasoning_issuer() == translate::Issuer::none);
  CHECK_FALSE(adapter().openai_first_party());
  CHECK(adapter().serves_any_model());
}

TEST_CASE("providers openai_compatible: a server on this machine is local, a look-alike host is not") {
  CHECK(adapter().is_local(compatible("ollama", "http://127.0.0.1:11434/v1")));
  CHECK(adapter().is_local(compatible("vllm", "http://localhost:8000/v1")));
  CHECK(adapter().is_local(compatible("llamacpp", "http://LOCALHOST/v1")));
  CHECK(adapter().is_local(compatible("v6", "http://[::1]:8080/v1")));
  CHECK_FALSE(adapter().is_local(compatible("far", "https://localhost.example.com/v1")));
  CHECK_FALSE(adapter().is_local(compatible("far", "http://127.0.0.10:8000/v1")));
  CHECK_FALSE(adapter().is_local(compatible("deepseek", "https://api.deepseek.com/v1")));
}

TEST_CASE("providers openai_compatible: any first-party quota words bench the key (proxies relay them)") {
  CHECK(adapter().key_trouble(429, "insufficient_quota") == "out of quota (HTTP 429)");
  CHECK(adapter().key_trouble(400, "Your credit balance is too low") == "out of quota (HTTP 400)");
  CHECK(adapter().key_trouble(402, "Insufficient Balance") == "out of credit (HTTP 402)");
  CHECK(adapter().key_trouble(404, "model not found") == "");
}
