#include "core/http/wire.hpp"
#include "core/pipeline/upstream_request.hpp"
#include "core/routing/router.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace llmgw::core;
using config::ProviderKind;
using protocol::ApiFormat;

namespace {

config::ProviderConfig provider_of(ProviderKind kind) {
  config::ProviderConfig provider;
  provider.name = std::string(config::to_string(kind));
  provider.kind = kind;
  provider.base_url = kind == ProviderKind::anthropic || kind == ProviderKind::gemini ? "https://upstream.test"
                                                                                      : "https://upstream.test/v1";
  provider.responses_api = true;
  return provider;
}

pipeline::RewrittenBody rewrite(const std::string& body) {
  auto scanned = protocol::scan_object(body);
  REQUIRE(scanned);
  return pipeline::rewrite_body(body, *scanned, "m", true);
}

} // namespace

TEST_CASE("body rewrite: a non-boolean include_usage never throws and becomes true") {
  for (std::string value : {R"("yes")", "1", "null", "[]", "{}", R"("true")", "false"}) {
    CAPTURE(value);
    const std::string body = R"({"model":"m","stream":true,"stream_options":{"include_usage":)" + value + "}}";
    pipeline::RewrittenBody out;
    REQUIRE_NOTHROW(out = rewrite(body));
    CHECK(out.injected_usage); // the client did not ask for usage in a way OpenAI accepts: hidden from it
    CHECK(nlohmann::json::parse(out.body)["stream_options"]["include_usage"] == true);
  }
  for (std::string options : {R"("yes")", "null", "[1,2]", "7", R"({"include_usage":)"}) {
    CAPTURE(options);
    const std::string body = R"({"model":"m","stream":true,"stream_options":)" + options + "}";
    auto scanned = protocol::scan_object(body);
    if (!scanned) continue; // not JSON: the pipeline answers 400 before a rewrite
    pipeline::RewrittenBody out;
    REQUIRE_NOTHROW(out = pipeline::rewrite_body(body, *scanned, "m", true));
    CHECK(nlohmann::json::parse(out.body)["stream_options"]["include_usage"] == true);
  }
}

TEST_CASE("upstream headers: a header with a control character in its name or value is dropped") {
  const httplib::Headers client{{"User-Agent", "agent/1.0"},
                                {"x-trace", "a\r\nx-injected: 1"},
                                {"x-nul", std::string("a\0b", 3)},
                                {"x-cr", "a\rb"},
                                {"bad\r\nname", "v"},
                                {"x-tab", "a\tb"}};
  const auto out = pipeline::upstream_headers(client, provider_of(ProviderKind::openai), "sk-test");
  CHECK(out.find("User-Agent")->second == "agent/1.0");
  CHECK(out.find("x-tab")->second == "a\tb");
  for (const char* name : {"x-trace", "x-nul", "x-cr", "bad\r\nname", "x-injected"}) CHECK(out.count(name) == 0);
  CHECK(out.find("Authorization")->second == "Bearer sk-test");
}

TEST_CASE("upstream headers: a provider key with a control character is never sent") {
  const auto out = pipeline::upstream_headers({}, provider_of(ProviderKind::anthropic), "sk-ant\r\nx-evil: 1");
  CHECK(out.count("x-api-key") == 0);
  CHECK(out.count("x-evil") == 0);
  CHECK(out.find("anthropic-version")->second == "2023-06-01");
}

TEST_CASE("upstream headers: each kind's credential header replaces the client's token") {
  const httplib::Headers client{{"Authorization", "Bearer llmgw-token"},
                                {"x-api-key", "llmgw-token"},
                                {"x-goog-api-key", "llmgw-token"},
                                {"anthropic-beta", "b"}};
  auto anthropic = pipeline::upstream_headers(client, provider_of(ProviderKind::anthropic), "K");
  CHECK(anthropic.find("x-api-key")->second == "K");
  CHECK(anthropic.count("Authorization") == 0);
  CHECK(anthropic.find("anthropic-beta")->second == "b");
  auto gemini = pipeline::upstream_headers(client, provider_of(ProviderKind::gemini), "K");
  CHECK(gemini.find("x-goog-api-key")->second == "K");
  CHECK(gemini.count("anthropic-beta") == 0);
  CHECK(gemini.size() == 4); // plus Content-Type, Accept and User-Agent
  auto azure = pipeline::upstream_headers(client, provider_of(ProviderKind::azure), "K");
  CHECK(azure.find("api-key")->second == "K");
  CHECK(azure.count("Authorization") == 0);
  auto own = provider_of(ProviderKind::anthropic);
  own.forward_client_auth = true;
  CHECK(pipeline::upstream_headers(client, own, "").find("x-api-key")->second == "llmgw-token");
}

TEST_CASE("upstream path: a passed-through query loses key= for every provider kind") {
  const std::string_view query = "?key=llmgw-token&beta=true&%6Bey=llmgw-token";
  for (auto kind : {ProviderKind::openai, ProviderKind::anthropic, ProviderKind::gemini, ProviderKind::azure,
                    ProviderKind::openai_compatible}) {
    CAPTURE(config::to_string(kind));
    const auto provider = provider_of(kind);
    const auto format = routing::upstream_format(provider, ApiFormat::openai_chat);
    const std::string path = pipeline::upstream_path(provider, format, {}, "m", false, query, true);
    CHECK(path.find("llmgw-token") == std::string::npos);
    CHECK(path.find("beta=true") != std::string::npos);
  }
}

TEST_CASE("upstream path: a translated request forwards no query") {
  const auto provider = provider_of(ProviderKind::openai);
  CHECK(pipeline::upstream_path(provider, ApiFormat::openai_chat, {}, "m", false, "?beta=true", false) ==
        "/v1/chat/completions");
}

TEST_CASE("upstream headers: a request with the headers of one before gets that one's map, with its own values") {
  httplib::Headers client{{"User-Agent", "OpenAI/JS 4.104.0"},
                          {"X-Stainless-Arch", "x64"},
                          {"x-stainless-lang", "js"},
                          {"Accept", "application/json"},
                          {"Authorization", "Bearer llmgw-1"},
                          {"anthropic-beta", "b"},
                          {"Content-Length", "12"},
                          {"Host", "127.0.0.1"}};
  for (auto kind : {ProviderKind::openai, ProviderKind::anthropic, ProviderKind::gemini}) {
    CAPTURE(config::to_string(kind));
    const auto provider = provider_of(kind);
    auto first = pipeline::upstream_headers(client, provider, "key-1");
    const httplib::Headers copy = first;
    std::vector<const void*> nodes;
    for (const auto& header : first) nodes.push_back(&header);
    // What httplib's client adds as it sends is taken out before the map is kept.
    first.emplace("Host", "upstream.test");
    first.emplace("Content-Length", "12");
    http::wire::keep_sent_headers(first);

    httplib::Headers changed = client;
    for (auto& [name, value] : changed) value += "-2";
    auto second = pipeline::upstream_headers(changed, provider, "key-2");
    std::vector<const void*> second_nodes;
    for (const auto& header : second) second_nodes.push_back(&header);
    CHECK(second_nodes == nodes);
    REQUIRE(second.size() == copy.size());
    auto before = copy.begin();
    for (const auto& [name, value] : second) {
      CHECK(name == before->first);
      if (name == "User-Agent" || name == "X-Stainless-Arch" || name == "Accept") CHECK(value == before->second + "-2");
      ++before;
    }
    const char* auth = kind == ProviderKind::openai      ? "Authorization"
                       : kind == ProviderKind::anthropic ? "x-api-key"
                                                         : "x-goog-api-key";
    CHECK(second.find(auth)->second == (kind == ProviderKind::openai ? "Bearer key-2" : "key-2"));
    CHECK(second.count("Host") == 0);
    CHECK(second.count("Content-Length") == 0);

    // Another provider key that cannot be sent: no auth header, a map made anew.
    auto unsafe = pipeline::upstream_headers(changed, provider, "bad\r\nkey");
    CHECK(unsafe.count(auth) == 0);
    CHECK(unsafe.size() == copy.size() - 1);
  }
}
