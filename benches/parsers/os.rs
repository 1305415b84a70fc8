//! os-release and the legacy release files, as real images ship them.

use std::hint::black_box;

use bootready::facts::os::{from_legacy, from_os_release};
use criterion::Criterion;

/// /usr/lib/os-release from Ubuntu 22.04 (base-files 12ubuntu4).
const UBUNTU_2204: &str = include_str!("../../tests/fixtures/ubuntu-22.04/usr/lib/os-release");
/// /usr/lib/os-release from CentOS 7.9 (centos-release-7-9.2009.1).
const CENTOS_79: &str = include_str!("../../tests/fixtures/centos-7.9/usr/lib/os-release");
/// /etc/centos-release from CentOS 6.10.
const CENTOS_610: &str = include_str!("../../tests/fixtures/centos-6.10/etc/centos-release");
/// /etc/lsb-release from Ubuntu 22.04.
const LSB: &str = include_str!("../../tests/fixtures/ubuntu-22.04/etc/lsb-release");

pub fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("os");
    g.bench_function("os-release ubuntu-22.04", |b| {
        b.iter(|| from_os_release(black_box(UBUNTU_2204), "/etc/os-release"))
    });
    g.bench_function("os-release centos-7.9", |b| {
        b.iter(|| from_os_release(black_box(CENTOS_79), "/etc/os-release"))
    });
    g.bench_function("centos-release 6.10", |b| {
        b.iter(|| from_legacy("/etc/centos-release", black_box(CENTOS_610)))
    });
    g.bench_function("lsb-release", |b| b.iter(|| from_legacy("/etc/lsb-release", black_box(LSB))));
    g.finish();
}
