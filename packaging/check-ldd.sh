#!/usr/bin/env bash
# Fails when BINARY needs a shared library outside the allowed list: the loader (and the vDSO),
# libc, libm, libgcc_s, libstdc++, OpenSSL (libssl, libcrypto) and SQLite, plus what those link
# themselves (checked: every further line must be a dependency of an allowed library). cpp-httplib
# and toml++ are built in, and libpq is loaded only when a postgres:// store is opened (dlopen):
# neither may appear here.
#   --sanitizers       also allow the ASan and UBSan runtimes (an LLMGW_SANITIZE build)
set -euo pipefail

usage() { echo "usage: packaging/check-ldd.sh [--sanitizers] BINARY" >&2; exit 2; }
allowed='linux-vdso|linux-gate|ld-linux[^ ]*|libc|libm|libgcc_s|libstdc\+\+|libssl|libcrypto|libsqlite3'
# Older glibc keeps these outside libc.so.6; they are part of every glibc system.
allowed+='|libpthread|libdl|librt'
binary=""
for arg in "$@"; do
  case "$arg" in
    --sanitizers) allowed+='|libasan|libubsan' ;;
    -*) usage ;;
    *) binary="$arg" ;;
  esac
done
[[ -n "$binary" && -x "$binary" ]] || usage

listing="$(ldd "$binary")" || { echo "check-ldd: ldd failed on $binary" >&2; exit 1; }
# "libfoo.so.1 => /path (0x...)" or "/lib64/ld-linux-x86-64.so.2 (0x...)": the name before .so
names="$(sed -E 's/^[[:space:]]*//; s/ .*//; s#.*/##' <<<"$listing")"
bad="$(grep -Ev "^(${allowed})\.so(\.[0-9]+)*$" <<<"$names" || true)"
# A library outside the list passes only when an allowed library the binary needs links it itself
# (say zlib under an OpenSSL built with it): ldd lists indirect dependencies too.
direct="$(objdump -p "$binary" 2>/dev/null | awk '$1 == "NEEDED" { print $2 }')"
[[ -n "$direct" ]] || { echo "check-ldd: cannot read the NEEDED entries of $binary (objdump)" >&2; exit 1; }
indirect=""
while read -r name; do
  [[ -n "$name" ]] || continue
  path="$(awk -v n="$name" '$1 == n && $2 == "=>" { print $3 }' <<<"$listing")"
  if [[ -n "$path" && -e "$path" ]]; then
    indirect+="$(ldd "$path" | sed -E 's/^[[:space:]]*//; s/ .*//; s#.*/##')"$'\n'
  fi
done < <(grep -E "^(${allowed})\.so(\.[0-9]+)*$" <<<"$direct" || true)
unexplained=""
while read -r name; do
  [[ -z "$name" ]] && continue
  if grep -qxF "$name" <<<"$direct" || ! grep -qxF "$name" <<<"$indirect"; then unexplained+="$name"$'\n'; fi
done <<<"$bad"
if [[ -n "$unexplained" ]]; then
  echo "check-ldd: $binary needs libraries outside the allowed list:" >&2
  sed '/^$/d; s/^/  /' <<<"$unexplained" >&2
  echo "ldd says:" >&2
  echo "$listing" >&2
  exit 1
fi
echo "check-ldd: $binary needs only: $(tr '\n' ' ' <<<"$names")"
