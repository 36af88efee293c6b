// The libFuzzer entry point of one target, named at build time by LLMGW_FUZZ_TARGET.
#include "tests/fuzz/fuzz_targets.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const llmgw::fuzz::Target target = [] {
    auto found = llmgw::fuzz::find_target(LLMGW_FUZZ_TARGET);
    if (found == nullptr) {
      std::fprintf(stderr, "no fuzz target named %s\n", LLMGW_FUZZ_TARGET);
      std::abort();
    }
    return found;
  }();
  target(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
