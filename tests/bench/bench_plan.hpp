#pragma once
// What the benchmark runs: the scenario list of a normal run and the points of --sweep.
#include "tests/bench/bench_scenarios.hpp"

#include <vector>

namespace llmgw::bench {

inline constexpr const char* k_small = "small non-streaming";
// The headers the OpenAI SDK for Node sends with every request (CLIENTS.md), beside the token.
inline constexpr const char* k_sdk_headers = "Accept: application/json\r\n"
                                             "User-Agent: OpenAI/JS 4.104.0\r\n"
                                             "X-Stainless-Lang: js\r\n"
                                             "X-Stainless-Package-Version: 4.104.0\r\n"
                                             "X-Stainless-OS: Linux\r\n"
                                             "X-Stainless-Arch: x64\r\n"
                                             "X-Stainless-Runtime: node\r\n"
                                             "X-Stainless-Runtime-Version: v20.19.2\r\n"
                                             "X-Stainless-Retry-Count: 0\r\n"
                                             "X-Stainless-Timeout: 600\r\n"
                                             "Accept-Encoding: gzip,deflate\r\n"
                                             "Accept-Language: *\r\n"
                                             "Sec-Fetch-Mode: cors\r\n";
inline constexpr const char* k_provider_headers = "small, OpenAI's answer headers";
inline constexpr const char* k_paced = "paced stream (20 x 10 ms)";
inline constexpr const char* k_large_body = "500 KB request body";

// The scenarios of a normal run; quick keeps every scenario but shrinks its request budget.
std::vector<ScenarioSpec> scenario_specs(bool quick, int rounds);

// --sweep: small requests at concurrency 1, 4, 16, 64 and 256, then bodies of 1 KB, 16 KB,
// 256 KB and 2 MB at concurrency 1 and 8, each in short slices (about a minute in all with three
// targets; quick: a few seconds).
std::vector<ScenarioSpec> sweep_specs(bool quick, int rounds);

} // namespace llmgw::bench
