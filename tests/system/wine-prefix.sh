#!/usr/bin/env bash
# Builds (once) a 64-bit Wine prefix for running bootready.exe under Wine. Prints its path.
#
#   tests/system/wine-prefix.sh [CACHE_DIR]
#
# Cached under CACHE_DIR (default: target/fixture-cache) in a directory named for the Wine
# version; concurrent callers wait on a lock; the prefix appears atomically (built aside, then
# renamed). Tests must never change the cached prefix: copy it (cp -a) and change the copy.
# Needs wine (apt: wine wine64).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${1:-$here/../../target/fixture-cache}
if ! command -v wine >/dev/null; then
    echo "wine-prefix.sh: wine is not installed (apt-get install wine wine64)" >&2
    exit 3
fi
version=$(wine --version 2>/dev/null | head -n1 | tr -c 'A-Za-z0-9.\n-' '_')
prefix=$cache/wine-prefix-$version

mkdir -p "$cache"
exec 9>"$cache/.wine-prefix.lock"
flock 9
if [ ! -f "$prefix/.bootready-complete" ]; then
    work=$(mktemp -d "$cache/.building-wine.XXXXXX")
    # No Mono or Gecko installers (they would prompt); no display needed.
    if ! WINEPREFIX=$work WINEARCH=win64 WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=" \
        wineboot --init >"$work.log" 2>&1; then
        echo "wine-prefix.sh: wineboot failed; last lines of $work.log:" >&2
        tail -20 "$work.log" >&2
        exit 1
    fi
    # Wait for this prefix's wineserver to write the registry and exit.
    WINEPREFIX=$work wineserver -w
    rm -f "$work.log"
    touch "$work/.bootready-complete"
    rm -rf "$prefix"
    mv "$work" "$prefix"
fi
echo "$prefix"
