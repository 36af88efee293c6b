#!/usr/bin/env bash
# Fails when BINARY needs a shared library outside the allowed list: libc (and the loader),
# libstdc++, libgcc_s, libm, OpenSSL (libssl, libcrypto), SQLite and libpq (the PostgreSQL store,
# with the Kerberos, LDAP and GnuTLS libraries Debian's libpq5 links). Everything else must be
# built in, so the binary runs on any system that has those.
#   --httplib-shared   also allow Debian's libcpp-httplib.so and what it links (zlib, brotli):
#                      Debian installs no header-only cpp-httplib (see cmake/third_party.cmake)
#   --sanitizers       also allow the ASan and UBSan runtimes (an LLMGW_SANITIZE build)
set -euo pipefail

usage() { echo "usage: packaging/check-ldd.sh [--httplib-shared] [--sanitizers] BINARY" >&2; exit 2; }
allowed='linux-vdso|linux-gate|ld-linux[^ ]*|libc|libstdc\+\+|libgcc_s|libm|libssl|libcrypto|libsqlite3'
allowed+='|libpq|libgssapi_krb5|libkrb5|libk5crypto|libcom_err|libkrb5support|libkeyutils|libresolv'
allowed+='|libldap(-[0-9.]+)?|liblber(-[0-9.]+)?|libsasl2|libgnutls|libp11-kit|libidn2|libunistring|libtasn1'
allowed+='|libnettle|libhogweed|libgmp|libffi'
# Older glibc keeps these outside libc.so.6; they are part of every glibc system.
allowed+='|libpthread|libdl|librt'
binary=""
for arg in "$@"; do
  case "$arg" in
    --httplib-shared) allowed+='|libcpp-httplib|libz|libbrotlicommon|libbrotlidec|libbrotlienc' ;;
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
if [[ -n "$bad" ]]; then
  echo "check-ldd: $binary needs libraries outside the allowed list:" >&2
  sed 's/^/  /' <<<"$bad" >&2
  echo "ldd says:" >&2
  echo "$listing" >&2
  exit 1
fi
echo "check-ldd: $binary needs only: $(tr '\n' ' ' <<<"$names")"
