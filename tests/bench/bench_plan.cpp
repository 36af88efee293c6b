#include "tests/bench/bench_plan.hpp"

#include "tests/bench/bench_upstream.hpp"

#include <algorithm>
#include <string>

namespace llmgw::bench {

namespace {
constexpr int k_stream_ms = (k_paced_events + 1) * k_paced_interval_ms;
} // namespace

std::vector<ScenarioSpec> scenario_specs(bool quick, int rounds) {
  const std::string small = chat_body("Say hello.", false);
  const std::string stream = chat_body("Say hello.", true);
  const std::string paced = chat_body(std::string("Tell a story. ") + k_paced_marker, true);
  const std::string large = chat_body(std::string(500 * 1000, 'x'), false);
  std::vector<ScenarioSpec> specs;
  for (int concurrency : {1, 8, 64})
    specs.push_back({k_small, concurrency, "/v1/chat/completions", small, Compare::latency, rounds,
                     SliceLimits{quick ? 50 : 2000, 0.3, 0},
                     SliceLimits{quick ? 150 : 10000000, quick ? 2.0 : 0.75, 0}});
  // The same at concurrency 8 with the headers a real SDK sends: the gateway reads and forwards
  // every one of them.
  specs.push_back({"small, OpenAI SDK headers", 8, "/v1/chat/completions", small, Compare::latency, rounds,
                   SliceLimits{quick ? 50 : 2000, 0.3, 0}, SliceLimits{quick ? 150 : 10000000, quick ? 2.0 : 0.75, 0},
                   k_sdk_headers});
  // And with the two dozen headers OpenAI's API answers with: the gateway parses every one and
  // forwards most of them to the client.
  specs.push_back({k_provider_headers, 8, "/v1/chat/completions",
                   chat_body(std::string("Say hello. ") + k_provider_headers_marker, false), Compare::latency, rounds,
                   SliceLimits{quick ? 50 : 2000, 0.3, 0}, SliceLimits{quick ? 150 : 10000000, quick ? 2.0 : 0.75, 0}});
  for (int concurrency : {1, 8})
    specs.push_back({"streaming", concurrency, "/v1/chat/completions", stream, Compare::first_byte, rounds,
                     SliceLimits{quick ? 20 : 100, 0.5, 0}, SliceLimits{quick ? 60 : 125, 5.0, 0}});
  // A stream lasts ~210 ms: concurrency 32 does ~150 streams a second, concurrency 1 ~5. The 32
  // clients start spread over one stream's length, as independent agents would.
  specs.push_back({k_paced, 1, "/v1/chat/completions", paced, Compare::first_event, quick ? 1 : std::min(rounds, 3),
                   SliceLimits{1, 1.0, 0}, SliceLimits{quick ? 4 : 10, 3.0, 0}});
  specs.push_back({k_paced, 32, "/v1/chat/completions", paced, Compare::first_event, rounds,
                   SliceLimits{32, 1.0, 0, k_stream_ms},
                   SliceLimits{quick ? 64 : 10000000, quick ? 1.0 : 1.5, 0, k_stream_ms}});
  specs.push_back({k_large_body, 1, "/v1/chat/completions", large, Compare::latency, rounds,
                   SliceLimits{quick ? 3 : 10, 1.0, 0}, SliceLimits{quick ? 20 : 50, 5.0, 0}});
  specs.push_back({"sparse (20 ms apart)", 1, "/v1/chat/completions", small, Compare::latency,
                   quick ? 1 : std::max(1, rounds / 2), SliceLimits{3, 1.0, 20},
                   SliceLimits{quick ? 15 : 50, 3.0, 20}});
  return specs;
}

std::vector<ScenarioSpec> sweep_specs(bool quick, int rounds) {
  const double slice_seconds = quick ? 0.15 : 0.6;
  const int sweep_rounds = quick ? 1 : std::min(rounds, 2);
  std::vector<ScenarioSpec> specs;
  const std::string small = chat_body("Say hello.", false);
  for (int concurrency : {1, 4, 16, 64, 256})
    specs.push_back({"sweep: small", concurrency, "/v1/chat/completions", small, Compare::latency, sweep_rounds,
                     SliceLimits{std::max(20, 2 * concurrency), 0.2, 0}, SliceLimits{10000000, slice_seconds, 0}});
  const std::string envelope = chat_body("", false);
  for (const auto& [label, bytes] :
       {std::pair<const char*, size_t>{"1 KB", 1000}, {"16 KB", 16000}, {"256 KB", 256000}, {"2 MB", 2000000}})
    for (int concurrency : {1, 8})
      specs.push_back({std::string("sweep: body ") + label, concurrency, "/v1/chat/completions",
                       chat_body(std::string(bytes - envelope.size(), 'x'), false), Compare::latency, sweep_rounds,
                       SliceLimits{std::max(5, 2 * concurrency), 0.2, 0}, SliceLimits{10000000, slice_seconds, 0}});
  return specs;
}

} // namespace llmgw::bench
