#!/bin/sh
# Builds llmgw and the benchmark in Release and runs the full benchmark (about 2 minutes).
# Usage: tests/bench/run.sh [llmgw_bench options]
#   --pin             load and fake provider on CPU 0, llmgw and nginx on CPU 1: the conditions
#                     issue 20's targets (ratios to nginx) are stated for; recommended
#   --quick           a short run that only checks every measurement is taken
#   --sweep           concurrency 1-256 and bodies 1 KB-2 MB instead of the scenarios (~1-2 min)
#   --compare OLD     also measure the llmgw binary OLD (target llmgw-old), alternating with the new
#                     one slice by slice; --rounds N sets the slices per target (default 4)
#   --only TEXT, --caps, --no-nginx, --json FILE: see `llmgw_bench --help`
# BUILD_DIR overrides the build directory (default build-bench); JOBS the build parallelism (2).
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD_DIR:-$root/build-bench}
jobs=${JOBS:-2}
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DLLMGW_TESTS=ON -DLLMGW_SANITIZE=OFF >/dev/null
cmake --build "$build" -j "$jobs" --target llmgw llmgw_bench llmgw_ledger_bench >&2
if [ -n "$(awk '$1 > 1.0 { print }' /proc/loadavg)" ]; then
  echo "run.sh: warning: load average is $(cut -d' ' -f1-3 /proc/loadavg); numbers will be noisy" >&2
fi
case " $* " in
*" --pin "*) ;;
*) if [ "$(nproc)" -ge 2 ]; then echo "run.sh: note: add --pin to measure as issue 20's targets are stated" >&2; fi ;;
esac
exec "$build/tests/bench/llmgw_bench" --llmgw "$build/llmgw" "$@"
