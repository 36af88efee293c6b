#!/usr/bin/env bash
# Regenerates httplib.cc: upstream's split.py run on httplib.h of the tag in VERSION, with the
# patches of this folder applied first (those Debian applies to its libcpp-httplib package).
# Usage: core/third_party/cpp-httplib/regenerate.sh CPP_HTTPLIB_GIT_CHECKOUT
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="${1:?usage: regenerate.sh CPP_HTTPLIB_GIT_CHECKOUT}"
tag="v$(cat "$here/VERSION")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
git -C "$repo" show "$tag:httplib.h" >"$work/httplib.h"
git -C "$repo" show "$tag:split.py" >"$work/split.py"
git -C "$repo" show "$tag:LICENSE" >"$here/LICENSE"
for patch in "$here"/*.patch; do
  [[ -e "$patch" ]] && patch -s -d "$work" -p1 <"$patch"
done
(cd "$work" && python3 ./split.py -o out >/dev/null)
cp "$work/out/httplib.cc" "$here/httplib.cc"
# The declarations half must be what the distribution installs as httplib.h.
if [[ -f /usr/include/httplib.h ]] && ! cmp -s "$work/out/httplib.h" /usr/include/httplib.h; then
  echo "regenerate: note: the split header differs from /usr/include/httplib.h" >&2
fi
echo "regenerate: httplib.cc of cpp-httplib $tag written"
