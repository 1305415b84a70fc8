//! The policy: the built-in matrix alone, and with a site's `--policy` overlay.

use std::hint::black_box;

use bootready::policy::Policy;
use criterion::Criterion;

/// A site policy adding a cloud and an image row, in the shape the README documents.
const SITE: &str = "schema = 1\n[clouds.mycloud]\nlabel = \"My Cloud\"\n\n[[images]]\nrow = \"rocky-9\"\n\
                    label = \"Rocky 9\"\nid = \"rocky\"\nmajor = 9\n[images.cells]\nmycloud = \"yes\"\naws = \"yes\"\n";

pub fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("policy");
    g.bench_function("built-in matrix", |b| b.iter(|| Policy::builtin().map(|p| p.images.len())));
    g.bench_function("built-in + site overlay", |b| {
        b.iter(|| {
            let mut p = Policy::builtin().expect("built-in policy");
            p.overlay("site.toml", black_box(SITE)).map(|_| p.images.len())
        })
    });
    g.finish();
}
