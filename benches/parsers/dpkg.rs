//! dpkg's `status` file: 3 000 packages (a server image) and 100 000 (the linear-growth
//! bound), made here with realistic stanzas of about 30 lines.

use std::fmt::Write;
use std::hint::black_box;

use bootready::facts::packages::parse_dpkg_status;
use criterion::{BenchmarkId, Criterion, Throughput};

/// A status file of `n` stanzas in the shape of Debian 12's: every field dpkg writes,
/// multi-line Conffiles and Description; one in 20 is removed with its configs kept.
pub fn status_file(n: usize) -> String {
    let mut s = String::with_capacity(n * 1100);
    for i in 0..n {
        let state = if i % 20 == 0 { "deinstall ok config-files" } else { "install ok installed" };
        let _ = write!(
            s,
            "Package: libexample{i}-tools\n\
             Status: {state}\n\
             Priority: optional\n\
             Section: libs\n\
             Installed-Size: {size}\n\
             Maintainer: Debian Example Maintainers <pkg-example-devel@lists.alioth.debian.org>\n\
             Architecture: amd64\n\
             Multi-Arch: same\n\
             Source: example{i} (2.{i}.1-3)\n\
             Version: 2.{i}.1-3+deb12u1\n\
             Replaces: libexample{i}-old (<< 2.0)\n\
             Provides: libexample-abi-{i}\n\
             Depends: libc6 (>= 2.34), libgcc-s1 (>= 3.0), libssl3 (>= 3.0.0), zlib1g (>= 1:1.2.0)\n\
             Pre-Depends: init-system-helpers (>= 1.54~)\n\
             Recommends: ca-certificates\n\
             Breaks: libexample{i}-old (<< 2.0)\n\
             Conffiles:\n \
             /etc/example{i}/example.conf 5d41402abc4b2a76b9719d911017c592\n \
             /etc/example{i}/defaults.conf 7d793037a0760186574b0282f2f435e7\n \
             /etc/logrotate.d/example{i} 9e107d9d372bb6826bd81d3542a419d6\n\
             Description: example library {i} - command-line tools\n \
             This package is part of the example project, a library that does\n \
             one thing well for the programs that depend on it.\n \
             .\n \
             It ships the command-line tools that exercise the library, the\n \
             manual pages for them, and the shell completion files.\n \
             .\n \
             This is a generated stanza of realistic length for benchmarks.\n\
             Homepage: https://example.org/example{i}\n\
             Built-Using: gcc-12 (= 12.2.0-14)\n\
             \n",
            size = 100 + i % 5000
        );
    }
    s
}

pub fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("dpkg status");
    g.sample_size(10);
    for n in [3_000, 100_000] {
        let text = status_file(n);
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.bench_with_input(BenchmarkId::from_parameter(format!("{n} packages")), &text, |b, text| {
            b.iter(|| parse_dpkg_status(black_box(text.as_bytes())).map(|p| p.len()))
        });
    }
    g.finish();
}
