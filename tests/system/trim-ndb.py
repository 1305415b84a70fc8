#!/usr/bin/python3
"""Makes tests/fixtures/sles-15.3/usr/lib/sysimage/rpm/Packages.db, a small real ndb database.

Debian's rpm is built without the ndb backend, so this fixture is cut from a real one: the
Packages.db of a SUSE Linux Enterprise 15 SP3 BCI container image that rpm (rpm-ndb 4.14.3)
wrote, as published in the testdata of github.com/yybit/rpmdb-rs (MIT; it comes from
aquasecurity/go-rpmdb, MIT): testdata/sle15-bci/Packages.db, git blob
e4715d9ea544ef256dc84d36ca6110f766ef5994, 1 374 144 bytes, 35 packages.

Kept byte for byte: the file header and the slot page, and the blobs of the packages named in
KEEP (each blob's head, header, padding and tail with its adler32, unchanged). The other slots
are emptied as rpm empties a freed slot (magic kept, package index, offset and count 0), and
the kept blobs are moved down to sit one after another, their slots' block offsets updated.

    tests/system/trim-ndb.py SOURCE_PACKAGES_DB DEST_PACKAGES_DB
"""
import struct
import sys

KEEP = {"system-user-root", "filesystem", "bash", "libz1", "libgcc_s1", "rpm-ndb"}
PAGE = 4096
BLOCK = 16


def name(blob):
    il, _dl = struct.unpack_from(">2I", blob, 0)
    data = 8 + il * 16
    for i in range(il):
        tag, _typ, off, _cnt = struct.unpack_from(">4I", blob, 8 + 16 * i)
        if tag == 1000:
            return blob[data + off:blob.index(b"\0", data + off)].decode()
    return None


src, dst = sys.argv[1], sys.argv[2]
d = open(src, "rb").read()
magic, version, _gen, npages = struct.unpack_from("<4I", d, 0)
assert magic == 0x506D7052 and version == 0, "not an ndb Packages.db"
head = bytearray(d[:npages * PAGE])
out = bytearray()
next_block = npages * PAGE // BLOCK
for i in range(npages * PAGE // BLOCK - 2):
    at = 32 + 16 * i
    slot_magic, idx, off, cnt = struct.unpack_from("<4I", d, at)
    if idx == 0:
        continue
    _bm, _bi, _g, blen = struct.unpack_from("<4I", d, off * BLOCK)
    blob = d[off * BLOCK + 16:off * BLOCK + 16 + blen]
    if name(blob) in KEEP:
        out += d[off * BLOCK:(off + cnt) * BLOCK]
        struct.pack_into("<4I", head, at, slot_magic, idx, next_block, cnt)
        next_block += cnt
    else:
        struct.pack_into("<4I", head, at, slot_magic, 0, 0, 0)
open(dst, "wb").write(bytes(head + out))
