//! The fields bootready reports from an X.509 certificate (RFC 5280 §4.1), read straight from
//! its DER encoding: issuer, subject and validity, with the structure around them checked.
//!
//! Why not OpenSSL's `X509::from_der`: in OpenSSL 3 it also decodes the public key through the
//! provider machinery, about 0.2 ms a certificate, so a 144-certificate bundle cost 25 ms and
//! 10 000 certificates two seconds. This walk reads the same structure in microseconds.
//!
//! It refuses whatever OpenSSL's decoder refuses that matters for a bundle: a wrong outer
//! shape, a length past its parent, an unknown top-level field, a name string that is not
//! valid in its type. It is stricter than OpenSSL in two rare places, which can only turn a
//! pass into a reported bad block, never the reverse: BER indefinite lengths and validity times
//! not in DER form (`YYMMDDHHMMSSZ`, `YYYYMMDDHHMMSSZ`).

use crate::timestamp;

/// What a certificate says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fields {
    /// The issuer, e.g. `C=US, O=Internet Security Research Group, CN=ISRG Root X1`.
    pub issuer: String,
    /// The subject, in the same form.
    pub subject: String,
    /// Start of validity, seconds since the epoch.
    pub not_before: i64,
    /// End of validity, seconds since the epoch.
    pub not_after: i64,
    /// Length of the certificate's encoding: what follows it (the trust settings of an
    /// OpenSSL `TRUSTED CERTIFICATE`) is not part of it.
    pub len: usize,
}

/// Universal tags used below.
const BOOLEAN: u8 = 0x01;
const INTEGER: u8 = 0x02;
const BIT_STRING: u8 = 0x03;
const OCTET_STRING: u8 = 0x04;
const NULL: u8 = 0x05;
const OID: u8 = 0x06;
const ENUMERATED: u8 = 0x0a;
const UTF8_STRING: u8 = 0x0c;
const NUMERIC_STRING: u8 = 0x12;
const PRINTABLE_STRING: u8 = 0x13;
const T61_STRING: u8 = 0x14;
const IA5_STRING: u8 = 0x16;
const UTC_TIME: u8 = 0x17;
const GENERALIZED_TIME: u8 = 0x18;
const UNIVERSAL_STRING: u8 = 0x1c;
const BMP_STRING: u8 = 0x1e;
const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;
/// Context-specific tags of the TBSCertificate: `[0]` version, `[1]`/`[2]` unique ids,
/// `[3]` extensions.
const VERSION: u8 = 0xa0;
const ISSUER_UID: u8 = 0x81;
const SUBJECT_UID: u8 = 0x82;
const EXTENSIONS: u8 = 0xa3;

/// Reads a certificate's issuer, subject and validity from the DER encoding at the start of
/// `der` (what follows it is left alone, as OpenSSL's `d2i_X509` does).
pub fn read(der: &[u8]) -> Result<Fields, String> {
    let mut input = der;
    let mut cert = expect(&mut input, SEQUENCE, "certificate")?;
    let len = der.len() - input.len();
    let mut tbs = expect(&mut cert, SEQUENCE, "tbsCertificate")?;
    algorithm_and_bits(cert, "signature")?;
    if peek(tbs) == Some(VERSION) {
        let mut version = expect(&mut tbs, VERSION, "version")?;
        integer(expect(&mut version, INTEGER, "version")?)?;
        if !version.is_empty() {
            return Err("version: unexpected field".into());
        }
    }
    integer(expect(&mut tbs, INTEGER, "serialNumber")?)?;
    algorithm(expect(&mut tbs, SEQUENCE, "signature")?)?;
    let issuer = name(expect(&mut tbs, SEQUENCE, "issuer")?).map_err(|e| format!("issuer: {e}"))?;
    let mut validity = expect(&mut tbs, SEQUENCE, "validity")?;
    let not_before = time(&mut validity).map_err(|e| format!("notBefore: {e}"))?;
    let not_after = time(&mut validity).map_err(|e| format!("notAfter: {e}"))?;
    if !validity.is_empty() {
        return Err("validity: more than two times".into());
    }
    let subject = name(expect(&mut tbs, SEQUENCE, "subject")?).map_err(|e| format!("subject: {e}"))?;
    algorithm_and_bits(expect(&mut tbs, SEQUENCE, "subjectPublicKeyInfo")?, "subjectPublicKeyInfo")?;
    if peek(tbs) == Some(ISSUER_UID) {
        bit_string(expect(&mut tbs, ISSUER_UID, "issuerUniqueID")?)?;
    }
    if peek(tbs) == Some(SUBJECT_UID) {
        bit_string(expect(&mut tbs, SUBJECT_UID, "subjectUniqueID")?)?;
    }
    if peek(tbs) == Some(EXTENSIONS) {
        let mut wrapper = expect(&mut tbs, EXTENSIONS, "extensions")?;
        extensions(expect(&mut wrapper, SEQUENCE, "extensions")?)?;
        if !wrapper.is_empty() {
            return Err("extensions: unexpected field".into());
        }
    }
    if !tbs.is_empty() {
        return Err(format!("tbsCertificate: unexpected field (tag 0x{:02x})", tbs[0]));
    }
    Ok(Fields { issuer, subject, not_before, not_after, len })
}

/// An AlgorithmIdentifier and a BIT STRING, and nothing after them: the shape of both the
/// signature that ends a certificate and the subjectPublicKeyInfo.
fn algorithm_and_bits(mut rest: &[u8], what: &str) -> Result<(), String> {
    algorithm(expect(&mut rest, SEQUENCE, what)?).map_err(|e| format!("{what}: {e}"))?;
    bit_string(expect(&mut rest, BIT_STRING, what)?).map_err(|e| format!("{what}: {e}"))?;
    if !rest.is_empty() {
        return Err(format!("{what}: unexpected field after the bits"));
    }
    Ok(())
}

/// The tag of the next element, if any.
fn peek(input: &[u8]) -> Option<u8> {
    input.first().copied()
}

/// Takes the next element, which must have `tag`, and returns its contents.
fn expect<'a>(input: &mut &'a [u8], tag: u8, what: &str) -> Result<&'a [u8], String> {
    match element(input) {
        Ok((t, content)) if t == tag => Ok(content),
        Ok((t, _)) => Err(format!("{what}: expected tag 0x{tag:02x}, found 0x{t:02x}")),
        Err(e) => Err(format!("{what}: {e}")),
    }
}

/// Takes the next tag-length-value element off `input`: (tag, contents).
fn element<'a>(input: &mut &'a [u8]) -> Result<(u8, &'a [u8]), &'static str> {
    let &[tag, first, ref rest @ ..] = *input else { return Err("truncated") };
    if tag & 0x1f == 0x1f {
        return Err("multi-byte tag");
    }
    let (len, rest) = match first {
        0..=0x7f => (usize::from(first), rest),
        0x80 => return Err("indefinite length (BER, not DER)"),
        0x81..=0x84 => {
            let n = usize::from(first & 0x7f);
            let bytes = rest.get(..n).ok_or("truncated length")?;
            let len = bytes.iter().fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
            (len, &rest[n..])
        }
        _ => return Err("length too large"),
    };
    let content = rest.get(..len).ok_or("length past the end")?;
    *input = &rest[len..];
    Ok((tag, content))
}

/// An INTEGER's contents, which must be minimal two's complement (OpenSSL refuses an empty
/// or padded one).
fn integer(value: &[u8]) -> Result<&[u8], String> {
    match value {
        [] => Err("empty INTEGER".into()),
        [0x00, next, ..] if next & 0x80 == 0 => Err("INTEGER with a padding byte".into()),
        [0xff, next, ..] if next & 0x80 != 0 => Err("INTEGER with a padding byte".into()),
        _ => Ok(value),
    }
}

/// An OBJECT IDENTIFIER's contents: at least one arc, each in minimal base-128.
fn object_id(value: &[u8]) -> Result<&[u8], String> {
    let starts_ok = value.iter().enumerate().all(|(i, b)| *b != 0x80 || (i > 0 && value[i - 1] & 0x80 != 0));
    match value.last() {
        Some(last) if last & 0x80 == 0 && starts_ok => Ok(value),
        _ => Err("malformed OBJECT IDENTIFIER".into()),
    }
}

/// A BIT STRING's contents: the count of unused bits (0-7), then the bits.
fn bit_string(value: &[u8]) -> Result<(), String> {
    match value.first() {
        Some(0..=7) => Ok(()),
        Some(_) => Err("BIT STRING with more than 7 unused bits".into()),
        None => Err("empty BIT STRING".into()),
    }
}

/// AlgorithmIdentifier ::= SEQUENCE { algorithm OID, parameters ANY OPTIONAL }.
fn algorithm(mut value: &[u8]) -> Result<(), String> {
    object_id(expect(&mut value, OID, "algorithm")?)?;
    if !value.is_empty() {
        let (tag, params) = element(&mut value).map_err(|e| format!("algorithm parameters: {e}"))?;
        any(tag, params).map_err(|e| format!("algorithm parameters: {e}"))?;
    }
    if !value.is_empty() {
        return Err("algorithm: unexpected field".into());
    }
    Ok(())
}

/// A value of any type: OpenSSL still checks the universal primitives it knows.
fn any(tag: u8, value: &[u8]) -> Result<(), String> {
    match tag {
        0x00 => Err("end-of-contents where a value belongs".into()),
        // Universal class: SEQUENCE and SET only constructed, everything else only primitive.
        0x10 | 0x11 => Err("a primitive SEQUENCE or SET".into()),
        0x20..=0x3f if tag != SEQUENCE && tag != SET => Err(format!("constructed universal tag 0x{tag:02x}")),
        BOOLEAN if value.len() != 1 => Err("a BOOLEAN is one byte".into()),
        INTEGER | ENUMERATED => integer(value).map(drop),
        BIT_STRING => bit_string(value),
        NULL if !value.is_empty() => Err("NULL with contents".into()),
        OID => object_id(value).map(drop),
        _ => Ok(()),
    }
}

/// Extensions ::= SEQUENCE OF SEQUENCE { extnID OID, critical BOOLEAN DEFAULT FALSE,
/// extnValue OCTET STRING }.
fn extensions(mut list: &[u8]) -> Result<(), String> {
    while !list.is_empty() {
        let mut ext = expect(&mut list, SEQUENCE, "extension")?;
        object_id(expect(&mut ext, OID, "extension id")?)?;
        if peek(ext) == Some(BOOLEAN) && expect(&mut ext, BOOLEAN, "extension critical")?.len() != 1 {
            return Err("extension critical: a BOOLEAN is one byte".into());
        }
        expect(&mut ext, OCTET_STRING, "extension value")?;
        if !ext.is_empty() {
            return Err("extension: unexpected field".into());
        }
    }
    Ok(())
}

/// A Name (SEQUENCE OF SET OF { type, value }) as `C=US, O=Example, CN=Example Root`, in
/// certificate order, with OpenSSL's short names for the attribute types.
fn name(mut rdns: &[u8]) -> Result<String, String> {
    let mut out = String::with_capacity(rdns.len());
    while !rdns.is_empty() {
        let mut set = expect(&mut rdns, SET, "relative name")?;
        while !set.is_empty() {
            let mut atv = expect(&mut set, SEQUENCE, "attribute")?;
            let oid = object_id(expect(&mut atv, OID, "attribute type")?)?;
            let (tag, value) = element(&mut atv).map_err(|e| format!("attribute value: {e}"))?;
            any(tag, value).map_err(|e| format!("attribute value: {e}"))?;
            if !atv.is_empty() {
                return Err("attribute: unexpected field".into());
            }
            if !out.is_empty() {
                out.push_str(", ");
            }
            out.push_str(&attribute_name(oid));
            out.push('=');
            push_string(&mut out, tag, value)?;
        }
    }
    Ok(out)
}

/// A name value as UTF-8, as OpenSSL's `ASN1_STRING_to_UTF8` gives it; `?` for a type it
/// does not convert. The types OpenSSL's decoder refuses in a name are an error, and so is an
/// invalid UTF-8, BMP or Universal string (the decoder canonicalises those).
/// (Appended to `out`, which a name is built in.)
fn push_string(out: &mut String, tag: u8, value: &[u8]) -> Result<(), String> {
    match tag {
        UTF8_STRING => out.push_str(std::str::from_utf8(value).map_err(|_| "invalid UTF8String")?),
        BMP_STRING => {
            if !value.len().is_multiple_of(2) {
                return Err("BMPString of odd length".into());
            }
            let units = value.chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]]));
            for c in char::decode_utf16(units) {
                out.push(c.map_err(|_| "invalid BMPString")?);
            }
        }
        UNIVERSAL_STRING => {
            if !value.len().is_multiple_of(4) {
                return Err("UniversalString length not a multiple of 4".into());
            }
            for c in value.chunks_exact(4) {
                let c = char::from_u32(u32::from_be_bytes([c[0], c[1], c[2], c[3]]));
                out.push(c.ok_or("invalid UniversalString")?);
            }
        }
        // One byte a character, read as Latin-1 (as OpenSSL does for T61String too).
        NUMERIC_STRING | PRINTABLE_STRING | T61_STRING | IA5_STRING => {
            out.extend(value.iter().map(|b| char::from(*b)));
        }
        BIT_STRING => {
            bit_string(value)?;
            out.push('?');
        }
        // The types OpenSSL calls unknown, and SEQUENCE: taken, not converted. (Its name
        // decoder refuses Videotex, Graphic, Visible and General strings.)
        0x07..=0x09 | 0x0b | 0x0d..=0x0f | 0x1d | SEQUENCE => out.push('?'),
        _ => return Err(format!("tag 0x{tag:02x} is not a string type")),
    }
    Ok(())
}

/// OpenSSL's short name for an attribute type, else its dotted form.
fn attribute_name(oid: &[u8]) -> std::borrow::Cow<'static, str> {
    const X520: &[(u8, &str)] = &[
        (3, "CN"),
        (4, "SN"),
        (5, "serialNumber"),
        (6, "C"),
        (7, "L"),
        (8, "ST"),
        (9, "street"),
        (10, "O"),
        (11, "OU"),
        (12, "title"),
        (13, "description"),
        (15, "businessCategory"),
        (17, "postalCode"),
        (41, "name"),
        (42, "GN"),
        (43, "initials"),
        (44, "generationQualifier"),
        (45, "x500UniqueIdentifier"),
        (46, "dnQualifier"),
        (65, "pseudonym"),
        (97, "organizationIdentifier"),
    ];
    const OTHERS: &[(&[u8], &str)] = &[
        (&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01], "emailAddress"),
        (&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x02], "unstructuredName"),
        (&[0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x19], "DC"),
        (&[0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x01], "UID"),
        (&[0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x3c, 0x02, 0x01, 0x01], "jurisdictionL"),
        (&[0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x3c, 0x02, 0x01, 0x02], "jurisdictionST"),
        (&[0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x3c, 0x02, 0x01, 0x03], "jurisdictionC"),
    ];
    if let [0x55, 0x04, n] = oid
        && let Some((_, short)) = X520.iter().find(|(x, _)| x == n)
    {
        return (*short).into();
    }
    if let Some((_, short)) = OTHERS.iter().find(|(o, _)| *o == oid) {
        return (*short).into();
    }
    dotted(oid).into()
}

/// An OID's dotted form, e.g. `1.2.840.113549.1.9.1`; `?` if its encoding is broken.
fn dotted(oid: &[u8]) -> String {
    let mut arcs: Vec<u128> = Vec::new();
    let mut value: u128 = 0;
    for (i, b) in oid.iter().enumerate() {
        if value > u128::MAX >> 7 {
            return "?".into();
        }
        value = (value << 7) | u128::from(b & 0x7f);
        if b & 0x80 == 0 {
            if arcs.is_empty() {
                let first = (value / 40).min(2);
                arcs.push(first);
                arcs.push(value - first * 40);
            } else {
                arcs.push(value);
            }
            value = 0;
        } else if i == oid.len() - 1 {
            return "?".into();
        }
    }
    if arcs.is_empty() {
        return "?".into();
    }
    arcs.iter().map(u128::to_string).collect::<Vec<_>>().join(".")
}

/// Takes a UTCTime (`YYMMDDHHMMSSZ`, years 1950-2049) or GeneralizedTime
/// (`YYYYMMDDHHMMSSZ`) and returns seconds since the epoch.
fn time(input: &mut &[u8]) -> Result<i64, String> {
    let (tag, value) = element(input)?;
    let (year, rest) = match (tag, value.len()) {
        (UTC_TIME, 13) => {
            let yy = digits(&value[..2])?;
            (if yy < 50 { 2000 + yy } else { 1900 + yy }, &value[2..])
        }
        (GENERALIZED_TIME, 15) => (digits(&value[..4])?, &value[4..]),
        (UTC_TIME | GENERALIZED_TIME, _) => {
            return Err(format!("'{}' is not in DER form", String::from_utf8_lossy(value)));
        }
        _ => return Err(format!("expected a time, found tag 0x{tag:02x}")),
    };
    if rest[10] != b'Z' {
        return Err("the time is not in UTC (Z)".into());
    }
    let [month, day, hour, minute, second] =
        [0, 2, 4, 6, 8].map(|i| digits(&rest[i..i + 2]).unwrap_or(i64::MAX));
    if !(1..=12).contains(&month) || hour > 23 || minute > 59 || second > 60 {
        return Err(format!("'{}' is not a time", String::from_utf8_lossy(value)));
    }
    let (month, day) = (u32::try_from(month).unwrap_or(0), u32::try_from(day).unwrap_or(0));
    timestamp::from_utc(year, month, day, hour, minute, second)
        .ok_or_else(|| format!("'{}' is not a date", String::from_utf8_lossy(value)))
}

fn digits(s: &[u8]) -> Result<i64, String> {
    if s.iter().all(u8::is_ascii_digit) {
        Ok(s.iter().fold(0, |acc, d| acc * 10 + i64::from(d - b'0')))
    } else {
        Err(format!("'{}' is not a number", String::from_utf8_lossy(s)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oids_in_dotted_form() {
        assert_eq!(dotted(&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01]), "1.2.840.113549.1.9.1");
        assert_eq!(dotted(&[0x55, 0x04, 0x03]), "2.5.4.3");
        assert_eq!(dotted(&[0x88, 0x37]), "2.999");
        assert_eq!(dotted(&[0x86]), "?", "unterminated arc");
        assert_eq!(dotted(&[]), "?");
        assert_eq!(dotted(&[0xff; 40]), "?", "an arc too large");
    }

    #[test]
    fn times_in_der_form_only() {
        let t = |tag: u8, s: &str| {
            let mut der = vec![tag, s.len() as u8];
            der.extend_from_slice(s.as_bytes());
            time(&mut der.as_slice())
        };
        assert_eq!(t(UTC_TIME, "350604110438Z"), Ok(timestamp::parse("2035-06-04T11:04:38Z").unwrap()));
        assert_eq!(t(UTC_TIME, "991231235959Z"), Ok(timestamp::parse("1999-12-31T23:59:59Z").unwrap()));
        assert_eq!(
            t(GENERALIZED_TIME, "20491231235959Z"),
            Ok(timestamp::parse("2049-12-31T23:59:59Z").unwrap())
        );
        assert!(t(UTC_TIME, "3506041104Z").unwrap_err().contains("DER form"));
        assert!(t(UTC_TIME, "350604110438+0100").unwrap_err().contains("DER form"));
        assert!(t(UTC_TIME, "350604110438X").unwrap_err().contains("UTC"));
        assert!(t(UTC_TIME, "351304110438Z").unwrap_err().contains("not a time"));
        assert!(t(UTC_TIME, "350231110438Z").unwrap_err().contains("not a date"));
        assert!(t(UTC_TIME, "35060411043aZ").unwrap_err().contains("not a time"));
        assert!(t(INTEGER, "350604110438Z").unwrap_err().contains("expected a time"));
    }

    fn string(tag: u8, value: &[u8]) -> Result<String, String> {
        let mut s = String::new();
        push_string(&mut s, tag, value).map(|()| s)
    }

    #[test]
    fn name_strings_by_type() {
        assert_eq!(string(UTF8_STRING, "Zürich".as_bytes()), Ok("Zürich".into()));
        assert_eq!(string(BMP_STRING, &[0x00, 0x5a, 0x00, 0xfc]), Ok("Zü".into()));
        assert_eq!(string(T61_STRING, &[0x5a, 0xfc]), Ok("Zü".into()), "Latin-1");
        assert_eq!(string(UNIVERSAL_STRING, &[0, 0, 0, 0x5a]), Ok("Z".into()));
        assert_eq!(string(SEQUENCE, &[]), Ok("?".into()));
        assert_eq!(string(0x0d, b"x"), Ok("?".into()), "a type OpenSSL calls unknown: kept, not converted");
        assert!(string(0x1a, b"x").is_err(), "VisibleString: OpenSSL's name decoder refuses it");
        assert!(string(0x00, &[]).is_err());
        assert!(string(0x80, b"x").is_err(), "context class");
        assert!(string(OCTET_STRING, b"x").is_err());
        assert!(string(UTC_TIME, b"x").is_err());
        assert!(string(UTF8_STRING, &[0xff]).is_err());
        assert!(string(BMP_STRING, &[0x00]).is_err());
        assert!(string(BMP_STRING, &[0xd8, 0x00]).is_err(), "a lone surrogate");
        assert!(string(UNIVERSAL_STRING, &[0, 0x11, 0, 0]).is_err(), "past U+10FFFF");
    }

    #[test]
    fn lengths_are_bounded_by_the_input() {
        for bad in [
            &[0x30, 0x05, 0x01][..],
            &[0x30, 0x84, 0xff, 0xff, 0xff, 0xff],
            &[0x30, 0x80, 0x00, 0x00],
            &[0x30, 0x85, 0, 0, 0, 0, 1],
            &[0x3f, 0x01, 0x00],
            &[0x30],
            &[],
        ] {
            assert!(read(bad).is_err(), "{bad:?}");
        }
    }
}
