//! A whole check in-process: gather the facts the checks need, run every check, render the
//! JSON report; on a fixture root and on the debootstrap Debian root. `cargo bench --bench end_to_end`.
//! The end-to-end process timings against an administrator's script live in `bench/run`.

use std::hint::black_box;
use std::path::{Path, PathBuf};

use bootready::checks::{self, CheckOptions, Verdict};
use bootready::facts;
use bootready::policy::Policy;
use bootready::report::{self, Report};
use bootready::target::Target;
use criterion::{Criterion, criterion_group, criterion_main};

/// What `bootready check --root DIR --cloud aws --https --format json` does, minus printing.
fn whole_check(root: &Path) -> String {
    let policy = Policy::builtin().expect("built-in policy");
    let selected = checks::select(&[], &[]).expect("all checks");
    let target = Target::image(root).expect("root opens");
    let options = CheckOptions { cloud: Some("aws".into()), https: true, ..Default::default() };
    let facts =
        facts::gather_with(&target, &facts::FactsInput::default(), &checks::needs(&selected, &options));
    let outcomes: Vec<_> = selected.iter().map(|c| (c.run)(&facts, &policy, &options)).collect();
    let verdict = Verdict::of(&outcomes, false);
    report::json::render(&Report {
        schema_version: report::SCHEMA_VERSION,
        bootready_version: env!("CARGO_PKG_VERSION"),
        target: target.describe(),
        cloud: options.cloud.clone(),
        facts,
        checks: outcomes,
        verdict,
        strict: false,
    })
}

/// The cached debootstrap root (tests/system/debian-root.sh), if it has been built:
/// `BOOTREADY_DEBIAN_ROOT`, else the newest complete `debian-*` root under target/fixture-cache.
fn debian_root() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("BOOTREADY_DEBIAN_ROOT") {
        return Some(PathBuf::from(dir));
    }
    let cache = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/fixture-cache");
    std::fs::read_dir(cache)
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("debian-")))
        .filter(|p| p.join(".bootready-complete").is_file())
        .max_by_key(|p| p.metadata().and_then(|m| m.modified()).ok())
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("check --root");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/centos-7.9");
    g.bench_function("fixture centos-7.9", |b| b.iter(|| whole_check(black_box(&fixture)).len()));
    match debian_root() {
        Some(root) => {
            g.bench_function("debootstrap debian-12", |b| b.iter(|| whole_check(black_box(&root)).len()));
            // Every fact, as `bootready facts` gathers them (the package database included).
            g.bench_function("all facts debian-12", |b| {
                let target = Target::image(&root).expect("root opens");
                b.iter(|| facts::gather(black_box(&target)).packages.map(|p| p.map(|p| p.count)))
            });
        }
        None => eprintln!(
            "skipping the debootstrap bench: no Debian root built (run tests/system/debian-root.sh \
             or set BOOTREADY_DEBIAN_ROOT)"
        ),
    }
    g.finish();
}

criterion_group!(end_to_end, bench);
criterion_main!(end_to_end);
