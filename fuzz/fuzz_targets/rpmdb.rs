//! The RPM database readers (sqlite `rpmdb.sqlite`, ndb `Packages.db`, Berkeley DB `Packages`)
//! and the header parser, on any bytes: an error or packages, never a panic or a hang. Every
//! reader sees every input (each checks its own magic), so the fixture databases seed as is.
#![no_main]

use bootready::facts::rpmdb::{bdb, header, ndb, sqlite};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = header::parse(data);
    for blobs in [sqlite::read_packages(data), ndb::read_blobs(data), bdb::read_values(data)] {
        for blob in blobs.into_iter().flatten() {
            let _ = header::parse(&blob);
        }
    }
});
