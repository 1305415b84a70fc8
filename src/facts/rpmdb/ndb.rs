//! rpm's own "ndb" format, SUSE's `Packages.db` (openSUSE, SLES 15 SP3+): a 32-byte file
//! header, slot pages of 16-byte slots `{magic, package index, block offset, block count}`, and
//! per package a blob in 16-byte blocks: head `{magic, index, generation, length}`, the header
//! blob, padding, and a tail `{adler32, length, magic}`. Every slot, blob and checksum is
//! checked against the file before a byte of it is used. Values are in the writer's byte order.

/// Magics, as the bytes appear in a little-endian file.
const HEADER_MAGIC: [u8; 4] = *b"RpmP";
const SLOT_MAGIC: [u8; 4] = *b"Slot";
const BLOB_HEAD_MAGIC: [u8; 4] = *b"BlbS";
const BLOB_TAIL_MAGIC: [u8; 4] = *b"BlbE";
const PAGE: usize = 4096;
const BLOCK: usize = 16;
/// rpm refuses more slot pages than this (rpmpkg.c).
const MAX_SLOT_PAGES: usize = 2048;

/// Returns the header blobs of every used slot, in slot order.
pub fn read_blobs(file: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    if file.len() < 32 {
        return Err(format!("{} bytes: too short for an ndb file", file.len()));
    }
    let big_endian = match &file[..4] {
        m if *m == HEADER_MAGIC => false,
        m if m.iter().rev().eq(HEADER_MAGIC.iter()) => true,
        _ => return Err("not an ndb Packages.db (no 'RpmP' magic)".to_string()),
    };
    let u32_at = |at: usize| -> Option<u32> {
        let b: [u8; 4] = file.get(at..at.checked_add(4)?)?.try_into().ok()?;
        Some(if big_endian { u32::from_be_bytes(b) } else { u32::from_le_bytes(b) })
    };
    let magic_at = |at: usize, want: [u8; 4]| {
        file.get(at..at + 4)
            .is_some_and(|m| if big_endian { m.iter().rev().eq(want.iter()) } else { *m == want })
    };
    let version = u32_at(4).unwrap_or(u32::MAX);
    if version != 0 {
        return Err(format!("ndb version {version} is not supported (0 is)"));
    }
    let slot_pages = u32_at(12).unwrap_or(0) as usize;
    if slot_pages == 0 || slot_pages > MAX_SLOT_PAGES {
        return Err(format!("{slot_pages} slot pages is out of range"));
    }
    let slots_end = slot_pages * PAGE;
    if slots_end > file.len() {
        return Err(format!(
            "truncated: {slot_pages} slot pages need {slots_end} bytes, the file has {}",
            file.len()
        ));
    }
    let mut blobs = Vec::new();
    // Real blobs never overlap: slots sharing one blob cannot make us allocate more than this.
    let mut budget = file.len();
    // The file header takes the room of the first two slots.
    for slot in 2..slot_pages * PAGE / BLOCK {
        let at = slot * BLOCK;
        if !magic_at(at, SLOT_MAGIC) {
            return Err(format!("slot {} has a bad magic", slot - 2));
        }
        let (Some(index), Some(offset), Some(count)) = (u32_at(at + 4), u32_at(at + 8), u32_at(at + 12))
        else {
            return Err(format!("slot {} is cut short", slot - 2));
        };
        if index == 0 {
            continue; // a free slot
        }
        let bad = |why: &str| format!("package {index}: {why}");
        let start = offset as usize * BLOCK;
        let end = (offset as usize)
            .checked_add(count as usize)
            .and_then(|b| b.checked_mul(BLOCK))
            .filter(|&e| start >= slots_end && e <= file.len() && e >= start + BLOCK + 12)
            .ok_or_else(|| bad(&format!("blocks {offset}+{count} are outside the data area")))?;
        if !magic_at(start, BLOB_HEAD_MAGIC) || u32_at(start + 4) != Some(index) {
            return Err(bad("blob head does not match its slot"));
        }
        let len = u32_at(start + 12).unwrap_or(u32::MAX) as usize;
        if len > end - start - BLOCK - 12 {
            return Err(bad(&format!("blob of {len} bytes overruns its {count} blocks")));
        }
        let tail = end - 12;
        if u32_at(tail + 4) != Some(len as u32) || !magic_at(tail + 8, BLOB_TAIL_MAGIC) {
            return Err(bad("blob tail does not match its head"));
        }
        if u32_at(tail) != Some(adler32(&file[start..tail])) {
            return Err(bad("blob checksum mismatch"));
        }
        budget = budget
            .checked_sub(len)
            .ok_or_else(|| bad("blobs add up to more than the file: slots overlap"))?;
        blobs.push(file[start + BLOCK..start + BLOCK + len].to_vec());
    }
    Ok(blobs)
}

/// zlib's Adler-32, which rpm's ndb keeps over each blob's head, data and padding.
fn adler32(data: &[u8]) -> u32 {
    const MOD: u32 = 65521;
    let (mut a, mut b) = (1u32, 0u32);
    for chunk in data.chunks(5552) {
        for &x in chunk {
            a += u32::from(x);
            b += a;
        }
        a %= MOD;
        b %= MOD;
    }
    (b << 16) | a
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::rpmdb::header;

    /// A real SLES 15 SP3 ndb database, trimmed: see tests/system/trim-ndb.py.
    fn fixture() -> Vec<u8> {
        let p = format!(
            "{}/tests/fixtures/sles-15.3/usr/lib/sysimage/rpm/Packages.db",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read(p).unwrap()
    }

    #[test]
    fn reads_a_real_database() {
        let blobs = read_blobs(&fixture()).unwrap();
        let mut got: Vec<String> = blobs
            .iter()
            .map(|b| {
                let p = header::parse(b).unwrap();
                format!("{}-{}.{}", p.name, p.version, p.arch)
            })
            .collect();
        got.sort();
        assert_eq!(
            got,
            [
                "bash-4.4-19.6.1.x86_64",
                "filesystem-15.0-11.3.2.x86_64",
                "libgcc_s1-11.2.1+git610-1.3.9.x86_64",
                "libz1-1.2.11-3.21.1.x86_64",
                "rpm-ndb-4.14.3-40.1.x86_64",
                "system-user-root-20190513-3.3.1.noarch"
            ]
        );
    }

    #[test]
    fn adler32_matches_zlib() {
        assert_eq!(adler32(b"Wikipedia"), 0x11e6_0398);
        assert_eq!(adler32(&[0xff; 100_000]), 0x149a_302c);
    }

    #[test]
    fn truncation_anywhere_in_use_is_an_error() {
        let file = fixture();
        for len in (0..file.len()).step_by(4096).chain([20, 4097, file.len() - 1]) {
            assert!(read_blobs(&file[..len]).is_err(), "truncated to {len}");
        }
    }

    #[test]
    fn corrupt_structures_are_errors() {
        let file = fixture();
        let set = |at: usize, bytes: &[u8]| {
            let mut f = file.clone();
            f[at..at + bytes.len()].copy_from_slice(bytes);
            read_blobs(&f)
        };
        assert!(set(0, b"RpmQ").unwrap_err().contains("magic"));
        assert!(set(12, &u32::MAX.to_le_bytes()).is_err(), "slot pages");
        assert!(set(12, &100u32.to_le_bytes()).unwrap_err().contains("truncated"));
        // The first slot (package 1): offset and count out of the file, into the slot page.
        assert!(set(40, &u32::MAX.to_le_bytes()).is_err());
        assert!(set(44, &u32::MAX.to_le_bytes()).is_err());
        assert!(set(40, &1u32.to_le_bytes()).is_err());
        // Its blob: length, tail and one data byte (checksum).
        let start = 256 * BLOCK;
        assert!(set(start + 12, &u32::MAX.to_le_bytes()).is_err());
        assert!(set(start + 100, &[0x55]).unwrap_err().contains("checksum"));
    }

    #[test]
    fn slots_sharing_one_blob_cannot_multiply_memory() {
        // Every used slot names the largest blob: six copies are more than the file holds.
        let mut file = fixture();
        let largest = (0..6)
            .map(|s| fixture()[32 + 16 * s..48 + 16 * s].to_vec())
            .max_by_key(|slot| u32::from_le_bytes(slot[12..16].try_into().unwrap()))
            .unwrap();
        for slot in 0..6 {
            file[32 + 16 * slot..48 + 16 * slot].copy_from_slice(&largest);
        }
        assert!(read_blobs(&file).unwrap_err().contains("overlap"));
    }

    #[test]
    fn flipped_bytes_never_panic() {
        let file = fixture();
        for i in (0..file.len()).filter(|i| (*i < 4096 && i % 3 == 0) || i % 499 == 0) {
            let mut f = file.clone();
            f[i] ^= 0xff;
            if let Ok(blobs) = read_blobs(&f) {
                for b in blobs {
                    let _ = header::parse(&b);
                }
            }
        }
    }
}
