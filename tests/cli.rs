//! The command line: exit codes, formats, --output, --policy errors, help.

mod common;
use common::{bootready, check_json, fixture, status_of};
use predicates::prelude::*;

fn root(name: &str) -> String {
    fixture(name).to_str().unwrap().to_string()
}

#[test]
fn help_documents_exit_codes() {
    bootready()
        .args(["check", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Exit codes:"))
        .stdout(predicate::str::contains("2  bootready could not do its job"))
        .stdout(predicate::str::contains("--root <DIR>"));
}

#[test]
fn missing_root_is_exit_2() {
    bootready()
        .args(["check", "--root", "/nonexistent/image"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--root /nonexistent/image"));
}

#[test]
fn root_that_is_a_file_is_exit_2() {
    let f = tempfile::NamedTempFile::new().unwrap();
    bootready()
        .args(["check", "--root"])
        .arg(f.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a directory"));
}

#[test]
fn unknown_cloud_and_check_are_exit_2() {
    bootready()
        .args(["check", "--root", &root("centos-7.9"), "--cloud", "mars"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown cloud 'mars'"));
    bootready()
        .args(["check", "--root", &root("centos-7.9"), "--check", "nope"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown check 'nope'"));
    bootready().args(["check", "--format", "yaml"]).assert().code(2);
}

#[test]
fn malformed_policy_is_exit_2_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("site.toml");
    std::fs::write(
        &policy,
        "schema = 1\n[[images]]\nrow = \"x\"\nlabel = \"X\"\nid = \"x\"\n[images.cells]\naws = \"perhaps\"\n",
    )
    .unwrap();
    bootready()
        .args(["check", "--root", &root("centos-7.9"), "--policy"])
        .arg(&policy)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("site.toml line 7"))
        .stderr(predicate::str::contains("perhaps"));
}

#[test]
fn policy_can_add_an_image_row_and_a_cloud() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("site.toml");
    std::fs::write(
        &policy,
        "schema = 1\n[clouds.privatecloud]\nlabel = \"Private\"\n\n[[images]]\nrow = \"rocky-9\"\nlabel = \"Rocky 9\"\nid = \"rocky\"\nmajor = 9\n[images.cells]\nprivatecloud = \"yes\"\naws = \"no\"\n",
    )
    .unwrap();
    let p = policy.to_str().unwrap();
    let (code, report) = check_json(&[
        "--root",
        &root("rocky-9.3"),
        "--policy",
        p,
        "--cloud",
        "privatecloud",
        "--check",
        "matrix",
    ]);
    assert_eq!((code, status_of(&report, "matrix")), (0, "pass"));
    let (code, report) =
        check_json(&["--root", &root("rocky-9.3"), "--policy", p, "--cloud", "aws", "--check", "matrix"]);
    assert_eq!((code, status_of(&report, "matrix")), (1, "fail"));
}

#[test]
fn output_file_gets_the_report_and_stdout_the_verdict() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.xml");
    bootready()
        .args([
            "check",
            "--root",
            &root("rhel-7.9"),
            "--cloud",
            "openstack",
            "--check",
            "matrix",
            "--format",
            "junit",
            "--output",
        ])
        .arg(&out)
        .assert()
        .code(1)
        .stdout(predicate::str::starts_with("verdict: not-ready (1 fail)"));
    let xml = std::fs::read_to_string(&out).unwrap();
    assert!(xml.starts_with("<?xml"), "{xml}");
    assert!(xml.contains("<testcase classname=\"bootready\" name=\"matrix\">"), "{xml}");
    assert!(
        xml.contains("<failure message=\"RHEL 7 on OpenStack: dynamic bootstrapping not supported\""),
        "{xml}"
    );
    assert!(xml.contains("failures=\"1\""), "{xml}");
}

#[test]
fn junit_marks_skips() {
    bootready()
        .args(["check", "--root", &root("rhel-7.9"), "--check", "matrix", "--format", "junit"])
        .assert()
        .success()
        .stdout(predicate::str::contains("<skipped message=\"no --cloud given"));
}

#[test]
fn text_report_has_no_colour_off_a_terminal() {
    bootready()
        .args([
            "check",
            "--root",
            &root("centos-6.10"),
            "--cloud",
            "aws",
            "--check",
            "os",
            "--check",
            "matrix",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "WARN  matrix         CentOS 6 on AWS: supported depending on the setup",
        ))
        .stdout(predicate::str::contains("fix: "))
        .stdout(predicate::str::contains("\x1b[").not())
        .stdout(predicate::str::ends_with("verdict: ready (1 pass, 1 warn)\n"));
}

#[test]
fn checks_lists_every_id() {
    bootready()
        .arg("checks")
        .assert()
        .success()
        .stdout(predicate::str::contains("matrix "))
        .stdout(predicate::str::contains("os "));
}

#[test]
fn matrix_subcommand_shows_every_cloud() {
    bootready()
        .args(["matrix", "--root", &root("rhel-6.10")])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "openstack  FAIL  RHEL 6 on OpenStack: dynamic bootstrapping not supported",
        ))
        .stdout(predicate::str::contains("aws        PASS  RHEL 6 on AWS"))
        .stdout(predicate::str::contains("vmware     FAIL"));
}

#[test]
fn facts_in_both_formats() {
    bootready()
        .args(["facts", "--root", &root("centos-6.10")])
        .assert()
        .success()
        .stdout(predicate::str::contains("  id: centos\n"))
        .stdout(predicate::str::contains("  source: /etc/centos-release\n"));
    let out =
        bootready().args(["facts", "--root", &root("centos-6.10"), "--format", "json"]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["os"]["version_id"], "6.10");
    assert_eq!(v["target"]["mode"], "image");
}

#[test]
fn live_host_check_runs() {
    // This machine is a real host: the os check must identify it.
    let (code, report) = check_json(&["--check", "os"]);
    assert_eq!(report["facts"]["target"]["mode"], "live");
    assert_eq!(status_of(&report, "os"), "pass", "{report}");
    assert_eq!(code, 0);
}
