//! Hostile image roots built in the test: symlinks that point out of the root by every route,
//! loops, FIFOs and huge sparse files. bootready must stay inside, finish, and say why.

mod common;
use std::os::unix::fs::symlink;
use std::path::Path;
use std::time::{Duration, Instant};

use common::{bootready, status_of};

/// Builds one hostile shape inside a fresh root.
type Build<'a> = Box<dyn Fn(&Path) + 'a>;

const MARKER: &str = "HOST-SECRET-MARKER-ID=leaked";

/// A host directory with a marker os-release the root must never reach.
fn host_marker() -> tempfile::TempDir {
    let host = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(host.path().join("etc")).unwrap();
    std::fs::write(
        host.path().join("etc/os-release"),
        format!("ID=leaked\nVERSION_ID=1\nNAME=\"{MARKER}\"\n"),
    )
    .unwrap();
    host
}

fn run(root: &Path) -> (i32, serde_json::Value, String, Duration) {
    let start = Instant::now();
    let out = bootready()
        .args(["check", "--format", "json", "--root"])
        .arg(root)
        .timeout(Duration::from_secs(20))
        .output()
        .unwrap();
    let took = start.elapsed();
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"));
    (out.status.code().expect("no signal"), report, text, took)
}

#[test]
fn symlinks_out_of_the_root_never_reach_host_files() {
    let host = host_marker();
    let host_etc = host.path().join("etc");
    let depth = host.path().components().count();
    let climb = "../".repeat(depth + 3);
    // Each route names the host marker in a different way.
    let routes: Vec<(&str, Build)> = vec![
        (
            "absolute link to the file",
            Box::new(|r: &Path| symlink(host_etc.join("os-release"), r.join("etc/os-release")).unwrap()),
        ),
        (
            "relative link climbing out",
            Box::new(|r: &Path| {
                symlink(format!("{climb}{}", host_etc.join("os-release").display()), r.join("etc/os-release"))
                    .unwrap()
            }),
        ),
        (
            "etc itself a link to the host's etc",
            Box::new(|r: &Path| {
                std::fs::remove_dir(r.join("etc")).unwrap();
                symlink(&host_etc, r.join("etc")).unwrap()
            }),
        ),
        (
            "etc a relative link climbing out",
            Box::new(|r: &Path| {
                std::fs::remove_dir(r.join("etc")).unwrap();
                symlink(format!("{climb}{}", host_etc.display()), r.join("etc")).unwrap()
            }),
        ),
        (
            "usr/lib link to the host dir",
            Box::new(|r: &Path| {
                std::fs::create_dir_all(r.join("usr")).unwrap();
                symlink(&host_etc, r.join("usr/lib")).unwrap()
            }),
        ),
    ];
    for (name, build) in routes {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(root.path().join("etc")).unwrap();
        build(root.path());
        let (code, report, text, _) = run(root.path());
        assert!(!text.contains("leaked"), "{name}: host file content leaked: {text}");
        assert_eq!(status_of(&report, "os"), "error", "{name}: {report}");
        assert_eq!(code, 1, "{name}");
    }
}

#[test]
fn loops_fifos_and_huge_files_end_with_an_error_quickly() {
    let cases: Vec<(&str, Build, &str)> = vec![
        (
            "symlink loop",
            Box::new(|r: &Path| {
                symlink("os-release.b", r.join("etc/os-release")).unwrap();
                symlink("os-release", r.join("etc/os-release.b")).unwrap();
            }),
            "too many symlinks",
        ),
        (
            "self-referencing directory link",
            Box::new(|r: &Path| {
                std::fs::remove_dir(r.join("etc")).unwrap();
                symlink("/etc", r.join("etc")).unwrap();
            }),
            "too many symlinks",
        ),
        (
            "FIFO os-release",
            Box::new(|r: &Path| {
                let p = std::ffi::CString::new(r.join("etc/os-release").to_str().unwrap()).unwrap();
                assert_eq!(unsafe { libc::mkfifo(p.as_ptr(), 0o644) }, 0);
            }),
            "FIFO",
        ),
        (
            "4 GiB sparse os-release",
            Box::new(|r: &Path| {
                std::fs::File::create(r.join("etc/os-release")).unwrap().set_len(4 << 30).unwrap();
            }),
            "larger than",
        ),
        (
            "os-release is a directory",
            Box::new(|r: &Path| {
                std::fs::create_dir(r.join("etc/os-release")).unwrap();
            }),
            "directory",
        ),
    ];
    for (name, build, reason) in cases {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(root.path().join("etc")).unwrap();
        build(root.path());
        let (code, report, _, took) = run(root.path());
        assert_eq!(status_of(&report, "os"), "error", "{name}: {report}");
        let summary = report["checks"][0]["summary"].as_str().unwrap();
        assert!(summary.contains(reason), "{name}: {summary}");
        assert_eq!(code, 1, "{name}");
        assert!(took < Duration::from_secs(10), "{name} took {took:?}");
    }
}

#[test]
fn empty_root_is_not_ready_not_a_crash() {
    let root = tempfile::tempdir().unwrap();
    let (code, report, _, _) = run(root.path());
    assert_eq!(code, 1);
    assert_eq!(status_of(&report, "os"), "error");
    assert!(report["checks"][0]["summary"].as_str().unwrap().contains("no release file found"));
}
