// Team mode on the real server: three gateways sharing one SQLite file count one rate limit between
// them (leased shares, store/rate_leases.hpp): the limit admitted in all, the rest 429 with
// retry-after in the caller's format, and a dead instance's share reclaimed by the others.
#include "store/cap_leases.hpp"
#include "store/rate_leases.hpp"
#include "store/team_rates.hpp"
#include "tests/support/test_gateway.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

using namespace llmgw;
using namespace llmgw::test;
using core::policy::Scope;

namespace {

constexpr int64_t k_rpm = 30;
const std::string k_anthropic_body =
    R"({"model":"claude-sonnet-4-5","max_tokens":100,"messages":[{"role":"user","content":"hi"}]})";
const std::string k_openai_body = R"({"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]})";

// Beats every 200 ms, a share stale after 1.5 s: the test runs in seconds, not minutes.
core::policy::RateShareOptions fast_options() {
  core::policy::RateShareOptions options;
  options.beat_interval_ms = 200;
  options.stale_ms = 1'500;
  options.trust_ms = 1'000;
  return options;
}

// One instance: a gateway on the shared file with its rate limits in team mode, `k_rpm` requests a
// minute for the agent curl.
struct Instance {
  Instance(core::config::Config config, const std::string& db_path,
           core::policy::RateShareOptions options = fast_options())
      : gateway(std::move(config), db_path),
        team(gateway.server().gateway().budget().rates(), db_path, store::new_instance_id(), options) {
    gateway.server().gateway().apply_policy({{}, {{1, Scope::agent, "curl", k_rpm, 0}}, {}, {}});
  }
  TestGateway gateway;
  store::TeamRates team;
};

struct Reply {
  int status = 0;
  bool openai = false;
  std::string retry_after;
  std::string body;
};

Reply post(Instance& instance, bool openai) {
  auto client = instance.gateway.client();
  auto headers = openai ? TestGateway::openai_auth() : TestGateway::anthropic_auth();
  headers.emplace("User-Agent", "curl/8.0");
  auto reply = client->Post(openai ? "/v1/chat/completions" : "/v1/messages", headers,
                            openai ? k_openai_body : k_anthropic_body, "application/json");
  if (!reply) return {};
  return {reply->status, openai, reply->get_header_value("retry-after"), reply->body};
}

void serve_both_formats(FakeUpstream& upstream) {
  upstream.on("POST", "/v1/messages",
              [](const RecordedRequest&) { return anthropic_reply("claude-sonnet-4-5", "ok", 20, 0, 0, 5); });
  upstream.on("POST", "/v1/chat/completions",
              [](const RecordedRequest&) { return openai_chat_reply("gpt-4o-mini", "ok", 20, 0, 5); });
}

int admitted(std::vector<std::unique_ptr<Instance>>& instances, size_t first, int requests) {
  int ok = 0;
  for (int i = 0; i < requests; ++i) {
    auto& instance = *instances[first + static_cast<size_t>(i) % (instances.size() - first)];
    ok += post(instance, i % 2 == 1).status == 200 ? 1 : 0;
  }
  return ok;
}

} // namespace

TEST_CASE("team mode: 120 requests over 3 instances under 30 a minute: 30 admitted, the rest 429 with "
          "retry-after in the caller's format") {
  FakeUpstream upstream;
  serve_both_formats(upstream);
  TempDir dir;
  const std::string db_path = dir.file("team.db");
  std::vector<std::unique_ptr<Instance>> instances;
  for (int i = 0; i < 3; ++i) instances.push_back(std::make_unique<Instance>(fake_config(upstream), db_path));
  std::vector<Reply> replies;
  std::mutex mutex;
  std::vector<std::thread> workers;
  const auto started = std::chrono::steady_clock::now();
  // 6 clients, 20 requests each, 15 ms apart: round-robin over the instances, Anthropic and OpenAI.
  for (int t = 0; t < 6; ++t) {
    workers.emplace_back([&, t] {
      for (int i = t; i < 120; i += 6) {
        Reply reply = post(*instances[static_cast<size_t>(i) % 3], (i / 3) % 2 == 1);
        std::lock_guard lock(mutex);
        replies.push_back(std::move(reply));
        std::this_thread::sleep_for(std::chrono::milliseconds(15));
      }
    });
  }
  for (auto& worker : workers) worker.join();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  int ok = 0, limited = 0, other = 0;
  for (const Reply& reply : replies) {
    if (reply.status == 200) {
      ++ok;
      continue;
    }
    if (reply.status != 429) {
      ++other;
      continue;
    }
    ++limited;
    REQUIRE_FALSE(reply.retry_after.empty());
    const int retry_after = std::stoi(reply.retry_after);
    CHECK(retry_after >= 1);
    CHECK(retry_after <= 70);
    const auto body = nlohmann::json::parse(reply.body);
    if (reply.openai) {
      CHECK(body["error"]["type"] == "rate_limit_exceeded");
    } else {
      CHECK(body["type"] == "error");
      CHECK(body["error"]["type"] == "rate_limit_error");
    }
    CHECK(body["error"]["message"].get<std::string>().find("30 requests per minute") != std::string::npos);
  }
  MESSAGE("3 instances, " << k_rpm << " requests a minute: " << ok << " of 120 admitted in " << seconds << " s");
  CHECK(other == 0);
  CHECK(ok + limited == 120);
  CHECK(ok <= k_rpm);
  CHECK(ok >= k_rpm - 2); // unused shares go back at each beat: the limit is usable across the team
  CHECK(upstream.calls() == ok);
}

TEST_CASE("team mode: a dead instance's rate share is reclaimed by the others") {
  FakeUpstream upstream;
  serve_both_formats(upstream);
  TempDir dir;
  const std::string db_path = dir.file("team.db");
  std::vector<std::unique_ptr<Instance>> instances;
  // The first takes a share for 5 requests, beats once (the store counts the 5 and keeps part of its
  // spare: twice what it admitted since its previous beat), then dies without giving the rest back.
  // It beats once a second (still live for the others, who call a share stale after 1.5 s) and dies
  // as soon as the store shows the beat: a second beat (nothing admitted since) would return the
  // spare, and with 200 ms beats a slow machine could fit two before the kill. (An instance that
  // dies before beating leaves its admissions uncounted.)
  core::policy::RateShareOptions slow_beats = fast_options();
  slow_beats.beat_interval_ms = 1'000;
  instances.push_back(std::make_unique<Instance>(fake_config(upstream), db_path, slow_beats));
  for (int i = 1; i < 3; ++i) instances.push_back(std::make_unique<Instance>(fake_config(upstream), db_path));
  for (int i = 0; i < 5; ++i) REQUIRE(post(*instances[0], i % 2 == 1).status == 200);
  const std::string dead = instances[0]->team.instance_id();
  const auto counted_by_store = [&] {
    store::Db db(db_path);
    int64_t requests = 0;
    for (const auto& row : store::list_rate_leases(db))
      if (row.instance_id == dead) requests += row.requests;
    return requests;
  };
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (counted_by_store() < 5 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  instances[0].reset();
  REQUIRE(counted_by_store() == 5);
  int64_t dead_spare = 0;
  {
    store::Db db(db_path);
    for (const auto& row : store::list_rate_leases(db))
      if (row.instance_id == dead) dead_spare += row.spare_requests;
  }
  CHECK(dead_spare > 0);
  const int before = admitted(instances, 1, 40);
  CHECK(before <= k_rpm - 5 - dead_spare); // its spare is still held
  std::this_thread::sleep_for(std::chrono::milliseconds(1'500 + 400));
  const int after = admitted(instances, 1, 40);
  MESSAGE("dead instance: 5 admitted by it, " << dead_spare << " held when it died; " << before
                                              << " admitted by the others before reclaiming, " << after << " after");
  CHECK(5 + before + after <= k_rpm);
  CHECK(5 + before + after >= k_rpm - 2);
  CHECK(after >= dead_spare);
}
