//! The root resolver, on trees of directories, files and symlinks built from the input in a
//! scratch directory beside a "host" directory holding a marker. Every resolved path must
//! stay under the root (canonically: no component of it may be a symlink that leads out),
//! nothing read may contain the host marker, and nothing may panic. Work is bounded by the
//! resolver's link limit; libFuzzer's `-timeout` catches a hang.
//!
//! Input: a sequence of operations, one byte each for the kind and the lengths, then one byte
//! per path component, picked from a small alphabet that includes `..`, `.`, and the host
//! directory's absolute path, so escapes are a few mutations away.
#![no_main]

use std::fs;
use std::io::Write;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use bootready::target::Root;
use libfuzzer_sys::fuzz_target;

/// Planted on the "host", outside the root: must never be read through the resolver.
const MARKER: &str = "HOST-ONLY-MARKER-fuzz";
/// Names that may be created inside the root.
const NAMES: [&str; 8] = ["a", "b", "etc", "host", "os-release", "usr", "lib", "x"];
/// Most operations taken from one input.
const MAX_OPS: usize = 48;

/// The scratch directory: `<tmp>/bootready-fuzz-<pid>/{root,host}`, canonical.
struct Scratch {
    root: PathBuf,
    host: PathBuf,
}

static SCRATCH: LazyLock<Scratch> = LazyLock::new(|| {
    let base = std::env::temp_dir().join(format!("bootready-fuzz-{}", std::process::id()));
    fs::create_dir_all(base.join("host/etc")).expect("scratch host dir");
    fs::create_dir_all(base.join("root")).expect("scratch root dir");
    let base = fs::canonicalize(base).expect("canonical scratch dir");
    for f in ["host/etc/os-release", "host/secret", "host/etc/passwd"] {
        fs::write(base.join(f), format!("ID={MARKER}\n{MARKER}\n")).expect("marker file");
    }
    Scratch { root: base.join("root"), host: base.join("host") }
});

/// Reads bytes off the input; past its end every read is `None`.
struct Input<'a>(&'a [u8]);

impl Input<'_> {
    fn byte(&mut self) -> Option<u8> {
        let (&b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(b)
    }

    /// 1..=4 plain names: a path that may be created inside the root.
    fn names(&mut self) -> Option<Vec<&'static str>> {
        let n = usize::from(self.byte()? % 4) + 1;
        (0..n).map(|_| self.byte().map(|b| NAMES[usize::from(b) % NAMES.len()])).collect()
    }

    /// A link target or a query: absolute or relative, with `..`, `.`, empty components
    /// (doubled slashes) and the host directory's absolute path.
    fn target(&mut self, host: &Path) -> Option<String> {
        let head = self.byte()?;
        let mut parts = Vec::new();
        for _ in 0..head % 8 {
            parts.push(match self.byte()? % 12 {
                8 => "..".to_string(),
                9 => ".".to_string(),
                10 => host.display().to_string(),
                11 => String::new(),
                k => NAMES[usize::from(k)].to_string(),
            });
        }
        let lead = if head & 0x80 != 0 { "/" } else { "" };
        Some(format!("{lead}{}", parts.join("/")))
    }
}

/// True when no prefix of `rel` below the root is a symlink (so creating at `rel` with host
/// calls stays inside the root), and the final entry does not exist yet.
fn safe_to_create(root: &Path, rel: &[&str]) -> bool {
    let mut p = root.to_path_buf();
    for (i, name) in rel.iter().enumerate() {
        p.push(name);
        match fs::symlink_metadata(&p) {
            Ok(m) if i + 1 < rel.len() => {
                if !m.is_dir() || m.file_type().is_symlink() {
                    return false;
                }
            }
            Ok(_) => return false,
            Err(_) => return i + 1 == rel.len(),
        }
    }
    true
}

fn check_resolved(root: &Root, scratch: &Scratch, query: &str) {
    if let Ok(p) = root.resolve(query) {
        assert!(p.starts_with(&scratch.root), "{query:?} resolved to {p:?}, outside the root");
        if let Ok(meta) = fs::symlink_metadata(&p) {
            assert!(!meta.file_type().is_symlink(), "{query:?} resolved to a symlink {p:?}");
            let canonical = fs::canonicalize(&p).expect("an existing resolved path canonicalises");
            assert_eq!(canonical, p, "{query:?}: a component of the resolved path is a link");
        }
    }
    if let Ok(text) = root.read_text(query) {
        assert!(!text.contains(MARKER), "{query:?} read the host marker");
    }
    if let Ok(prefix) = root.read_prefix(query, 64) {
        assert!(prefix.len() <= 64);
    }
    if let Ok(entries) = root.read_dir(query, 16) {
        assert!(entries.len() <= 16);
        assert!(entries.iter().all(|e| !e.name.contains(MARKER)));
    }
    let _ = root.read_link(query);
    let _ = root.metadata(query);
}

fuzz_target!(|data: &[u8]| {
    let scratch = &*SCRATCH;
    // remove_dir_all never follows symlinks: links out of the root are removed, not their targets.
    let _ = fs::remove_dir_all(&scratch.root);
    fs::create_dir(&scratch.root).expect("fresh root");
    let root = Root::new(&scratch.root).expect("root opens");
    let mut input = Input(data);
    let mut queries = vec!["/etc/os-release".to_string(), "/".to_string()];
    for _ in 0..MAX_OPS {
        let Some(op) = input.byte() else { break };
        match op % 4 {
            0 | 1 | 2 => {
                let Some(rel) = input.names() else { break };
                let link_target = if op % 4 == 2 { input.target(&scratch.host) } else { None };
                if !safe_to_create(&scratch.root, &rel) {
                    continue;
                }
                let (parent, last) = rel.split_at(rel.len() - 1);
                let mut dir = scratch.root.clone();
                for name in parent {
                    dir.push(name);
                    let _ = fs::create_dir(&dir);
                }
                let at = dir.join(last[0]);
                match op % 4 {
                    0 => {
                        let _ = fs::create_dir(&at);
                    }
                    1 => {
                        // create_new: never writes through an existing (or dangling) link.
                        if let Ok(mut f) = fs::OpenOptions::new().write(true).create_new(true).open(&at) {
                            let _ = f.write_all(b"ID=inside\n");
                        }
                    }
                    _ => {
                        if let Some(t) = link_target {
                            let _ = symlink(t, &at);
                        }
                    }
                }
                queries.push(format!("/{}", rel.join("/")));
            }
            _ => {
                let Some(q) = input.target(&scratch.host) else { break };
                queries.push(q);
            }
        }
    }
    for q in &queries {
        check_resolved(&root, scratch, q);
        check_resolved(&root, scratch, &format!("{q}/os-release"));
    }
});
