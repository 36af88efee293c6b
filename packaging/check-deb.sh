#!/usr/bin/env bash
# Builds the Debian package and checks it installed: a Release llmgw (-O2, no tests, precompiled
# headers) in build-deb, `cpack -G DEB`, `dpkg -i` (as root, or with sudo -n without a terminal),
# then /usr/bin/llmgw --version, the man page, the shell completions, the systemd user unit and
# the libraries the installed binary needs (packaging/check-ldd.sh). Leaves the package installed.
set -euo pipefail
cd "$(dirname "$0")/.."

build=build-deb
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release "-DCMAKE_CXX_FLAGS_RELEASE=-O2 -DNDEBUG" -DLLMGW_TESTS=OFF -DLLMGW_UNITY=ON \
  -DLLMGW_PCH=ON >"$build.configure.log" 2>&1 || { cat "$build.configure.log" >&2; exit 1; }
rm -f "$build.configure.log"
cmake --build "$build" -j"$(nproc)" --target llmgw llmgw_generated_docs
rm -f "$build"/llmgw_*.deb
(cd "$build" && cpack -G DEB >/dev/null)
debs=("$build"/llmgw_*.deb)
[[ ${#debs[@]} == 1 && -f "${debs[0]}" ]] || { echo "check-deb: cpack made no single .deb" >&2; exit 1; }
deb="${debs[0]}"
version="$(dpkg-deb -f "$deb" Version)"
echo "check-deb: $deb ($(du -k "$deb" | cut -f1) KB), Depends: $(dpkg-deb -f "$deb" Depends)"

sudo=()
if [[ "$(id -u)" != 0 ]]; then
  command -v sudo >/dev/null || { echo "check-deb: need root or sudo to run dpkg -i" >&2; exit 1; }
  if [[ -t 0 ]]; then sudo=(sudo); else sudo=(sudo -n); fi
fi
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive dpkg -i "$deb" >/dev/null

fail() { echo "check-deb: $*" >&2; exit 1; }
contents="$(dpkg-deb -c "$deb")"
# In the package, and installed (unless dpkg's path-exclude, as in slim Docker images, skipped it).
check_file() {
  grep -q " \./${1#/}\$" <<<"$contents" || fail "$1 is not in the package"
  if [[ ! -s "$1" ]]; then
    grep -qs "^path-exclude" /etc/dpkg/dpkg.cfg.d/* || fail "$1 was not installed"
    echo "check-deb: $1 not installed (dpkg path-exclude): checked in the package only" >&2
  fi
}
[[ "$(/usr/bin/llmgw --version)" == "llmgw $version" ]] || fail "/usr/bin/llmgw --version is not 'llmgw $version'"
check_file /usr/share/man/man1/llmgw.1
if command -v man >/dev/null && [[ -s /usr/share/man/man1/llmgw.1 ]]; then
  [[ "$(man -w llmgw)" == /usr/share/man/man1/llmgw.1* ]] || fail "man -w llmgw does not find the installed page"
fi
check_file /usr/lib/systemd/user/llmgw.service
grep -q '^ExecStart=/usr/bin/llmgw serve$' /usr/lib/systemd/user/llmgw.service || fail "the unit does not run /usr/bin/llmgw serve"
if /usr/bin/llmgw completion bash >/dev/null 2>&1; then
  check_file /usr/share/bash-completion/completions/llmgw
  check_file /usr/share/zsh/vendor-completions/_llmgw
  check_file /usr/share/fish/vendor_completions.d/llmgw.fish
else
  echo "check-deb: this llmgw has no 'completion' subcommand: completions not checked" >&2
fi
# cpp-httplib built in, libpq loaded only for a postgres:// store: neither is a dependency.
dpkg-deb -f "$deb" Depends | grep -Eq 'libcpp-httplib|libpq' && fail "Depends names libcpp-httplib or libpq"
dpkg-deb -f "$deb" Recommends | grep -q libpq5 || fail "Recommends does not name libpq5"
bash packaging/check-ldd.sh /usr/bin/llmgw
echo "check-deb: llmgw $version installed from $deb: binary, man page, unit and libraries checked"
