#include "core/routing/router.hpp"

#include <doctest/doctest.h>

using namespace llmgw::core;
using config::ProviderKind;
using protocol::ApiFormat;

namespace {

config::Config two_providers() {
  config::Config config;
  config::ProviderConfig openai{"openai", ProviderKind::openai, "https://api.openai.com/v1", "OPENAI_API_KEY", "k", false, {}};
  config::ProviderConfig anthropic{"anthropic", ProviderKind::anthropic, "https://api.anthropic.com", "ANTHROPIC_API_KEY", "k", false, {}};
  config::ProviderConfig deepseek{"deepseek", ProviderKind::openai_compatible, "https://api.deepseek.com/v1", "DEEPSEEK_API_KEY", "k", false, {"deepseek-chat"}};
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

TEST_CASE("routing: a provider that does not speak the client's API is a clear error") {
  auto config = two_providers();
  auto wrong = routing::route(config, "gpt-4.1", ApiFormat::anthropic);
  CHECK(wrong.provider == nullptr);
  CHECK(wrong.error.find("does not speak the Anthropic Messages API") != std::string::npos);
  CHECK(routing::route(config, "", ApiFormat::anthropic).error == "the request names no model");
}
