#include "tests/support/test_gateway.hpp"

#include <chrono>
#include <thread>

namespace llmgw::test {

core::config::Config fake_config(const FakeUpstream& upstream) {
  core::config::Config config;
  config.server.host = "127.0.0.1";
  config.server.port = 0;
  config.server.shutdown_grace_seconds = 5;
  core::config::ProviderConfig openai;
  openai.name = "openai";
  openai.kind = core::config::ProviderKind::openai;
  openai.base_url = upstream.base_url() + "/v1";
  openai.api_key_env = "LLMGW_TEST_OPENAI_KEY";
  openai.api_key = "test-openai-key-not-real";
  openai.responses_api = true;
  core::config::ProviderConfig anthropic;
  anthropic.name = "anthropic";
  anthropic.kind = core::config::ProviderKind::anthropic;
  anthropic.base_url = upstream.base_url();
  anthropic.api_key_env = "LLMGW_TEST_ANTHROPIC_KEY";
  anthropic.api_key = "test-anthropic-key-not-real";
  config.providers = {openai, anthropic};
  config.default_provider = "openai";
  return config;
}

TestGateway::TestGateway(core::config::Config config, std::chrono::seconds keepalive)
    : m_db_path(m_dir.file("llmgw.db")) {
  start(std::move(config), core::pipeline::GatewayOptions{k_test_token, keepalive});
}

TestGateway::TestGateway(core::config::Config config, core::dispatch::Upstream& upstream)
    : m_db_path(m_dir.file("llmgw.db")) {
  core::pipeline::GatewayOptions options{k_test_token};
  options.upstream = &upstream;
  start(std::move(config), std::move(options));
}

TestGateway::TestGateway(core::config::Config config, const core::translate::Codecs& codecs)
    : m_db_path(m_dir.file("llmgw.db")) {
  core::pipeline::GatewayOptions options{k_test_token};
  options.codecs = &codecs;
  start(std::move(config), std::move(options));
}

TestGateway::TestGateway(core::config::Config config, const std::string& db_path) : m_db_path(db_path) {
  start(std::move(config), core::pipeline::GatewayOptions{k_test_token});
}

void TestGateway::start(core::config::Config config, core::pipeline::GatewayOptions options) {
  m_ledger = std::make_unique<store::Ledger>(m_db_path);
  auto prices = core::pricing::PriceTable::with_overrides(config.price_overrides);
  m_server = std::make_unique<core::pipeline::GatewayServer>(std::move(config), std::move(prices), *m_ledger,
                                                             std::move(options));
  m_port = m_server->bind();
  m_server->start();
}

TestGateway::~TestGateway() {
  m_server->drain_and_stop(5);
  m_ledger->stop();
}

std::unique_ptr<httplib::Client> TestGateway::client() const {
  auto client = std::make_unique<httplib::Client>("127.0.0.1", m_port);
  client->set_tcp_nodelay(true);
  client->set_read_timeout(30, 0);
  client->set_keep_alive(true);
  return client;
}

httplib::Headers TestGateway::anthropic_auth() {
  return {{"x-api-key", k_test_token}, {"anthropic-version", "2023-06-01"}};
}

httplib::Headers TestGateway::openai_auth() { return {{"Authorization", std::string("Bearer ") + k_test_token}}; }

std::vector<store::LoggedRequest> TestGateway::rows() {
  // A request settles just after its answer is written: wait briefly for the ones still in flight
  // (an open stream keeps one there; the bound keeps that from stalling the caller), then for the
  // ledger to commit what they queued.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
  while (m_server->gateway().in_flight() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  m_ledger->flush();
  store::Db db(m_db_path);
  return store::recent_requests(db, 100000);
}

std::vector<core::Attempt> TestGateway::attempts(int64_t id) {
  store::Db db(m_db_path);
  auto found = store::attempts_of(db, {id});
  return found.count(id) ? found.at(id) : std::vector<core::Attempt>{};
}

std::vector<store::LoggedRequest> TestGateway::wait_rows(size_t count, int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  auto found = rows();
  while (found.size() < count && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    found = rows();
  }
  return found;
}

} // namespace llmgw::test
