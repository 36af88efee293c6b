#!/usr/bin/env bash
# The one test command: installs missing dependencies, builds everything in build-ci with
# AddressSanitizer/UBSan and -Werror, runs every test through ctest and exits with its status
# (the ctest summary is the last thing printed).
set -euo pipefail
cd "$(dirname "$0")/.."

bash packaging/setup-deps.sh --test

# Stop at the first sanitizer report and fail the test; leaks fail it too. Callers may override.
export ASAN_OPTIONS="${ASAN_OPTIONS:-halt_on_error=1:detect_leaks=1:check_initialization_order=1:detect_stack_use_after_return=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"

# RelWithDebInfo: the configuration everyone builds locally, so CI sees the same -Werror warnings
# (several only appear with optimisation), and the sanitized tests run faster than at -O0.
# -g1 instead of -g: line tables only (no local variables, nobody runs a debugger on CI), which
# keeps function:file:line, inlined frames included, in sanitizer stack traces and makes the
# compile much cheaper. Debug info never changes code generation, so the warnings are the same.
cmake -S . -B build-ci -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLLMGW_SANITIZE=ON -DLLMGW_WERROR=ON -DLLMGW_TESTS=ON \
  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG"
cmake --build build-ci -j"$(nproc)"

status=0
ctest --test-dir build-ci --output-on-failure -j2 || status=$?
exit "$status"
