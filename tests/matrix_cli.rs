//! Every matrix cell of the Linux rows, and images the matrix does not list, through the CLI.

mod common;
use common::{check_json, fixture, status_of};

const CLOUDS: [&str; 7] = ["aws", "azure", "google", "openstack", "softlayer", "alibaba", "vmware"];

/// (fixture, expected matrix status per cloud in CLOUDS order, from the seed's table). CentOS
/// on Azure is "OpenLogic images only": the CentOS fixtures have no Azure Linux agent, so they
/// are not Azure Marketplace images and cannot be OpenLogic's (fail); see init_agent_cli for
/// the OpenLogic image (pass).
const CELLS: [(&str, [&str; 7]); 8] = [
    ("centos-6.10", ["warn", "fail", "pass", "pass", "pass", "pass", "fail"]),
    ("centos-7.9", ["pass", "fail", "pass", "pass", "pass", "pass", "fail"]),
    ("rhel-6.10", ["pass", "pass", "pass", "fail", "pass", "pass", "fail"]),
    ("rhel-7.9", ["pass", "pass", "pass", "fail", "pass", "pass", "fail"]),
    ("debian-12", ["warn", "warn", "warn", "warn", "warn", "warn", "fail"]),
    ("ubuntu-22.04", ["warn", "warn", "warn", "warn", "warn", "warn", "fail"]),
    ("amzn-2", ["warn", "warn", "warn", "warn", "warn", "warn", "fail"]),
    ("rocky-9.3", ["warn", "warn", "warn", "warn", "warn", "warn", "fail"]),
];

#[test]
fn every_cell_has_the_seed_status_and_exit_code() {
    for (image, statuses) in CELLS {
        let root = fixture(image);
        for (cloud, want) in CLOUDS.iter().zip(statuses) {
            let (code, report) = check_json(&[
                "--root",
                root.to_str().unwrap(),
                "--cloud",
                cloud,
                "--check",
                "matrix",
                "--check",
                "os",
            ]);
            assert_eq!(status_of(&report, "matrix"), want, "{image} on {cloud}: {report}");
            assert_eq!(status_of(&report, "os"), "pass", "{image}");
            assert_eq!(code, if want == "fail" { 1 } else { 0 }, "{image} on {cloud}");
            let matrix = report["checks"].as_array().unwrap().iter().find(|c| c["id"] == "matrix").unwrap();
            if want != "pass" {
                assert!(matrix["remediation"].is_string(), "{image} on {cloud}: no remediation");
            }
        }
    }
}

#[test]
fn strict_turns_warnings_into_exit_1() {
    let root = fixture("centos-6.10");
    let (code, _) = check_json(&["--root", root.to_str().unwrap(), "--cloud", "aws", "--check", "matrix"]);
    assert_eq!(code, 0);
    let (code, report) =
        check_json(&["--root", root.to_str().unwrap(), "--cloud", "aws", "--check", "matrix", "--strict"]);
    assert_eq!(code, 1);
    assert_eq!(report["verdict"], "not-ready");
}

#[test]
fn os_facts_of_each_fixture() {
    let cases = [
        ("centos-6.10", "centos", "6.10", 6, "rhel", "/etc/centos-release"),
        ("centos-7.9", "centos", "7", 7, "rhel", "/etc/os-release"),
        ("rhel-6.10", "rhel", "6.10", 6, "rhel", "/etc/redhat-release"),
        ("rhel-7.9", "rhel", "7.9", 7, "rhel", "/etc/os-release"),
        ("debian-12", "debian", "12", 12, "debian", "/etc/os-release"),
        ("ubuntu-22.04", "ubuntu", "22.04", 22, "debian", "/etc/os-release"),
        ("amzn-2", "amzn", "2", 2, "rhel", "/etc/os-release"),
        ("rocky-9.3", "rocky", "9.3", 9, "rhel", "/etc/os-release"),
        ("sles-15.5", "sles", "15.5", 15, "suse", "/etc/os-release"),
    ];
    for (image, id, version, major, family, source) in cases {
        let (_, report) = check_json(&["--root", fixture(image).to_str().unwrap()]);
        let os = &report["facts"]["os"];
        assert_eq!(os["id"], id, "{image}");
        assert_eq!(os["version_id"], version, "{image}");
        assert_eq!(os["major"], major, "{image}");
        assert_eq!(os["family"], family, "{image}");
        assert_eq!(os["source"], source, "{image}");
    }
}
