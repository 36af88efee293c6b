#include "core/routing/router.hpp"

#include <doctest/doctest.h>

using namespace llmgw::core;
using config::ProviderKind;
using protocol::ApiFormat;

namespace {

config::Config two_providers() {
  config::Config config;
  config::ProviderConfig openai{"openai", ProviderKind::openai, "https://api.openai.com/v1", "OPENAI_API_KEY", "k", false, {}, true, {}, {}};
  config::ProviderConfig anthropic{"anthropic", ProviderKind::anthropic, "https://api.anthropic.com", "ANTHROPIC_API_KEY", "k", false, {}, false, {}, {}};
  config::ProviderConfig deepseek{"deepseek", ProviderKind::openai_compatible, "https://api.deepseek.com/v1", "DEEPSEEK_API_KEY", "k", false, {"deepseek-chat"}, false, {}, {}};
  config.providers = {openai, anthropic, deepseek};
  return config;
}

} // namespace

TEST_CASE("routing: explicit prefix, map, claimed models, families, default") {
  auto config = two_providers();
  config.model_map["fast"] = "deepseek/deepseek-chat";
  auto prefixed = routing::route(config, "deepseek/deepseek-reasoner", ApiFormat::openai_chat);
  REQUIRE(prefixed.provider != nullptr);
  CHECK(prefixed.provider->name == "deepseek");
  CHECK(prefixed.upstream_model == "deepseek-reasoner");
  auto mapped = routing::route(config, "fast", ApiFormat::openai_chat);
  CHECK(mapped.provider->name == "deepseek");
  CHECK(mapped.upstream_model == "deepseek-chat");
  CHECK(routing::route(config, "deepseek-chat", ApiFormat::openai_chat).provider->name == "deepseek");
  CHECK(routing::route(config, "claude-haiku-4-5-20251001", ApiFormat::anthropic).provider->name == "anthropic");
  CHECK(routing::route(config, "gpt-5.1-codex", ApiFormat::openai_responses).provider->name == "openai");
  CHECK(routing::route(config, "o4-mini", ApiFormat::openai_chat).provider->name == "openai");
  auto unknown = routing::route(config, "mystery", ApiFormat::openai_chat);
  CHECK(unknown.provider == nullptr);
  CHECK(unknown.error.find("default_provider") != std::string::npos);
  config.default_provider = "deepseek";
  CHECK(routing::route(config, "mystery", ApiFormat::openai_chat).provider->name == "deepseek");
}

TEST_CASE("routing: any client format reaches any provider, translated when the provider speaks another") {
  auto config = two_providers();
  auto crossed = routing::route(config, "gpt-4.1", ApiFormat::anthropic);
  REQUIRE(crossed.provider != nullptr);
  CHECK(crossed.provider->name == "openai");
  CHECK(routing::upstream_format(*crossed.provider, ApiFormat::anthropic) == ApiFormat::openai_chat);
  CHECK(routing::upstream_format(*crossed.provider, ApiFormat::openai_responses) == ApiFormat::openai_responses);
  CHECK(routing::route(config, "", ApiFormat::anthropic).error == "the request names no model");
}

TEST_CASE("routing: the upstream format follows the provider kind and its responses_api flag") {
  config::ProviderConfig compat;
  compat.kind = config::ProviderKind::openai_compatible;
  CHECK(routing::upstream_format(compat, ApiFormat::openai_responses) == ApiFormat::openai_chat);
  compat.responses_api = true;
  CHECK(routing::upstream_format(compat, ApiFormat::openai_responses) == ApiFormat::openai_responses);
  CHECK(routing::upstream_format(compat, ApiFormat::gemini) == ApiFormat::openai_chat);
  config::ProviderConfig anthropic;
  anthropic.kind = config::ProviderKind::anthropic;
  CHECK(routing::upstream_format(anthropic, ApiFormat::openai_chat) == ApiFormat::anthropic);
  config::ProviderConfig gemini;
  gemini.kind = config::ProviderKind::gemini;
  CHECK(routing::upstream_format(gemini, ApiFormat::anthropic) == ApiFormat::gemini);
  CHECK(routing::upstream_format(gemini, ApiFormat::gemini) == ApiFormat::gemini);
}
