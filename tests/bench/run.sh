#!/bin/sh
# Builds llmgw and the benchmark in Release and runs the full benchmark (about 1-2 minutes).
# Usage: tests/bench/run.sh [llmgw_bench options, e.g. --json results.json | --quick | --no-nginx]
# BUILD_DIR overrides the build directory (default build-bench); JOBS the build parallelism (2).
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD_DIR:-$root/build-bench}
jobs=${JOBS:-2}
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DLLMGW_TESTS=ON -DLLMGW_SANITIZE=OFF >/dev/null
cmake --build "$build" -j "$jobs" --target llmgw llmgw_bench >&2
if [ -n "$(awk '$1 > 1.0 { print }' /proc/loadavg)" ]; then
  echo "run.sh: warning: load average is $(cut -d' ' -f1-3 /proc/loadavg); numbers will be noisy" >&2
fi
exec "$build/tests/bench/llmgw_bench" --llmgw "$build/llmgw" "$@"
