//! The `python` check and `facts.python` over image roots (fixtures made by
//! tests/fixtures/python-standins.sh) and the real debootstrapped Debian 12 root.
#![cfg(unix)]

mod common;
use common::{bootready, check_json, debian_root, fixture, status_of};

fn root(name: &str) -> String {
    fixture(name).to_str().unwrap().to_string()
}

fn python_check(report: &serde_json::Value) -> &serde_json::Value {
    report["checks"].as_array().unwrap().iter().find(|c| c["id"] == "python").unwrap()
}

fn bootstrap(report: &serde_json::Value) -> &serde_json::Value {
    report["facts"]["python"].as_array().unwrap().iter().find(|p| p["used_by_bootstrap"] == true).unwrap()
}

#[test]
fn centos6_python26_fails_under_https_and_warns_without() {
    let (code, report) = check_json(&["--root", &root("centos-6.10"), "--check", "python", "--https"]);
    assert_eq!((code, status_of(&report, "python")), (1, "fail"), "{report}");
    let check = python_check(&report);
    assert!(check["summary"].as_str().unwrap().contains("Python 2.6.6, older than 2.7.9"), "{check}");
    assert!(check["remediation"].as_str().unwrap().contains("yum install python27"), "{check}");
    let boot = bootstrap(&report);
    assert_eq!(boot["path"], "/usr/bin/python");
    assert_eq!(boot["version"], "2.6.6");
    let (code, report) = check_json(&["--root", &root("centos-6.10"), "--check", "python"]);
    assert_eq!((code, status_of(&report, "python")), (0, "warn"), "{report}");
    // --cloud softlayer puts HTTPS in play too.
    let (_, report) =
        check_json(&["--root", &root("centos-6.10"), "--check", "python", "--cloud", "softlayer"]);
    assert_eq!(status_of(&report, "python"), "fail");
}

#[test]
fn facts_python_has_the_contract_shape() {
    let out =
        bootready().args(["facts", "--root", &root("centos-7.9"), "--format", "json"]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let list = v["python"].as_array().expect("facts.python is a list");
    assert_eq!(list.len(), 1, "{v}");
    let p = &list[0];
    for key in ["path", "version", "source", "ssl", "used_by_bootstrap"] {
        assert!(p.get(key).is_some(), "{key} missing in {p}");
    }
    assert_eq!(p["path"], "/usr/bin/python");
    assert_eq!(p["version"], "2.7.5");
    assert!(p["ssl"].is_null(), "nothing is probed in an image");
    assert_eq!(p["used_by_bootstrap"], true);
    assert!(p["source"].as_str().unwrap().contains("/usr/lib64/libpython2.7.so.1.0"), "{p}");
    assert_eq!(v["python_context"]["cert_verification"]["verify"], "platform_default");
}

#[test]
fn centos7_python275_under_https() {
    let (code, report) = check_json(&["--root", &root("centos-7.9"), "--check", "python", "--https"]);
    let check = python_check(&report);
    let evidence = check["evidence"].to_string();
    assert!(evidence.contains("/etc/python/cert-verification.cfg: verify=platform_default"), "{check}");
    if report["facts"]["packages"].is_null() {
        // No RPM database in the fixture: nothing proves the backport.
        assert_eq!((code, status_of(&report, "python")), (1, "fail"), "{check}");
        assert!(check["summary"].as_str().unwrap().contains("backport is not proven"), "{check}");
    } else {
        // With the rpm branch's database (python-2.7.5-90.el7): capable, confirm on an instance.
        assert_eq!((code, status_of(&report, "python")), (0, "warn"), "{check}");
        assert!(check["remediation"].as_str().unwrap().contains("create_default_context"), "{check}");
    }
}

#[test]
fn ubuntu1604_is_python3_only() {
    let (code, report) = check_json(&["--root", &root("ubuntu-16.04"), "--check", "python", "--https"]);
    assert_eq!((code, status_of(&report, "python")), (0, "warn"), "{report}");
    let check = python_check(&report);
    assert!(check["summary"].as_str().unwrap().contains("Python 3 only"), "{check}");
    assert!(check["summary"].as_str().unwrap().contains("will not run"), "{check}");
    assert!(check["remediation"].as_str().unwrap().contains("apt-get install python"), "{check}");
    let boot = bootstrap(&report);
    assert_eq!((boot["path"].as_str(), boot["version"].as_str()), (Some("/usr/bin/python3"), Some("3.5.2")));
    assert!(boot["source"].as_str().unwrap().starts_with("dpkg package python3.5 3.5.2-2ubuntu0~16.04.13"));
}

#[test]
fn debian11_python2_passes_and_python_flag_switches() {
    let (code, report) = check_json(&["--root", &root("debian-11"), "--check", "python", "--https"]);
    assert_eq!((code, status_of(&report, "python")), (0, "pass"), "{report}");
    let versions: Vec<_> = report["facts"]["python"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["version"].as_str().unwrap())
        .collect();
    assert_eq!(versions, ["2.7.18", "3.9.2"]);
    assert_eq!(bootstrap(&report)["path"], "/usr/bin/python2");
    // --python NAME picks by name on the root login PATH.
    let (_, report) = check_json(&["--root", &root("debian-11"), "--check", "python", "--python", "python3"]);
    assert_eq!(bootstrap(&report)["path"], "/usr/bin/python3");
    let check = python_check(&report);
    assert_eq!(check["status"], "warn");
    assert!(check["summary"].as_str().unwrap().contains("Python 2 is at /usr/bin/python2"), "{check}");
    // --python PATH that is not there.
    let (code, report) =
        check_json(&["--root", &root("debian-11"), "--check", "python", "--python", "/opt/py/bin/python"]);
    assert_eq!((code, status_of(&report, "python")), (1, "fail"));
}

#[test]
fn image_without_python_fails() {
    let (code, report) = check_json(&["--root", &root("debian-12"), "--check", "python"]);
    assert_eq!((code, status_of(&report, "python")), (1, "fail"), "{report}");
    assert!(python_check(&report)["summary"].as_str().unwrap().contains("no Python interpreter found"));
}

#[test]
fn nothing_in_an_image_is_executed() {
    let image = tempfile::tempdir().unwrap();
    let marker = image.path().join("ran");
    let bin = image.path().join("usr/bin");
    std::fs::create_dir_all(&bin).unwrap();
    // A "python" that would leave a marker (by host path) if anything ran it.
    let script = format!("#!/bin/sh\ntouch {}\necho 'Python 2.7.18' >&2\n", marker.display());
    std::fs::write(bin.join("python"), script).unwrap();
    std::fs::set_permissions(bin.join("python"), std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .unwrap();
    let (_, report) = check_json(&["--root", image.path().to_str().unwrap(), "--check", "python"]);
    assert!(!marker.exists(), "an image's interpreter was executed");
    let boot = bootstrap(&report);
    assert!(boot["version"].is_null(), "{boot}");
    assert_eq!(status_of(&report, "python"), "error", "version unknown is not a verdict");
}

#[test]
fn real_debian12_root_is_python3_only() {
    let root = debian_root();
    let (_, report) = check_json(&["--root", root.to_str().unwrap(), "--check", "python"]);
    assert_eq!(status_of(&report, "python"), "warn", "{report}");
    let boot = bootstrap(&report);
    assert_eq!(boot["path"], "/usr/bin/python3");
    assert!(boot["version"].as_str().unwrap().starts_with("3.11."), "{boot}");
    // Both kinds of evidence agree on the real files: dpkg's python3.11 and PY_VERSION inside
    // the (statically linked) real /usr/bin/python3.11.
    let source = boot["source"].as_str().unwrap();
    assert!(source.starts_with("dpkg package python3.11 3.11."), "{source}");
    assert!(source.contains("version string in /usr/bin/python3.11"), "{source}");
    assert!(!source.contains("the file says"), "{source}");
}
