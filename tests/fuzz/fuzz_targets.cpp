#include "tests/fuzz/fuzz_targets.hpp"

#include <cstdio>
#include <cstdlib>

namespace llmgw::fuzz {

using core::protocol::ApiFormat;

namespace {

struct Named {
  std::string_view name;
  Target target;
};

// Keep in step with targets.cmake.
constexpr Named k_targets[] = {
    {"json_scan", fuzz_json_scan},
    {"sse_parser", fuzz_sse_parser},
    {"header_lines", fuzz_header_lines},
    {"request_anthropic", [](std::string_view in) { fuzz_request(ApiFormat::anthropic, in); }},
    {"request_openai_chat", [](std::string_view in) { fuzz_request(ApiFormat::openai_chat, in); }},
    {"request_openai_responses", [](std::string_view in) { fuzz_request(ApiFormat::openai_responses, in); }},
    {"request_gemini", [](std::string_view in) { fuzz_request(ApiFormat::gemini, in); }},
    {"response_anthropic", [](std::string_view in) { fuzz_response(ApiFormat::anthropic, in); }},
    {"response_openai_chat", [](std::string_view in) { fuzz_response(ApiFormat::openai_chat, in); }},
    {"response_openai_responses", [](std::string_view in) { fuzz_response(ApiFormat::openai_responses, in); }},
    {"response_gemini", [](std::string_view in) { fuzz_response(ApiFormat::gemini, in); }},
    {"stream_anthropic", [](std::string_view in) { fuzz_stream(ApiFormat::anthropic, in); }},
    {"stream_openai_chat", [](std::string_view in) { fuzz_stream(ApiFormat::openai_chat, in); }},
    {"stream_openai_responses", [](std::string_view in) { fuzz_stream(ApiFormat::openai_responses, in); }},
    {"stream_gemini", [](std::string_view in) { fuzz_stream(ApiFormat::gemini, in); }},
};

} // namespace

Target find_target(std::string_view name) {
  for (const auto& named : k_targets)
    if (named.name == name) return named.target;
  return nullptr;
}

void require(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "fuzz contract broken: %s\n", what);
  std::abort();
}

} // namespace llmgw::fuzz
