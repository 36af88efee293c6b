#!/usr/bin/env bash
# Installs what llmgw needs on Debian 12: the build dependencies and, with --test, what the tests
# and the benchmark use (clang with libFuzzer for the fuzzers, nginx, wrk, chromium, node/npm and
# the e2e npm packages). Idempotent: installs only
# what is missing, runs `apt-get update` at most once, uses sudo only when not root. Works without
# a tty (CI=true).
set -euo pipefail
cd "$(dirname "$0")/.."

with_tests=0
for arg in "$@"; do
  case "$arg" in
    --test) with_tests=1 ;;
    *) echo "usage: packaging/setup-deps.sh [--test]" >&2; exit 2 ;;
  esac
done

packages=(build-essential cmake pkg-config ccache libcpp-httplib-dev libcli11-dev nlohmann-json3-dev
          libsqlite3-dev libtomlplusplus-dev doctest-dev libssl-dev sqlite3)
if ((with_tests)); then
  # libFuzzer ships in compiler-rt (libclang-rt-dev), which clang only recommends.
  packages+=(clang libclang-rt-dev clang-format nginx-light wrk)
  # zsh and fish: `zsh -n` / `fish -n` check the scripts of `llmgw completion` (skipped without them).
  packages+=(zsh fish)
  # The dashboard's e2e test drives Debian's Chromium with playwright-core (never its own download).
  packages+=(chromium)
  # promtool (in Debian's prometheus package) checks the /metrics scrape in the integration tests.
  packages+=(prometheus)
  # A working node (e.g. from NodeSource, which bundles npm) must not be replaced by Debian's.
  node --version >/dev/null 2>&1 || packages+=(nodejs)
  npm --version >/dev/null 2>&1 || packages+=(npm)
fi

is_installed() {
  [[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" == installed ]]
}

missing=()
for package in "${packages[@]}"; do
  is_installed "$package" || missing+=("$package")
done

if ((${#missing[@]} > 0)); then
  sudo=()
  if [[ "$(id -u)" != 0 ]]; then
    command -v sudo >/dev/null || { echo "setup-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    # Without a terminal sudo cannot ask for a password: fail at once instead of hanging.
    if [[ -t 0 ]]; then sudo=(sudo); else sudo=(sudo -n); fi
  fi
  echo "setup-deps: installing ${missing[*]}" >&2
  apt_env=(env DEBIAN_FRONTEND=noninteractive)
  "${sudo[@]}" "${apt_env[@]}" apt-get -q update
  "${sudo[@]}" "${apt_env[@]}" apt-get -q install -y --no-install-recommends -o Dpkg::Use-Pty=0 "${missing[@]}"
fi

if ((with_tests)); then
  cd tests/e2e
  # Skip npm when the installed tree already satisfies package.json: `npm ci` would wipe
  # node_modules and need the registry on every run.
  if [[ -d node_modules ]] && npm ls --silent >/dev/null 2>&1; then
    :
  elif [[ -f package-lock.json ]]; then
    echo "setup-deps: npm ci in tests/e2e" >&2
    npm ci --no-audit --no-fund --loglevel=error
  else
    echo "setup-deps: npm install in tests/e2e" >&2
    npm install --no-audit --no-fund --loglevel=error
  fi
fi
