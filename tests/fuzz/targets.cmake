# The fuzz targets: a binary fuzz_<name> each in the fuzz build (tests/fuzz/CMakeLists.txt), a
# ctest "fuzz: <name>" each in the main build (tests/CMakeLists.txt), a seed corpus each in
# tests/fuzz/corpus/<name>. Keep in step with k_targets in fuzz_targets.cpp.
set(LLMGW_FUZZ_TARGETS
  json_scan sse_parser header_lines
  request_anthropic request_openai_chat request_openai_responses request_gemini
  response_anthropic response_openai_chat response_openai_responses response_gemini
  stream_anthropic stream_openai_chat stream_openai_responses stream_gemini)
