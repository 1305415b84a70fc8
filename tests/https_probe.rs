//! The TLS probe of the bundle store against a real HTTPS server on 127.0.0.1, with a CA and
//! server certificates made here with the openssl crate, verified against image roots whose
//! trust stores hold the CA, miss it, hold it only as an anchor, and so on.

mod common;
use common::{bootready, check_json, fixture, status_of};

use std::io::Write;
use std::net::TcpListener;
use std::path::Path;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use openssl::asn1::Asn1Time;
use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::ssl::{SslAcceptor, SslMethod};
use openssl::x509::extension::{BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAlternativeName};
use openssl::x509::{X509, X509NameBuilder};
use predicates::prelude::*;

const DAY: i64 = 86_400;

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

fn key() -> PKey<Private> {
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
    PKey::from_ec_key(EcKey::generate(&group).unwrap()).unwrap()
}

/// A CA (self-signed, valid from yesterday for ten years).
fn ca(cn: &str) -> (X509, PKey<Private>) {
    let k = key();
    let mut name = X509NameBuilder::new().unwrap();
    name.append_entry_by_text("O", "bootready tests").unwrap();
    name.append_entry_by_text("CN", cn).unwrap();
    let name = name.build();
    let mut b = X509::builder().unwrap();
    b.set_version(2).unwrap();
    b.set_serial_number(&BigNum::from_u32(1).unwrap().to_asn1_integer().unwrap()).unwrap();
    b.set_subject_name(&name).unwrap();
    b.set_issuer_name(&name).unwrap();
    b.set_pubkey(&k).unwrap();
    b.set_not_before(&Asn1Time::from_unix(now() - DAY).unwrap()).unwrap();
    b.set_not_after(&Asn1Time::from_unix(now() + 3650 * DAY).unwrap()).unwrap();
    b.append_extension(BasicConstraints::new().critical().ca().build().unwrap()).unwrap();
    b.append_extension(KeyUsage::new().critical().key_cert_sign().crl_sign().build().unwrap()).unwrap();
    b.sign(&k, MessageDigest::sha256()).unwrap();
    (b.build(), k)
}

/// A server certificate for `names` (IP addresses or DNS names) signed by `ca`, valid
/// between the two offsets (seconds from now).
fn leaf(ca: &(X509, PKey<Private>), names: &[&str], from: i64, until: i64) -> (X509, PKey<Private>) {
    let k = key();
    let mut name = X509NameBuilder::new().unwrap();
    name.append_entry_by_text("CN", names[0]).unwrap();
    let name = name.build();
    let mut b = X509::builder().unwrap();
    b.set_version(2).unwrap();
    b.set_serial_number(&BigNum::from_u32(2).unwrap().to_asn1_integer().unwrap()).unwrap();
    b.set_subject_name(&name).unwrap();
    b.set_issuer_name(ca.0.subject_name()).unwrap();
    b.set_pubkey(&k).unwrap();
    b.set_not_before(&Asn1Time::from_unix(now() + from).unwrap()).unwrap();
    b.set_not_after(&Asn1Time::from_unix(now() + until).unwrap()).unwrap();
    let mut san = SubjectAlternativeName::new();
    for n in names {
        if n.parse::<std::net::IpAddr>().is_ok() {
            san.ip(n);
        } else {
            san.dns(n);
        }
    }
    let san = san.build(&b.x509v3_context(Some(&ca.0), None)).unwrap();
    b.append_extension(san).unwrap();
    b.append_extension(ExtendedKeyUsage::new().server_auth().build().unwrap()).unwrap();
    b.sign(&ca.1, MessageDigest::sha256()).unwrap();
    (b.build(), k)
}

/// An HTTPS server on 127.0.0.1 (port 0) that serves `connections` handshakes and stops
/// (or gives up after 30 s without a client).
fn serve(cert: &(X509, PKey<Private>), connections: usize) -> (u16, JoinHandle<()>) {
    let mut acceptor = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls()).unwrap();
    acceptor.set_private_key(&cert.1).unwrap();
    acceptor.set_certificate(&cert.0).unwrap();
    let acceptor = acceptor.build();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = std::thread::spawn(move || {
        let give_up = Instant::now() + Duration::from_secs(30);
        let mut served = 0;
        while served < connections && Instant::now() < give_up {
            match listener.accept() {
                Ok((stream, _)) => {
                    served += 1;
                    let _ = stream.set_nonblocking(false);
                    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                    // A client that rejects the chain aborts the handshake: that is expected.
                    if let Ok(mut tls) = acceptor.accept(stream) {
                        let _ = tls.write_all(b"HTTP/1.0 200 OK\r\n\r\n");
                        let _ = tls.shutdown();
                    }
                }
                Err(_) => std::thread::sleep(Duration::from_millis(10)),
            }
        }
    });
    (port, handle)
}

fn pem(c: &X509) -> String {
    String::from_utf8(c.to_pem().unwrap()).unwrap()
}

/// A RHEL 7 image root whose extracted bundle holds `bundle` (plus a real public root), with
/// the real symlinks, and `anchors` in /etc/pki/ca-trust/source/anchors.
fn rhel7_root(dir: &Path, bundle: &[&X509], anchors: &[&X509]) {
    let src = fixture("rhel-7.9");
    std::fs::create_dir_all(dir.join("etc/pki/ca-trust/extracted/pem")).unwrap();
    std::fs::create_dir_all(dir.join("etc/pki/tls/certs")).unwrap();
    std::fs::create_dir_all(dir.join("etc/pki/ca-trust/source/anchors")).unwrap();
    std::fs::copy(src.join("etc/os-release"), dir.join("etc/os-release")).unwrap();
    let mut text =
        std::fs::read_to_string(src.join("etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem")).unwrap();
    for c in bundle {
        text.push_str("# bootready test CA\n");
        text.push_str(&pem(c));
    }
    std::fs::write(dir.join("etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem"), text).unwrap();
    std::os::unix::fs::symlink(
        "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
        dir.join("etc/pki/tls/certs/ca-bundle.crt"),
    )
    .unwrap();
    for (i, c) in anchors.iter().enumerate() {
        std::fs::write(dir.join(format!("etc/pki/ca-trust/source/anchors/corp-{i}.pem")), pem(c)).unwrap();
    }
}

/// Runs the bundle-store check with a probe of 127.0.0.1:`port` against the image at `root`.
fn probe(root: &Path, url: &str, extra: &[&str]) -> (i32, serde_json::Value) {
    let root = root.to_str().unwrap();
    let mut args = vec![
        "--root",
        root,
        "--probe",
        "--probe-from-host",
        "--bundle-store",
        url,
        "--check",
        "bundle-store",
    ];
    args.extend_from_slice(extra);
    check_json(&args)
}

fn outcome<'a>(report: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    report["checks"].as_array().unwrap().iter().find(|c| c["id"] == id).unwrap()
}

#[test]
fn ca_in_the_image_store_passes() {
    let ca = ca("Bundle Store Test CA 1");
    let (port, server) = serve(&leaf(&ca, &["127.0.0.1", "localhost"], -DAY, 30 * DAY), 1);
    let dir = tempfile::tempdir().unwrap();
    rhel7_root(dir.path(), &[&ca.0], &[]);
    let (code, report) = probe(dir.path(), &format!("https://127.0.0.1:{port}/bundles/"), &[]);
    server.join().unwrap();
    assert_eq!(status_of(&report, "bundle-store"), "pass", "{report:#}");
    assert_eq!(code, 0);
    let p = &report["facts"]["probe"];
    assert_eq!(p["verified"], true);
    assert_eq!(p["trust_store"], "/etc/pki/tls/certs/ca-bundle.crt");
    assert_eq!(p["chain"][0]["subject"], "CN=127.0.0.1");
    assert_eq!(p["chain"][0]["issuer"], "O=bootready tests, CN=Bundle Store Test CA 1");
    assert!(p["protocol"].as_str().unwrap().starts_with("TLSv1."), "{p}");
    let evidence = outcome(&report, "bundle-store")["evidence"].to_string();
    assert!(evidence.contains("chain[0]: CN=127.0.0.1"), "{evidence}");
}

#[test]
fn ca_missing_from_the_image_store_fails_as_unknown_ca() {
    let ca = ca("Bundle Store Test CA 2");
    let (port, server) = serve(&leaf(&ca, &["127.0.0.1"], -DAY, 30 * DAY), 1);
    let dir = tempfile::tempdir().unwrap();
    rhel7_root(dir.path(), &[], &[]);
    let (code, report) = probe(dir.path(), &format!("https://127.0.0.1:{port}/"), &[]);
    server.join().unwrap();
    assert_eq!(code, 1);
    assert_eq!(report["facts"]["probe"]["failure"], "unknown-ca", "{report:#}");
    let o = outcome(&report, "bundle-store");
    assert_eq!(o["status"], "fail");
    assert!(
        o["summary"]
            .as_str()
            .unwrap()
            .contains("unknown CA: the chain leads to O=bootready tests, CN=Bundle Store Test CA 2"),
        "{o}"
    );
    assert!(o["remediation"].as_str().unwrap().contains("/etc/pki/ca-trust/source/anchors/"), "{o}");
}

#[test]
fn ca_in_anchors_but_not_extracted_names_update_ca_trust() {
    let ca = ca("Bundle Store Test CA 3");
    let (port, server) = serve(&leaf(&ca, &["127.0.0.1"], -DAY, 30 * DAY), 1);
    let dir = tempfile::tempdir().unwrap();
    rhel7_root(dir.path(), &[], &[&ca.0]);
    let ca_file = dir.path().join("corp-ca.pem");
    std::fs::write(&ca_file, pem(&ca.0)).unwrap();
    let (code, report) = probe(
        &dir.path().join("."),
        &format!("https://127.0.0.1:{port}/"),
        &["--check", "certificates", "--ca-cert", ca_file.to_str().unwrap()],
    );
    server.join().unwrap();
    assert_eq!(code, 1);
    let o = outcome(&report, "bundle-store");
    assert_eq!(o["status"], "fail");
    let summary = o["summary"].as_str().unwrap();
    assert!(
        summary.contains("is in /etc/pki/ca-trust/source/anchors/corp-0.pem but not in the extracted bundle"),
        "{summary}"
    );
    assert!(summary.contains("`update-ca-trust extract` was not run"), "{summary}");
    let c = outcome(&report, "certificates");
    assert_eq!(c["status"], "fail");
    assert!(c["summary"].as_str().unwrap().contains("`update-ca-trust extract` was not run"), "{c}");
    assert!(c["remediation"].as_str().unwrap().starts_with("run `update-ca-trust extract`"), "{c}");
    let anchors = &report["facts"]["trust_store"]["anchors"];
    assert_eq!(anchors[0]["in_bundle"], false, "{anchors}");
}

#[test]
fn expired_server_certificate_fails() {
    let ca = ca("Bundle Store Test CA 4");
    let (port, server) = serve(&leaf(&ca, &["127.0.0.1"], -30 * DAY, -DAY), 1);
    let dir = tempfile::tempdir().unwrap();
    rhel7_root(dir.path(), &[&ca.0], &[]);
    let (code, report) = probe(dir.path(), &format!("https://127.0.0.1:{port}/"), &[]);
    server.join().unwrap();
    assert_eq!(code, 1);
    assert_eq!(report["facts"]["probe"]["failure"], "expired", "{report:#}");
    assert!(outcome(&report, "bundle-store")["summary"].as_str().unwrap().contains("has expired"));
}

#[test]
fn now_in_the_future_expires_a_valid_certificate() {
    let ca = ca("Bundle Store Test CA 5");
    let (port, server) = serve(&leaf(&ca, &["127.0.0.1"], -DAY, 30 * DAY), 2);
    let dir = tempfile::tempdir().unwrap();
    rhel7_root(dir.path(), &[&ca.0], &[]);
    let url = format!("https://127.0.0.1:{port}/");
    let (_, today) = probe(dir.path(), &url, &[]);
    let (code, later) = probe(dir.path(), &url, &["--now", "2099-01-01"]);
    server.join().unwrap();
    assert_eq!(status_of(&today, "bundle-store"), "pass", "{today:#}");
    assert_eq!(code, 1);
    assert_eq!(later["facts"]["probe"]["failure"], "expired", "{later:#}");
}

#[test]
fn wrong_host_name_fails() {
    let ca = ca("Bundle Store Test CA 6");
    // Two probes: by IP address (IP mismatch) and by name (host-name mismatch).
    let (port, server) = serve(&leaf(&ca, &["store.example.com"], -DAY, 30 * DAY), 2);
    let dir = tempfile::tempdir().unwrap();
    rhel7_root(dir.path(), &[&ca.0], &[]);
    for url in [format!("https://127.0.0.1:{port}/"), format!("https://localhost:{port}/")] {
        let (code, report) = probe(dir.path(), &url, &[]);
        assert_eq!(code, 1);
        assert_eq!(report["facts"]["probe"]["failure"], "name-mismatch", "{report:#}");
        let o = outcome(&report, "bundle-store");
        assert!(o["summary"].as_str().unwrap().contains("the certificate does not name"), "{o}");
    }
    server.join().unwrap();
}

#[test]
fn refused_connection_is_reported() {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    rhel7_root(dir.path(), &[], &[]);
    let (code, report) = probe(dir.path(), &format!("https://127.0.0.1:{port}/"), &[]);
    assert_eq!(code, 1);
    assert_eq!(report["facts"]["probe"]["failure"], "refused", "{report:#}");
}

#[test]
fn probe_with_root_needs_the_explicit_flag() {
    bootready()
        .args(["check", "--root"])
        .arg(fixture("rhel-7.9"))
        .args(["--probe", "--bundle-store", "https://127.0.0.1:9/"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--probe-from-host"));
    bootready()
        .args(["check", "--probe"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--bundle-store"));
}

#[test]
fn live_probe_uses_the_hosts_store_which_lacks_the_test_ca() {
    let ca = ca("Bundle Store Test CA 7");
    let (port, server) = serve(&leaf(&ca, &["127.0.0.1"], -DAY, 30 * DAY), 1);
    let url = format!("https://127.0.0.1:{port}/");
    let (code, report) = check_json(&["--probe", "--bundle-store", &url, "--check", "bundle-store"]);
    server.join().unwrap();
    assert_eq!(code, 1);
    assert_eq!(report["facts"]["probe"]["failure"], "unknown-ca", "{report:#}");
}

#[test]
fn debian_anchor_not_extracted_names_update_ca_certificates() {
    let ca = ca("Bundle Store Test CA 8");
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    std::fs::create_dir_all(root.join("etc/ssl/certs")).unwrap();
    std::fs::create_dir_all(root.join("usr/local/share/ca-certificates/corp")).unwrap();
    std::fs::copy(fixture("debian-12").join("usr/lib/os-release"), root.join("etc/os-release")).unwrap();
    std::fs::copy(
        fixture("debian-12").join("etc/ssl/certs/ca-certificates.crt"),
        root.join("etc/ssl/certs/ca-certificates.crt"),
    )
    .unwrap();
    std::fs::write(root.join("usr/local/share/ca-certificates/corp/corp-ca.crt"), pem(&ca.0)).unwrap();
    let ca_file = dir.path().join("corp-ca.der");
    std::fs::write(&ca_file, ca.0.to_der().unwrap()).unwrap();
    let (code, report) = check_json(&[
        "--root",
        root.to_str().unwrap(),
        "--check",
        "certificates",
        "--ca-cert",
        ca_file.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    let c = outcome(&report, "certificates");
    let summary = c["summary"].as_str().unwrap();
    assert!(
        summary.contains("/usr/local/share/ca-certificates/corp/corp-ca.crt but not in the extracted bundle"),
        "{summary}"
    );
    assert!(summary.contains("`update-ca-certificates` was not run"), "{summary}");
}

#[test]
fn bad_ca_cert_file_is_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("x.pem");
    std::fs::write(&f, "-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n").unwrap();
    bootready()
        .args(["check", "--root"])
        .arg(fixture("rhel-7.9"))
        .arg("--ca-cert")
        .arg(&f)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("line 1: bad base64"));
    bootready()
        .args(["check", "--root"])
        .arg(fixture("rhel-7.9"))
        .args(["--ca-cert", "/nonexistent/ca.pem"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--ca-cert /nonexistent/ca.pem"));
    bootready()
        .args(["check", "--now", "next tuesday"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--now"));
}
