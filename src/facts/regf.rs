//! A small, bounded reader for Windows registry hive files (the "regf" format of
//! `Windows/System32/config/SOFTWARE`, `SYSTEM`, `SAM`), for offline images.
//!
//! Only what bootready needs: the base block, key nodes (`nk`), subkey lists (`lf`, `lh`,
//! `li`, `ri`), values (`vk`, including data stored in the offset field and "big data" `db`
//! records). Every offset and length is checked against the hive's bytes, lists are capped and
//! key walks are bounded, so a corrupt or hostile hive is an error, never a panic or a hang.
//! Transaction logs (`.LOG1`/`.LOG2`) are not replayed: a hive whose base block says it was not
//! written out cleanly is reported as `dirty` so the caller can say so.
//! Written from the format description in Joachim Metz's libregf documentation ("Windows NT
//! Registry File (REGF) format") and Maxim Suhanov's "Windows registry file format specification".

use std::fmt;

/// Size of the base block; hive bin offsets are relative to its end.
const BASE_BLOCK: usize = 4096;
/// Most subkeys or values read from one key (real keys have a few thousand at most).
const MAX_LIST: usize = 65_536;
/// Deepest `ri` nesting followed (real hives use one level).
const MAX_RI_DEPTH: usize = 4;
/// Largest value data assembled from big-data segments.
const MAX_VALUE: usize = 16 * 1024 * 1024;

/// Why a hive could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HiveError(pub String);

impl fmt::Display for HiveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for HiveError {}

fn err<T>(msg: impl Into<String>) -> Result<T, HiveError> {
    Err(HiveError(msg.into()))
}

/// A parsed registry value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegValue {
    /// REG_SZ or REG_EXPAND_SZ (decoded from UTF-16LE, trailing NULs dropped).
    String(String),
    /// REG_MULTI_SZ.
    MultiString(Vec<String>),
    /// REG_DWORD (little-endian).
    Dword(u32),
    /// REG_QWORD.
    Qword(u64),
    /// Anything else: the type number and raw bytes.
    Other(u32, Vec<u8>),
}

impl RegValue {
    /// The value as text (strings as is, numbers in decimal).
    pub fn as_string(&self) -> Option<String> {
        match self {
            RegValue::String(s) => Some(s.clone()),
            RegValue::MultiString(v) => Some(v.join(",")),
            RegValue::Dword(d) => Some(d.to_string()),
            RegValue::Qword(q) => Some(q.to_string()),
            RegValue::Other(..) => None,
        }
    }

    /// The value as a number (DWORD/QWORD, or a decimal string such as `CurrentBuild`).
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            RegValue::Dword(d) => Some(u64::from(*d)),
            RegValue::Qword(q) => Some(*q),
            RegValue::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// Decodes raw registry data of type `kind`.
    pub fn decode(kind: u32, data: &[u8]) -> RegValue {
        match kind {
            1 | 2 => RegValue::String(utf16(data).split('\0').next().unwrap_or_default().to_string()),
            7 => RegValue::MultiString(
                utf16(data).split('\0').filter(|s| !s.is_empty()).map(str::to_string).collect(),
            ),
            4 if data.len() >= 4 => RegValue::Dword(u32::from_le_bytes([data[0], data[1], data[2], data[3]])),
            11 if data.len() >= 8 => {
                let mut b = [0u8; 8];
                b.copy_from_slice(&data[..8]);
                RegValue::Qword(u64::from_le_bytes(b))
            }
            _ => RegValue::Other(kind, data.to_vec()),
        }
    }
}

fn utf16(data: &[u8]) -> String {
    let units: Vec<u16> = data.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
    String::from_utf16_lossy(&units)
}

/// A registry hive file held in memory.
#[derive(Debug)]
pub struct Hive {
    data: Vec<u8>,
    root: u32,
    minor: u32,
    /// True when the base block's sequence numbers differ: the hive was not written out
    /// cleanly and recent changes may be only in the transaction logs (not replayed here).
    pub dirty: bool,
}

/// A key node inside a hive (an offset to its `nk` cell).
#[derive(Debug, Clone, Copy)]
pub struct Key {
    cell: u32,
}

impl Hive {
    /// Checks the base block and keeps the bytes.
    pub fn parse(data: Vec<u8>) -> Result<Hive, HiveError> {
        if data.len() < BASE_BLOCK + 32 {
            return err(format!("{} bytes: too small for a registry hive", data.len()));
        }
        if &data[0..4] != b"regf" {
            return err("no 'regf' signature: not a registry hive file");
        }
        let primary = le32(&data, 4)?;
        let secondary = le32(&data, 8)?;
        let major = le32(&data, 0x14)?;
        let minor = le32(&data, 0x18)?;
        if major != 1 {
            return err(format!("unsupported hive format version {major}.{minor}"));
        }
        let root = le32(&data, 0x24)?;
        if &data[BASE_BLOCK..BASE_BLOCK + 4] != b"hbin" {
            return err("no 'hbin' block after the base block");
        }
        let hive = Hive { data, root, minor, dirty: primary != secondary };
        hive.nk(root).map_err(|e| HiveError(format!("root key: {e}")))?;
        Ok(hive)
    }

    /// The hive's root key.
    pub fn root(&self) -> Key {
        Key { cell: self.root }
    }

    /// Opens `path` (backslash-separated, case-insensitive) below the root; `None` if absent.
    pub fn open(&self, path: &str) -> Result<Option<Key>, HiveError> {
        let mut key = self.root();
        for part in path.split('\\').filter(|p| !p.is_empty()) {
            match self.subkey(key, part)? {
                Some(k) => key = k,
                None => return Ok(None),
            }
        }
        Ok(Some(key))
    }

    /// The key's own name.
    pub fn name(&self, key: Key) -> Result<String, HiveError> {
        let nk = self.nk(key.cell)?;
        let flags = le16(nk, 2)?;
        let len = usize::from(le16(nk, 72)?);
        let raw = slice(nk, 76, len)?;
        Ok(if flags & 0x20 != 0 { raw.iter().map(|&b| char::from(b)).collect() } else { utf16(raw) })
    }

    /// The direct subkeys of `key`.
    pub fn subkeys(&self, key: Key) -> Result<Vec<Key>, HiveError> {
        let nk = self.nk(key.cell)?;
        let count = le32(nk, 20)? as usize;
        if count == 0 {
            return Ok(Vec::new());
        }
        if count > MAX_LIST {
            return err(format!("key at {:#x}: {count} subkeys, more than {MAX_LIST}", key.cell));
        }
        let list = le32(nk, 28)?;
        let mut out = Vec::new();
        self.collect_list(list, &mut out, 0)?;
        Ok(out)
    }

    /// The subkey of `key` named `name` (case-insensitive).
    pub fn subkey(&self, key: Key, name: &str) -> Result<Option<Key>, HiveError> {
        for k in self.subkeys(key)? {
            let n = self.name(k)?;
            if n.eq_ignore_ascii_case(name) || n.to_uppercase() == name.to_uppercase() {
                return Ok(Some(k));
            }
        }
        Ok(None)
    }

    /// The value `name` of `key` (case-insensitive; `""` is the default value).
    pub fn value(&self, key: Key, name: &str) -> Result<Option<RegValue>, HiveError> {
        Ok(self.raw_value(key, name)?.map(|(kind, data)| RegValue::decode(kind, &data)))
    }

    /// The type number and raw data of value `name` (the SAM keeps user RIDs in the type).
    pub fn raw_value(&self, key: Key, name: &str) -> Result<Option<(u32, Vec<u8>)>, HiveError> {
        let nk = self.nk(key.cell)?;
        let count = le32(nk, 36)? as usize;
        if count == 0 {
            return Ok(None);
        }
        if count > MAX_LIST {
            return err(format!("key at {:#x}: {count} values, more than {MAX_LIST}", key.cell));
        }
        let list = self.cell(le32(nk, 40)?)?;
        for i in 0..count {
            let vk = self.cell(le32(list, i * 4)?)?;
            if slice(vk, 0, 2)? != b"vk" {
                return err(format!("value list of key at {:#x}: entry {i} is not a 'vk' cell", key.cell));
            }
            let name_len = usize::from(le16(vk, 2)?);
            let flags = le16(vk, 16)?;
            let raw = slice(vk, 20, name_len)?;
            let vname: String =
                if flags & 1 != 0 { raw.iter().map(|&b| char::from(b)).collect() } else { utf16(raw) };
            if vname.eq_ignore_ascii_case(name) {
                return Ok(Some((le32(vk, 12)?, self.value_data(vk)?)));
            }
        }
        Ok(None)
    }

    fn value_data(&self, vk: &[u8]) -> Result<Vec<u8>, HiveError> {
        let size = le32(vk, 4)?;
        let offset = le32(vk, 8)?;
        if size & 0x8000_0000 != 0 {
            // Small data lives in the offset field itself.
            let len = (size & 0x7fff_ffff) as usize;
            return Ok(slice(vk, 8, len.min(4))?.to_vec());
        }
        let len = size as usize;
        if len > MAX_VALUE {
            return err(format!("value of {len} bytes, more than {MAX_VALUE}"));
        }
        let cell = self.cell(offset)?;
        if len > 16344 && self.minor >= 4 && cell.len() >= 8 && &cell[0..2] == b"db" {
            let segments = usize::from(le16(cell, 2)?);
            let list = self.cell(le32(cell, 4)?)?;
            let mut out = Vec::with_capacity(len);
            for i in 0..segments {
                let seg = self.cell(le32(list, i * 4)?)?;
                let take = (len - out.len()).min(seg.len()).min(16344);
                out.extend_from_slice(&seg[..take]);
                if out.len() >= len {
                    break;
                }
            }
            if out.len() < len {
                return err(format!("big value: {} of {len} bytes present", out.len()));
            }
            return Ok(out);
        }
        Ok(slice(cell, 0, len)?.to_vec())
    }

    fn collect_list(&self, offset: u32, out: &mut Vec<Key>, depth: usize) -> Result<(), HiveError> {
        let cell = self.cell(offset)?;
        let sig = slice(cell, 0, 2)?;
        let count = usize::from(le16(cell, 2)?);
        let (stride, nested) = match sig {
            b"lf" | b"lh" => (8, false),
            b"li" => (4, false),
            b"ri" => (4, true),
            _ => return err(format!("subkey list at {offset:#x}: unknown signature {sig:?}")),
        };
        for i in 0..count {
            let entry = le32(cell, 4 + i * stride)?;
            if nested {
                if depth >= MAX_RI_DEPTH {
                    return err(format!("subkey list at {offset:#x}: 'ri' nested too deep"));
                }
                self.collect_list(entry, out, depth + 1)?;
            } else {
                self.nk(entry)?;
                out.push(Key { cell: entry });
            }
            if out.len() > MAX_LIST {
                return err(format!("subkey list at {offset:#x}: more than {MAX_LIST} entries"));
            }
        }
        Ok(())
    }

    fn nk(&self, offset: u32) -> Result<&[u8], HiveError> {
        let cell = self.cell(offset)?;
        if cell.len() < 76 || &cell[0..2] != b"nk" {
            return err(format!("cell at {offset:#x} is not a key node ('nk')"));
        }
        Ok(cell)
    }

    /// The data of the allocated cell at hive-bin offset `offset` (size field excluded).
    fn cell(&self, offset: u32) -> Result<&[u8], HiveError> {
        let start = BASE_BLOCK
            .checked_add(offset as usize)
            .filter(|s| s.checked_add(4).is_some_and(|e| e <= self.data.len()))
            .ok_or_else(|| HiveError(format!("cell offset {offset:#x} is outside the hive")))?;
        let raw = i32::from_le_bytes([
            self.data[start],
            self.data[start + 1],
            self.data[start + 2],
            self.data[start + 3],
        ]);
        if raw >= 0 {
            return err(format!("cell at {offset:#x} is free, not allocated"));
        }
        let size = raw.unsigned_abs() as usize;
        if size < 8 {
            return err(format!("cell at {offset:#x}: size {size} too small"));
        }
        self.data.get(start + 4..start + size).ok_or_else(|| {
            HiveError(format!("cell at {offset:#x}: size {size} runs past the end of the hive"))
        })
    }
}

fn slice(b: &[u8], at: usize, len: usize) -> Result<&[u8], HiveError> {
    at.checked_add(len)
        .and_then(|end| b.get(at..end))
        .ok_or_else(|| HiveError(format!("record too short: {len} bytes at {at} of {}", b.len())))
}

fn le16(b: &[u8], at: usize) -> Result<u16, HiveError> {
    let s = slice(b, at, 2)?;
    Ok(u16::from_le_bytes([s[0], s[1]]))
}

fn le32(b: &[u8], at: usize) -> Result<u32, HiveError> {
    let s = slice(b, at, 4)?;
    Ok(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

#[cfg(test)]
#[path = "../../tests/common/regf_writer.rs"]
mod regf_writer;

#[cfg(test)]
mod tests {
    use super::regf_writer::HiveBuilder;
    use super::*;

    fn sample() -> Vec<u8> {
        // The values Windows Server 2016 (build 14393) keeps under CurrentVersion.
        let mut b = HiveBuilder::new();
        let cv = "Microsoft\\Windows NT\\CurrentVersion";
        b.string(cv, "ProductName", "Windows Server 2016 Datacenter");
        b.string(cv, "CurrentBuild", "14393");
        b.string(cv, "CurrentVersion", "6.3");
        b.dword(cv, "CurrentMajorVersionNumber", 10);
        b.string(cv, "InstallationType", "Server");
        b.binary(cv, "DigitalProductId", &[7u8; 20_000]);
        b.build()
    }

    #[test]
    fn reads_keys_and_values_case_insensitively() {
        let hive = Hive::parse(sample()).unwrap();
        assert!(!hive.dirty);
        let key = hive.open("microsoft\\WINDOWS NT\\currentversion").unwrap().unwrap();
        assert_eq!(hive.name(key).unwrap(), "CurrentVersion");
        assert_eq!(
            hive.value(key, "productname").unwrap(),
            Some(RegValue::String("Windows Server 2016 Datacenter".into()))
        );
        assert_eq!(hive.value(key, "CurrentBuild").unwrap().unwrap().as_u64(), Some(14393));
        assert_eq!(hive.value(key, "CurrentMajorVersionNumber").unwrap(), Some(RegValue::Dword(10)));
        assert_eq!(hive.value(key, "Missing").unwrap(), None);
        assert!(hive.open("Microsoft\\Nope").unwrap().is_none());
    }

    #[test]
    fn reads_big_data_values() {
        let hive = Hive::parse(sample()).unwrap();
        let key = hive.open("Microsoft\\Windows NT\\CurrentVersion").unwrap().unwrap();
        match hive.value(key, "DigitalProductId").unwrap() {
            Some(RegValue::Other(3, data)) => assert_eq!(data, vec![7u8; 20_000]),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn rejects_non_hives() {
        assert!(Hive::parse(b"not a hive".to_vec()).is_err());
        let mut bad = sample();
        bad[0] = b'x';
        assert!(Hive::parse(bad).unwrap_err().0.contains("regf"));
    }

    #[test]
    fn corrupt_hives_are_errors_not_panics() {
        let good = sample();
        // Flip bytes all over the hive bins: every read must end in Ok or Err, never a panic.
        for pos in (BASE_BLOCK..good.len()).step_by(7) {
            for byte in [0x00, 0xff, 0x7f, 0x80] {
                let mut bad = good.clone();
                bad[pos] = byte;
                if let Ok(hive) = Hive::parse(bad)
                    && let Ok(Some(key)) = hive.open("Microsoft\\Windows NT\\CurrentVersion")
                {
                    let _ = hive.value(key, "ProductName");
                    let _ = hive.value(key, "DigitalProductId");
                }
            }
        }
        // A root offset pointing past the end.
        let mut bad = good.clone();
        bad[0x24..0x28].copy_from_slice(&0xffff_fff0u32.to_le_bytes());
        assert!(Hive::parse(bad).is_err());
        // Truncated.
        assert!(Hive::parse(good[..BASE_BLOCK + 40].to_vec()).is_err());
    }

    #[test]
    fn dirty_hives_are_flagged() {
        let mut data = sample();
        data[4] = data[4].wrapping_add(1);
        assert!(Hive::parse(data).unwrap().dirty);
    }
}
