// Real providers are HTTPS. A fake provider behind TLS (its own throwaway CA, trusted through
// SSL_CERT_FILE the way OpenSSL reads it): answers relay byte for byte, one TLS connection
// serves request after request, a certificate nobody vouches for is refused, and a client that
// hangs up mid-stream cancels the TLS stream upstream.
#include "tests/integration/stream_client.hpp"
#include "tests/support/test_certificates.hpp"
#include "tests/support/test_gateway.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fstream>
#include <optional>
#include <set>
#include <thread>

using namespace llmgw;
using namespace llmgw::test;

namespace {

// Points OpenSSL's default trust store at one CA certificate for this scope.
class TrustedCa {
public:
  explicit TrustedCa(const std::string& pem) : m_path(m_dir.file("ca.pem")) {
    std::ofstream(m_path) << pem;
    if (const char* old = std::getenv("SSL_CERT_FILE")) m_previous = old;
    ::setenv("SSL_CERT_FILE", m_path.c_str(), 1);
  }
  ~TrustedCa() {
    if (m_previous) ::setenv("SSL_CERT_FILE", m_previous->c_str(), 1);
    else ::unsetenv("SSL_CERT_FILE");
  }
  TrustedCa(const TrustedCa&) = delete;
  TrustedCa& operator=(const TrustedCa&) = delete;

private:
  TempDir m_dir;
  std::string m_path;
  std::optional<std::string> m_previous;
};

const std::string k_chat = R"({"model":"gpt-4.1","messages":[{"role":"user","content":"hi"}]})";
const std::string k_stream =
    R"({"model":"claude-sonnet-4-5","max_tokens":5,"stream":true,"messages":[{"role":"user","content":"hi"}]})";

} // namespace

TEST_CASE("an https provider: answers relayed byte for byte over one kept-alive TLS connection") {
  const TestCertificates certificates = make_test_certificates();
  TrustedCa trust(certificates.ca_pem);
  FakeUpstream upstream(0, &certificates);
  REQUIRE(upstream.base_url().rfind("https://127.0.0.1:", 0) == 0);
  const auto reply = openai_chat_reply("gpt-4.1", "hello over TLS", 21, 0, 4);
  upstream.on("POST", "/v1/chat/completions", [&](const RecordedRequest&) { return reply; });
  const auto stream = anthropic_stream("claude-sonnet-4-5", {"Hel", "lo"}, 30, 0, 0, 2);
  upstream.on("POST", "/v1/messages", [&](const RecordedRequest&) { return stream; });
  TestGateway gateway(fake_config(upstream));
  auto client = gateway.client();

  for (int i = 0; i < 3; ++i) {
    auto response = client->Post("/v1/chat/completions", TestGateway::openai_auth(), k_chat, "application/json");
    REQUIRE(response);
    CHECK(response->status == 200);
    CHECK(response->body == reply.body);
  }
  std::string expected;
  for (const auto& chunk : stream.chunks) expected += chunk;
  auto streamed = post_streaming(*client, "/v1/messages", TestGateway::anthropic_auth(), k_stream);
  CHECK(streamed.status == 200);
  CHECK(streamed.body == expected);

  const auto requests = upstream.requests();
  REQUIRE(requests.size() == 4);
  // The provider key went out over TLS; one connection per origin, reused request after request.
  CHECK(requests[0].headers.find("Authorization")->second == "Bearer test-openai-key-not-real");
  CHECK(requests[3].headers.find("x-api-key")->second == "test-anthropic-key-not-real");
  std::set<int> connections;
  for (const auto& request : requests) connections.insert(request.remote_port);
  CHECK(connections.size() == 1);

  auto rows = gateway.wait_rows(4);
  REQUIRE(rows.size() == 4);
  for (int i = 0; i < 3; ++i) {
    CHECK(rows[i].record.outcome == core::Outcome::ok);
    CHECK(rows[i].record.usage.input_uncached_tokens == 21);
    CHECK(rows[i].record.usage.output_tokens == 4);
  }
  CHECK(rows[3].record.outcome == core::Outcome::ok);
  CHECK(rows[3].record.streamed);
  CHECK(rows[3].record.usage.input_uncached_tokens == 30);
  CHECK(rows[3].record.usage.output_tokens == 2);
}

TEST_CASE("an https provider whose certificate no trusted CA signed is refused with 502") {
  const TestCertificates certificates = make_test_certificates();
  const TestCertificates stranger = make_test_certificates();
  TrustedCa trust(stranger.ca_pem); // trusts some other CA, not the one that signed the provider's
  FakeUpstream upstream(0, &certificates);
  TestGateway gateway(fake_config(upstream));
  auto client = gateway.client();

  auto openai = client->Post("/v1/chat/completions", TestGateway::openai_auth(), k_chat, "application/json");
  REQUIRE(openai);
  CHECK(openai->status == 502);
  const auto message = nlohmann::json::parse(openai->body)["error"]["message"].get<std::string>();
  INFO(message);
  CHECK(message.find("cannot reach provider 'openai'") == 0);
  CHECK(message.find("TLS certificate failed verification") != std::string::npos);
  CHECK(message.find("test-openai-key-not-real") == std::string::npos);
  auto anthropic = post_streaming(*client, "/v1/messages", TestGateway::anthropic_auth(), k_stream);
  CHECK(anthropic.status == 502);
  CHECK(nlohmann::json::parse(anthropic.body)["type"] == "error");
  CHECK(upstream.calls() == 0); // the request, and the key in it, never left
  auto rows = gateway.rows();
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].record.outcome == core::Outcome::unreachable);
  CHECK(rows[1].record.outcome == core::Outcome::unreachable);
}

TEST_CASE("a client that hangs up mid-stream cancels an https provider's stream") {
  const TestCertificates certificates = make_test_certificates();
  TrustedCa trust(certificates.ca_pem);
  FakeUpstream upstream(0, &certificates);
  std::vector<std::string> pieces(50, "token ");
  auto slow = anthropic_stream("claude-sonnet-4-5", pieces, 77, 0, 0, 50);
  slow.delay_between_chunks_ms = 50;
  upstream.on("POST", "/v1/messages", [&](const RecordedRequest&) { return slow; });
  TestGateway gateway(fake_config(upstream));
  auto client = gateway.client();
  int chunks = 0;
  auto result = post_streaming(*client, "/v1/messages", TestGateway::anthropic_auth(), k_stream,
                               [&](const std::string&) { return ++chunks < 3; });
  CHECK(result.status == 200);
  auto rows = gateway.wait_rows(1);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].record.outcome == core::Outcome::client_closed);
  CHECK(rows[0].record.usage.input_uncached_tokens == 77);
  CHECK(rows[0].record.duration_ms < 2000);
  for (int i = 0; i < 200 && !upstream.saw_disconnect(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK(upstream.saw_disconnect());
  // The next request still goes through (on a new TLS connection).
  auto again = client->Post("/v1/chat/completions", TestGateway::openai_auth(), k_chat, "application/json");
  REQUIRE(again);
  CHECK(again->status == 200);
}
