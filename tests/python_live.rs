//! Live-host probing of Python interpreters: this machine's real python3, and fake
//! interpreters (shell scripts written here) on a test search path.
#![cfg(unix)]

mod common;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

use bootready::facts::python::{self, Search};
use bootready::target::Target;
use common::{check_json, status_of};

fn fake(dir: &Path, name: &str, body: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path.to_str().unwrap().to_string()
}

/// This machine's real python3 (.ci/run installs it).
fn real_python3() -> String {
    ["/usr/bin/python3", "/usr/local/bin/python3"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .map(String::from)
        .expect("a real python3 on this machine (apt-get install python3, as .ci/run does)")
}

#[test]
fn fakes_on_a_test_path_are_probed_in_parallel_and_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Like Python 2's `python --version`: the banner on stderr, whatever the arguments.
    fake(d, "python", "echo 'Python 2.7.18' >&2");
    // Hangs, with a child holding stdout open: the timeout must kill both.
    fake(d, "python2", "sleep 60");
    // Crashes.
    fake(d, "python2.7", "kill -SEGV $$");
    // A real interpreter whose ssl module cannot be imported (ImportError, as on a Python
    // built without OpenSSL): the probe's code runs with _ssl blocked.
    let py = real_python3();
    fake(
        d,
        "python3",
        &format!("exec {py} -E -c \"import sys; sys.modules['_ssl'] = None; exec(sys.argv[1])\" \"$3\""),
    );
    let target = Target::live().unwrap();
    let search = Search { path: vec![d.to_str().unwrap().to_string()], extra: false };
    let start = Instant::now();
    let (found, ctx) = python::gather(&target, None, None, &search);
    let took = start.elapsed();
    assert!(took < Duration::from_secs(9), "probes are bounded and parallel: took {took:?}");
    assert!(took >= Duration::from_secs(5), "the hung one ran into the 5 s timeout: {took:?}");
    assert!(ctx.errors.is_empty(), "{:?}", ctx.errors);
    let by_name = |n: &str| {
        found
            .iter()
            .find(|p| p.path.ends_with(&format!("/{n}")))
            .unwrap_or_else(|| panic!("{n} in {found:?}"))
    };
    let py = by_name("python");
    assert_eq!(py.version.as_deref(), Some("2.7.18"));
    assert!(py.source.contains("banner on stderr"), "{}", py.source);
    assert!(py.used_by_bootstrap, "python comes first");
    assert!(py.error.is_none());
    let hung = by_name("python2");
    assert!(hung.error.as_deref().unwrap().contains("timed out"), "{hung:?}");
    assert!(!hung.used_by_bootstrap);
    let crashed = by_name("python2.7");
    assert!(crashed.error.as_deref().unwrap().contains("signal 11"), "{crashed:?}");
    let nossl = by_name("python3");
    assert!(nossl.error.is_none(), "{nossl:?}");
    assert!(nossl.version.as_deref().unwrap().starts_with("3."), "{nossl:?}");
    assert_eq!(nossl.ssl, None);
    // Python 3.6+ raises ModuleNotFoundError, ImportError's subclass.
    let why = nossl.ssl_error.as_deref().unwrap();
    assert!(why.starts_with("ModuleNotFoundError: ") || why.starts_with("ImportError: "), "{why}");
    assert!(why.contains("_ssl"), "{why}");
}

#[test]
fn this_machines_python3_is_probed() {
    let py = real_python3();
    let (_, report) = check_json(&["--check", "python", "--python", &py]);
    let boot = report["facts"]["python"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["used_by_bootstrap"] == true)
        .unwrap_or_else(|| panic!("{report}"));
    assert!(boot["source"].as_str().unwrap().starts_with("probe ("), "{boot}");
    let want = std::process::Command::new(&py)
        .args(["-c", "import platform; print(platform.python_version())"])
        .output()
        .unwrap();
    assert_eq!(boot["version"].as_str().unwrap(), String::from_utf8_lossy(&want.stdout).trim());
    let ssl = &boot["ssl"];
    assert!(ssl["openssl_version"].as_str().unwrap().starts_with("OpenSSL"), "{boot}");
    assert_eq!(ssl["has_sni"], true);
    assert_eq!(ssl["create_default_context"], true);
    assert_eq!(status_of(&report, "python"), "warn", "a Python 3 bootstrap interpreter warns");
}

#[test]
fn python_flag_with_a_fake_path_on_the_live_host() {
    let dir = tempfile::tempdir().unwrap();
    let hang = fake(dir.path(), "python", "sleep 60");
    let start = Instant::now();
    let (code, report) = check_json(&["--check", "python", "--python", &hang]);
    assert!(start.elapsed() < Duration::from_secs(9), "{:?}", start.elapsed());
    assert_eq!((code, status_of(&report, "python")), (1, "error"), "{report}");
    let py2 = fake(
        dir.path(),
        "python-nossl",
        "printf 'bootready-probe\\nversion=2.7.18\\nssl_error=ImportError: No module named _ssl\\n'",
    );
    let (code, report) = check_json(&["--check", "python", "--python", &py2, "--https"]);
    assert_eq!((code, status_of(&report, "python")), (1, "fail"), "{report}");
    let (code, report) = check_json(&["--check", "python", "--python", &py2]);
    assert_eq!((code, status_of(&report, "python")), (0, "pass"), "{report}");
}
