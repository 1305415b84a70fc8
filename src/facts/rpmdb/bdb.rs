//! Berkeley DB hash files, as rpm kept its `Packages` database up to RHEL 8 and Amazon Linux 2:
//! page 0 is the hash metadata, bucket pages (`P_HASH`) hold key/data pairs, and values too
//! large for a page live on chains of overflow pages (`P_OVERFLOW`). Every page is scanned
//! once (no bucket walk needed to list all pairs), every chain is bounded by the page count,
//! and every offset is checked against the page before it is read.

/// Magic number of a hash database (DB_HASHMAGIC).
const HASH_MAGIC: u32 = 0x0006_1561;
/// Page types (db_page.h).
const P_HASHMETA: u8 = 8;
const P_HASH_UNSORTED: u8 = 2;
const P_HASH: u8 = 13;
const P_OVERFLOW: u8 = 7;
/// Hash item types.
const H_KEYDATA: u8 = 1;
const H_OFFPAGE: u8 = 3;
/// Size of the common page header (SIZEOF_PAGE).
const PAGE_HEADER: usize = 26;

/// Reads every key/data pair of a Berkeley DB hash file held in memory and returns the data
/// values in page order, skipping rpm's key 0 (the header-number counter, not a header).
pub fn read_values(file: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let meta = Meta::parse(file)?;
    let page_size = meta.page_size;
    let pages = file.len() / page_size;
    let mut values = Vec::new();
    // Real values never overlap, so together they are smaller than the file: a hostile file
    // whose items all point at one big chain cannot make us allocate more than that.
    let mut budget = file.len();
    for pgno in 1..pages {
        let page = &file[pgno * page_size..(pgno + 1) * page_size];
        let kind = page[25];
        if kind != P_HASH && kind != P_HASH_UNSORTED {
            continue; // overflow, free (P_INVALID) or other pages: reached through the items
        }
        if meta.u32(page, 8) != Some(pgno as u32) {
            return Err(format!("hash page {pgno} carries another page number"));
        }
        let entries = meta.u16(page, 20).ok_or("short page")? as usize;
        if !entries.is_multiple_of(2) {
            return Err(format!("hash page {pgno} has an odd number of items ({entries})"));
        }
        if PAGE_HEADER + entries * 2 > page_size {
            return Err(format!("hash page {pgno} claims {entries} items, more than fit"));
        }
        for pair in 0..entries / 2 {
            let key = item(&meta, page, pgno, 2 * pair)?;
            let data = item(&meta, page, pgno, 2 * pair + 1)?;
            if key == Item::Inline(&[0, 0, 0, 0]) {
                continue; // rpm's record of the highest header number
            }
            let size = match data {
                Item::Inline(bytes) => bytes.len(),
                Item::OffPage { len, .. } => len as usize,
            };
            budget = budget.checked_sub(size).ok_or_else(|| {
                format!("hash page {pgno}: values add up to more than the file: items overlap")
            })?;
            values.push(match data {
                Item::Inline(bytes) => bytes.to_vec(),
                Item::OffPage { pgno: first, len } => overflow(&meta, file, first, len)?,
            });
        }
    }
    Ok(values)
}

/// The database's layout, from the metadata page.
struct Meta {
    page_size: usize,
    big_endian: bool,
}

impl Meta {
    fn parse(file: &[u8]) -> Result<Meta, String> {
        if file.len() < 512 {
            return Err(format!("{} bytes: too short for a Berkeley DB file", file.len()));
        }
        let magic = u32::from_le_bytes([file[12], file[13], file[14], file[15]]);
        let big_endian = if magic == HASH_MAGIC {
            false
        } else if magic.swap_bytes() == HASH_MAGIC {
            true
        } else {
            return Err(format!("not a Berkeley DB hash file (magic {magic:#x})"));
        };
        let meta = Meta { page_size: 0, big_endian };
        let version = meta.u32(file, 16).unwrap_or(0);
        if !(8..=10).contains(&version) {
            return Err(format!("Berkeley DB hash version {version} is not supported (8 to 10 are)"));
        }
        let page_size = meta.u32(file, 20).unwrap_or(0) as usize;
        if !(512..=65536).contains(&page_size) || !page_size.is_power_of_two() {
            return Err(format!("invalid page size {page_size}"));
        }
        if file[24] != 0 {
            return Err("encrypted Berkeley DB files are not supported".to_string());
        }
        if file[25] != P_HASHMETA {
            return Err(format!("page 0 has type {}, not hash metadata", file[25]));
        }
        if file[26] & 0x01 != 0 {
            return Err("checksummed Berkeley DB files are not supported".to_string());
        }
        if !file.len().is_multiple_of(page_size) {
            return Err(format!(
                "{} bytes is not a whole number of {page_size}-byte pages: truncated",
                file.len()
            ));
        }
        let last_pgno = meta.u32(file, 32).unwrap_or(0) as usize;
        let pages = file.len() / page_size;
        if last_pgno >= pages {
            return Err(format!(
                "truncated: the metadata names page {last_pgno}, the file has {pages} pages"
            ));
        }
        Ok(Meta { page_size, big_endian })
    }

    fn u32(&self, buf: &[u8], at: usize) -> Option<u32> {
        let b: [u8; 4] = buf.get(at..at.checked_add(4)?)?.try_into().ok()?;
        Some(if self.big_endian { u32::from_be_bytes(b) } else { u32::from_le_bytes(b) })
    }

    fn u16(&self, buf: &[u8], at: usize) -> Option<u16> {
        let b: [u8; 2] = buf.get(at..at.checked_add(2)?)?.try_into().ok()?;
        Some(if self.big_endian { u16::from_be_bytes(b) } else { u16::from_le_bytes(b) })
    }
}

/// One item of a hash page: bytes on the page, or a reference to an overflow chain.
#[derive(Debug, PartialEq, Eq)]
enum Item<'a> {
    Inline(&'a [u8]),
    OffPage { pgno: u32, len: u32 },
}

/// Item `index` of a hash page. Items are packed from the end of the page downwards, so item
/// `i` ends where item `i - 1` begins (the page's end for item 0).
fn item<'a>(meta: &Meta, page: &'a [u8], pgno: usize, index: usize) -> Result<Item<'a>, String> {
    let bad = || format!("hash page {pgno} item {index} is out of bounds");
    let start = meta.u16(page, PAGE_HEADER + 2 * index).ok_or_else(bad)? as usize;
    let end = if index == 0 {
        page.len()
    } else {
        meta.u16(page, PAGE_HEADER + 2 * (index - 1)).ok_or_else(bad)? as usize
    };
    if start < PAGE_HEADER || start >= end || end > page.len() {
        return Err(bad());
    }
    let bytes = &page[start..end];
    match bytes[0] {
        H_KEYDATA => Ok(Item::Inline(&bytes[1..])),
        H_OFFPAGE => {
            let (Some(pgno), Some(len)) = (meta.u32(bytes, 4), meta.u32(bytes, 8)) else {
                return Err(bad());
            };
            Ok(Item::OffPage { pgno, len })
        }
        t => Err(format!("hash page {pgno} item {index} has type {t}, which rpm never writes")),
    }
}

/// Reads an overflow chain of `len` bytes starting at page `first`. The chain can visit each
/// page at most once and can never yield more than `len` bytes, itself at most the file size.
fn overflow(meta: &Meta, file: &[u8], first: u32, len: u32) -> Result<Vec<u8>, String> {
    let page_size = meta.page_size;
    let pages = file.len() / page_size;
    let len = len as usize;
    if len > file.len() {
        return Err(format!("overflow item of {len} bytes is larger than the file"));
    }
    let mut out = Vec::with_capacity(len);
    let mut pgno = first as usize;
    let mut steps = 0;
    while pgno != 0 {
        steps += 1;
        if pgno >= pages || steps > pages {
            return Err(format!("overflow chain from page {first} leaves the file or loops"));
        }
        let page = &file[pgno * page_size..(pgno + 1) * page_size];
        if page[25] != P_OVERFLOW {
            return Err(format!("overflow chain from page {first} reaches page {pgno} of type {}", page[25]));
        }
        // On overflow pages the header's hf_offset field holds the bytes used (OV_LEN).
        let used = meta.u16(page, 22).unwrap_or(0) as usize;
        if PAGE_HEADER + used > page_size || out.len() + used > len {
            return Err(format!("overflow page {pgno} holds more bytes than its page or item"));
        }
        out.extend_from_slice(&page[PAGE_HEADER..PAGE_HEADER + used]);
        pgno = meta.u32(page, 16).unwrap_or(0) as usize;
    }
    if out.len() != len {
        return Err(format!("overflow chain from page {first} holds {} of {len} bytes", out.len()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::rpmdb::header;

    /// A real Berkeley DB `Packages` file: see tests/system/make-rpmdb.sh.
    fn fixture(image: &str) -> Vec<u8> {
        let p = format!("{}/tests/fixtures/{image}/var/lib/rpm/Packages", env!("CARGO_MANIFEST_DIR"));
        std::fs::read(p).unwrap()
    }

    fn names(file: &[u8]) -> Vec<String> {
        let mut n: Vec<String> =
            read_values(file).unwrap().iter().map(|b| header::parse(b).unwrap().name).collect();
        n.sort();
        n
    }

    #[test]
    fn reads_every_header_of_real_files() {
        assert_eq!(names(&fixture("centos-7.9")).len(), 11);
        assert_eq!(names(&fixture("centos-6.10")).len(), 9);
        assert_eq!(
            names(&fixture("amzn-2")),
            ["cloud-init", "openssl-libs", "python", "python3", "system-release"]
        );
    }

    #[test]
    fn multi_page_overflow_chains_are_joined() {
        // python-libs' header (a real-sized file list) spans seven 4096-byte overflow pages.
        let values = read_values(&fixture("centos-7.9")).unwrap();
        let libs = values.iter().find(|b| header::parse(b).unwrap().name == "python-libs").unwrap();
        assert!(libs.len() > 4 * 4096, "{}", libs.len());
        assert_eq!(header::parse(libs).unwrap().version, "2.7.5-90.el7");
    }

    #[test]
    fn big_endian_files_are_read() {
        // Byte-swap every structural field of a little-endian file: what a s390x or ppc64
        // (big-endian) rpm would have written.
        let le = fixture("amzn-2");
        let mut be = le.clone();
        let swap32 = |b: &mut Vec<u8>, at: usize| b[at..at + 4].reverse();
        let swap16 = |b: &mut Vec<u8>, at: usize| b[at..at + 2].reverse();
        for at in [12, 16, 20, 32] {
            swap32(&mut be, at);
        }
        for pgno in 1..le.len() / 4096 {
            let p = pgno * 4096;
            for at in [8, 12, 16] {
                swap32(&mut be, p + at);
            }
            swap16(&mut be, p + 22);
            let n = u16::from_le_bytes([le[p + 20], le[p + 21]]) as usize;
            swap16(&mut be, p + 20);
            if le[p + 25] == P_HASH {
                for i in 0..n {
                    let off = u16::from_le_bytes([le[p + 26 + 2 * i], le[p + 27 + 2 * i]]) as usize;
                    swap16(&mut be, p + 26 + 2 * i);
                    if le[p + off] == H_OFFPAGE {
                        swap32(&mut be, p + off + 4);
                        swap32(&mut be, p + off + 8);
                    }
                }
            }
        }
        assert_eq!(names(&be), names(&le));
    }

    #[test]
    fn truncation_at_every_page_boundary_and_inside_pages_is_an_error() {
        let file = fixture("centos-7.9");
        for len in (0..file.len()).step_by(4096).chain([100, 4097, file.len() - 1]) {
            assert!(read_values(&file[..len]).is_err(), "truncated to {len}");
        }
    }

    #[test]
    fn corrupt_structures_are_errors() {
        let file = fixture("centos-7.9");
        let set = |at: usize, bytes: &[u8]| {
            let mut f = file.clone();
            f[at..at + bytes.len()].copy_from_slice(bytes);
            read_values(&f)
        };
        assert!(set(12, &[0, 0, 0, 0]).unwrap_err().contains("not a Berkeley DB"));
        assert!(set(20, &1000u32.to_le_bytes()).unwrap_err().contains("page size"));
        assert!(set(32, &u32::MAX.to_le_bytes()).unwrap_err().contains("truncated"));
        // Find an off-page item and point it at the metadata page, past the end, at itself.
        let p = (1..file.len() / 4096).find(|p| file[p * 4096 + 25] == P_HASH).unwrap() * 4096;
        let n = u16::from_le_bytes([file[p + 20], file[p + 21]]) as usize;
        let off = (0..n)
            .map(|i| p + u16::from_le_bytes([file[p + 26 + 2 * i], file[p + 27 + 2 * i]]) as usize)
            .find(|&o| file[o] == H_OFFPAGE)
            .unwrap();
        for target in [0u32, 10_000, u32::MAX] {
            assert!(set(off + 4, &target.to_le_bytes()).is_err(), "chain to {target}");
        }
        assert!(set(off + 8, &u32::MAX.to_le_bytes()).is_err(), "huge length");
        assert!(set(off + 8, &1u32.to_le_bytes()).is_err(), "short length");
        // An item count and item offsets beyond the page.
        assert!(set(p + 20, &0xfffeu16.to_le_bytes()).is_err());
        assert!(set(p + 26, &0xffffu16.to_le_bytes()).is_err());
        assert!(set(p + 26, &0u16.to_le_bytes()).is_err());
    }

    #[test]
    fn items_sharing_one_chain_cannot_multiply_memory() {
        let mut file = fixture("amzn-2");
        let offpage: Vec<usize> = (1..file.len() / 4096)
            .filter(|p| file[p * 4096 + 25] == P_HASH)
            .flat_map(|p| {
                let p = p * 4096;
                let n = u16::from_le_bytes([file[p + 20], file[p + 21]]) as usize;
                let file = &file;
                (0..n).map(move |i| {
                    p + u16::from_le_bytes([file[p + 26 + 2 * i], file[p + 27 + 2 * i]]) as usize
                })
            })
            .filter(|&o| file[o] == H_OFFPAGE)
            .collect();
        // Point every off-page item at the longest chain.
        let longest = *offpage
            .iter()
            .max_by_key(|&&o| u32::from_le_bytes(file[o + 8..o + 12].try_into().unwrap()))
            .unwrap();
        let target: [u8; 8] = file[longest + 4..longest + 12].try_into().unwrap();
        for o in offpage {
            file[o + 4..o + 12].copy_from_slice(&target);
        }
        assert!(read_values(&file).unwrap_err().contains("overlap"));
    }

    #[test]
    fn overflow_loop_ends_with_an_error() {
        let mut file = fixture("amzn-2");
        // Make every overflow page point to itself.
        for pgno in 1..file.len() / 4096 {
            let p = pgno * 4096;
            if file[p + 25] == P_OVERFLOW {
                file[p + 16..p + 20].copy_from_slice(&(pgno as u32).to_le_bytes());
            }
        }
        assert!(read_values(&file).is_err());
    }

    #[test]
    fn flipped_bytes_never_panic() {
        let file = fixture("amzn-2");
        // Every byte of the metadata and page headers, and a stride through the rest.
        let positions = (0..file.len()).filter(|i| i % 4096 < 64 || i % 97 == 0);
        for i in positions {
            let mut f = file.clone();
            f[i] ^= 0xff;
            if let Ok(values) = read_values(&f) {
                for v in values {
                    let _ = header::parse(&v);
                }
            }
        }
    }
}
