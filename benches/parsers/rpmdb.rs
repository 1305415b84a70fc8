//! The RPM database through the public reader (`rpmdb::gather` on an image root): hundreds of
//! packages in each on-disk format bootready reads, and the real-distribution test fixtures.

use std::path::{Path, PathBuf};
use std::time::Duration;

use bootready::facts::rpmdb;
use bootready::target::Target;
use criterion::Criterion;

fn root(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

pub fn bench(c: &mut Criterion) {
    // (bench name, image root, packages it holds)
    let images = [
        // 328 packages written by rpm 4.18 (benches/fixtures/make-rpmdb.sh).
        ("sqlite, 328 packages (el9-300)", root("benches/fixtures/el9-300"), 328),
        ("Berkeley DB, 328 packages (el7-300)", root("benches/fixtures/el7-300"), 328),
        // The test fixtures (tests/system/make-rpmdb.sh, tests/system/trim-ndb.py).
        ("Berkeley DB, centos-7.9 (11)", root("tests/fixtures/centos-7.9"), 11),
        ("sqlite, rocky-9.3 (7)", root("tests/fixtures/rocky-9.3"), 7),
        ("ndb, sles-15.3 (6)", root("tests/fixtures/sles-15.3"), 6),
    ];
    let mut g = c.benchmark_group("rpm database");
    // Small and steady: short runs keep `cargo bench --bench parsers` within a couple of minutes.
    g.sample_size(20).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    for (name, dir, count) in images {
        let target = Target::image(&dir).expect("fixture root");
        let db = rpmdb::gather(&target).expect("readable").expect("an rpm database");
        assert_eq!(db.count, count, "{}", dir.display());
        g.bench_function(name, |b| b.iter(|| rpmdb::gather(&target).map(|db| db.map(|db| db.count))));
    }
    g.finish();
}
