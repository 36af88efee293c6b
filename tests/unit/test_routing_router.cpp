#include "core/routing/router.hpp"

#include <doctest/doctest.h>

using namespace llmgw::core;
using config::ProviderKind;
using protocol::ApiFormat;

namespace {

config::Config two_providers() {
  config::Config config;
  config::ProviderConfig openai{"openai",
                                ProviderKind::openai,
                                "https://api.openai.com/v1",
                                "OPENAI_API_KEY",
                                "k",
                                false,
                                {},
                                true,
                                {},
                                {},
                                {},
                                config::KeyStrategy::round_robin};
  config::ProviderConfig anthropic{"anthropic",
                                   ProviderKind::anthropic,
                                   "https://api.anthropic.com",
                                   "ANTHROPIC_API_KEY",
                                   "k",
                                   false,
                                   {},
                                   false,
                                   {},
                                   {},
                                   {},
                                   config::KeyStrategy::round_robin};
  config::ProviderConfig deepseek{"deepseek",
                                  ProviderKind::openai_compatible,
                                  "https://api.deepseek.com/v1",
                                  "DEEPSEEK_API_KEY",
                                  "k",
                                  false,
                                  {"deepseek-chat"},
                                  false,
                                  {},
                                  {},
                                  {},
                                  config::KeyStrategy::round_robin};
  config.providers = {openai, anthropic, deepseek};
  return config;
}

} // namespace

TEST_CASE("routing: explicit prefix, map, claimed models, families, default") {
  auto config = two_providers();
  config.aliases["fast"] = {{"deepseek/deepseek-chat"}};
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

namespace {

routing::RequestTraits traits_of(const std::string& body, const std::string& agent = "",
                                 const std::string& model = "m") {
  auto scanned = protocol::scan_object(body);
  REQUIRE(scanned);
  return routing::read_traits(body, *scanned, agent, model);
}

} // namespace

TEST_CASE("routing: request traits read from the body without parsing it") {
  CHECK(traits_of(R"({"tools":[{"name":"x"}]})").tools);
  CHECK_FALSE(traits_of(R"({"tools": [ ] })").tools);
  CHECK_FALSE(traits_of(R"({"messages":[]})").tools);
  CHECK(traits_of(R"({"thinking":{"type":"enabled","budget_tokens":1024}})").thinking);
  CHECK(traits_of(R"({"thinking":{"type":"adaptive"}})").thinking);
  CHECK_FALSE(traits_of(R"({"thinking":{"type":"disabled"}})").thinking);
  CHECK(traits_of(R"({"reasoning_effort":"high"})").thinking);
  CHECK_FALSE(traits_of(R"({"reasoning_effort":"none"})").thinking);
  CHECK(traits_of(R"({"reasoning":{"effort":"medium"}})").thinking);
  CHECK(traits_of(R"({"generationConfig":{"thinkingConfig":{"thinkingBudget":-1}}})").thinking);
  CHECK_FALSE(traits_of(R"({"generationConfig":{"thinkingConfig":{"thinkingBudget":0}}})").thinking);
  CHECK(traits_of(R"({"messages":[]})", "claude-code", "claude-haiku-4-5-20251001").background);
  CHECK(traits_of(R"({"output_config":{"format":{"type":"json_schema"}},"tools":[]})", "claude-code", "claude-opus-4-1")
            .background);
  CHECK_FALSE(traits_of(R"({"messages":[]})", "claude-code", "claude-opus-4-1").background);
  CHECK_FALSE(traits_of(R"({"messages":[]})", "codex", "claude-haiku-4-5").background);
  CHECK(traits_of(std::string(R"({"x":")") + std::string(4000, 'a') + R"("})").prompt_tokens >= 1000);
}

TEST_CASE("routing: the first matching rule sends the request to its deployments, aliases and providers") {
  auto config = two_providers();
  config.aliases["cheap"] = {{"deepseek/deepseek-chat"}, {"openai/gpt-5-mini"}};
  config::RouteRule background;
  background.background = true;
  background.to = {{"cheap"}};
  config::RouteRule long_prompts;
  long_prompts.model = "claude-*";
  long_prompts.min_prompt_tokens = 100'000;
  long_prompts.to = {{"openai/gpt-4.1", 2}, {"anthropic"}};
  config.routes = {background, long_prompts};
  routing::RequestTraits traits;
  traits.background = true;
  auto routed = routing::route_all(config, "claude-haiku-4-5", ApiFormat::anthropic, traits);
  REQUIRE(routed.size() == 2);
  CHECK(routed[0].id() == "deepseek/deepseek-chat");
  CHECK(routed[1].id() == "openai/gpt-5-mini");
  traits = {};
  traits.prompt_tokens = 150'000;
  routed = routing::route_all(config, "claude-sonnet-4-5", ApiFormat::anthropic, traits);
  REQUIRE(routed.size() == 2);
  CHECK(routed[0].id() == "openai/gpt-4.1");
  CHECK(routed[0].weight == 2);
  CHECK(routed[1].id() == "anthropic/claude-sonnet-4-5"); // a provider name: the requested model there
  CHECK(routing::route_all(config, "gpt-4.1", ApiFormat::openai_chat, traits).front().id() == "openai/gpt-4.1");
  traits.prompt_tokens = 10;
  routed = routing::route_all(config, "claude-sonnet-4-5", ApiFormat::anthropic, traits);
  REQUIRE(routed.size() == 1);
  CHECK(routed[0].id() == "anthropic/claude-sonnet-4-5");
}

TEST_CASE("routing: weighted_order draws the first by weight and keeps the rest in order") {
  auto config = two_providers();
  std::vector<routing::RouteResult> list(3);
  list[0].upstream_model = "a";
  list[0].weight = 1;
  list[1].upstream_model = "b";
  list[1].weight = 3;
  list[2].upstream_model = "c"; // no weight: never first while a weighted one exists
  auto order = [&](double draw) {
    auto copy = list;
    routing::weighted_order(copy, draw);
    return copy[0].upstream_model + copy[1].upstream_model + copy[2].upstream_model;
  };
  CHECK(order(0.0) == "abc");
  CHECK(order(0.24) == "abc");
  CHECK(order(0.25) == "bac");
  CHECK(order(0.99) == "bac");
  for (auto& entry : list) entry.weight = 0;
  CHECK(order(0.9) == "abc"); // no weights: the list order
}

TEST_CASE("routing: an inferred default provider does not take models nothing serves") {
  auto config = config::parse_config("[providers.anthropic]\n[providers.openai]\n", "cfg.toml");
  REQUIRE(config.default_provider == "anthropic"); // inferred, not set by the user
  auto unknown = routing::route(config, "llama-foo", ApiFormat::openai_chat);
  CHECK(unknown.provider == nullptr);
  CHECK(unknown.error.find("no provider serves model 'llama-foo'") == 0);
  CHECK(routing::route(config, "claude-sonnet-4-5", ApiFormat::openai_chat).provider->name == "anthropic");
  CHECK(routing::route(config, "gpt-5", ApiFormat::anthropic).provider->name == "openai");

  auto only_anthropic = config::parse_config("[providers.anthropic]\n", "cfg.toml");
  REQUIRE(only_anthropic.default_provider == "anthropic");
  CHECK(routing::route(only_anthropic, "gpt-5", ApiFormat::openai_chat).provider == nullptr);
  CHECK(routing::route(only_anthropic, "gemini-2.5-pro", ApiFormat::gemini).provider == nullptr);
  CHECK(routing::route(only_anthropic, "anthropic/anything", ApiFormat::anthropic).provider->name == "anthropic");
}

TEST_CASE("routing: a default_provider the user set takes every model nothing else routes") {
  auto from_file = config::parse_config("default_provider = \"anthropic\"\n[providers.anthropic]\n", "cfg.toml");
  CHECK(routing::route(from_file, "gpt-5", ApiFormat::openai_chat).provider->name == "anthropic");
  CHECK(routing::route(from_file, "llama-foo", ApiFormat::openai_chat).provider->name == "anthropic");

  auto from_env = config::parse_config("[providers.anthropic]\n[providers.deepseek]\n", "cfg.toml");
  from_env.default_provider = "deepseek";
  from_env.set_origin("default_provider", "deepseek", "env LLMGW_DEFAULT_PROVIDER");
  CHECK(routing::route(from_env, "llama-foo", ApiFormat::openai_chat).provider->name == "deepseek");

  auto in_code = two_providers(); // no origin recorded: a Config built by a program means what it says
  in_code.default_provider = "anthropic";
  CHECK(routing::route(in_code, "llama-foo", ApiFormat::openai_chat).provider->name == "anthropic");
}

TEST_CASE("routing: a lone provider that serves any model name takes unknown models without a default") {
  auto ollama = config::parse_config("[providers.ollama]\n", "cfg.toml");
  REQUIRE(ollama.providers.size() == 1);
  CHECK(routing::route(ollama, "qwen3-coder:30b", ApiFormat::openai_chat).provider->name == "ollama");
  CHECK(routing::route(ollama, "claude-sonnet-4-5", ApiFormat::anthropic).provider->name == "ollama");
  auto two = config::parse_config("[providers.ollama]\n[providers.openai]\n", "cfg.toml");
  CHECK(routing::route(two, "qwen3-coder:30b", ApiFormat::openai_chat).provider == nullptr);
}

TEST_CASE("routing: OpenAI's model names go to an Azure provider when no OpenAI one is configured") {
  auto config = config::parse_config("[providers.anthropic]\n[providers.azure]\n"
                                     "base_url = \"https://r.openai.azure.com/openai\"\napi_version = \"2024-10-21\"\n",
                                     "cfg.toml");
  CHECK(routing::route(config, "gpt-4.1", ApiFormat::openai_chat).provider->name == "azure");
  CHECK(routing::route(config, "o4-mini", ApiFormat::openai_responses).provider->name == "azure");
  CHECK(routing::route(config, "claude-sonnet-4-5", ApiFormat::openai_chat).provider->name == "anthropic");
  auto both = two_providers();
  config::ProviderConfig azure;
  azure.name = "azure";
  azure.kind = ProviderKind::azure;
  both.providers.push_back(azure);
  CHECK(routing::route(both, "gpt-4.1", ApiFormat::openai_chat).provider->name == "openai");
}
