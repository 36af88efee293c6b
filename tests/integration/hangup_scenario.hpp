#pragma once
// One scenario run over plain HTTP (test_failures.cpp) and over TLS (test_tls_upstream.cpp): a
// client reads a few events of a slow Anthropic stream, then hangs up.
#include "tests/integration/stream_client.hpp"
#include "tests/support/test_gateway.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace llmgw::test {

// The row says client_closed with the usage seen so far, within 2 s, and the provider sees its
// connection go (the upstream stream was cancelled, not left to run and bill).
inline void check_hangup_cancels_upstream(FakeUpstream& upstream, TestGateway& gateway) {
  std::vector<std::string> pieces(50, "token ");
  auto slow = anthropic_stream("claude-sonnet-4-5", pieces, 77, 0, 0, 50);
  slow.delay_between_chunks_ms = 50;
  upstream.on("POST", "/v1/messages", [slow](const RecordedRequest&) { return slow; });
  auto client = gateway.client();
  int chunks = 0;
  auto result = post_streaming(*client, "/v1/messages", TestGateway::anthropic_auth(),
                               R"({"model":"claude-sonnet-4-5","max_tokens":5,"stream":true,"messages":[]})",
                               [&](const std::string&) { return ++chunks < 3; });
  CHECK(result.status == 200);
  auto rows = gateway.wait_rows(1);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].record.outcome == core::Outcome::client_closed);
  CHECK(rows[0].record.usage.input_uncached_tokens == 77);
  CHECK(rows[0].record.usage_source == core::UsageSource::estimated);
  CHECK(rows[0].record.usage.output_tokens >= 1);
  CHECK(rows[0].record.duration_ms < 2000);
  for (int i = 0; i < 200 && !upstream.saw_disconnect(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK(upstream.saw_disconnect());
}

} // namespace llmgw::test
