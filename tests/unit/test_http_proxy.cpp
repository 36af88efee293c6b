// The outbound proxy for https providers, read from the environment as curl reads it.
#include "core/http/proxy.hpp"

#include <doctest/doctest.h>

#include <map>

using namespace llmgw::core::http;

namespace {

EnvLookup environment(std::map<std::string, std::string> values) {
  return [values = std::move(values)](const char* name) -> const char* {
    auto it = values.find(name);
    return it == values.end() ? nullptr : it->second.c_str();
  };
}

} // namespace

TEST_CASE("proxy URLs: scheme, credentials, brackets and ports") {
  auto plain = parse_proxy_url("http://proxy.corp:3128");
  REQUIRE(plain);
  CHECK(plain->host == "proxy.corp");
  CHECK(plain->port == 3128);
  CHECK(plain->user.empty());
  auto bare = parse_proxy_url("  proxy.corp:8080/ ");
  REQUIRE(bare);
  CHECK(bare->host == "proxy.corp");
  CHECK(bare->port == 8080);
  auto default_port = parse_proxy_url("HTTP://proxy.corp");
  REQUIRE(default_port);
  CHECK(default_port->port == 80);
  auto credentials = parse_proxy_url("http://me%40corp:p%3Ass@w0rd@[::1]:3128");
  REQUIRE(credentials);
  CHECK(credentials->user == "me@corp");
  CHECK(credentials->password == "p:ss@w0rd");
  CHECK(credentials->host == "::1");
  CHECK(credentials->port == 3128);
  CHECK_FALSE(parse_proxy_url(""));
  CHECK_FALSE(parse_proxy_url("https://proxy.corp:3128")); // TLS to the proxy itself: unsupported
  CHECK_FALSE(parse_proxy_url("socks5://proxy.corp:1080"));
  CHECK_FALSE(parse_proxy_url("http://proxy.corp:99999"));
  CHECK_FALSE(parse_proxy_url("http://proxy.corp:abc"));
  CHECK_FALSE(parse_proxy_url("http://:3128"));
}

TEST_CASE("no_proxy entries: exact hosts, domains, wildcards, ports and case") {
  CHECK(no_proxy_matches("*", "api.openai.com"));
  CHECK(no_proxy_matches("localhost, 127.0.0.1", "127.0.0.1"));
  CHECK(no_proxy_matches("openai.com", "api.openai.com"));
  CHECK(no_proxy_matches("openai.com", "openai.com"));
  CHECK(no_proxy_matches(".openai.com", "api.openai.com"));
  CHECK(no_proxy_matches("*.OpenAI.com", "API.openai.com"));
  CHECK(no_proxy_matches("api.anthropic.com:443", "api.anthropic.com"));
  CHECK(no_proxy_matches("[::1]:443,x", "::1"));
  CHECK(no_proxy_matches("::1", "::1"));
  CHECK_FALSE(no_proxy_matches("openai.com", "notopenai.com"));
  CHECK_FALSE(no_proxy_matches("api.openai.com", "openai.com"));
  CHECK_FALSE(no_proxy_matches("", "api.openai.com"));
  CHECK_FALSE(no_proxy_matches(" , ,.", "api.openai.com"));
}

TEST_CASE("https_proxy_for: lower case first, no_proxy exempts, nothing set means direct") {
  CHECK_FALSE(https_proxy_for("api.openai.com", environment({})));
  auto upper = https_proxy_for("api.openai.com", environment({{"HTTPS_PROXY", "http://upper:1"}}));
  REQUIRE(upper);
  CHECK(upper->host == "upper");
  auto lower = https_proxy_for("api.openai.com",
                               environment({{"https_proxy", "http://lower:2"}, {"HTTPS_PROXY", "http://upper:1"}}));
  REQUIRE(lower);
  CHECK(lower->host == "lower");
  auto empty_lower =
      https_proxy_for("api.openai.com", environment({{"https_proxy", ""}, {"HTTPS_PROXY", "http://upper:1"}}));
  REQUIRE(empty_lower);
  CHECK(empty_lower->host == "upper");
  CHECK_FALSE(https_proxy_for("api.openai.com",
                              environment({{"https_proxy", "http://p:1"}, {"NO_PROXY", "localhost,openai.com"}})));
  CHECK(https_proxy_for("api.anthropic.com",
                        environment({{"https_proxy", "http://p:1"}, {"no_proxy", "localhost,openai.com"}})));
  // http_proxy is for plain-HTTP origins, which llmgw reaches directly (local model servers).
  CHECK_FALSE(https_proxy_for("api.openai.com", environment({{"http_proxy", "http://p:1"}})));
}
