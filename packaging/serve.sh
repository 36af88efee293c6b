#!/usr/bin/env bash
# Sets everything up and runs the gateway: installs missing build dependencies, builds a release
# llmgw in build/, then execs `llmgw serve` with the given arguments. Set-up output goes to stderr.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

bash "$root/packaging/setup-deps.sh" >&2
cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=Release -DLLMGW_TESTS=OFF >&2
cmake --build "$root/build" --target llmgw -j"$(nproc)" >&2
exec "$root/build/llmgw" serve "$@"
