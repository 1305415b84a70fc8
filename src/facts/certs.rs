//! X.509 certificates in PEM bundles (or single DER files), parsed with OpenSSL block by block,
//! so one bad block is reported with its line number and the others are still read.

use openssl::asn1::{Asn1Time, Asn1TimeRef};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::x509::{X509, X509NameRef, X509Ref};
use serde::Serialize;

use crate::timestamp;

/// Most certificates read from one bundle; the rest are counted as not read.
pub const MAX_CERTS: usize = 10_000;

/// One certificate, as reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertSummary {
    /// The subject, e.g. `C=US, O=Internet Security Research Group, CN=ISRG Root X1`.
    pub subject: String,
    /// The issuer, in the same form.
    pub issuer: String,
    /// SHA-256 fingerprint of the DER encoding, lower-case hex with colons.
    pub sha256: String,
    /// Start of validity (RFC 3339, UTC).
    pub not_before: String,
    /// End of validity (RFC 3339, UTC).
    pub not_after: String,
    /// Line of its `-----BEGIN` in the file (1-based); `None` for a DER file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
}

/// A block that is not a certificate OpenSSL can read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BadBlock {
    /// Line of its `-----BEGIN` (1-based).
    pub line: usize,
    /// Why it could not be read.
    pub error: String,
}

/// Everything read from one file.
#[derive(Debug, Default)]
pub struct ParsedCerts {
    /// The certificates, in file order, with their summaries.
    pub certs: Vec<(X509, CertSummary)>,
    /// Blocks that could not be read.
    pub bad: Vec<BadBlock>,
    /// Certificates beyond [`MAX_CERTS`] that were not read.
    pub not_read: usize,
}

/// Parses every `CERTIFICATE` (and OpenSSL `TRUSTED CERTIFICATE`) PEM block of `data`; when
/// there is no PEM block at all and `der_fallback` is set, tries the whole of `data` as DER.
/// Never panics on garbage: bad base64, a truncated block or bad DER become a [`BadBlock`].
pub fn parse(data: &[u8], der_fallback: bool) -> ParsedCerts {
    let text = String::from_utf8_lossy(data);
    let mut out = ParsedCerts::default();
    let mut open: Option<(usize, String, String)> = None; // (line, label, base64)
    let mut blocks = 0;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        let lineno = i + 1;
        if let Some(label) = line.strip_prefix("-----BEGIN ").and_then(|l| l.strip_suffix("-----")) {
            if let Some((start, _, _)) = open.take() {
                out.bad.push(BadBlock {
                    line: start,
                    error: "truncated: a new BEGIN line came before its END line".into(),
                });
            }
            blocks += 1;
            open = Some((lineno, label.to_string(), String::new()));
            continue;
        }
        let Some((start, label, b64)) = open.as_mut() else { continue };
        if let Some(end) = line.strip_prefix("-----END ").and_then(|l| l.strip_suffix("-----")) {
            let (start, label, b64) = (*start, std::mem::take(label), std::mem::take(b64));
            open = None;
            if end != label {
                out.bad.push(BadBlock { line: start, error: format!("BEGIN {label} ended by END {end}") });
                continue;
            }
            if label != "CERTIFICATE" && label != "TRUSTED CERTIFICATE" && label != "X509 CERTIFICATE" {
                continue; // keys, CRLs: not certificates, not errors
            }
            if out.certs.len() >= MAX_CERTS {
                out.not_read += 1;
                continue;
            }
            match decode(&b64).and_then(|der| from_der(&der)) {
                Ok(cert) => {
                    let summary = summarise(&cert, Some(start));
                    out.certs.push((cert, summary));
                }
                Err(error) => out.bad.push(BadBlock { line: start, error }),
            }
        } else if b64.len() < 1024 * 1024 {
            b64.push_str(line);
        }
    }
    if let Some((start, _, _)) = open {
        out.bad.push(BadBlock { line: start, error: "truncated: the file ends before the END line".into() });
    }
    if blocks == 0 && der_fallback && !data.is_empty() {
        match from_der(data) {
            Ok(cert) => {
                let summary = summarise(&cert, None);
                out.certs.push((cert, summary));
            }
            Err(error) => out.bad.push(BadBlock { line: 1, error: format!("neither PEM nor DER: {error}") }),
        }
    }
    out
}

fn decode(b64: &str) -> Result<Vec<u8>, String> {
    if b64.is_empty() {
        return Err("empty block".into());
    }
    if b64.contains(':') {
        return Err("PEM headers (an encrypted block?) in a certificate".into());
    }
    if !b64.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'=')
        || !b64.len().is_multiple_of(4)
    {
        return Err("bad base64".into());
    }
    openssl::base64::decode_block(b64).map_err(|e| format!("bad base64: {e}"))
}

fn from_der(der: &[u8]) -> Result<X509, String> {
    X509::from_der(der).map_err(|e| format!("not an X.509 certificate: {}", first_reason(&e)))
}

fn first_reason(e: &openssl::error::ErrorStack) -> String {
    e.errors().first().and_then(|e| e.reason().map(str::to_string)).unwrap_or_else(|| e.to_string())
}

/// The report form of a certificate.
pub fn summarise(cert: &X509Ref, line: Option<usize>) -> CertSummary {
    CertSummary {
        subject: name(cert.subject_name()),
        issuer: name(cert.issuer_name()),
        sha256: fingerprint(cert),
        not_before: time(cert.not_before()),
        not_after: time(cert.not_after()),
        line,
    }
}

/// SHA-256 fingerprint of the certificate's DER form, `ab:cd:...` (empty if OpenSSL fails).
pub fn fingerprint(cert: &X509Ref) -> String {
    cert.digest(MessageDigest::sha256())
        .map(|d| d.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(":"))
        .unwrap_or_default()
}

/// A distinguished name as `C=US, O=Example, CN=Example Root`, in certificate order.
pub fn name(n: &X509NameRef) -> String {
    n.entries()
        .map(|e| {
            let key = match e.object().nid() {
                Nid::UNDEF => e.object().to_string(),
                nid => nid.short_name().map(str::to_string).unwrap_or_else(|_| e.object().to_string()),
            };
            let value = e.data().to_string().unwrap_or_else(|_| "?".into());
            format!("{key}={value}")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Seconds since the epoch of an ASN.1 time (`None` if OpenSSL cannot compare it).
pub fn unix_time(t: &Asn1TimeRef) -> Option<i64> {
    let epoch = Asn1Time::from_unix(0).ok()?;
    let d = epoch.diff(t).ok()?;
    Some(i64::from(d.days) * 86_400 + i64::from(d.secs))
}

fn time(t: &Asn1TimeRef) -> String {
    unix_time(t).map(timestamp::format).unwrap_or_else(|| t.to_string())
}

/// Validity of a certificate at `now` (seconds since the epoch).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validity {
    /// Within its validity period.
    Valid,
    /// `notAfter` is before `now`.
    Expired,
    /// `notBefore` is after `now`.
    NotYetValid,
}

/// Where `now` falls in the certificate's validity period (compared with OpenSSL's own
/// ASN.1 time comparison).
pub fn validity(cert: &X509Ref, now: &Asn1TimeRef) -> Validity {
    if cert.not_after() < now {
        Validity::Expired
    } else if cert.not_before() > now {
        Validity::NotYetValid
    } else {
        Validity::Valid
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// ISRG Root X1, as in Debian 12's /etc/ssl/certs/ISRG_Root_X1.pem (public data).
    pub const ISRG_ROOT_X1: &str =
        include_str!("../../tests/fixtures/debian-12/usr/share/ca-certificates/mozilla/ISRG_Root_X1.crt");

    #[test]
    fn reads_a_real_root() {
        let p = parse(ISRG_ROOT_X1.as_bytes(), false);
        assert!(p.bad.is_empty(), "{:?}", p.bad);
        assert_eq!(p.certs.len(), 1);
        let s = &p.certs[0].1;
        assert_eq!(s.subject, "C=US, O=Internet Security Research Group, CN=ISRG Root X1");
        assert_eq!(s.subject, s.issuer);
        assert_eq!(
            s.sha256,
            "96:bc:ec:06:26:49:76:f3:74:60:77:9a:cf:28:c5:a7:cf:e8:a3:c0:aa:e1:1a:8f:fc:ee:05:c0:bd:df:08:c6"
        );
        assert_eq!(s.not_after, "2035-06-04T11:04:38Z");
        assert_eq!(s.line, Some(1));
    }

    #[test]
    fn garbage_is_reported_by_line_never_a_crash() {
        let good = ISRG_ROOT_X1.trim_end();
        let mut lines: Vec<&str> = good.lines().collect();
        let truncated = lines[..5].join("\n");
        lines[3] = "!!!!not base64!!!!";
        let bad_b64 = lines.join("\n");
        let bad_der = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----";
        let input = format!(
            "# comment\n{good}\n{bad_b64}\n{bad_der}\n-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n{truncated}\n{good}\n-----BEGIN CERTIFICATE-----\nAB=="
        );
        let p = parse(input.as_bytes(), true);
        assert_eq!(p.certs.len(), 2);
        let lines: Vec<usize> = p.bad.iter().map(|b| b.line).collect();
        let n = good.lines().count();
        assert_eq!(lines, vec![2 + n, 2 + 2 * n, 5 + 2 * n, 7 + 2 * n, 12 + 3 * n]);
        assert!(p.bad[0].error.contains("base64"), "{:?}", p.bad);
        assert!(p.bad[1].error.contains("not an X.509"), "{:?}", p.bad);
        assert!(p.bad[3].error.contains("truncated"), "{:?}", p.bad);
        assert!(p.bad[4].error.contains("file ends"), "{:?}", p.bad);
        for junk in [
            &b"\xff\xfe\x00-----BEGIN CERTIFICATE-----\n\xff"[..],
            b"",
            b"-----BEGIN -----",
            b"\x30\x82\xff\xff",
        ] {
            let _ = parse(junk, true);
        }
    }

    #[test]
    fn der_fallback_reads_a_der_file() {
        let pem = parse(ISRG_ROOT_X1.as_bytes(), false);
        let der = pem.certs[0].0.to_der().unwrap();
        let p = parse(&der, true);
        assert_eq!(p.certs.len(), 1);
        assert_eq!(p.certs[0].1.sha256, pem.certs[0].1.sha256);
        assert!(parse(&der, false).certs.is_empty());
    }

    #[test]
    fn validity_as_of_a_given_time() {
        let p = parse(ISRG_ROOT_X1.as_bytes(), false);
        let c = &p.certs[0].0;
        let at = |s| Asn1Time::from_unix(timestamp::parse(s).unwrap()).unwrap();
        assert_eq!(validity(c, &at("2026-01-01")), Validity::Valid);
        assert_eq!(validity(c, &at("2035-06-05")), Validity::Expired);
        assert_eq!(validity(c, &at("2015-01-01")), Validity::NotYetValid);
    }
}
