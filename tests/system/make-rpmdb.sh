#!/usr/bin/env bash
# Generates the RPM package databases committed under tests/fixtures/<image>/, with the real
# `rpm` tool (Debian's rpm 4.18) and, for the Berkeley DB ones, the real libdb (python3-bsddb3).
#
#   tests/system/make-rpmdb.sh [FIXTURES_DIR]      (default: tests/fixtures)
#
# For each image it writes a tiny spec file per package with the package's real Name, Epoch,
# Version, Release and BuildArch (as shipped in that release of the distribution), builds it
# with `rpmbuild -bb` (the payload is empty: the database is what the tests read), and records
# it in a fresh database with `rpm --root R --justdb --nodeps -i`. rpm 4.18 writes only sqlite
# (`rpmdb.sqlite`, the format of RHEL 9, Rocky 9, Fedora); CentOS/RHEL 6-8 and Amazon Linux 2
# keep a Berkeley DB hash file `Packages`. For those, the header blobs rpm wrote are copied
# into a DB_HASH database, keyed by the header number in host byte order exactly as rpm's bdb
# backend does (plus rpm's key 0 holding the highest header number), and the result is proved
# to read back with `rpm --define '_db_backend bdb_ro' -qa`.
#
# rpm records each package's install time (RPMTAG_INSTALLTIME) from the clock; `faketime`
# runs it at a date in the life of each release, after the updates its package list names, so
# the databases date their images as real ones do (the image-age check reads those times).
#
# Needs: rpm (rpmbuild), sqlite3, python3-bsddb3 (Debian's /usr/bin/python3), faketime.
set -euo pipefail
export TZ=UTC
out=$(cd "${1:-$(dirname "$0")/../fixtures}" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pybin=/usr/bin/python3 # Debian's python3, which has the bsddb3 module
# Names of standard-library modules (from Debian's python3), for the python packages' file lists.
modules=(/usr/lib/python3.*/*.py)
modules=("${modules[@]:0:200}")
stdlib="${modules[*]##*/}"

# build_rpm NAME EPOCH VERSION RELEASE ARCH SUMMARY: prints the path of the built rpm.
build_rpm() {
    local name=$1 epoch=$2 version=$3 release=$4 arch=$5 summary=$6
    local top=$work/build spec=$work/$name-$version-$release.spec
    mkdir -p "$top"
    {
        echo "Name: $name"
        [ "$epoch" != 0 ] && echo "Epoch: $epoch"
        echo "Version: $version"
        echo "Release: $release"
        echo "Summary: $summary"
        echo "License: GPLv2+"
        echo "Group: System Environment/Base"
        [ "$arch" = noarch ] && echo "BuildArch: noarch"
        echo
        echo "%description"
        echo "$summary. Test fixture for bootready: empty payload, real name and version."
        echo
        # The interpreter packages get a real-sized file list (empty files named after the
        # standard library's modules), so their headers span several database pages, as
        # real ones do: this exercises Berkeley DB overflow chains and sqlite overflow pages.
        case $name in python | python-libs | python3)
            local lib=/usr/lib64/python${version%.*}
            echo "%install"
            echo "mkdir -p %{buildroot}$lib"
            echo "cd %{buildroot}$lib && touch $stdlib"
            echo
            echo "%files"
            echo "$lib"
            ;;
        *) echo "%files" ;;
        esac
    } >"$spec"
    rpmbuild --quiet -bb --nodeps --target "$arch" \
        --define "_topdir $top" --define "_build_id_links none" \
        --define "_binary_payload w9.gzdio" "$spec" >/dev/null 2>"$work/rpmbuild.log" || {
        cat "$work/rpmbuild.log" >&2
        exit 1
    }
    ls "$top/RPMS/$arch/$name-$version-$release.$arch.rpm"
}

# make_sqlite ROOT DBPATH PKG...: installs the packages (NAME:EPOCH:VERSION:RELEASE:ARCH) into
# ROOT's database at DBPATH (sqlite), checkpointed, with the empty -wal rpm leaves beside it.
make_sqlite() {
    local root=$1 dbpath=$2
    shift 2
    mkdir -p "$root$dbpath"
    rpm --root "$root" --dbpath "$dbpath" --define '_db_backend sqlite' --initdb
    local spec name epoch version release arch rpms=()
    for spec in "$@"; do
        IFS=: read -r name epoch version release arch <<<"$spec"
        rpms+=("$(build_rpm "$name" "$epoch" "$version" "$release" "$arch" "$name")")
    done
    faketime "$installed_at" rpm --root "$root" --dbpath "$dbpath" --define '_db_backend sqlite' \
        --justdb --nodeps --noscripts --ignorearch --ignoreos --force-debian -i "${rpms[@]}"
    # rpm leaves the database in WAL mode with an empty -wal and a -shm beside it, as real
    # RHEL 9 images have them; checkpoint anything pending, keep the empty -wal, drop the rest.
    sqlite3 "$root$dbpath/rpmdb.sqlite" 'PRAGMA wal_checkpoint(TRUNCATE);' >/dev/null
    rm -f "$root$dbpath"/rpmdb.sqlite-shm "$root$dbpath"/.rpm.lock
    : >"$root$dbpath/rpmdb.sqlite-wal"
}

# sqlite_to_bdb SQLITE PACKAGES: writes the header blobs of SQLITE into a new DB_HASH file.
sqlite_to_bdb() {
    "$pybin" - "$1" "$2" <<'EOF'
import sqlite3, struct, sys
from bsddb3 import db
src, dst = sys.argv[1], sys.argv[2]
rows = sqlite3.connect(f"file:{src}?mode=ro", uri=True).execute(
    "SELECT hnum, blob FROM Packages ORDER BY hnum").fetchall()
d = db.DB()
d.set_pagesize(4096)  # rpm's bdb backend leaves the page size to libdb: the fs block size
d.open(dst, dbtype=db.DB_HASH, flags=db.DB_CREATE)
for hnum, blob in rows:
    d.put(struct.pack("=I", hnum), bytes(blob))  # host byte order, as rpm's dbiPut does
# rpm keeps the highest header number under key 0 (the "join key" counter).
d.put(struct.pack("=I", 0), struct.pack("=I", max(h for h, _ in rows)))
d.close()
EOF
}

# make_bdb IMAGE PKG...: writes tests/fixtures/IMAGE/var/lib/rpm/Packages (Berkeley DB hash).
make_bdb() {
    local image=$1
    shift
    local root=$work/$image
    make_sqlite "$root" /var/lib/rpm "$@"
    local dst=$out/$image/var/lib/rpm
    mkdir -p "$dst"
    rm -f "$dst/Packages"
    sqlite_to_bdb "$root/var/lib/rpm/rpmdb.sqlite" "$dst/Packages"
    # Proof: rpm's own read-only Berkeley DB backend lists exactly the packages installed.
    local check=$work/check-$image
    mkdir -p "$check/var/lib/rpm"
    cp "$dst/Packages" "$check/var/lib/rpm/"
    local want got
    want=$(rpm --root "$root" --dbpath /var/lib/rpm -qa | sort)
    got=$(rpm --root "$check" --dbpath /var/lib/rpm --define '_db_backend bdb_ro' -qa 2>/dev/null | sort)
    if [ "$want" != "$got" ] || [ -z "$got" ]; then
        echo "make-rpmdb.sh: $image: bdb_ro read back differs:" >&2
        diff <(echo "$want") <(echo "$got") >&2 || true
        exit 1
    fi
    echo "$image: $(echo "$got" | wc -l) packages, bdb_ro reads them back ($(stat -c %s "$dst/Packages") bytes)"
}

# make_sqlite_fixture IMAGE PKG...: writes tests/fixtures/IMAGE/var/lib/rpm/rpmdb.sqlite.
make_sqlite_fixture() {
    local image=$1
    shift
    local root=$work/$image
    make_sqlite "$root" /var/lib/rpm "$@"
    local dst=$out/$image/var/lib/rpm
    mkdir -p "$dst"
    cp "$root/var/lib/rpm/rpmdb.sqlite" "$root/var/lib/rpm/rpmdb.sqlite-wal" "$dst/"
    echo "$image: $(rpm --root "$root" --dbpath /var/lib/rpm -qa | wc -l) packages ($(stat -c %s "$dst/rpmdb.sqlite") bytes)"
}

# Package lists: NAME:EPOCH:VERSION:RELEASE:ARCH as each release ships them.

# CentOS 6.10 (final update set): Python 2.6.6, OpenSSL 1.0.1e, no openssl-devel.
installed_at="2020-11-25 09:14:00"
make_bdb centos-6.10 \
    setup:0:2.8.14:24.el6:noarch \
    bash:0:4.1.2:48.el6:x86_64 \
    centos-release:0:6:10.el6.centos.12.3:x86_64 \
    python:0:2.6.6:68.el6_10:x86_64 \
    python-libs:0:2.6.6:68.el6_10:x86_64 \
    openssl:0:1.0.1e:58.el6_10:x86_64 \
    ca-certificates:0:2020.2.41:65.1.el6_10:noarch \
    cloud-init:0:0.7.5:10.el6.centos.2:x86_64 \
    sudo:0:1.8.6p3:29.el6_10.4:x86_64

# CentOS 7.9 (2009 plus updates): Python 2.7.5 with the 2.7.9 ssl backport, python3 3.6,
# openssl 1:1.0.2k (epoch 1).
installed_at="2024-03-12 10:02:00"
make_bdb centos-7.9 \
    setup:0:2.8.71:11.el7:noarch \
    bash:0:4.2.46:35.el7_9:x86_64 \
    centos-release:0:7:9.2009.1.el7.centos:x86_64 \
    python:0:2.7.5:90.el7:x86_64 \
    python-libs:0:2.7.5:90.el7:x86_64 \
    python3:0:3.6.8:21.el7_9:x86_64 \
    openssl-libs:1:1.0.2k:25.el7_9:x86_64 \
    openssl-devel:1:1.0.2k:25.el7_9:x86_64 \
    ca-certificates:0:2023.2.60_v7.0.306:72.el7_9:noarch \
    cloud-init:0:19.4:7.el7.centos.6:x86_64 \
    sudo:0:1.8.23:10.el7_9.3:x86_64

# RHEL 6.10: the CentOS 6 shape with Red Hat's release package and cloud-init build.
installed_at="2020-11-25 09:14:00"
make_bdb rhel-6.10 \
    setup:0:2.8.14:24.el6:noarch \
    bash:0:4.1.2:48.el6:x86_64 \
    redhat-release-server:0:6Server:6.10.0.24.el6:x86_64 \
    python:0:2.6.6:68.el6_10:x86_64 \
    python-libs:0:2.6.6:68.el6_10:x86_64 \
    openssl:0:1.0.1e:58.el6_10:x86_64 \
    ca-certificates:0:2020.2.41:65.1.el6_10:noarch \
    cloud-init:0:0.7.5:10.el6:x86_64 \
    sudo:0:1.8.6p3:29.el6_10.4:x86_64

# RHEL 7.9: the CentOS 7 shape with Red Hat's release package and cloud-init build.
installed_at="2024-03-12 10:02:00"
make_bdb rhel-7.9 \
    setup:0:2.8.71:11.el7:noarch \
    bash:0:4.2.46:35.el7_9:x86_64 \
    redhat-release-server:0:7.9:6.el7:x86_64 \
    python:0:2.7.5:90.el7:x86_64 \
    python-libs:0:2.7.5:90.el7:x86_64 \
    python3:0:3.6.8:21.el7_9:x86_64 \
    openssl-libs:1:1.0.2k:25.el7_9:x86_64 \
    openssl-devel:1:1.0.2k:25.el7_9:x86_64 \
    ca-certificates:0:2023.2.60_v7.0.306:72.el7_9:noarch \
    cloud-init:0:19.4:7.el7_9:x86_64 \
    sudo:0:1.8.23:10.el7_9.3:x86_64

# Amazon Linux 2: Berkeley DB like EL7; system-release carries epoch 1.
installed_at="2024-06-04 17:45:00"
make_bdb amzn-2 \
    system-release:1:2:17.amzn2:x86_64 \
    python:0:2.7.18:1.amzn2.0.8:x86_64 \
    python3:0:3.7.16:1.amzn2.0.9:x86_64 \
    openssl-libs:1:1.0.2k:24.amzn2.0.14:x86_64 \
    cloud-init:0:19.3:46.amzn2.0.2:noarch

# RHEL 9.3: sqlite rpmdb (rpm 4.16), Python 3.9 only (python-unversioned-command gives
# /usr/bin/python), OpenSSL 3.0.7 with epoch 1.
el9_common=(
    python3:0:3.9.18:1.el9_3:x86_64
    python-unversioned-command:0:3.9.18:1.el9_3:noarch
    openssl-libs:1:3.0.7:24.el9:x86_64
    openssl-devel:1:3.0.7:24.el9:x86_64
    cloud-init:0:23.1.1:11.el9_3:noarch
    ca-certificates:0:2023.2.60_v7.0.306:90.1.el9_2:noarch
)
installed_at="2024-01-10 08:30:00"
make_sqlite_fixture rhel-9.3 redhat-release:0:9.3:0.5.el9:x86_64 "${el9_common[@]}"
installed_at="2024-01-10 08:30:00"
make_sqlite_fixture rocky-9.3 rocky-release:0:9.3:1.2.el9:noarch "${el9_common[@]}"

# rhel-9.3-pending-wal: the RHEL 9.3 database just after rpm installed one more package
# (sudo) while another process held a read transaction open, so rpm's closing checkpoint could
# not copy the new pages back: the install exists only in the committed frames of
# rpmdb.sqlite-wal, as in an image snapshotted before the log was checkpointed.
image=rhel-9.3-pending-wal
cp -a "$work/rhel-9.3" "$work/$image"
sudo_rpm=$(build_rpm sudo 0 1.9.5p2 9.el9 x86_64 sudo)
dst=$out/$image/var/lib/rpm
mkdir -p "$dst"
"$pybin" - "$work/$image" "$sudo_rpm" "$dst" <<'PY'
import shutil, sqlite3, subprocess, sys
root, rpm_file, dst = sys.argv[1:]
db = f"{root}/var/lib/rpm/rpmdb.sqlite"
reader = sqlite3.connect(f"file:{db}?mode=ro", uri=True, isolation_level=None)
reader.execute("BEGIN")
reader.execute("SELECT count(*) FROM Packages").fetchall()  # holds the read snapshot
subprocess.run(["faketime", "2024-02-01 14:20:00",
                "rpm", "--root", root, "--dbpath", "/var/lib/rpm", "--define", "_db_backend sqlite",
                "--justdb", "--nodeps", "--noscripts", "--ignorearch", "--ignoreos", "--force-debian",
                "-i", rpm_file], check=True, stderr=subprocess.DEVNULL)
shutil.copy(db, dst)
shutil.copy(db + "-wal", dst)
reader.close()
PY
echo "$image: $(stat -c %s "$dst/rpmdb.sqlite-wal") bytes of write-ahead log"
