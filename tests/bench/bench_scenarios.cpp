#include "tests/bench/bench_scenarios.hpp"

#include "tests/bench/bench_process.hpp"

#include <algorithm>
#include <chrono>
#include <memory>
#include <thread>

namespace llmgw::bench {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int k_cancel_wait_ms = 2000;

TargetRow to_row(const std::string& name, const Measurement& measurement) {
  TargetRow row;
  row.target = name;
  row.latency = summarize(measurement.total_us);
  row.first_byte = summarize(measurement.first_byte_us);
  row.first_event = summarize(measurement.first_event_us);
  row.requests_per_second = measurement.requests_per_second();
  row.cpu_us_per_request = measurement.cpu_us_per_request();
  row.ledger_us_per_request = measurement.ledger_us_per_request();
  row.errors = measurement.errors;
  row.first_error = measurement.first_error;
  return row;
}

} // namespace

std::string chat_body(const std::string& text, bool stream) {
  return R"({"model":"gpt-4.1","messages":[{"role":"user","content":")" + text + "\"}]" +
         (stream ? R"(,"stream":true)" : "") + "}";
}

ScenarioRow run_scenario(const std::vector<Target>& targets, const ScenarioSpec& spec, bool measure_rss) {
  std::vector<std::unique_ptr<LoadGroup>> groups;
  std::vector<std::string> requests;
  std::vector<Measurement> measurements(targets.size());
  for (const auto& target : targets) {
    groups.push_back(std::make_unique<LoadGroup>(target.port, spec.concurrency, target.pid));
    requests.push_back(make_post(target.port, spec.path, target.headers + spec.headers, spec.body));
  }
  std::vector<double> connect_ms;
  for (auto& group : groups) connect_ms.push_back(group->connect_all());
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
  row.compare = spec.compare;
  for (size_t i = 0; i < targets.size(); ++i) {
    row.targets.push_back(to_row(targets[i].name, measurements[i]));
    row.targets.back().connect_ms = connect_ms[i];
    if (measure_rss && targets[i].pid > 0) row.targets.back().rss_kib = tree_rss_kib(targets[i].pid);
  }
  return row;
}

double idle_cpu_percent(const Target& target, int count, double seconds) {
  LoadGroup group(target.port, count, -1);
  group.connect_all();
  Measurement ignored;
  group.run(make_get(target.port, "/healthz"), SliceLimits{count, 5.0, 0}, ignored);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const double before = tree_cpu_us(target.pid);
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  const double after = tree_cpu_us(target.pid);
  return before < 0 || after < 0 ? -1 : (after - before) / (seconds * 1e6) * 100.0;
}

StreamHold hold_streams(const Target& target, int count, BenchUpstream& upstream) {
  StreamHold hold;
  const std::string request =
      make_post(target.port, "/v1/chat/completions", target.headers, chat_body(k_stall_marker, true));
  std::vector<std::unique_ptr<Connection>> connections;
  std::vector<std::thread> openers;
  std::vector<Exchange> results(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) connections.push_back(std::make_unique<Connection>(target.port, 12000));
  // Connect one by one first: a burst of connects is measured elsewhere (connect_all) and would
  // only add SYN retransmits here.
  const auto start = Clock::now();
  for (auto& connection : connections) {
    std::string ignored; // a failed connect shows up as the stream's error below
    connection->connect(ignored);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  for (size_t i = 0; i < connections.size(); ++i)
    openers.emplace_back([&, i] { results[i] = connections[i]->open_stream(request); });
  for (auto& opener : openers) opener.join();
  hold.open_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  for (const auto& result : results) {
    if (result.ok && result.status == 200)
      ++hold.opened;
    else if (hold.first_error.empty())
      hold.first_error = result.ok ? "HTTP " + std::to_string(result.status) : result.error;
  }
  for (int sample = 0; sample < 5; ++sample) {
    hold.rss_kib = std::max(hold.rss_kib, tree_rss_kib(target.pid));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const auto closed_at = Clock::now();
  for (auto& connection : connections) connection->close();
  const auto deadline = closed_at + std::chrono::milliseconds(k_cancel_wait_ms);
  while (upstream.stalled_streams() > 0 && Clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  if (upstream.stalled_streams() == 0)
    hold.cancel_ms = std::chrono::duration<double, std::milli>(Clock::now() - closed_at).count();
  // Whatever the gateway did, let the streams finish so it can stop without a drain wait.
  upstream.end_stalls();
  return hold;
}

} // namespace llmgw::bench
