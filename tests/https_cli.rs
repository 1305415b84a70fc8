//! The openssl-devel, certificates and bundle-store checks on fixture roots with real
//! trust-store layouts (RHEL 7, Debian 12, SLES 15 SP5) and on the debootstrapped Debian root.

mod common;
use common::{check_json, debian_root, fixture, status_of};

fn root(name: &str) -> String {
    fixture(name).to_str().unwrap().to_string()
}

fn outcome<'a>(report: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    report["checks"].as_array().unwrap().iter().find(|c| c["id"] == id).unwrap()
}

#[test]
fn trust_store_json_contract() {
    // Only the facts the selected checks need are gathered: openssl_devel needs its check.
    let (_, report) =
        check_json(&["--root", &root("rhel-7.9"), "--check", "certificates", "--check", "openssl-devel"]);
    let t = &report["facts"]["trust_store"];
    assert_eq!(t["path"], "/etc/pki/tls/certs/ca-bundle.crt");
    assert_eq!(t["resolved_path"], "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem");
    assert_eq!(t["certificates"], 5);
    assert_eq!(t["expired"], serde_json::json!([]));
    assert_eq!(t["not_yet_valid"], serde_json::json!([]));
    assert_eq!(t["unparseable"], serde_json::json!([]));
    assert_eq!(t["entries"][0]["subject"], "C=US, O=Internet Security Research Group, CN=ISRG Root X1");
    assert_eq!(status_of(&report, "certificates"), "pass");
    let d = &report["facts"]["openssl_devel"];
    assert_eq!(d["headers"][0], "/usr/include/openssl/ssl.h");
    assert_eq!(d["libssl"][0]["path"], "/usr/lib64/libssl.so");
    // The fixture's real RPM database (rpmdb reader) lists the package that owns these files.
    assert_eq!(d["package_db"], "rpm");
    assert_eq!(d["packages"][0]["name"], "openssl-devel");
    assert_eq!(d["packages"][0]["version"], "1:1.0.2k-25.el7_9");
}

#[test]
fn suse_bundle_with_a_corrupt_block_fails_under_https_with_its_line() {
    let (code, report) = check_json(&["--root", &root("sles-15.5"), "--check", "certificates", "--https"]);
    assert_eq!(code, 1);
    let t = &report["facts"]["trust_store"];
    assert_eq!(t["path"], "/var/lib/ca-certificates/ca-bundle.pem");
    assert_eq!(t["certificates"], 4);
    assert_eq!(t["unparseable"][0]["line"], 49, "{t}");
    let o = outcome(&report, "certificates");
    assert_eq!(o["status"], "fail");
    assert!(o["summary"].as_str().unwrap().contains("refuse the whole file"), "{o}");
    assert!(o["remediation"].as_str().unwrap().contains("update-ca-certificates"), "{o}");
    // Without HTTPS in play it is a warning.
    let (code, report) = check_json(&["--root", &root("sles-15.5"), "--check", "certificates"]);
    assert_eq!((code, status_of(&report, "certificates")), (0, "warn"));
}

#[test]
fn now_decides_expiry() {
    // GlobalSign Root CA ends 2028-01-28, ISRG Root X1 2035-06-04.
    let (code, report) = check_json(&[
        "--root",
        &root("rhel-7.9"),
        "--check",
        "certificates",
        "--now",
        "2036-01-01T00:00:00Z",
    ]);
    assert_eq!(code, 0, "expired roots warn");
    let t = &report["facts"]["trust_store"];
    assert_eq!(t["as_of"], "2036-01-01T00:00:00Z");
    assert_eq!(t["expired"].as_array().unwrap().len(), 2, "{t}");
    let o = outcome(&report, "certificates");
    assert_eq!(o["status"], "warn");
    assert!(o["summary"].as_str().unwrap().contains("2 of 5 certificates"), "{o}");
    assert!(o["remediation"].as_str().unwrap().contains("yum update ca-certificates"), "{o}");
}

#[test]
fn debian_hashed_dir_and_missing_store() {
    let (_, report) = check_json(&["--root", &root("debian-12"), "--check", "certificates"]);
    assert_eq!(report["facts"]["trust_store"]["hashed_dir"]["links"], 5);
    assert_eq!(status_of(&report, "certificates"), "pass");
    let (code, report) = check_json(&["--root", &root("centos-6.10"), "--check", "certificates"]);
    assert_eq!(code, 1);
    assert_eq!(report["facts"]["trust_store"]["path"], serde_json::Value::Null);
    assert!(
        outcome(&report, "certificates")["remediation"]
            .as_str()
            .unwrap()
            .contains("yum install ca-certificates")
    );
}

#[test]
fn openssl_devel_fails_only_when_https_is_in_play() {
    let (_, report) = check_json(&["--root", &root("debian-12"), "--check", "openssl-devel"]);
    assert_eq!(status_of(&report, "openssl-devel"), "warn");
    let (code, report) =
        check_json(&["--root", &root("debian-12"), "--check", "openssl-devel", "--cloud", "softlayer"]);
    assert_eq!(code, 1);
    let o = outcome(&report, "openssl-devel");
    assert_eq!(o["status"], "fail");
    assert!(o["summary"].as_str().unwrap().contains("SoftLayer requires HTTPS"), "{o}");
    assert_eq!(o["remediation"], "install them in the image: apt-get install libssl-dev");
    let (_, report) = check_json(&["--root", &root("rhel-7.9"), "--check", "openssl-devel", "--https"]);
    assert_eq!(status_of(&report, "openssl-devel"), "pass");
}

#[test]
fn bundle_store_url_rules() {
    let (code, report) = check_json(&[
        "--root",
        &root("centos-7.9"),
        "--check",
        "bundle-store",
        "--cloud",
        "softlayer",
        "--bundle-store",
        "http://store.example.com/b/",
    ]);
    assert_eq!(code, 1);
    assert!(outcome(&report, "bundle-store")["summary"].as_str().unwrap().contains("SoftLayer requires"));
    let (_, report) = check_json(&["--root", &root("centos-7.9"), "--check", "bundle-store"]);
    assert_eq!(status_of(&report, "bundle-store"), "skip");
    // Plain HTTP has nothing to verify: --probe makes no connection.
    let (_, report) =
        check_json(&["--check", "bundle-store", "--probe", "--bundle-store", "http://127.0.0.1:9/b/"]);
    assert_eq!(status_of(&report, "bundle-store"), "pass");
    assert_eq!(report["facts"]["probe"], serde_json::Value::Null);
    // https:// turns on the HTTPS requirements: openssl-devel now fails on an image without it.
    let (_, report) = check_json(&[
        "--root",
        &root("centos-6.10"),
        "--check",
        "openssl-devel",
        "--bundle-store",
        "https://store.example.com/b/",
    ]);
    assert_eq!(status_of(&report, "openssl-devel"), "fail");
}

#[test]
fn debootstrapped_debian_has_libssl_dev_and_a_full_store() {
    let (_, report) = check_json(&[
        "--root",
        debian_root().to_str().unwrap(),
        "--check",
        "openssl-devel",
        "--check",
        "certificates",
        "--https",
    ]);
    let d = &report["facts"]["openssl_devel"];
    assert_eq!(d["package_db"], "dpkg");
    assert_eq!(d["packages"][0]["name"], "libssl-dev");
    assert_eq!(status_of(&report, "openssl-devel"), "pass", "{d}");
    let t = &report["facts"]["trust_store"];
    assert_eq!(t["path"], "/etc/ssl/certs/ca-certificates.crt");
    assert!(t["certificates"].as_u64().unwrap() > 100, "{}", t["certificates"]);
    assert_eq!(t["unparseable"], serde_json::json!([]));
    assert_eq!(t["hashed_dir"]["broken"], serde_json::json!([]));
}
