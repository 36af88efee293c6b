#include "tests/bench/bench_scenarios.hpp"

#include "tests/bench/bench_process.hpp"

#include <algorithm>
#include <chrono>
#include <memory>
#include <thread>

namespace llmgw::bench {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int k_cancel_wait_ms = 3000;

TargetRow to_row(const std::string& name, const Measurement& measurement) {
  TargetRow row;
  row.target = name;
  row.latency = summarize(measurement.total_us);
  row.first_byte = summarize(measurement.first_byte_us);
  row.requests_per_second = measurement.requests_per_second();
  row.cpu_us_per_request = measurement.cpu_us_per_request();
  row.errors = measurement.errors;
  row.first_error = measurement.first_error;
  return row;
}

}  // namespace

std::string chat_body(const std::string& text, bool stream) {
  return R"({"model":"gpt-4.1","messages":[{"role":"user","content":")" + text + "\"}]" +
         (stream ? R"(,"stream":true)" : "") + "}";
}

ScenarioRow run_scenario(const std::vector<Target>& targets, const ScenarioSpec& spec) {
  std::vector<std::unique_ptr<LoadGroup>> groups;
  std::vector<std::string> requests;
  std::vector<Measurement> measurements(targets.size());
  for (const auto& target : targets) {
    groups.push_back(std::make_unique<LoadGroup>(target.port, spec.concurrency, target.pid));
    requests.push_back(make_post(target.port, spec.path, target.headers, spec.body));
  }
  for (size_t i = 0; i < targets.size(); ++i) {
    Measurement discarded;
    groups[i]->run(requests[i], spec.warmup, discarded);
  }
  // Rotate the order every round so no target always runs right after another.
  for (int round = 0; round < spec.rounds; ++round)
    for (size_t k = 0; k < targets.size(); ++k) {
      const size_t i = (k + static_cast<size_t>(round)) % targets.size();
      groups[i]->run(requests[i], spec.slice, measurements[i]);
    }
  ScenarioRow row;
  row.name = spec.name;
  row.concurrency = spec.concurrency;
  row.time_to_first_byte = spec.time_to_first_byte;
  for (size_t i = 0; i < targets.size(); ++i) row.targets.push_back(to_row(targets[i].name, measurements[i]));
  return row;
}

StreamHold hold_streams(const Target& target, int count, const BenchUpstream& upstream) {
  StreamHold hold;
  const std::string request =
      make_post(target.port, "/v1/chat/completions", target.headers, chat_body(k_stall_marker, true));
  std::vector<std::unique_ptr<Connection>> connections;
  std::vector<std::thread> openers;
  std::vector<int> opened(static_cast<size_t>(count), 0);
  for (int i = 0; i < count; ++i) connections.push_back(std::make_unique<Connection>(target.port, 5000));
  for (int i = 0; i < count; ++i)
    openers.emplace_back([&, i] {
      const Exchange result = connections[static_cast<size_t>(i)]->open_stream(request);
      opened[static_cast<size_t>(i)] = result.ok && result.status == 200 ? 1 : 0;
    });
  for (auto& opener : openers) opener.join();
  for (int flag : opened) hold.opened += flag;
  for (int sample = 0; sample < 5; ++sample) {
    hold.rss_kib = std::max(hold.rss_kib, rss_kib(target.pid));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const auto closed_at = Clock::now();
  for (auto& connection : connections) connection->close();
  const auto deadline = closed_at + std::chrono::milliseconds(k_cancel_wait_ms);
  while (upstream.stalled_streams() > 0 && Clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  if (upstream.stalled_streams() == 0) hold.cancel_ms = std::chrono::duration<double, std::milli>(Clock::now() - closed_at).count();
  return hold;
}

}  // namespace llmgw::bench
