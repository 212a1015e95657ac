#!/usr/bin/env bash
# Re-creates tests/vendor/axe-core/ from the npm registry (`npm pack`, no install, no build
# step), pinned by version and checked by sha256. The files are committed; the tests only read
# axe.min.js from here and never download anything. Needs node/npm.
#   tests/vendor/axe-core/fetch.sh    # then review `git diff --stat tests/vendor`
set -euo pipefail
cd "$(dirname "$0")"
AXE=4.14.1
SHA256=29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c  # of axe.min.js

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "axe-core@$AXE" >/dev/null && tar xzf ./*.tgz)
echo "$SHA256  $tmp/package/axe.min.js" | sha256sum -c -
cp "$tmp/package/axe.min.js" "$tmp/package/LICENSE" "$tmp/package/LICENSE-3RD-PARTY.txt" .
echo "axe-core@$AXE" > VERSION
