#pragma once
// The real gateway (GatewayServer + Ledger on a temp SQLite file) in-process on an ephemeral
// port, for integration tests.
#include "core/config/config.hpp"
#include "core/pipeline/gateway_server.hpp"
#include "store/ledger.hpp"
#include "store/reports.hpp"
#include "tests/support/fake_upstream.hpp"
#include "tests/support/temp_dir.hpp"

#include <memory>

namespace llmgw::test {

inline constexpr const char* k_test_token = "llmgw-test-token";

// Providers "openai" (kind openai, base .../v1) and "anthropic" pointed at the fake, with
// made-up keys; default provider openai; port 0.
core::config::Config fake_config(const FakeUpstream& upstream);

class TestGateway {
public:
  explicit TestGateway(core::config::Config config, std::chrono::seconds keepalive = std::chrono::seconds(15));
  // With another upstream in place of the pooled HTTP one (a fake that throws, say).
  TestGateway(core::config::Config config, core::dispatch::Upstream& upstream);
  // With other codecs in place of the built-in ones (a fake that throws, say).
  TestGateway(core::config::Config config, const core::translate::Codecs& codecs);
  // On a database other gateways share (team mode), at db_path.
  TestGateway(core::config::Config config, const std::string& db_path);
  ~TestGateway();

  int port() const { return m_port; }
  // A client to the gateway with TCP_NODELAY and a 30 s read timeout.
  std::unique_ptr<httplib::Client> client() const;
  // Headers carrying the gateway token, Anthropic style and OpenAI style.
  static httplib::Headers anthropic_auth();
  static httplib::Headers openai_auth();
  // Every ledger row so far (flushes the writer first), oldest first.
  std::vector<store::LoggedRequest> rows();
  // Wait until `count` rows exist (streams settle after the client saw the last byte).
  std::vector<store::LoggedRequest> wait_rows(size_t count, int timeout_ms = 5000);
  // The upstream tries of ledger row `id` (none when it took a single try).
  std::vector<core::Attempt> attempts(int64_t id);
  core::pipeline::GatewayServer& server() { return *m_server; }
  const std::string& db_path() const { return m_db_path; }
  store::Ledger& ledger() { return *m_ledger; }

private:
  void start(core::config::Config config, core::pipeline::GatewayOptions options);

  TempDir m_dir;
  std::string m_db_path;
  std::unique_ptr<store::Ledger> m_ledger;
  std::unique_ptr<core::pipeline::GatewayServer> m_server;
  int m_port = 0;
};

} // namespace llmgw::test
