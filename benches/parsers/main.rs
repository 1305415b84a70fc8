//! Criterion benchmarks of each parser on realistic and large inputs: `cargo bench --bench parsers`.
//!
//! One module per parser, each with `pub fn bench(c: &mut Criterion)` over inputs it makes in
//! memory or in a temporary root (readers that take a root), or over committed databases
//! (`benches/fixtures/`). A new parser adds a module here and its `bench` to the group below.

use criterion::{criterion_group, criterion_main};

mod certs;
mod cloud_cfg;
mod dpkg;
mod os;
mod policy;
mod rpmdb;
mod umask;

criterion_group!(
    parsers,
    os::bench,
    dpkg::bench,
    rpmdb::bench,
    cloud_cfg::bench,
    umask::bench,
    policy::bench,
    certs::bench
);
criterion_main!(parsers);
