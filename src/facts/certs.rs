//! X.509 certificates in PEM bundles (or single DER files), read block by block, so one bad
//! block is reported with its line number and the others are still read. Each block's DER is
//! read by [`x509`](super::x509) (not OpenSSL's decoder: see there why).

use openssl::x509::X509Ref;
use serde::Serialize;
use sha2::Digest;

use super::x509;
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

/// One certificate read from a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cert {
    /// Its DER encoding (empty when it was not kept: [`parse_reader`]).
    pub der: Vec<u8>,
    /// Its report form.
    pub summary: CertSummary,
    /// Start of validity, seconds since the epoch.
    pub not_before: i64,
    /// End of validity, seconds since the epoch.
    pub not_after: i64,
}

/// Everything read from one file.
#[derive(Debug, Default)]
pub struct ParsedCerts {
    /// The certificates, in file order.
    pub certs: Vec<Cert>,
    /// Blocks that could not be read.
    pub bad: Vec<BadBlock>,
    /// Certificates beyond [`MAX_CERTS`] that were not read.
    pub not_read: usize,
}

/// Parses every `CERTIFICATE` (and OpenSSL `TRUSTED CERTIFICATE`) PEM block of `data`; when
/// there is no PEM block at all and `der_fallback` is set, tries the whole of `data` as DER.
/// Never panics on garbage: bad base64, a truncated block or bad DER become a [`BadBlock`].
///
/// Lines are bytes split at `\n` with ASCII whitespace trimmed, as OpenSSL's PEM reader
/// takes them: the file is not decoded as text first (a 200 KB bundle is all ASCII).
pub fn parse(data: &[u8], der_fallback: bool) -> ParsedCerts {
    let mut pem = Pem::new(true);
    // A slice is its own buffer: every line is borrowed whole, and reading it cannot fail.
    let _ = super::lines::each_line(data, usize::MAX, |line| pem.line(line));
    let blocks = pem.blocks;
    let mut out = pem.finish();
    if blocks == 0 && der_fallback && !data.is_empty() {
        match read(data, None, true) {
            Ok(cert) => out.certs.push(cert),
            Err(error) => out.bad.push(BadBlock { line: 1, error: format!("neither PEM nor DER: {error}") }),
        }
    }
    out
}

/// [`parse`] of a PEM bundle streamed from `reader` (no DER fallback): a 200 KB bundle is
/// never held whole. A line is cut at 1 MiB, as much base64 as one block keeps. Each
/// certificate's DER (`Cert::der`) is kept only when `keep_der`: otherwise every block is
/// decoded into one reused buffer.
pub fn parse_reader(reader: impl std::io::BufRead, keep_der: bool) -> std::io::Result<ParsedCerts> {
    let mut pem = Pem::new(keep_der);
    super::lines::each_line(reader, MAX_BLOCK_BASE64, |line| pem.line(line))?;
    Ok(pem.finish())
}

/// Most base64 kept for one block (1 MiB).
const MAX_BLOCK_BASE64: usize = 1024 * 1024;

/// The PEM reader's state between lines.
struct Pem {
    out: ParsedCerts,
    keep_der: bool,
    /// The current block's DER, reused from block to block.
    der: Vec<u8>,
    /// The current block's base64, reused likewise.
    b64: Vec<u8>,
    /// (line, label) of the block being read.
    open: Option<(usize, Vec<u8>)>,
    /// `BEGIN` lines seen.
    blocks: usize,
    /// Lines seen.
    lineno: usize,
}

impl Pem {
    fn new(keep_der: bool) -> Self {
        Pem {
            out: ParsedCerts::default(),
            keep_der,
            der: Vec::new(),
            b64: Vec::new(),
            open: None,
            blocks: 0,
            lineno: 0,
        }
    }

    /// Takes the next line (without its `\n`).
    fn line(&mut self, raw: &[u8]) {
        self.lineno += 1;
        let line = raw.trim_ascii();
        let lineno = self.lineno;
        let out = &mut self.out;
        if let Some(label) = line.strip_prefix(b"-----BEGIN ").and_then(|l| l.strip_suffix(b"-----")) {
            if let Some((start, _)) = self.open.replace((lineno, label.to_vec())) {
                out.bad.push(BadBlock {
                    line: start,
                    error: "truncated: a new BEGIN line came before its END line".into(),
                });
            }
            self.blocks += 1;
            self.b64.clear();
            return;
        }
        let Some(start) = self.open.as_ref().map(|(start, _)| *start) else { return };
        if let Some(end) = line.strip_prefix(b"-----END ").and_then(|l| l.strip_suffix(b"-----")) {
            let label = self.open.take().map(|(_, l)| l).unwrap_or_default();
            if end != label.as_slice() {
                let (label, end) = (String::from_utf8_lossy(&label), String::from_utf8_lossy(end));
                out.bad.push(BadBlock { line: start, error: format!("BEGIN {label} ended by END {end}") });
                return;
            }
            if !matches!(label.as_slice(), b"CERTIFICATE" | b"TRUSTED CERTIFICATE" | b"X509 CERTIFICATE") {
                return; // keys, CRLs: not certificates, not errors
            }
            if out.certs.len() >= MAX_CERTS {
                out.not_read += 1;
                return;
            }
            match decode(&self.b64, &mut self.der).and_then(|()| read(&self.der, Some(start), self.keep_der))
            {
                Ok(cert) => out.certs.push(cert),
                Err(error) => out.bad.push(BadBlock { line: start, error }),
            }
        } else if self.b64.len() < MAX_BLOCK_BASE64 {
            self.b64.extend_from_slice(line);
        }
    }

    /// Ends the file: a block still open is truncated.
    fn finish(mut self) -> ParsedCerts {
        if let Some((start, _)) = self.open {
            self.out
                .bad
                .push(BadBlock { line: start, error: "truncated: the file ends before the END line".into() });
        }
        self.out
    }
}

/// Decodes a block's base64 into `der` (emptied first).
fn decode(b64: &[u8], der: &mut Vec<u8>) -> Result<(), String> {
    if b64.is_empty() {
        return Err("empty block".into());
    }
    if b64.contains(&b':') {
        return Err("PEM headers (an encrypted block?) in a certificate".into());
    }
    if base64(b64, der) { Ok(()) } else { Err("bad base64".into()) }
}

/// The value of each base64 character (RFC 4648 §4); `INVALID` for every other byte.
const BASE64_VALUES: [u8; 256] = {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut values = [INVALID; 256];
    let mut i = 0;
    while i < 64 {
        values[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    values
};
const INVALID: u8 = 0x80;

/// Standard base64 with `=` padding (RFC 4648 §4), as PEM carries it: whole quanta only,
/// padding only at the very end. (Not OpenSSL's decoder: using it loads OpenSSL's
/// configuration, a cost a check that only reads files should not pay.)
/// Decodes `text` into `out` (emptied first); false when it is not such base64.
fn base64(text: &[u8], out: &mut Vec<u8>) -> bool {
    out.clear();
    if !text.len().is_multiple_of(4) {
        return false;
    }
    let Some(body_len) = text.len().checked_sub(4) else { return true };
    let (body, last) = text.split_at(body_len);
    // Every quantum but the last has no padding: decode them without a branch per byte (into
    // room made first, so without a capacity check per quantum either) and look at the OR of
    // their values once, at the end.
    out.resize(body.len() / 4 * 3, 0);
    let mut seen = 0u8;
    for (q, o) in body.chunks_exact(4).zip(out.chunks_exact_mut(3)) {
        let [a, b, c, d] = [q[0], q[1], q[2], q[3]].map(|ch| BASE64_VALUES[usize::from(ch)]);
        seen |= a | b | c | d;
        let n = u32::from(a) << 18 | u32::from(b) << 12 | u32::from(c) << 6 | u32::from(d);
        o.copy_from_slice(&[(n >> 16) as u8, (n >> 8) as u8, n as u8]);
    }
    if seen & INVALID != 0 {
        return false;
    }
    let pad = match last {
        [_, _, b'=', b'='] => 2,
        [_, _, _, b'='] => 1,
        _ => 0,
    };
    let mut n = 0u32;
    for &ch in &last[..4 - pad] {
        let v = BASE64_VALUES[usize::from(ch)];
        if v & INVALID != 0 {
            return false;
        }
        n = (n << 6) | u32::from(v);
    }
    n <<= 6 * pad as u32;
    out.extend_from_slice(&n.to_be_bytes()[1..4 - pad]);
    true
}

/// Reads one DER certificate found at `line`.
fn read(der: &[u8], line: Option<usize>, keep_der: bool) -> Result<Cert, String> {
    let f = x509::read(der).map_err(|e| format!("not an X.509 certificate: {e}"))?;
    let der = &der[..f.len];
    let summary = CertSummary {
        subject: f.subject,
        issuer: f.issuer,
        sha256: fingerprint(der),
        not_before: timestamp::format(f.not_before),
        not_after: timestamp::format(f.not_after),
        line,
    };
    let der = if keep_der { der.to_vec() } else { Vec::new() };
    Ok(Cert { der, summary, not_before: f.not_before, not_after: f.not_after })
}

/// The report form of a certificate OpenSSL holds (a server's chain); one it cannot encode,
/// or that is not in DER form, is named as unreadable.
pub fn summarise(cert: &X509Ref) -> CertSummary {
    match cert.to_der().map_err(|e| e.to_string()).and_then(|der| read(&der, None, false)) {
        Ok(c) => c.summary,
        Err(e) => CertSummary {
            subject: format!("(unreadable: {e})"),
            issuer: String::new(),
            sha256: String::new(),
            not_before: String::new(),
            not_after: String::new(),
            line: None,
        },
    }
}

/// SHA-256 fingerprint of a DER encoding, `ab:cd:...`.
pub fn fingerprint(der: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(95);
    for (i, b) in sha2::Sha256::digest(der).iter().enumerate() {
        if i > 0 {
            s.push(':');
        }
        s.push(char::from(HEX[usize::from(b >> 4)]));
        s.push(char::from(HEX[usize::from(b & 0xf)]));
    }
    s
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

/// Where `now` (seconds since the epoch) falls in the certificate's validity period.
pub fn validity(cert: &Cert, now: i64) -> Validity {
    if cert.not_after < now {
        Validity::Expired
    } else if cert.not_before > now {
        Validity::NotYetValid
    } else {
        Validity::Valid
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn a_streamed_bundle_reads_as_the_whole_file_does() {
        let tricky: &[u8] = b"\r\n-----BEGIN CERTIFICATE-----\r\nMIIB\r\n-----END X509 CRL-----\n\
            -----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n\
            -----BEGIN CERTIFICATE-----\n@@@@\n-----END CERTIFICATE-----\n\
            -----BEGIN CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\nMIIB";
        let mut bundle = std::fs::read("/etc/ssl/certs/ca-certificates.crt").unwrap();
        bundle.extend_from_slice(tricky);
        for (data, buffers) in [(tricky, &[1, 2, 5, 64][..]), (&bundle[..], &[3, 64, 4096, 65536][..])] {
            let whole = parse(data, false);
            assert!(whole.bad.len() >= 4, "{:?}", whole.bad);
            for &buffer in buffers {
                let streamed = parse_reader(std::io::BufReader::with_capacity(buffer, data), true).unwrap();
                assert_eq!(streamed.certs, whole.certs, "buffer {buffer}");
                assert_eq!(streamed.bad, whole.bad, "buffer {buffer}");
                assert_eq!(streamed.not_read, whole.not_read, "buffer {buffer}");
            }
        }
        assert!(parse_reader(&bundle[..], false).unwrap().certs.len() > 100);
    }

    /// ISRG Root X1, as in Debian 12's /etc/ssl/certs/ISRG_Root_X1.pem (public data).
    pub const ISRG_ROOT_X1: &str =
        include_str!("../../tests/fixtures/debian-12/usr/share/ca-certificates/mozilla/ISRG_Root_X1.crt");

    fn base64(text: &[u8]) -> Option<Vec<u8>> {
        let mut out = vec![0xaa; 3]; // emptied first
        super::base64(text, &mut out).then_some(out)
    }

    #[test]
    fn base64_as_rfc4648_says() {
        // RFC 4648 §10 test vectors.
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(encoded.as_bytes()).as_deref(), Some(plain.as_bytes()), "{encoded}");
        }
        let all: Vec<u8> = (0..=255).collect();
        assert_eq!(base64(openssl::base64::encode_block(&all).as_bytes()), Some(all));
        for bad in ["Zg=", "Zg==Zm9v", "Z===", "Zm9v!", "Zm=v", "====", "Zg\n=="] {
            assert_eq!(base64(bad.as_bytes()), None, "{bad}");
        }
    }

    #[test]
    fn base64_agrees_with_openssl_at_every_length_and_refuses_every_other_byte() {
        for len in 0..200u32 {
            let data: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            assert_eq!(base64(openssl::base64::encode_block(&data).as_bytes()), Some(data), "{len} bytes");
        }
        for byte in 0..=255u8 {
            for pos in 0..8 {
                let mut text = *b"Zm9vYmFy";
                text[pos] = byte;
                let alphabet = byte.is_ascii_alphanumeric() || byte == b'+' || byte == b'/';
                let expected = alphabet || (byte == b'=' && pos == 7);
                assert_eq!(base64(&text).is_some(), expected, "{byte:#04x} at {pos}");
            }
        }
    }

    #[test]
    fn crlf_and_non_utf8_outside_blocks_read_the_same() {
        let lf = format!("# Latin-1 label: \u{e9}\n{ISRG_ROOT_X1}");
        let crlf = lf.replace('\n', "\r\n").replace("\u{e9}", "\u{0}").into_bytes();
        let mut latin1 = crlf.clone();
        latin1[17] = 0xe9; // not UTF-8
        for data in [lf.as_bytes(), &crlf, &latin1] {
            let p = parse(data, false);
            assert!(p.bad.is_empty(), "{:?}", p.bad);
            assert_eq!(p.certs.len(), 1);
            assert_eq!(p.certs[0].summary.line, Some(2));
            assert_eq!(
                p.certs[0].summary.subject,
                "C=US, O=Internet Security Research Group, CN=ISRG Root X1"
            );
        }
    }

    #[test]
    fn sha256_fingerprints() {
        // FIPS 180-2 appendix B.1 and the empty message.
        assert_eq!(
            fingerprint(b"abc"),
            "ba:78:16:bf:8f:01:cf:ea:41:41:40:de:5d:ae:22:23:b0:03:61:a3:96:17:7a:9c:b4:10:ff:61:f2:00:15:ad"
        );
        assert!(fingerprint(b"").starts_with("e3:b0:c4:42:98:fc:1c:14"));
    }

    #[test]
    fn reads_a_real_root() {
        let p = parse(ISRG_ROOT_X1.as_bytes(), false);
        assert!(p.bad.is_empty(), "{:?}", p.bad);
        assert_eq!(p.certs.len(), 1);
        let s = &p.certs[0].summary;
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
    fn without_der_the_same_summaries() {
        let bundle = std::fs::read("/etc/ssl/certs/ca-certificates.crt").unwrap();
        let (kept, dropped) = (parse(&bundle, false), parse_reader(&bundle[..], false).unwrap());
        assert!(kept.certs.len() > 100, "this machine's Mozilla bundle");
        assert_eq!(kept.certs.len(), dropped.certs.len());
        for (k, d) in kept.certs.iter().zip(&dropped.certs) {
            assert_eq!(k.summary, d.summary);
            assert_eq!(k.summary.sha256, fingerprint(&k.der));
            assert!(d.der.is_empty());
        }
    }

    #[test]
    fn der_fallback_reads_a_der_file() {
        let pem = parse(ISRG_ROOT_X1.as_bytes(), false);
        let der = pem.certs[0].der.clone();
        let p = parse(&der, true);
        assert_eq!(p.certs.len(), 1);
        assert_eq!(p.certs[0].summary.sha256, pem.certs[0].summary.sha256);
        assert!(parse(&der, false).certs.is_empty());
    }

    #[test]
    fn validity_as_of_a_given_time() {
        let p = parse(ISRG_ROOT_X1.as_bytes(), false);
        let c = &p.certs[0];
        let at = |s| timestamp::parse(s).unwrap();
        assert_eq!(validity(c, at("2026-01-01")), Validity::Valid);
        assert_eq!(validity(c, at("2035-06-04T11:04:38Z")), Validity::Valid, "notAfter itself");
        assert_eq!(validity(c, at("2035-06-04T11:04:39Z")), Validity::Expired);
        assert_eq!(validity(c, at("2015-01-01")), Validity::NotYetValid);
    }

    #[test]
    fn a_trusted_certificate_is_the_certificate_without_its_trust_settings() {
        let plain = parse(ISRG_ROOT_X1.as_bytes(), false).certs.remove(0);
        // `openssl x509 -addtrust serverAuth` appends SEQUENCE { SEQUENCE { OID serverAuth } }.
        let mut der = plain.der.clone();
        der.extend_from_slice(&[
            0x30, 0x0c, 0x30, 0x0a, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01,
        ]);
        let b64 = openssl::base64::encode_block(&der);
        let pem = format!("-----BEGIN TRUSTED CERTIFICATE-----\n{b64}\n-----END TRUSTED CERTIFICATE-----\n");
        let p = parse(pem.as_bytes(), false);
        assert!(p.bad.is_empty(), "{:?}", p.bad);
        assert_eq!(p.certs[0].der, plain.der);
        assert_eq!(p.certs[0].summary.sha256, plain.summary.sha256);
    }

    /// OpenSSL's reading of a certificate: the oracle the DER reader is held to.
    fn openssl_summary(der: &[u8]) -> Option<(String, String, String, String, String)> {
        use openssl::asn1::{Asn1Time, Asn1TimeRef};
        use openssl::hash::MessageDigest;
        use openssl::nid::Nid;
        use openssl::x509::{X509, X509NameRef};
        let cert = X509::from_der(der).ok()?;
        let name = |n: &X509NameRef| {
            n.entries()
                .map(|e| {
                    let key = match e.object().nid() {
                        Nid::UNDEF => e.object().to_string(),
                        nid => {
                            nid.short_name().map(str::to_string).unwrap_or_else(|_| e.object().to_string())
                        }
                    };
                    format!(
                        "{key}={}",
                        e.data().to_string().map(|s| s.to_string()).unwrap_or_else(|_| "?".into())
                    )
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        let time = |t: &Asn1TimeRef| {
            let d = Asn1Time::from_unix(0).unwrap().diff(t).unwrap();
            timestamp::format(i64::from(d.days) * 86_400 + i64::from(d.secs))
        };
        let digest = cert.digest(MessageDigest::sha256()).unwrap();
        let sha256 = digest.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(":");
        Some((
            name(cert.subject_name()),
            name(cert.issuer_name()),
            sha256,
            time(cert.not_before()),
            time(cert.not_after()),
        ))
    }

    #[test]
    fn reads_every_real_bundle_exactly_as_openssl_does() {
        // This machine's Mozilla bundle (ca-certificates: .ci/run installs it) and every
        // certificate file of the fixtures.
        let mut files = vec![std::path::PathBuf::from("/etc/ssl/certs/ca-certificates.crt")];
        let mut dirs = vec![std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures"))];
        while let Some(dir) = dirs.pop() {
            for e in std::fs::read_dir(dir).unwrap().flatten() {
                let (path, kind) = (e.path(), e.file_type().unwrap());
                let ext = path.extension().and_then(|x| x.to_str()).unwrap_or("");
                if kind.is_dir() {
                    dirs.push(path);
                } else if kind.is_file() && ["crt", "pem"].contains(&ext) {
                    files.push(path);
                }
            }
        }
        let mut compared = 0;
        for file in &files {
            let data = std::fs::read(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            for c in parse(&data, true).certs {
                let s = &c.summary;
                let ours = (
                    s.subject.clone(),
                    s.issuer.clone(),
                    s.sha256.clone(),
                    s.not_before.clone(),
                    s.not_after.clone(),
                );
                assert_eq!(Some(ours), openssl_summary(&c.der), "{} line {:?}", file.display(), s.line);
                compared += 1;
            }
        }
        assert!(compared > 100, "only {compared} certificates compared");
    }

    #[test]
    fn every_damaged_certificate_openssl_refuses_is_refused() {
        // Each byte of a real root replaced by 0x00, 0x80, 0xff and two neighbours of its
        // value: whatever OpenSSL's decoder refuses, the DER reader must refuse too (the
        // reverse is allowed only for times not in DER form, and BER forms).
        let der = parse(ISRG_ROOT_X1.as_bytes(), false).certs.remove(0).der;
        let (mut agreed, mut refused_by_us_only) = (0, 0);
        for i in 0..der.len() {
            for v in [0x00u8, 0x80, 0xff, der[i] ^ 1, der[i].wrapping_add(1)] {
                let mut d = der.clone();
                d[i] = v;
                let ours = x509::read(&d);
                let openssl = openssl::x509::X509::from_der(&d).is_ok();
                assert!(
                    ours.is_err() || openssl,
                    "byte {i} set to 0x{v:02x}: OpenSSL refuses, we read {ours:?}"
                );
                if ours.is_err() && openssl {
                    refused_by_us_only += 1;
                } else {
                    agreed += 1;
                }
            }
        }
        assert!(
            agreed > 6000 && refused_by_us_only < 300,
            "{agreed} agreed, {refused_by_us_only} refused by us only"
        );
    }
}
