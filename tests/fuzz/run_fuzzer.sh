#!/usr/bin/env bash
# Runs one fuzzer for ctest: usage run_fuzzer.sh <fuzzer> <seed corpus dir> <work dir>.
# LLMGW_FUZZ_SECONDS (default 30) seconds of fuzzing starting from the seed corpus and the inputs
# earlier runs kept in <work dir>/corpus; 0 only replays the seed corpus. A crash, leak, timeout
# or broken contract fails the test; libFuzzer saves the input in <work dir>/artifacts/.
set -euo pipefail
fuzzer=$1
seeds=$2
work=$3
seconds=${LLMGW_FUZZ_SECONDS:-30}
mkdir -p "$work/corpus" "$work/artifacts"
# -timeout: one input taking this long is a hang; -rss_limit_mb: beyond this, runaway memory.
options=(-artifact_prefix="$work/artifacts/" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1)
if [[ "$seconds" == 0 ]]; then
  exec "$fuzzer" "${options[@]}" "$seeds"/*
fi
exec "$fuzzer" "${options[@]}" -max_total_time="$seconds" "$work/corpus" "$seeds"
