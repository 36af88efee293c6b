// The server's view of its provider keys for the loopback API and serve's start-up warning:
// set, missing, the gateway token or a virtual key, and never the key itself.
#include "core/pipeline/local_api.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace llmgw::core;

namespace {

config::ProviderConfig provider(const std::string& name, const std::string& env, const std::string& key) {
  config::ProviderConfig out;
  out.name = name;
  out.kind = config::ProviderKind::anthropic;
  out.base_url = "https://api.example.invalid";
  out.api_key_env = env;
  out.api_key = key;
  return out;
}

} // namespace

TEST_CASE("local api: each provider key is set, missing, the gateway token or a virtual key, never shown") {
  const std::string token = "llmgw-gateway-token-fake";
  const std::string virtual_token = "llmgw-vk-0123456789abcdef0123456789abcdef0123456789abcdef";
  policy::KeyRing keys({{"laptop", policy::sha256_hex(virtual_token), "", "", ""}});
  config::Config cfg;
  cfg.default_provider = "real";
  cfg.providers = {provider("real", "REAL_KEY", "fake-real-key"), provider("empty", "EMPTY_KEY", ""),
                   provider("mine", "OPENAI_API_KEY", token), provider("vk", "VK_KEY", virtual_token),
                   provider("local", "", "")};
  cfg.providers[0].more_keys = {{"SECOND_KEY", token}};
  const std::string text = pipeline::providers_view_json(cfg, token, keys);
  for (const std::string& secret : {std::string("fake-real-key"), token, virtual_token, virtual_token.substr(0, 12)})
    CHECK(text.find(secret) == std::string::npos);
  const auto doc = nlohmann::json::parse(text);
  const auto& list = doc["providers"];
  REQUIRE(list.size() == 5);
  CHECK(list[0]["default"] == true);
  CHECK(list[0]["keys"][0] == nlohmann::json{{"env", "REAL_KEY"}, {"state", "set"}});
  CHECK(list[0]["keys"][1] == nlohmann::json{{"env", "SECOND_KEY"}, {"state", "gateway token"}});
  CHECK(list[1]["keys"][0]["state"] == "missing");
  CHECK(list[2]["keys"][0]["state"] == "gateway token");
  CHECK(list[3]["keys"][0]["state"] == "virtual key");
  CHECK(list[4]["auth"] == "none");
  CHECK(list[4]["keys"].empty());

  const auto clashes = pipeline::provider_key_clashes(cfg, token, keys);
  REQUIRE(clashes.size() == 3);
  CHECK(clashes[0].provider == "real");
  CHECK(clashes[0].env == "SECOND_KEY");
  CHECK(clashes[0].what == "the gateway token");
  CHECK(clashes[1].provider == "mine");
  CHECK(clashes[2].what == "virtual key 'laptop'");
}
