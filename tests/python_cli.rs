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
    assert!(p["source"].as_str().unwrap().starts_with("rpm package python 2.7.5-90.el7"), "{p}");
    assert_eq!(v["python_context"]["cert_verification"]["verify"], "platform_default");
}

#[test]
fn centos7_python275_under_https() {
    let (code, report) = check_json(&["--root", &root("centos-7.9"), "--check", "python", "--https"]);
    let check = python_check(&report);
    let evidence = check["evidence"].to_string();
    assert!(evidence.contains("/etc/python/cert-verification.cfg: verify=platform_default"), "{check}");
    // The fixture's real RPM database holds python-2.7.5-90.el7: backported, confirm on an
    // instance.
    assert_eq!((code, status_of(&report, "python")), (0, "warn"), "{check}");
    assert!(
        check["summary"].as_str().unwrap().contains("python-2.7.5-90.el7 carries the backported"),
        "{check}"
    );
    assert!(check["remediation"].as_str().unwrap().contains("create_default_context"), "{check}");
    let boot = bootstrap(&report);
    assert_eq!(boot["package"]["version"], "2.7.5-90.el7");
    assert!(
        boot["source"]
            .as_str()
            .unwrap()
            .starts_with("rpm package python 2.7.5-90.el7 in /var/lib/rpm/Packages")
    );
    // Without the package record (a copy of the root without its RPM database) nothing
    // proves the backport: a fail that says so.
    let copy = tempfile::tempdir().unwrap();
    let status = std::process::Command::new("cp")
        .arg("-a")
        .arg(fixture("centos-7.9"))
        .arg(copy.path())
        .status()
        .unwrap();
    assert!(status.success());
    let copied = copy.path().join("centos-7.9");
    std::fs::remove_dir_all(copied.join("var/lib/rpm")).unwrap();
    let (code, report) = check_json(&["--root", copied.to_str().unwrap(), "--check", "python", "--https"]);
    assert_eq!((code, status_of(&report, "python")), (1, "fail"), "{report}");
    assert!(python_check(&report)["summary"].as_str().unwrap().contains("backport is not proven"));
}

#[test]
fn rpm_images_read_their_python_package() {
    // CentOS 6.10: python-2.6.6-68.el6_10 from Berkeley DB Packages.
    let (_, report) = check_json(&["--root", &root("centos-6.10"), "--check", "python"]);
    let boot = bootstrap(&report);
    assert!(
        boot["source"]
            .as_str()
            .unwrap()
            .starts_with("rpm package python 2.6.6-68.el6_10 in /var/lib/rpm/Packages"),
        "{boot}"
    );
    // RHEL 9.3: python3-3.9.18-1.el9_3 from rpmdb.sqlite; python-unversioned-command's
    // /usr/bin/python -> ./python3 makes Python 3 the bootstrap's interpreter.
    let (code, report) = check_json(&["--root", &root("rhel-9.3"), "--check", "python", "--https"]);
    assert_eq!((code, status_of(&report, "python")), (0, "warn"), "{report}");
    let boot = bootstrap(&report);
    assert_eq!((boot["path"].as_str(), boot["version"].as_str()), (Some("/usr/bin/python"), Some("3.9.18")));
    assert!(
        boot["source"]
            .as_str()
            .unwrap()
            .starts_with("rpm package python3 3.9.18-1.el9_3 in /var/lib/rpm/rpmdb.sqlite")
    );
    assert!(python_check(&report)["remediation"].as_str().unwrap().contains("RHEL 9 ships no Python 2"));
    // Amazon Linux 2: python-2.7.18 passes under HTTPS.
    let (code, report) = check_json(&["--root", &root("amzn-2"), "--check", "python", "--https"]);
    assert_eq!((code, status_of(&report, "python")), (0, "pass"), "{report}");
    assert_eq!(bootstrap(&report)["package"]["version"], "2.7.18-1.amzn2.0.8");
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
    // dpkg's python3.11 owns /usr/bin/python3.11 and names its version: the 6 MB binary is not
    // read (src/facts/python.rs tests the scan on this machine's real interpreter).
    let source = boot["source"].as_str().unwrap();
    assert!(source.starts_with("dpkg package python3.11 3.11."), "{source}");
    assert!(!source.contains("version string"), "{source}");
}
