//! Criterion benchmarks of each parser on realistic and large inputs: `cargo bench --bench parsers`.
//!
//! One module per parser, each with `pub fn bench(c: &mut Criterion)` over inputs it makes in
//! memory. A new parser (RPM database, CA bundle of 150 and 10 000 certificates, cloud.cfg with
//! drop-ins, umask sources, ...) adds a module here and its `bench` to the group below.

use criterion::{criterion_group, criterion_main};

mod certs;
mod dpkg;
mod os;
mod policy;

criterion_group!(parsers, os::bench, dpkg::bench, policy::bench, certs::bench);
criterion_main!(parsers);
