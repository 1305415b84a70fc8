//! Hostile and broken image roots, built in the test: bootready must never escape the root,
//! never hang, never crash, never write, and stay within time and memory bounds.
//!
//! Each case builds a root, hashes it (content + mode + mtime of every entry), runs a whole
//! `check`, and asserts: the documented exit code, the expected per-check status, no host
//! marker in the output, the same hash afterwards, a bounded wall time and peak memory.

mod common;
use std::collections::BTreeMap;
use std::io::Read;
use std::os::unix::fs::{MetadataExt, symlink};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::status_of;

/// Content planted on the host, outside every root, that must never appear in any output.
const MARKER: &str = "HOST-ONLY-MARKER-7f3a";

/// Wall-time bound for a whole check of one hostile root.
const TIME_BOUND: Duration = Duration::from_secs(10);
/// Peak resident memory bound for a whole check (the 100 MB).
const MEMORY_BOUND_KB: i64 = 100 * 1024;

/// A host directory holding marker files in the places a hostile root would aim at.
struct Host {
    dir: tempfile::TempDir,
}

impl Host {
    fn new() -> Host {
        let dir = tempfile::tempdir().unwrap();
        for rel in ["etc/os-release", "etc/login.defs", "etc/profile", "etc/cloud/cloud.cfg", "etc/passwd"] {
            let p = dir.path().join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, format!("ID={MARKER}\nUMASK 077\n# {MARKER}\ncliqruser:{MARKER}\n")).unwrap();
        }
        Host { dir }
    }

    fn etc(&self) -> PathBuf {
        self.dir.path().join("etc")
    }

    /// A relative path from `from` (a directory inside a root) that climbs to `/` and then
    /// down to the host's `etc`.
    fn climb_from(&self, from: &Path) -> String {
        format!("{}{}", "../".repeat(from.components().count() + 2), self.etc().display())
    }
}

/// A minimal valid image root (Debian-like) to break in one way per case.
fn base_root() -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    let r = root.path();
    for d in ["etc", "usr/lib", "usr/bin", "var/lib/dpkg", "etc/profile.d"] {
        std::fs::create_dir_all(r.join(d)).unwrap();
    }
    std::fs::write(r.join("usr/lib/os-release"), "ID=debian\nVERSION_ID=\"12\"\nPRETTY_NAME=\"Debian 12\"\n")
        .unwrap();
    symlink("../usr/lib/os-release", r.join("etc/os-release")).unwrap();
    std::fs::write(
        r.join("var/lib/dpkg/status"),
        "Package: bash\nStatus: install ok installed\nVersion: 5.2\n\n",
    )
    .unwrap();
    // Debian 12's Python 3 (a stand-in holding PY_VERSION as the real binary does): the python
    // check warns "Python 3 only", which keeps the exit code 0.
    std::fs::write(r.join("usr/bin/python3.11"), b"\x7fELF stand-in\x003.11.2\x00").unwrap();
    std::fs::set_permissions(
        r.join("usr/bin/python3.11"),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    symlink("python3.11", r.join("usr/bin/python3")).unwrap();
    root
}

/// Content, mode and mtime of every entry below `root` (symlinks not followed).
fn tree_hash(root: &Path) -> BTreeMap<PathBuf, (u32, i64, i64, Vec<u8>)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            let content = if meta.file_type().is_symlink() {
                std::fs::read_link(&path).unwrap().into_os_string().into_encoded_bytes()
            } else if meta.is_file() {
                // Sparse giants: hash a prefix and the length (already in the key).
                let mut buf = Vec::new();
                std::fs::File::open(&path).unwrap().take(1 << 20).read_to_end(&mut buf).unwrap();
                buf
            } else {
                Vec::new()
            };
            if meta.is_dir() {
                stack.push(path.clone());
            }
            out.insert(
                path.strip_prefix(root).unwrap().to_path_buf(),
                (meta.mode(), meta.mtime(), meta.mtime_nsec() + meta.size() as i64, content),
            );
        }
    }
    out
}

/// Runs `bootready check --format json` on the root; returns (code, report, all output,
/// wall time, peak RSS of the child in KB).
fn run_check(root: &Path, extra: &[&str]) -> (i32, serde_json::Value, String, Duration, i64) {
    let bin = assert_cmd::cargo::cargo_bin("bootready");
    let start = Instant::now();
    // Reaped below with wait4, which also gives this child's own peak memory.
    #[allow(clippy::zombie_processes)]
    let mut child = std::process::Command::new(bin)
        .args(["check", "--format", "json", "--root"])
        .arg(root)
        .args(extra)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = String::new();
    let mut stderr = String::new();
    child.stdout.take().unwrap().read_to_string(&mut stdout).unwrap();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    // wait4 gives this child's own peak RSS (not the max over all children so far).
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = child.id() as libc::pid_t;
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid);
    let took = start.elapsed();
    assert!(libc::WIFEXITED(status), "killed by a signal (a panic with panic=abort?): {stderr}");
    let code = libc::WEXITSTATUS(status);
    let report =
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}\n{stderr}"));
    (code, report, stdout + &stderr, took, usage.ru_maxrss)
}

/// Builds one hostile shape inside a fresh root.
type Build = Box<dyn Fn(&Path, &Host)>;

/// One hostile shape: a name, how to build it, and what must come of it.
struct Case {
    name: &'static str,
    build: Build,
    /// (check id, expected status)
    expect: Vec<(&'static str, &'static str)>,
    exit: i32,
}

fn case(
    name: &'static str,
    build: impl Fn(&Path, &Host) + 'static,
    expect: &[(&'static str, &'static str)],
    exit: i32,
) -> Case {
    Case { name, build: Box::new(build), expect: expect.to_vec(), exit }
}

fn mkfifo(p: &Path) {
    let c = std::ffi::CString::new(p.to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0, "mkfifo {}", p.display());
}

fn sparse(p: &Path, len: u64) {
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::File::create(p).unwrap().set_len(len).unwrap();
}

fn cases() -> Vec<Case> {
    vec![
        case(
            "etc is an absolute link to the host's etc",
            |r, h| {
                std::fs::remove_dir_all(r.join("etc")).unwrap();
                symlink(h.etc(), r.join("etc")).unwrap();
            },
            // etc/os-release is then missing inside the root; usr/lib/os-release is not read
            // because the spec reads it only when /etc/os-release does not exist: it does not,
            // so the fallback is used and the OS is found. Nothing from the host leaks.
            &[("os", "pass")],
            0,
        ),
        case(
            "etc is a relative link climbing out",
            |r, h| {
                std::fs::remove_dir_all(r.join("etc")).unwrap();
                symlink(h.climb_from(r), r.join("etc")).unwrap();
            },
            &[("os", "pass")],
            0,
        ),
        case(
            "os-release links to the host by absolute path",
            |r, h| {
                std::fs::remove_file(r.join("etc/os-release")).unwrap();
                symlink(h.etc().join("os-release"), r.join("etc/os-release")).unwrap();
            },
            &[("os", "pass")],
            0,
        ),
        case(
            "usr/lib is a link to a parent of the root",
            |r, _| {
                std::fs::remove_dir_all(r.join("usr/lib")).unwrap();
                symlink("../../../../../../../..", r.join("usr/lib")).unwrap();
                std::fs::remove_file(r.join("etc/os-release")).unwrap();
                std::fs::write(r.join("etc/os-release"), "ID=debian\nVERSION_ID=12\n").unwrap();
            },
            &[("os", "pass")],
            0,
        ),
        case(
            "symlink loop through a directory",
            |r, _| {
                std::fs::remove_file(r.join("etc/os-release")).unwrap();
                symlink("../etc/loop/os-release", r.join("etc/os-release")).unwrap();
                symlink("../etc/loop", r.join("etc/loop")).unwrap();
            },
            &[("os", "error")],
            1,
        ),
        case(
            "os-release is a FIFO",
            |r, _| {
                std::fs::remove_file(r.join("etc/os-release")).unwrap();
                mkfifo(&r.join("etc/os-release"));
            },
            &[("os", "error")],
            1,
        ),
        case(
            "os-release is a 4 GiB sparse file",
            |r, _| {
                std::fs::remove_file(r.join("etc/os-release")).unwrap();
                sparse(&r.join("etc/os-release"), 4 << 30);
            },
            &[("os", "error")],
            1,
        ),
        case(
            "dpkg status is a 4 GiB sparse file",
            |r, _| sparse(&r.join("var/lib/dpkg/status"), 4 << 30),
            &[("os", "pass")],
            0,
        ),
        case(
            "dpkg status is a FIFO",
            |r, _| {
                std::fs::remove_file(r.join("var/lib/dpkg/status")).unwrap();
                mkfifo(&r.join("var/lib/dpkg/status"));
            },
            &[("os", "pass")],
            0,
        ),
        case(
            "dpkg status with a 10 MB line, NUL bytes, invalid UTF-8, CRLF and a BOM",
            |r, _| {
                let mut s =
                    b"\xef\xbb\xbfPackage: a\r\nStatus: install ok installed\r\nVersion: 1\r\n".to_vec();
                s.extend(std::iter::repeat_n(b'y', 10 << 20));
                s.extend(b"\n\x00\xff\xfe\n\nPackage: b\nStatus: install ok installed\nVersion: 2\n");
                std::fs::write(r.join("var/lib/dpkg/status"), s).unwrap();
            },
            &[("os", "pass")],
            0,
        ),
        case(
            "os-release with NUL bytes, invalid UTF-8 and a 10 MB line",
            |r, _| {
                let mut s = b"\xef\xbb\xbfID=debian\r\nVERSION_ID=12\x00\xff\n".to_vec();
                s.extend(std::iter::repeat_n(b'z', 10 << 20));
                std::fs::remove_file(r.join("etc/os-release")).unwrap();
                std::fs::write(r.join("etc/os-release"), s).unwrap();
            },
            // 10 MB is over the 1 MiB cap for release files: refused, not parsed.
            &[("os", "error")],
            1,
        ),
        case(
            "python3.11 is a 4 GiB sparse file",
            |r, _| {
                std::fs::remove_file(r.join("usr/bin/python3.11")).unwrap();
                sparse(&r.join("usr/bin/python3.11"), 4 << 30);
                std::fs::set_permissions(
                    r.join("usr/bin/python3.11"),
                    std::os::unix::fs::PermissionsExt::from_mode(0o755),
                )
                .unwrap();
            },
            // Only the first 64 MiB are scanned, in 1 MiB steps: no version found, an error.
            &[("os", "pass"), ("python", "error")],
            1,
        ),
        case(
            "python3.11 is a FIFO",
            |r, _| {
                std::fs::remove_file(r.join("usr/bin/python3.11")).unwrap();
                mkfifo(&r.join("usr/bin/python3.11"));
            },
            // Not a regular file: not an interpreter, never opened.
            &[("os", "pass"), ("python", "fail")],
            1,
        ),
        case(
            "python links to the host's etc, and python2 loops",
            |r, h| {
                symlink(h.etc().join("passwd"), r.join("usr/bin/python")).unwrap();
                symlink("python2", r.join("usr/bin/python2")).unwrap();
            },
            &[("os", "pass"), ("python", "warn")],
            0,
        ),
        case(
            "/opt with 20 000 entries",
            |r, _| {
                let d = r.join("opt");
                std::fs::create_dir_all(&d).unwrap();
                for i in 0..20_000 {
                    std::fs::File::create(d.join(format!("p{i:05}"))).unwrap();
                }
            },
            // Over the listing cap: reported as not read, the rest of discovery goes on.
            &[("os", "pass"), ("python", "warn")],
            0,
        ),
        case(
            "profile.d with 100 000 files",
            |r, _| {
                let d = r.join("etc/profile.d");
                for i in 0..100_000 {
                    std::fs::File::create(d.join(format!("f{i:06}.sh"))).unwrap();
                }
            },
            // The umask check lists at most 4096 entries: the rest cannot be known, an error.
            &[("os", "pass"), ("umask", "error")],
            1,
        ),
    ]
}

#[test]
fn hostile_roots_are_read_safely() {
    let host = Host::new();
    let mut failures = Vec::new();
    for c in cases() {
        let root = base_root();
        (c.build)(root.path(), &host);
        let before = tree_hash(root.path());
        // Every fact is still gathered from the hostile root; init-agent and certificates are
        // left out of the verdict only because these minimal roots have no cloud-init and no
        // CA bundle (fails by design).
        let (code, report, output, took, rss_kb) =
            run_check(root.path(), &["--skip", "init-agent", "--skip", "certificates"]);
        let after = tree_hash(root.path());
        let mut problems = Vec::new();
        if output.contains(MARKER) {
            problems.push("host marker content leaked into the output".to_string());
        }
        if before != after {
            problems.push("the root changed".to_string());
        }
        if code != c.exit {
            problems.push(format!("exit {code}, expected {}", c.exit));
        }
        for (id, want) in &c.expect {
            let got = status_of(&report, id);
            if got != *want {
                problems.push(format!("check {id} is {got}, expected {want}"));
            }
        }
        if took > TIME_BOUND {
            problems.push(format!("took {took:?}"));
        }
        if rss_kb > MEMORY_BOUND_KB {
            problems.push(format!("peak memory {rss_kb} KB"));
        }
        if !problems.is_empty() {
            failures.push(format!("{}: {}\n{report}", c.name, problems.join("; ")));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
