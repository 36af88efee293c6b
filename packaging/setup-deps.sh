#!/usr/bin/env bash
# Installs what llmgw needs on Debian 12 (and, with Homebrew, on macOS): the build dependencies
# and, with --test, what the tests and the benchmark use (clang with libFuzzer for the fuzzers,
# nginx, wrk, chromium, promtool, zsh and fish, node/npm and the e2e npm packages). Idempotent: installs only
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

# macOS: Homebrew's packages of the same libraries (no test dependencies: the test suite and CI
# run on Debian). Other systems: say what to install.
if [[ "$(uname -s)" == Darwin ]]; then
  command -v brew >/dev/null || { echo "setup-deps: install Homebrew first (https://brew.sh)" >&2; exit 1; }
  brew_packages=(cmake pkgconf cli11 nlohmann-json cpp-httplib tomlplusplus sqlite libpq openssl@3)
  ((with_tests)) && brew_packages+=(doctest)
  missing=()
  for package in "${brew_packages[@]}"; do
    brew list --versions "$package" >/dev/null 2>&1 || missing+=("$package")
  done
  if ((${#missing[@]} > 0)); then
    echo "setup-deps: brew install ${missing[*]}" >&2
    brew install "${missing[@]}"
  fi
  exit 0
fi
if ! command -v apt-get >/dev/null || ! command -v dpkg-query >/dev/null; then
  echo "setup-deps: this script knows Debian/Ubuntu (apt-get) and macOS (Homebrew) only." >&2
  echo "setup-deps: install with your package manager: a C++20 compiler, cmake >= 3.25, pkg-config," >&2
  echo "  CLI11, nlohmann/json, cpp-httplib (>= 0.11), toml++ (3.x), SQLite 3, libpq, OpenSSL 3 (and doctest" >&2
  echo "  for the tests), then build as the README says under \"From source\"." >&2
  exit 1
fi

packages=(build-essential cmake pkg-config ccache libcpp-httplib-dev libcli11-dev nlohmann-json3-dev
          libsqlite3-dev libpq-dev libtomlplusplus-dev doctest-dev libssl-dev sqlite3)
if ((with_tests)); then
  # libFuzzer ships in compiler-rt (libclang-rt-dev), which clang only recommends.
  packages+=(clang libclang-rt-dev clang-format nginx-light wrk groff-base)
  # zsh and fish: `zsh -n` / `fish -n` check the scripts of `llmgw completion` (skipped without them).
  packages+=(zsh fish)
  # The dashboard's e2e test drives Debian's Chromium with playwright-core (never its own download).
  packages+=(chromium)
  # promtool (in Debian's prometheus package) checks the /metrics scrape in the integration tests.
  packages+=(prometheus)
  # The PostgreSQL store's tests run a throwaway cluster (tests/support/pg_cluster.sh).
  packages+=(postgresql)
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
