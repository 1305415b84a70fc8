#!/usr/bin/env bash
# Builds (once) a real Debian 12 root filesystem with debootstrap and the real cloud-init
# package, for the tests that check a real system. Prints the root's path on stdout.
#
#   tests/system/debian-root.sh [CACHE_DIR]
#
# The root is cached under CACHE_DIR (default: target/fixture-cache) in a directory named
# for the package list, so changing the list builds a new one. Concurrent callers wait on a
# lock; the root appears atomically (built aside, then renamed). Needs root and debootstrap.
# Tests must never modify the cached root: copy it (cp -a) before changing anything.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${1:-$here/../../target/fixture-cache}
suite=bookworm
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
# debootstrap does not resolve virtual packages: python3-cffi-backend provides the
# python3-cffi-backend-api-* that python3-cryptography (a cloud-init dependency) needs.
packages=cloud-init,python3-cffi-backend,ca-certificates,libssl-dev,sudo
key=$(printf '%s %s' "$suite" "$packages" | sha256sum | cut -c1-12)
root=$cache/debian-$suite-$key

mkdir -p "$cache"
exec 9>"$cache/.debian-$suite.lock"
flock 9
if [ ! -f "$root/.bootready-complete" ]; then
    if ! command -v debootstrap >/dev/null; then
        echo "debian-root.sh: debootstrap is not installed (apt-get install debootstrap)" >&2
        exit 3
    fi
    work=$(mktemp -d "$cache/.building.XXXXXX")
    if ! debootstrap --variant=minbase --include="$packages" "$suite" "$work" "$mirror" >"$work.log" 2>&1; then
        echo "debian-root.sh: debootstrap failed; last lines of $work.log:" >&2
        tail -20 "$work.log" >&2
        exit 1
    fi
    # Drop the downloaded .debs: they are not part of an image and cost 100+ MB.
    rm -rf "$work"/var/cache/apt/archives/*.deb "$work.log"
    touch "$work/.bootready-complete"
    rm -rf "$root"
    mv "$work" "$root"
fi
echo "$root"
