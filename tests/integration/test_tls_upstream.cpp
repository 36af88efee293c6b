// Real providers are HTTPS. A fake provider behind TLS (its own throwaway CA, trusted through
// SSL_CERT_FILE the way OpenSSL reads it): answers relay byte for byte, one TLS connection
// serves request after request, a certificate nobody vouches for is refused, a client that
// hangs up mid-stream cancels the TLS stream upstream, and https_proxy is followed through a
// CONNECT tunnel (no_proxy exempts).
#include "tests/integration/hangup_scenario.hpp"
#include "tests/integration/stream_client.hpp"
#include "tests/support/scoped_env.hpp"
#include "tests/support/test_certificates.hpp"
#include "tests/support/test_gateway.hpp"

#include <doctest/doctest.h>
#include <netinet/in.h>
#include <nlohmann/json.hpp>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <list>
#include <mutex>
#include <set>
#include <thread>

using namespace llmgw;
using namespace llmgw::test;

namespace {

// No https proxy for this scope, whatever the environment the tests run in sets.
struct DirectConnections {
  DirectConnections() {
    env.unset("https_proxy");
    env.unset("HTTPS_PROXY");
  }
  ScopedEnv env;
};

// Points OpenSSL's default trust store at one CA certificate for this scope.
class TrustedCa {
public:
  explicit TrustedCa(const std::string& pem) : m_path(m_dir.file("ca.pem")) {
    std::ofstream(m_path) << pem;
    m_env.set("SSL_CERT_FILE", m_path);
  }

private:
  TempDir m_dir;
  std::string m_path;
  ScopedEnv m_env;
};

// A minimal HTTP CONNECT proxy on 127.0.0.1: reads the CONNECT head, opens the tunnel to the
// target (loopback only) and copies bytes both ways until either side closes.
class ConnectProxy {
public:
  ConnectProxy() {
    m_listen = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof address;
    REQUIRE(::bind(m_listen, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(::listen(m_listen, SOMAXCONN) == 0);
    ::getsockname(m_listen, reinterpret_cast<sockaddr*>(&address), &size);
    m_port = ntohs(address.sin_port);
    m_acceptor = std::thread([this] { accept_loop(); });
  }
  ~ConnectProxy() {
    ::shutdown(m_listen, SHUT_RDWR);
    m_acceptor.join();
    ::close(m_listen);
    {
      std::lock_guard lock(m_mutex);
      for (int fd : m_open) ::shutdown(fd, SHUT_RDWR);
    }
    for (auto& tunnel : m_tunnels) tunnel.join();
  }
  ConnectProxy(const ConnectProxy&) = delete;
  ConnectProxy& operator=(const ConnectProxy&) = delete;

  int port() const { return m_port; }
  // Each tunnel's request line and Proxy-Authorization value ("" when none), in order.
  std::vector<std::pair<std::string, std::string>> tunnels() const {
    std::lock_guard lock(m_mutex);
    return m_seen;
  }

private:
  void accept_loop() {
    for (;;) {
      const int fd = ::accept4(m_listen, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) return;
      std::lock_guard lock(m_mutex);
      m_open.insert(fd);
      m_tunnels.emplace_back([this, fd] { tunnel(fd); });
    }
  }

  void tunnel(int client) {
    std::string head;
    char buffer[16384];
    while (head.find("\r\n\r\n") == std::string::npos) {
      const ssize_t n = ::recv(client, buffer, sizeof buffer, 0);
      if (n <= 0) return forget(client, -1);
      head.append(buffer, static_cast<size_t>(n));
    }
    const std::string line = head.substr(0, head.find("\r\n"));
    std::string authorization;
    if (size_t at = head.find("\r\nProxy-Authorization: "); at != std::string::npos) {
      at += 23;
      authorization = head.substr(at, head.find("\r\n", at) - at);
    }
    {
      std::lock_guard lock(m_mutex);
      m_seen.emplace_back(line, authorization);
    }
    const size_t colon = line.rfind(':'), space = line.rfind(' ');
    const int target_port = std::atoi(line.substr(colon + 1, space - colon - 1).c_str());
    const int upstream = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in target{};
    target.sin_family = AF_INET;
    target.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    target.sin_port = htons(static_cast<uint16_t>(target_port));
    if (line.rfind("CONNECT 127.0.0.1:", 0) != 0 ||
        ::connect(upstream, reinterpret_cast<sockaddr*>(&target), sizeof target) != 0) {
      const std::string refused = "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n";
      ::send(client, refused.data(), refused.size(), MSG_NOSIGNAL);
      return forget(client, upstream);
    }
    {
      std::lock_guard lock(m_mutex);
      m_open.insert(upstream);
    }
    const std::string established = "HTTP/1.1 200 Connection established\r\n\r\n";
    ::send(client, established.data(), established.size(), MSG_NOSIGNAL);
    pollfd both[2] = {{client, POLLIN, 0}, {upstream, POLLIN, 0}};
    for (bool open = true; open && ::poll(both, 2, -1) > 0;) {
      for (int side = 0; side < 2 && open; ++side) {
        if (both[side].revents == 0) continue;
        const ssize_t n = ::recv(both[side].fd, buffer, sizeof buffer, 0);
        open = n > 0 && ::send(both[1 - side].fd, buffer, static_cast<size_t>(n), MSG_NOSIGNAL) == n;
      }
    }
    forget(client, upstream);
  }

  void forget(int client, int upstream) {
    std::lock_guard lock(m_mutex);
    for (int fd : {client, upstream}) {
      if (fd < 0) continue;
      m_open.erase(fd);
      ::close(fd);
    }
  }

  int m_listen = -1;
  int m_port = 0;
  std::thread m_acceptor;
  mutable std::mutex m_mutex;
  std::set<int> m_open;
  std::list<std::thread> m_tunnels;
  std::vector<std::pair<std::string, std::string>> m_seen;
};

const std::string k_chat = R"({"model":"gpt-4.1","messages":[{"role":"user","content":"hi"}]})";
const std::string k_stream =
    R"({"model":"claude-sonnet-4-5","max_tokens":5,"stream":true,"messages":[{"role":"user","content":"hi"}]})";

} // namespace

TEST_CASE("an https provider: answers relayed byte for byte over one kept-alive TLS connection") {
  const TestCertificates certificates = make_test_certificates();
  TrustedCa trust(certificates.ca_pem);
  DirectConnections direct;
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
  DirectConnections direct;
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
  DirectConnections direct;
  FakeUpstream upstream(0, &certificates);
  TestGateway gateway(fake_config(upstream));
  check_hangup_cancels_upstream(upstream, gateway);
  auto client = gateway.client();
  // The next request still goes through (on a new TLS connection).
  auto again = client->Post("/v1/chat/completions", TestGateway::openai_auth(), k_chat, "application/json");
  REQUIRE(again);
  CHECK(again->status == 200);
}

TEST_CASE("an https provider is reached through https_proxy in a CONNECT tunnel unless no_proxy exempts it") {
  const TestCertificates certificates = make_test_certificates();
  TrustedCa trust(certificates.ca_pem);
  FakeUpstream upstream(0, &certificates);
  const auto reply = openai_chat_reply("gpt-4.1", "hello through the proxy", 9, 0, 3);
  upstream.on("POST", "/v1/chat/completions", [&](const RecordedRequest&) { return reply; });
  ConnectProxy proxy;
  ScopedEnv env;
  for (const char* name : {"no_proxy", "NO_PROXY", "HTTPS_PROXY"}) env.unset(name);
  const std::string target = "127.0.0.1:" + std::to_string(upstream.port());
  {
    env.set("https_proxy", "http://llmgw:s%40cret@127.0.0.1:" + std::to_string(proxy.port()));
    TestGateway gateway(fake_config(upstream));
    auto client = gateway.client();
    for (int i = 0; i < 2; ++i) {
      auto response = client->Post("/v1/chat/completions", TestGateway::openai_auth(), k_chat, "application/json");
      REQUIRE(response);
      CHECK(response->status == 200);
      CHECK(response->body == reply.body); // TLS end to end through the tunnel: the CA check still held
    }
    const auto tunnels = proxy.tunnels();
    REQUIRE(tunnels.size() == 1); // the kept-alive tunnel served both requests
    CHECK(tunnels[0].first == "CONNECT " + target + " HTTP/1.1");
    CHECK(tunnels[0].second == "Basic bGxtZ3c6c0BjcmV0"); // llmgw:s@cret, percent-decoded
    CHECK(upstream.calls() == 2);
  }
  {
    env.set("https_proxy", "http://127.0.0.1:" + std::to_string(proxy.port()));
    env.set("NO_PROXY", "example.com, 127.0.0.1");
    TestGateway gateway(fake_config(upstream));
    auto response =
        gateway.client()->Post("/v1/chat/completions", TestGateway::openai_auth(), k_chat, "application/json");
    REQUIRE(response);
    CHECK(response->status == 200);
    CHECK(proxy.tunnels().size() == 1); // went direct
    CHECK(upstream.calls() == 3);
  }
}
