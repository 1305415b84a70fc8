//! The RPM header blob, as every rpm database backend stores it: a big-endian index count
//! and data size, then that many 16-byte index entries `{tag, type, offset, count}`, then the
//! data store they point into. Only the few tags bootready needs are decoded, and every offset
//! and count is checked against the blob before it is used.

use crate::facts::packages::Package;

/// RPMTAG_NAME.
const TAG_NAME: u32 = 1000;
/// RPMTAG_VERSION.
const TAG_VERSION: u32 = 1001;
/// RPMTAG_RELEASE.
const TAG_RELEASE: u32 = 1002;
/// RPMTAG_EPOCH.
const TAG_EPOCH: u32 = 1003;
/// RPMTAG_INSTALLTIME.
const TAG_INSTALLTIME: u32 = 1008;
/// RPMTAG_ARCH.
const TAG_ARCH: u32 = 1022;

/// RPM_INT32_TYPE.
const TYPE_INT32: u32 = 4;
/// RPM_STRING_TYPE.
const TYPE_STRING: u32 = 6;
/// RPM_STRING_ARRAY_TYPE.
const TYPE_STRING_ARRAY: u32 = 8;
/// RPM_I18NSTRING_TYPE.
const TYPE_I18NSTRING: u32 = 9;

/// rpm's own sanity limits (`hdrchkTags`, `hdrchkData` in lib/header.c): more index entries
/// or a larger data store than this is a corrupt header.
const MAX_TAGS: u32 = 0xffff;
const MAX_DATA: u32 = 256 * 1024 * 1024;
/// Longest string kept from a header (names and versions are short; a hostile one is cut).
const MAX_STRING: usize = 4096;

/// Decodes one installed-package header blob into a [`Package`]. `version` is
/// `VERSION-RELEASE`, with `EPOCH:` in front only when the epoch is present and non-zero,
/// as `rpm -q` prints it.
pub fn parse(blob: &[u8]) -> Result<Package, String> {
    let il = be32(blob, 0).ok_or("header shorter than its 8-byte preamble")?;
    let dl = be32(blob, 4).ok_or("header shorter than its 8-byte preamble")?;
    if il == 0 || il > MAX_TAGS {
        return Err(format!("header index count {il} out of range"));
    }
    if dl > MAX_DATA {
        return Err(format!("header data size {dl} out of range"));
    }
    // il <= 0xffff and dl <= 256 MiB: this cannot overflow a usize on any 32- or 64-bit target.
    let data_start = 8 + il as usize * 16;
    let data_end = data_start + dl as usize;
    if data_end > blob.len() {
        return Err(format!(
            "header of {il} entries and {dl} data bytes needs {data_end} bytes, blob has {}",
            blob.len()
        ));
    }
    let data = &blob[data_start..data_end];

    let mut fields = Fields::default();
    for i in 0..il as usize {
        let at = 8 + i * 16;
        let (Some(tag), Some(kind), Some(offset), Some(count)) =
            (be32(blob, at), be32(blob, at + 4), be32(blob, at + 8), be32(blob, at + 12))
        else {
            return Err(format!("header index entry {i} is cut short"));
        };
        let offset = offset as usize;
        match tag {
            TAG_NAME => fields.name = Some(string(data, kind, offset, count, "NAME")?),
            TAG_VERSION => fields.version = Some(string(data, kind, offset, count, "VERSION")?),
            TAG_RELEASE => fields.release = Some(string(data, kind, offset, count, "RELEASE")?),
            TAG_ARCH => fields.arch = Some(string(data, kind, offset, count, "ARCH")?),
            TAG_EPOCH => fields.epoch = Some(int32(data, kind, offset, count, "EPOCH")?),
            TAG_INSTALLTIME => fields.install_time = Some(int32(data, kind, offset, count, "INSTALLTIME")?),
            _ => {}
        }
    }

    let name = fields.name.filter(|n| !n.is_empty()).ok_or("header has no NAME")?;
    let version = fields.version.ok_or_else(|| format!("header of {name} has no VERSION"))?;
    let release = fields.release.ok_or_else(|| format!("header of {name} has no RELEASE"))?;
    let version = match fields.epoch {
        Some(e) if e != 0 => format!("{e}:{version}-{release}"),
        _ => format!("{version}-{release}"),
    };
    Ok(Package {
        name,
        version,
        // gpg-pubkey entries (imported signing keys) have no ARCH.
        arch: fields.arch.unwrap_or_default(),
        install_time: fields.install_time.map(u64::from),
    })
}

#[derive(Default)]
struct Fields {
    name: Option<String>,
    version: Option<String>,
    release: Option<String>,
    arch: Option<String>,
    epoch: Option<u32>,
    install_time: Option<u32>,
}

/// A big-endian u32 at `at`, if the buffer holds it.
fn be32(buf: &[u8], at: usize) -> Option<u32> {
    let b = buf.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

/// The first string of a STRING, STRING_ARRAY or I18NSTRING entry: NUL-terminated inside
/// the data store.
fn string(data: &[u8], kind: u32, offset: usize, count: u32, tag: &str) -> Result<String, String> {
    if !matches!(kind, TYPE_STRING | TYPE_STRING_ARRAY | TYPE_I18NSTRING) || count == 0 {
        return Err(format!("header tag {tag} has type {kind} and count {count}, not a string"));
    }
    let rest = data
        .get(offset..)
        .ok_or_else(|| format!("header tag {tag} offset {offset} is past the data store"))?;
    let end = rest
        .iter()
        .take(MAX_STRING + 1)
        .position(|&b| b == 0)
        .ok_or_else(|| format!("header tag {tag} string is not terminated"))?;
    Ok(String::from_utf8_lossy(&rest[..end]).into_owned())
}

/// The first value of an INT32 entry.
fn int32(data: &[u8], kind: u32, offset: usize, count: u32, tag: &str) -> Result<u32, String> {
    if kind != TYPE_INT32 || count == 0 {
        return Err(format!("header tag {tag} has type {kind} and count {count}, not an INT32"));
    }
    be32(data, offset).ok_or_else(|| format!("header tag {tag} offset {offset} is past the data store"))
}

/// Builds a header blob from `(tag, type, count, data)` entries, for tests.
#[cfg(test)]
pub fn build(entries: &[(u32, u32, u32, &[u8])]) -> Vec<u8> {
    let mut index = Vec::new();
    let mut data = Vec::new();
    for (tag, kind, count, bytes) in entries {
        while *kind == TYPE_INT32 && data.len() % 4 != 0 {
            data.push(0);
        }
        for v in [*tag, *kind, data.len() as u32, *count] {
            index.extend(v.to_be_bytes());
        }
        data.extend_from_slice(bytes);
    }
    let mut blob = Vec::new();
    blob.extend((entries.len() as u32).to_be_bytes());
    blob.extend((data.len() as u32).to_be_bytes());
    blob.extend(index);
    blob.extend(data);
    blob
}

#[cfg(test)]
mod tests {
    use super::*;

    fn openssl_libs() -> Vec<u8> {
        // The fields of CentOS 7.9's openssl-libs-1:1.0.2k-25.el7_9.x86_64.
        build(&[
            (TAG_NAME, TYPE_STRING, 1, b"openssl-libs\0"),
            (TAG_VERSION, TYPE_STRING, 1, b"1.0.2k\0"),
            (TAG_RELEASE, TYPE_STRING, 1, b"25.el7_9\0"),
            (TAG_EPOCH, TYPE_INT32, 1, &1u32.to_be_bytes()),
            (TAG_INSTALLTIME, TYPE_INT32, 1, &1_700_000_000u32.to_be_bytes()),
            (TAG_ARCH, TYPE_STRING, 1, b"x86_64\0"),
            (1004, TYPE_I18NSTRING, 1, b"A general purpose cryptography library\0"),
        ])
    }

    #[test]
    fn reads_name_epoch_version_release_arch_installtime() {
        let p = parse(&openssl_libs()).unwrap();
        assert_eq!(p.name, "openssl-libs");
        assert_eq!(p.version, "1:1.0.2k-25.el7_9");
        assert_eq!(p.arch, "x86_64");
        assert_eq!(p.install_time, Some(1_700_000_000));
    }

    #[test]
    fn zero_or_missing_epoch_is_not_printed() {
        let zero = build(&[
            (TAG_NAME, TYPE_STRING, 1, b"python\0"),
            (TAG_VERSION, TYPE_STRING, 1, b"2.7.5\0"),
            (TAG_RELEASE, TYPE_STRING, 1, b"90.el7\0"),
            (TAG_EPOCH, TYPE_INT32, 1, &0u32.to_be_bytes()),
        ]);
        assert_eq!(parse(&zero).unwrap().version, "2.7.5-90.el7");
        let missing = build(&[
            (TAG_NAME, TYPE_STRING, 1, b"gpg-pubkey\0"),
            (TAG_VERSION, TYPE_STRING, 1, b"f4a80eb5\0"),
            (TAG_RELEASE, TYPE_STRING, 1, b"53a7ff4b\0"),
        ]);
        let p = parse(&missing).unwrap();
        assert_eq!((p.version.as_str(), p.arch.as_str(), p.install_time), ("f4a80eb5-53a7ff4b", "", None));
    }

    #[test]
    fn every_truncation_is_an_error() {
        let blob = openssl_libs();
        for len in 0..blob.len() {
            assert!(parse(&blob[..len]).is_err(), "truncated to {len} bytes");
        }
    }

    #[test]
    fn hostile_counts_offsets_and_types_are_errors() {
        let blob = openssl_libs();
        // Index count and data size far beyond the blob.
        for (at, value) in [(0, u32::MAX), (0, 0x1_0000), (0, 0), (4, u32::MAX), (4, MAX_DATA)] {
            let mut b = blob.clone();
            b[at..at + 4].copy_from_slice(&value.to_be_bytes());
            assert!(parse(&b).is_err(), "{at}={value:#x}");
        }
        // Each entry's offset pointing past the data store, or its type changed.
        for entry in 0..6 {
            let mut b = blob.clone();
            let at = 8 + entry * 16 + 8;
            b[at..at + 4].copy_from_slice(&0xffff_fff0u32.to_be_bytes());
            assert!(parse(&b).is_err(), "offset of entry {entry}");
            let mut b = blob.clone();
            let at = 8 + entry * 16 + 4;
            b[at..at + 4].copy_from_slice(&7u32.to_be_bytes());
            assert!(parse(&b).is_err(), "type of entry {entry}");
        }
        // An unterminated string at the end of the data store.
        let b = build(&[(TAG_NAME, TYPE_STRING, 1, b"python")]);
        assert!(parse(&b).unwrap_err().contains("not terminated"));
    }

    #[test]
    fn flipped_bytes_never_panic() {
        let blob = openssl_libs();
        for i in 0..blob.len() {
            for x in [0x01, 0x80, 0xff] {
                let mut b = blob.clone();
                b[i] ^= x;
                let _ = parse(&b);
            }
        }
    }
}
