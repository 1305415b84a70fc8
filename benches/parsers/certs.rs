//! CA bundles: 150 certificates (the size of the Mozilla store Debian and RHEL ship) and 10 000
//! (the linear-growth bound), made here: CA certificates with RSA-2048 keys and the
//! extensions a real root carries, PEM-encoded with a label line before each, as
//! `update-ca-trust` writes them.

use std::fmt::Write;
use std::hint::black_box;

use bootready::facts::certs::parse;
use criterion::{BenchmarkId, Criterion, Throughput};
use openssl::asn1::{Asn1Integer, Asn1Time};
use openssl::bn::BigNum;
use openssl::hash::MessageDigest;
use openssl::pkey::PKey;
use openssl::rsa::Rsa;
use openssl::x509::extension::{BasicConstraints, KeyUsage, SubjectKeyIdentifier};
use openssl::x509::{X509Builder, X509NameBuilder};

/// A PEM bundle of `n` self-signed CA certificates, each with its own subject and serial.
pub fn bundle(n: usize) -> String {
    let key = PKey::from_rsa(Rsa::generate(2048).expect("RSA key")).expect("key");
    let mut out = String::with_capacity(n * 2100);
    for i in 0..n {
        let mut name = X509NameBuilder::new().expect("name");
        name.append_entry_by_text("C", "US").expect("C");
        name.append_entry_by_text("O", &format!("Example Trust Services {}", i / 10)).expect("O");
        name.append_entry_by_text("CN", &format!("Example Root CA {i}")).expect("CN");
        let name = name.build();
        let mut b = X509Builder::new().expect("builder");
        b.set_version(2).expect("version");
        let serial =
            Asn1Integer::from_bn(&BigNum::from_u32(1_000_000 + i as u32).expect("bn")).expect("serial");
        b.set_serial_number(&serial).expect("serial");
        b.set_subject_name(&name).expect("subject");
        b.set_issuer_name(&name).expect("issuer");
        b.set_not_before(&Asn1Time::from_unix(1_262_304_000).expect("time")).expect("notBefore");
        b.set_not_after(&Asn1Time::from_unix(2_208_988_800).expect("time")).expect("notAfter");
        b.set_pubkey(&key).expect("pubkey");
        b.append_extension(BasicConstraints::new().critical().ca().build().expect("bc")).expect("bc");
        b.append_extension(KeyUsage::new().critical().key_cert_sign().crl_sign().build().expect("ku"))
            .expect("ku");
        let ski = SubjectKeyIdentifier::new().build(&b.x509v3_context(None, None)).expect("ski");
        b.append_extension(ski).expect("ski");
        b.sign(&key, MessageDigest::sha256()).expect("sign");
        let pem = b.build().to_pem().expect("pem");
        let _ = write!(out, "# Example Root CA {i}\n{}", String::from_utf8_lossy(&pem));
    }
    out
}

pub fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("ca bundle");
    g.sample_size(10);
    for n in [150, 10_000] {
        let text = bundle(n);
        assert_eq!(parse(text.as_bytes(), false).certs.len(), n, "every certificate reads");
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), &text, |b, t| {
            b.iter(|| parse(black_box(t.as_bytes()), false))
        });
    }
    g.finish();
}
