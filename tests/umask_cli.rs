//! The `umask` and `privileges` checks against fixture roots, the real Debian root and the
//! live process.

mod common;
use std::path::Path;
use std::process::Command;

use common::{bootready, check_json, debian_root, fixture, status_of};
use serde_json::Value;

fn root(name: &str) -> String {
    fixture(name).to_str().unwrap().to_string()
}

fn outcome<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["checks"].as_array().unwrap().iter().find(|c| c["id"] == id).unwrap()
}

#[test]
fn fixture_images_decide_the_umask_from_the_right_file() {
    // (image, status, effective, source file, source line, decided by)
    let cases = [
        ("centos-6.10", "pass", "0022", Some("/etc/init.d/functions"), Some(10), "service"),
        ("centos-7.9", "pass", "0022", Some("/etc/profile"), Some(62), "login"),
        ("ubuntu-22.04", "pass", "0022", Some("/etc/login.defs"), Some(151), "login"),
        ("debian-12", "pass", "0022", None, None, "service"),
        ("centos-7.9-hardened", "fail", "0077", Some("/etc/profile.d/cis.sh"), Some(3), "login"),
        ("centos-7.9-override", "warn", "0022", Some("/etc/bashrc"), Some(95), "login"),
        (
            "debian-12-cloud-final-umask",
            "fail",
            "0077",
            Some("/etc/systemd/system/cloud-final.service.d/50-umask.conf"),
            Some(3),
            "service",
        ),
    ];
    for (image, status, effective, file, line, path) in cases {
        let (code, report) = check_json(&["--root", &root(image), "--check", "umask"]);
        let u = &report["facts"]["umask"];
        assert_eq!(status_of(&report, "umask"), status, "{image}: {report}");
        assert_eq!(code, if status == "fail" { 1 } else { 0 }, "{image}");
        assert_eq!(u["effective"], effective, "{image}: {u}");
        assert_eq!(u["source"]["file"].as_str(), file, "{image}: {u}");
        assert_eq!(u["source"]["line"].as_u64(), line.map(|l: u64| l), "{image}: {u}");
        assert_eq!(u["decided_by"], path, "{image}");
        assert!(u["process"].is_null(), "image mode reads no process umask: {image}");
    }
}

#[test]
fn hardened_image_fails_with_the_exact_line_to_change() {
    let (_, report) = check_json(&["--root", &root("centos-7.9-hardened"), "--check", "umask"]);
    let o = outcome(&report, "umask");
    assert!(o["summary"].as_str().unwrap().contains("/etc/profile.d/cis.sh line 3"), "{o}");
    assert_eq!(o["remediation"], "in /etc/profile.d/cis.sh line 3 change \"umask 077\" to \"umask 022\"");
    // The commented-out `# umask 027` above it is not a setting; login.defs UMASK 077 is seen
    // but does not apply (CentOS 7 has no pam_umask).
    let settings = report["facts"]["umask"]["settings"].as_array().unwrap();
    assert!(!settings.iter().any(|s| s["file"] == "/etc/profile.d/cis.sh" && s["line"] == 2));
    let defs = settings.iter().find(|s| s["file"] == "/etc/login.defs").unwrap();
    assert_eq!((defs["written"].as_str(), defs["applies"].as_str()), (Some("077"), Some("no")), "{defs}");
    // The RHEL UID>199 block: the 002 branch is not root's.
    let profile: Vec<_> = settings.iter().filter(|s| s["file"] == "/etc/profile").collect();
    assert_eq!(profile.len(), 2);
    assert_eq!((profile[0]["written"].as_str(), profile[0]["applies"].as_str()), (Some("002"), Some("no")));
    assert_eq!((profile[1]["written"].as_str(), profile[1]["applies"].as_str()), (Some("022"), Some("yes")));
}

#[test]
fn symbolic_umask_undone_later_is_a_warning() {
    let (_, report) = check_json(&["--root", &root("centos-7.9-override"), "--check", "umask"]);
    let settings = report["facts"]["umask"]["settings"].as_array().unwrap();
    let sym = settings.iter().find(|s| s["file"] == "/etc/profile.d/hardening.sh").unwrap();
    assert_eq!((sym["written"].as_str(), sym["value"].as_str()), (Some("u=rwx,g=,o="), Some("0077")));
    let o = outcome(&report, "umask");
    assert!(
        o["evidence"].as_array().unwrap().iter().any(|e| e.as_str().unwrap().contains(
            "/etc/profile.d/hardening.sh line 2 (0077) is overridden by /etc/bashrc line 95 (0022)"
        )),
        "{o}"
    );
}

#[test]
fn threshold_comes_from_policy_data() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("site.toml");
    std::fs::write(&policy, "schema = 1\n[umask]\nmax = \"077\"\n").unwrap();
    let (code, report) = check_json(&[
        "--root",
        &root("centos-7.9-hardened"),
        "--check",
        "umask",
        "--policy",
        policy.to_str().unwrap(),
    ]);
    assert_eq!((code, status_of(&report, "umask")), (0, "pass"), "{report}");
}

#[test]
fn real_debian_root_gets_systemds_default() {
    let r = debian_root();
    let (_, report) =
        check_json(&["--root", r.to_str().unwrap(), "--check", "umask", "--check", "privileges"]);
    let u = &report["facts"]["umask"];
    assert_eq!(status_of(&report, "umask"), "pass", "{u}");
    assert_eq!((u["effective"].as_str(), u["init"].as_str()), (Some("0022"), Some("systemd")));
    assert!(u["source"]["file"].is_null() && u["source"]["line"].is_null(), "{u}");
    assert_eq!(u["source"]["text"], "systemd default UMask=0022");
    // Debian 12 has no pam_umask by default: login.defs UMASK 022 is seen, not applied.
    let defs = &u["settings"].as_array().unwrap()[0];
    assert_eq!((defs["file"].as_str(), defs["applies"].as_str()), (Some("/etc/login.defs"), Some("no")));
    assert_eq!(status_of(&report, "privileges"), "skip");
    assert!(outcome(&report, "privileges")["summary"].as_str().unwrap().contains("installer creates it"));
}

/// A copy of the real Debian root's /etc and unit files, to change safely.
fn debian_etc_copy() -> tempfile::TempDir {
    let r = debian_root();
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("usr/lib/systemd")).unwrap();
    for (from, to) in [("etc", "."), ("usr/lib/systemd/system", "usr/lib/systemd")] {
        let ok = Command::new("cp").arg("-a").arg(r.join(from)).arg(dir.path().join(to)).status().unwrap();
        assert!(ok.success());
    }
    dir
}

fn append(path: &Path, text: &str) {
    let mut s = std::fs::read_to_string(path).unwrap();
    s.push_str(text);
    std::fs::write(path, s).unwrap();
}

#[test]
fn pam_umask_argument_and_login_defs_fallback() {
    let dir = debian_etc_copy();
    let session = dir.path().join("etc/pam.d/common-session");
    let lines = std::fs::read_to_string(&session).unwrap().lines().count();
    append(&session, "session optional\t\t\tpam_umask.so\n");
    let defs = dir.path().join("etc/login.defs");
    let text = std::fs::read_to_string(&defs).unwrap().replace("UMASK\t\t022", "UMASK\t\t027");
    std::fs::write(&defs, text).unwrap();
    let (code, report) = check_json(&["--root", dir.path().to_str().unwrap(), "--check", "umask"]);
    assert_eq!((code, status_of(&report, "umask")), (1, "fail"), "{report}");
    let u = &report["facts"]["umask"];
    assert_eq!(
        (u["source"]["file"].as_str(), u["source"]["line"].as_u64()),
        (Some("/etc/login.defs"), Some(151))
    );
    assert_eq!(
        outcome(&report, "umask")["remediation"],
        "in /etc/login.defs line 151 change \"UMASK\t\t027\" to \"UMASK\t\t022\""
    );

    // A umask= argument wins over login.defs.
    append(&session, "session optional pam_umask.so umask=0077\n");
    let (_, report) = check_json(&["--root", dir.path().to_str().unwrap(), "--check", "umask"]);
    let u = &report["facts"]["umask"];
    assert_eq!(u["effective"], "0077");
    assert_eq!(
        (u["source"]["file"].as_str(), u["source"]["line"].as_u64()),
        (Some("/etc/pam.d/common-session"), Some(lines as u64 + 2))
    );
}

#[test]
fn live_process_umask_is_read_without_changing_it() {
    let bin = assert_cmd::cargo::cargo_bin("bootready");
    for (mask, want) in [("027", "0027"), ("0077", "0077"), ("002", "0002")] {
        let out = Command::new("sh")
            .arg("-c")
            .arg(format!("umask {mask}; exec \"$0\" facts --format json; "))
            .arg(&bin)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let facts: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(facts["umask"]["process"], want, "umask {mask}");
        assert_eq!(facts["umask"]["process_read_from"], "/proc/self/status");
    }
    // And `check` on the live host shows it as evidence.
    let out = Command::new("sh")
        .arg("-c")
        .arg("umask 0027; exec \"$0\" check --check umask --format json")
        .arg(&bin)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let o = outcome(&report, "umask");
    assert!(
        o["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e.as_str().unwrap().contains("runs with umask 0027")),
        "{o}"
    );
}

#[test]
fn cliqruser_with_nopasswd_sudo_passes() {
    let (code, report) = check_json(&["--root", &root("centos-7.9-cliqruser"), "--check", "privileges"]);
    assert_eq!((code, status_of(&report, "privileges")), (0, "pass"), "{report}");
    let o = outcome(&report, "privileges");
    assert!(o["summary"].as_str().unwrap().contains("/etc/sudoers.d/cliqruser line 1"), "{o}");
    // The .rpmsave (which would deny everything) is ignored, as sudo ignores it.
    let skipped = &report["facts"]["accounts"]["sudoers"]["skipped"];
    assert_eq!(skipped[0]["file"], "/etc/sudoers.d/cliqruser.rpmsave", "{skipped}");
}

#[test]
fn cliqruser_needing_a_password_and_tty_warns() {
    let (code, report) = check_json(&["--root", &root("centos-6.10-cliqruser"), "--check", "privileges"]);
    assert_eq!((code, status_of(&report, "privileges")), (0, "warn"), "{report}");
    let o = outcome(&report, "privileges");
    let summary = o["summary"].as_str().unwrap();
    assert!(summary.contains("requires a terminal (/etc/sudoers line 56)"), "{o}");
    assert!(summary.contains("asks for a password"), "{o}");
    assert!(o["remediation"].as_str().unwrap().contains("Defaults:cliqruser !requiretty"), "{o}");
}

#[test]
fn no_account_is_skipped_and_the_name_is_policy_data() {
    let (_, report) = check_json(&["--root", &root("centos-7.9"), "--check", "privileges"]);
    assert_eq!(status_of(&report, "privileges"), "skip");
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("site.toml");
    std::fs::write(&policy, "schema = 1\n[privileges]\naccount = \"centos\"\n").unwrap();
    let (_, report) = check_json(&[
        "--root",
        &root("centos-7.9-cliqruser"),
        "--check",
        "privileges",
        "--policy",
        policy.to_str().unwrap(),
    ]);
    // centos is in wheel: `%wheel ALL=(ALL) ALL` needs a password.
    let o = outcome(&report, "privileges");
    assert_eq!(o["status"], "warn", "{o}");
    assert!(
        o["summary"].as_str().unwrap().starts_with("centos (uid 1000, groups centos, adm, wheel)"),
        "{o}"
    );
}

#[test]
fn checks_list_names_both() {
    bootready()
        .arg("checks")
        .assert()
        .success()
        .stdout(predicates::str::contains("umask "))
        .stdout(predicates::str::contains("privileges "));
}
