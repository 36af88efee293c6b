#!/usr/bin/env bash
# The one test command: installs missing dependencies, builds everything in build-ci with
# AddressSanitizer/UBSan and -Werror and the fuzzers in build-fuzz (clang, libFuzzer), builds,
# installs and checks the .deb (packaging/check-deb.sh), runs every test through ctest, each
# fuzzer included, and exits with its status (the ctest summary is the last thing printed).
# LLMGW_FUZZ_SECONDS sets how long each fuzzer runs (here 15 s each, 15 fuzzers on the two cores;
# 0: replay the seed corpus only).
set -euo pipefail
cd "$(dirname "$0")/.."

bash packaging/setup-deps.sh --test

# Stop at the first sanitizer report and fail the test; leaks fail it too. Callers may override.
export ASAN_OPTIONS="${ASAN_OPTIONS:-halt_on_error=1:detect_leaks=1:check_initialization_order=1:detect_stack_use_after_return=1}"
export LLMGW_FUZZ_SECONDS="${LLMGW_FUZZ_SECONDS:-15}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"

# RelWithDebInfo: the configuration everyone builds locally, so CI sees the same -Werror warnings
# (several only appear with optimisation), and the sanitized tests run faster than at -O0.
# -g1 instead of -g: line tables only (no local variables, nobody runs a debugger on CI), which
# keeps function:file:line, inlined frames included, in sanitizer stack traces and makes the
# compile much cheaper. Debug info never changes code generation, so the warnings are the same.
# LLMGW_UNITY: llmgw's own libraries compiled 8 files per translation unit (about half the
# compiler time of the sanitized -O2 build; a name two files of one batch both define fails it,
# which also keeps file-local helpers from being written twice).
# ctest also runs the fuzzers of build-fuzz (built below), one test "fuzz: <target>" each.
cmake -S . -B build-ci -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLLMGW_SANITIZE=ON -DLLMGW_WERROR=ON -DLLMGW_TESTS=ON -DLLMGW_UNITY=ON \
  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG" "-DLLMGW_FUZZ_DIR=$PWD/build-fuzz"
cmake --build build-ci -j"$(nproc)"

# The fuzzers: only the translation code, the protocol helpers, the SSE parser and the header maps, built by clang
# with libFuzzer, ASan and UBSan (-O1: fuzzing wants many cheap runs more than fast code).
cmake -S . -B build-fuzz -DCMAKE_CXX_COMPILER=clang++ -DLLMGW_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DLLMGW_WERROR=ON "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only -DNDEBUG"
cmake --build build-fuzz -j"$(nproc)"

# The Debian package: a Release llmgw alone in build-deb, cpack, dpkg -i, then the installed
# binary, man page, completions, systemd unit and libraries checked. A failure fails the run, after
# ctest has run and printed its summary.
deb_status=0
bash packaging/check-deb.sh || deb_status=$?

status=0
ctest --test-dir build-ci --output-on-failure -j2 || status=$?
if ((deb_status != 0)); then
  echo "packaging/check-deb.sh failed (exit status $deb_status)" >&2
  ((status != 0)) || status=$deb_status
fi
exit "$status"
