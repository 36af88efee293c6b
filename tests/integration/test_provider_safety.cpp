// What a client sends cannot change the shape of the request a provider receives: a model name
// stays one path segment, the llmgw token in ?key= stays here, a header cannot smuggle another.
#include "store/settings.hpp"
#include "store/settings_watcher.hpp"
#include "tests/support/test_gateway.hpp"

#include <doctest/doctest.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <nlohmann/json.hpp>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

using namespace llmgw;
using namespace llmgw::test;

namespace {

core::config::Config with_gemini(const FakeUpstream& upstream) {
  auto config = fake_config(upstream);
  core::config::ProviderConfig gemini;
  gemini.name = "gemini";
  gemini.kind = core::config::ProviderKind::gemini;
  gemini.base_url = upstream.base_url();
  gemini.api_key_env = "LLMGW_TEST_GEMINI_KEY";
  gemini.api_key = "test-gemini-key-not-real";
  config.providers.push_back(gemini);
  return config;
}

// The server's virtual keys follow the database, as under `llmgw serve`.
struct Watched {
  explicit Watched(TestGateway& gateway)
      : watcher(
            gateway.db_path(),
            [&gateway](core::policy::PolicySettings settings) {
              gateway.server().gateway().apply_policy(std::move(settings));
            },
            [&gateway] { return gateway.server().gateway().reservations(); }, {}, std::chrono::milliseconds(100)) {}
  store::SettingsWatcher watcher;
};

template <typename F> bool within_a_second(F condition) {
  for (int i = 0; i < 100; ++i) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return condition();
}

// Sends `text` on a new connection to the gateway and reads the answer until the peer closes.
std::string exchange(int port, const std::string& text) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  timeval timeout{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  REQUIRE(::send(fd, text.data(), text.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(text.size()));
  std::string answer;
  char buffer[65536];
  for (ssize_t got; (got = ::recv(fd, buffer, sizeof buffer, 0)) > 0;) answer.append(buffer, static_cast<size_t>(got));
  ::close(fd);
  return answer;
}

} // namespace

TEST_CASE("a model name carrying a second request reaches Gemini as one request on its own encoded path") {
  FakeUpstream upstream;
  TestGateway gateway(with_gemini(upstream));
  Watched watched(gateway);
  const std::string token = core::policy::generate_key_token();
  {
    store::Db db(gateway.db_path());
    store::insert_key(db, {"flash-only", core::policy::sha256_hex(token), "", "", "gemini-2.5-flash*"}, "hint", false);
  }
  auto client = gateway.client();
  const httplib::Headers key{{"Authorization", "Bearer " + token}};
  REQUIRE(within_a_second([&] { return client->Get("/v1/models", key)->status == 200; }));

  const std::string attack = "gemini-2.5-flash:generateContent HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"
                             "POST /v1beta/models/gemini-2.5-pro";
  const nlohmann::json body{{"model", attack}, {"messages", {{{"role", "user"}, {"content", "hi"}}}}};
  auto response = client->Post("/v1/chat/completions", key, body.dump(), "application/json");
  REQUIRE(response);
  std::this_thread::sleep_for(std::chrono::milliseconds(200)); // a smuggled request would arrive by now
  if (response->status == 400) {
    CHECK(upstream.calls() == 0); // refused before routing (providers::check_model_name)
  } else {
    // The fake decodes the path: the whole name is the model segment, the method is llmgw's.
    REQUIRE(upstream.calls() == 1);
    const auto seen = upstream.last_request();
    CHECK(seen.path == "/v1beta/models/" + attack + ":generateContent");
    CHECK(seen.headers.find("x-goog-api-key")->second == "test-gemini-key-not-real");
  }
  for (const auto& seen : upstream.requests()) CHECK(seen.path.find("gemini-2.5-pro:") == std::string::npos);
}

TEST_CASE("the llmgw token sent as ?key= never reaches a provider, whatever API it speaks") {
  FakeUpstream upstream;
  upstream.on("POST", "/v1beta/models/gemini-2.5-flash:generateContent", [](const RecordedRequest&) {
    FakeResponse reply;
    reply.body = R"({"candidates":[{"content":{"role":"model","parts":[{"text":"ok"}]},"finishReason":"STOP"}],)"
                 R"("usageMetadata":{"promptTokenCount":3,"candidatesTokenCount":1,"totalTokenCount":4}})";
    return reply;
  });
  TestGateway gateway(with_gemini(upstream));
  auto client = gateway.client();
  const std::string key = std::string("key=") + k_test_token;
  struct Case {
    std::string path, body;
  };
  const std::vector<Case> cases{
      {"/v1/messages?beta=true&" + key,
       R"({"model":"claude-sonnet-4-5","max_tokens":10,"messages":[{"role":"user","content":"hi"}]})"},
      {"/v1/chat/completions?" + key + "&beta=true",
       R"({"model":"gpt-4.1","messages":[{"role":"user","content":"hi"}]})"},
      {"/v1/responses?%6Bey=" + std::string(k_test_token) + "&beta=true&" + key, R"({"model":"gpt-4.1","input":"hi"})"},
      {"/v1beta/models/gemini-2.5-flash:generateContent?beta=true&" + key,
       R"({"contents":[{"role":"user","parts":[{"text":"hi"}]}]})"},
  };
  for (const auto& request : cases) {
    CAPTURE(request.path);
    upstream.reset();
    auto response = client->Post(request.path, httplib::Headers{}, request.body, "application/json");
    REQUIRE(response);
    CHECK(response->status == 200);
    REQUIRE(upstream.calls() == 1);
    const auto seen = upstream.last_request();
    CHECK(seen.query == "beta=true");
    for (const auto& [name, value] : seen.headers) CHECK(value.find(k_test_token) == std::string::npos);
  }
}

TEST_CASE("a client header with a bare CR is not forwarded to the provider") {
  FakeUpstream upstream;
  TestGateway gateway(fake_config(upstream));
  const std::string body = R"({"model":"gpt-4.1","messages":[{"role":"user","content":"hi"}]})";
  const std::string answer = exchange(gateway.port(), "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                                      "Authorization: Bearer " +
                                                          std::string(k_test_token) +
                                                          "\r\n"
                                                          "x-trace: a\rx-injected: 1\r\nx-kept: yes\r\n"
                                                          "Connection: close\r\nContent-Type: application/json\r\n"
                                                          "Content-Length: " +
                                                          std::to_string(body.size()) + "\r\n\r\n" + body);
  CHECK(answer.rfind("HTTP/1.1 200", 0) == 0);
  REQUIRE(upstream.calls() == 1);
  const auto seen = upstream.last_request();
  CHECK(seen.headers.count("x-trace") == 0);
  CHECK(seen.headers.count("x-injected") == 0);
  CHECK(seen.headers.find("x-kept")->second == "yes");
}
