// Usage llmgw estimates when the provider's is missing (issue 16): streams cut before their usage,
// clients that hang up, and hard mode against a provider that ignores max_tokens and never reports
// usage. Expected costs come from gpt-4.1's list price: $2 input, $8 output per Mtok, i.e.
// 2,000,000 and 8,000,000 pico-USD a token (core/pricing/bundled_prices.cpp).
#include "core/accounting/usage_estimate.hpp"
#include "tests/integration/stream_client.hpp"
#include "tests/support/test_gateway.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

using namespace llmgw;
using namespace llmgw::test;
using core::policy::Period;
using core::policy::Scope;

namespace {

constexpr int64_t k_cent = 10'000'000'000; // pico-USD
constexpr int64_t k_input_pico = 2'000'000;
constexpr int64_t k_output_pico = 8'000'000;

const std::string k_chat_stream =
    R"({"model":"gpt-4.1","max_tokens":16,"stream":true,"messages":[{"role":"user","content":"hi"}]})";

// A Chat stream of text pieces that ends without finish_reason, usage or [DONE].
FakeResponse chat_without_usage(const std::vector<std::string>& pieces) {
  FakeResponse reply = openai_chat_stream("gpt-4.1", pieces, false, 0, 0, 0);
  reply.chunks.resize(pieces.size() + 1); // the role chunk and one chunk per piece
  reply.cut_after_chunks = true;
  return reply;
}

// The input estimate of the body the provider received: ~4 bytes a token.
int64_t input_estimate(const FakeUpstream& upstream) {
  return core::estimate_tokens(static_cast<int64_t>(upstream.last_request().body.size()));
}

int64_t cost_of(const core::Usage& usage) {
  return usage.input_uncached_tokens * k_input_pico + usage.output_tokens * k_output_pico;
}

} // namespace

TEST_CASE("a Chat stream cut before its usage is recorded at an estimate, never at $0") {
  FakeUpstream upstream;
  upstream.on("POST", "/v1/chat/completions", [](const RecordedRequest&) {
    return chat_without_usage({"The ", "quick ", "brown ", "fox"});
  });
  TestGateway gateway(fake_config(upstream));
  auto result = post_streaming(*gateway.client(), "/v1/chat/completions", TestGateway::openai_auth(), k_chat_stream);
  CHECK(result.status == 200);
  auto rows = gateway.wait_rows(1);
  REQUIRE(rows.size() == 1);
  const auto& row = rows[0].record;
  CHECK(row.outcome == core::Outcome::upstream_cut);
  CHECK(row.usage_source == core::UsageSource::estimated);
  CHECK(row.usage.input_uncached_tokens == input_estimate(upstream));
  CHECK(row.usage.output_tokens == 5); // 19 bytes of text
  CHECK(row.cost_usd_pico == input_estimate(upstream) * k_input_pico + 5 * k_output_pico);
  CHECK(row.cost_usd_pico > 0);
  CHECK_FALSE(row.unpriced);
}

TEST_CASE("a whole answer without usage is recorded at an estimate from its text") {
  FakeUpstream upstream;
  FakeResponse reply = openai_chat_reply("gpt-4.1", "twelve bytes", 0, 0, 0);
  auto body = nlohmann::json::parse(reply.body);
  body.erase("usage");
  reply.body = body.dump();
  upstream.on("POST", "/v1/chat/completions", [&](const RecordedRequest&) { return reply; });
  TestGateway gateway(fake_config(upstream));
  auto response =
      gateway.client()->Post("/v1/chat/completions", TestGateway::openai_auth(),
                             R"({"model":"gpt-4.1","messages":[{"role":"user","content":"hi"}]})", "application/json");
  REQUIRE(response);
  CHECK(response->status == 200);
  auto rows = gateway.wait_rows(1);
  REQUIRE(rows.size() == 1);
  const auto& row = rows[0].record;
  CHECK(row.outcome == core::Outcome::ok);
  CHECK(row.usage_source == core::UsageSource::estimated);
  CHECK(row.usage.input_uncached_tokens == input_estimate(upstream));
  CHECK(row.usage.output_tokens == 3); // "twelve bytes"
  CHECK(row.cost_usd_pico == cost_of(row.usage));
}

TEST_CASE("a client that hangs up after 1.5 s of streaming leaves a row at an estimate above $0") {
  FakeUpstream upstream;
  FakeResponse slow = chat_without_usage(std::vector<std::string>(300, "word "));
  slow.delay_between_chunks_ms = 10; // 3 s in all
  upstream.on("POST", "/v1/chat/completions", [&](const RecordedRequest&) { return slow; });
  TestGateway gateway(fake_config(upstream));
  const auto started = std::chrono::steady_clock::now();
  auto result = post_streaming(
      *gateway.client(), "/v1/chat/completions", TestGateway::openai_auth(), k_chat_stream,
      [&](const std::string&) { return std::chrono::steady_clock::now() - started < std::chrono::milliseconds(1500); });
  CHECK(result.status == 200);
  auto rows = gateway.wait_rows(1);
  REQUIRE(rows.size() == 1);
  const auto& row = rows[0].record;
  CHECK(row.outcome == core::Outcome::client_closed);
  CHECK(row.usage_source == core::UsageSource::estimated);
  CHECK(row.usage.input_uncached_tokens == input_estimate(upstream));
  // Some of the 300 pieces (5 bytes each) were relayed before the hang-up, not all of them.
  CHECK(row.usage.output_tokens > 0);
  CHECK(row.usage.output_tokens < 300 * 5 / 4);
  CHECK(row.cost_usd_pico == cost_of(row.usage));
  CHECK(row.cost_usd_pico > 0);
}

// The bound: a stream's hold is kept 256 output tokens (the relay's margin) ahead of its running
// cost, grown under the caps' lock; a stream whose hold cannot grow is ended. So holds never pass
// the cap, and neither does what is recorded (each row's cost is at most its hold); what is left
// unspent is at most the margin and one event of each stream.
TEST_CASE("hard mode: concurrent streams that ignore max_tokens and report no usage stop within the cap, estimated") {
  FakeUpstream upstream;
  const std::string piece(40, 'x'); // 10 output tokens: $0.00008
  const int64_t event_cost = 10 * k_output_pico;
  FakeResponse endless = chat_without_usage(std::vector<std::string>(2000, piece));
  endless.delay_between_chunks_ms = 5; // 10 s if nothing ends it
  upstream.on("POST", "/v1/chat/completions", [&](const RecordedRequest&) { return endless; });
  auto config = fake_config(upstream);
  config.caps.hard = true;
  TestGateway gateway(config);
  const int64_t cap = 5 * k_cent; // $0.05
  gateway.server().gateway().apply_policy({{{1, Period::day, cap, Scope::global, "", 80}}, {}, {}, {}});
  constexpr int k_streams = 20;
  std::atomic<int> stopped{0}, refused{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < k_streams; ++i) {
    threads.emplace_back([&] {
      auto result =
          post_streaming(*gateway.client(), "/v1/chat/completions", TestGateway::openai_auth(), k_chat_stream);
      if (result.status == 200 && result.body.find("spend cap") != std::string::npos) ++stopped;
      if (result.status == 402 && result.body.find("spend cap") != std::string::npos) ++refused;
    });
  }
  for (auto& thread : threads) thread.join();
  // Each was admitted (max_tokens 16 reserves little) and ended at the cap, or, admitted after the
  // others' holds had grown to take the cap (admission is one request after another on the event
  // loop), refused with the cap's 402.
  MESSAGE(stopped.load() << " ended at the cap, " << refused.load() << " refused");
  CHECK(stopped.load() + refused.load() == k_streams);
  CHECK(stopped.load() >= k_streams / 2);
  auto rows = gateway.wait_rows(k_streams);
  REQUIRE(rows.size() == k_streams);
  int64_t recorded = 0;
  for (const auto& row : rows) {
    if (row.record.outcome == core::Outcome::refused) {
      CHECK(row.record.cost_usd_pico == 0);
      continue;
    }
    CHECK(row.record.outcome == core::Outcome::capped);
    CHECK(row.record.usage_source == core::UsageSource::estimated);
    CHECK(row.record.usage.input_uncached_tokens == input_estimate(upstream));
    CHECK(row.record.cost_usd_pico == cost_of(row.record.usage));
    recorded += row.record.cost_usd_pico;
  }
  INFO("recorded pico-USD: " << recorded);
  const int64_t margin_cost = 256 * k_output_pico;
  CHECK(recorded <= cap);                                              // hard mode: never past the cap
  CHECK(recorded >= cap - k_streams * (margin_cost + 2 * event_cost)); // ...and most of it was used
  // One more stream gets what is left and is ended too (or is refused when too little is left); the
  // total stays within the cap.
  auto last = post_streaming(*gateway.client(), "/v1/chat/completions", TestGateway::openai_auth(), k_chat_stream);
  CHECK((last.status == 200 || last.status == 402)); // ended at the cap, or refused if too little is left
  CHECK(last.body.find("spend cap") != std::string::npos);
  auto all = gateway.wait_rows(k_streams + 1);
  REQUIRE(all.size() == k_streams + 1);
  int64_t total = 0;
  for (const auto& row : all) total += row.record.cost_usd_pico;
  CHECK(total <= cap);
  CHECK(gateway.server().gateway().budget().states(core::policy::now_ms()).front().reserved_pico == 0);
}
