#!/usr/bin/env bash
# The reference: what an administrator does today, by hand, to answer bootready's questions
# about an image root mounted at ROOT. bench/run times it beside bootready.
#
#   bench/reference.sh ROOT
#
# REFERENCE_CHROOT=1 asks the image's own python3 for its version (chroot: needs root, and
# runs the image's binary on the host); otherwise the version is read from the package
# database, as an administrator without chroot would.
set -u
root=${1:?usage: reference.sh ROOT}

echo "== operating system"
if [ -e "$root/etc/os-release" ]; then
    grep -E '^(ID|VERSION_ID|PRETTY_NAME)=' "$root/etc/os-release"
else
    cat "$root"/etc/*-release 2>/dev/null
fi

echo "== packages"
wanted=(cloud-init python3 ca-certificates openssl libssl-dev sudo)
if [ -f "$root/var/lib/dpkg/status" ]; then
    dpkg --root="$root" -s "${wanted[@]}" 2>&1 | grep -E '^(Package|Status|Version):|not installed'
elif command -v rpm >/dev/null; then
    rpm -q --root "$root" cloud-init python3 ca-certificates openssl-devel sudo
fi

echo "== python"
if [ "${REFERENCE_CHROOT:-0}" = 1 ]; then
    chroot "$root" /usr/bin/python3 -V
elif [ -f "$root/var/lib/dpkg/status" ]; then
    dpkg-query --admindir="$root/var/lib/dpkg" -W -f='python3 ${Version}\n' python3
elif command -v rpm >/dev/null; then
    rpm -q --root "$root" python3 python
fi

echo "== umask"
grep -E '^[[:space:]]*UMASK' "$root/etc/login.defs" 2>/dev/null
grep -rhsE '^[^#]*umask' "$root/etc/profile" "$root/etc/profile.d" "$root/etc/bash.bashrc" "$root/etc/bashrc"
umask

echo "== CA bundle: subject and expiry of every certificate"
for bundle in "$root/etc/ssl/certs/ca-certificates.crt" "$root/etc/pki/tls/certs/ca-bundle.crt"; do
    [ -f "$bundle" ] || continue
    split_dir=$(mktemp -d)
    awk -v dir="$split_dir" '/-----BEGIN CERTIFICATE-----/ { n++ } n { print > (dir "/" n ".pem") }' "$bundle"
    for cert in "$split_dir"/*.pem; do
        openssl x509 -in "$cert" -noout -subject -enddate -checkend 0 >/dev/null || echo "expired: $cert"
    done
    echo "$(ls "$split_dir" | wc -l) certificates in $bundle"
    rm -rf "$split_dir"
    break
done

echo "== cloud-init"
grep -hsE '^[[:space:]]*(datasource_list|disable_root|preserve_hostname|runcmd|- scripts-user|- \[? *scripts-user)' \
    "$root/etc/cloud/cloud.cfg" "$root"/etc/cloud/cloud.cfg.d/*.cfg
exit 0
