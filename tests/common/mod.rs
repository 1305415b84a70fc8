//! Shared helpers for the integration tests.
#![allow(dead_code)] // each test binary uses a different subset of these helpers

pub mod regf_writer;

use std::path::PathBuf;

use assert_cmd::Command;

/// The fixture root for an image, e.g. `fixture("centos-7.9")`.
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

/// The built `bootready` binary, with a clean colour environment.
pub fn bootready() -> Command {
    let mut cmd = Command::cargo_bin("bootready").expect("bootready binary is built");
    cmd.env_remove("NO_COLOR");
    cmd
}

/// Runs `bootready check --format json` with extra arguments; returns (exit code, report).
pub fn check_json(args: &[&str]) -> (i32, serde_json::Value) {
    let out = bootready().arg("check").args(args).args(["--format", "json"]).output().expect("runs");
    let code = out.status.code().expect("exits normally, not by a signal");
    let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (code, report)
}

/// The status of check `id` in a JSON report.
pub fn status_of<'a>(report: &'a serde_json::Value, id: &str) -> &'a str {
    report["checks"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["id"] == id))
        .and_then(|c| c["status"].as_str())
        .unwrap_or_else(|| panic!("no check {id} in {report}"))
}

/// A real Debian 12 root built by `debootstrap` with the real `cloud-init` package, built once
/// and cached (see tests/system/debian-root.sh). Never modify it: copy it first.
pub fn debian_root() -> PathBuf {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/system/debian-root.sh");
    let out = std::process::Command::new("bash").arg(&script).output().expect("runs debian-root.sh");
    assert!(
        out.status.success(),
        "building the Debian root failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
}
