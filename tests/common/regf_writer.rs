//! A small writer of Windows registry hive files (regf), for tests: builds hives with the keys
//! and values real Windows images have, so the offline reader is tested on the real format
//! without shipping Microsoft's binary hives. Used by the reader's unit tests (included with
//! `#[path]`) and by the integration tests that build offline Windows image trees.
#![allow(dead_code)] // each user needs a different subset

/// A key being built: its name, subkeys and values (name, type, raw data).
#[derive(Default)]
struct Node {
    name: String,
    children: Vec<Node>,
    values: Vec<(String, u32, Vec<u8>)>,
}

/// Builds one hive file in memory.
pub struct HiveBuilder {
    root: Node,
}

impl Default for HiveBuilder {
    fn default() -> Self {
        HiveBuilder::new()
    }
}

impl HiveBuilder {
    /// An empty hive whose root key has the name Windows gives hives it creates.
    pub fn new() -> HiveBuilder {
        HiveBuilder {
            root: Node {
                name: "CMI-CreateHive{00000000-0000-0000-0000-000000000000}".into(),
                ..Default::default()
            },
        }
    }

    fn node(&mut self, path: &str) -> &mut Node {
        let mut node = &mut self.root;
        for part in path.split('\\').filter(|p| !p.is_empty()) {
            let i = match node.children.iter().position(|c| c.name == part) {
                Some(i) => i,
                None => {
                    node.children.push(Node { name: part.to_string(), ..Default::default() });
                    node.children.len() - 1
                }
            };
            node = &mut node.children[i];
        }
        node
    }

    /// Creates the key `path` (backslash-separated) and its parents.
    pub fn key(&mut self, path: &str) -> &mut Self {
        self.node(path);
        self
    }

    /// Sets a value of any type with raw data.
    pub fn raw(&mut self, path: &str, name: &str, kind: u32, data: &[u8]) -> &mut Self {
        self.node(path).values.push((name.to_string(), kind, data.to_vec()));
        self
    }

    /// Sets a REG_SZ value.
    pub fn string(&mut self, path: &str, name: &str, value: &str) -> &mut Self {
        let data: Vec<u8> = value.encode_utf16().chain([0]).flat_map(u16::to_le_bytes).collect();
        self.raw(path, name, 1, &data)
    }

    /// Sets a REG_EXPAND_SZ value.
    pub fn expand_string(&mut self, path: &str, name: &str, value: &str) -> &mut Self {
        let data: Vec<u8> = value.encode_utf16().chain([0]).flat_map(u16::to_le_bytes).collect();
        self.raw(path, name, 2, &data)
    }

    /// Sets a REG_DWORD value.
    pub fn dword(&mut self, path: &str, name: &str, value: u32) -> &mut Self {
        self.raw(path, name, 4, &value.to_le_bytes())
    }

    /// Sets a REG_BINARY value.
    pub fn binary(&mut self, path: &str, name: &str, data: &[u8]) -> &mut Self {
        self.raw(path, name, 3, data)
    }

    /// The hive file's bytes: a base block, then one hive bin holding every cell.
    pub fn build(&self) -> Vec<u8> {
        let mut bin = vec![0u8; 32];
        let root = write_node(&mut bin, &self.root, 0, true);
        // Pad the bin to a multiple of 4096 with one free cell.
        let rest = (4096 - bin.len() % 4096) % 4096;
        if rest > 0 {
            let start = bin.len();
            bin.resize(start + rest, 0);
            if rest >= 4 {
                bin[start..start + 4].copy_from_slice(&(rest as i32).to_le_bytes());
            }
        }
        let size = bin.len() as u32;
        bin[0..4].copy_from_slice(b"hbin");
        bin[8..12].copy_from_slice(&size.to_le_bytes());
        let mut base = vec![0u8; 4096];
        base[0..4].copy_from_slice(b"regf");
        base[4..8].copy_from_slice(&1u32.to_le_bytes());
        base[8..12].copy_from_slice(&1u32.to_le_bytes());
        base[0x14..0x18].copy_from_slice(&1u32.to_le_bytes());
        base[0x18..0x1c].copy_from_slice(&5u32.to_le_bytes());
        base[0x24..0x28].copy_from_slice(&root.to_le_bytes());
        base[0x28..0x2c].copy_from_slice(&size.to_le_bytes());
        base.extend_from_slice(&bin);
        base
    }
}

/// Appends an allocated cell holding `data`; returns its offset in the bin area.
fn alloc(bin: &mut Vec<u8>, data: &[u8]) -> u32 {
    let offset = bin.len() as u32;
    let size = (data.len() + 4).div_ceil(8) * 8;
    bin.extend_from_slice(&(-(size as i32)).to_le_bytes());
    bin.extend_from_slice(data);
    bin.resize(offset as usize + size, 0);
    offset
}

fn put32(bin: &mut [u8], at: usize, v: u32) {
    bin[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

fn write_node(bin: &mut Vec<u8>, node: &Node, parent: u32, is_root: bool) -> u32 {
    let name = node.name.as_bytes();
    let mut nk = vec![0u8; 76];
    nk[0..2].copy_from_slice(b"nk");
    let flags: u16 = 0x20 | if is_root { 0x04 } else { 0 };
    nk[2..4].copy_from_slice(&flags.to_le_bytes());
    nk[16..20].copy_from_slice(&parent.to_le_bytes());
    nk[20..24].copy_from_slice(&(node.children.len() as u32).to_le_bytes());
    nk[28..32].copy_from_slice(&u32::MAX.to_le_bytes());
    nk[32..36].copy_from_slice(&u32::MAX.to_le_bytes());
    nk[36..40].copy_from_slice(&(node.values.len() as u32).to_le_bytes());
    nk[40..44].copy_from_slice(&u32::MAX.to_le_bytes());
    nk[44..48].copy_from_slice(&u32::MAX.to_le_bytes());
    nk[48..52].copy_from_slice(&u32::MAX.to_le_bytes());
    nk[72..74].copy_from_slice(&(name.len() as u16).to_le_bytes());
    nk.extend_from_slice(name);
    let me = alloc(bin, &nk);
    let at = me as usize + 4;
    if !node.children.is_empty() {
        let kids: Vec<u32> = node.children.iter().map(|c| write_node(bin, c, me, false)).collect();
        // An 'lh' list, as Windows XP and later write.
        let mut list = Vec::new();
        list.extend_from_slice(b"lh");
        list.extend_from_slice(&(kids.len() as u16).to_le_bytes());
        for (k, child) in kids.iter().zip(&node.children) {
            list.extend_from_slice(&k.to_le_bytes());
            let hash = child
                .name
                .to_uppercase()
                .bytes()
                .fold(0u32, |h, b| h.wrapping_mul(37).wrapping_add(u32::from(b)));
            list.extend_from_slice(&hash.to_le_bytes());
        }
        let l = alloc(bin, &list);
        put32(bin, at + 28, l);
    }
    if !node.values.is_empty() {
        let vks: Vec<u32> = node.values.iter().map(|(n, k, d)| write_value(bin, n, *k, d)).collect();
        let list: Vec<u8> = vks.iter().flat_map(|v| v.to_le_bytes()).collect();
        let l = alloc(bin, &list);
        put32(bin, at + 40, l);
    }
    me
}

fn write_value(bin: &mut Vec<u8>, name: &str, kind: u32, data: &[u8]) -> u32 {
    let (size, offset) = if data.len() <= 4 {
        let mut inline = [0u8; 4];
        inline[..data.len()].copy_from_slice(data);
        (data.len() as u32 | 0x8000_0000, u32::from_le_bytes(inline))
    } else if data.len() > 16344 {
        let segments: Vec<u32> = data.chunks(16344).map(|c| alloc(bin, c)).collect();
        let list: Vec<u8> = segments.iter().flat_map(|s| s.to_le_bytes()).collect();
        let l = alloc(bin, &list);
        let mut db = Vec::new();
        db.extend_from_slice(b"db");
        db.extend_from_slice(&(segments.len() as u16).to_le_bytes());
        db.extend_from_slice(&l.to_le_bytes());
        (data.len() as u32, alloc(bin, &db))
    } else {
        (data.len() as u32, alloc(bin, data))
    };
    let mut vk = vec![0u8; 20];
    vk[0..2].copy_from_slice(b"vk");
    vk[2..4].copy_from_slice(&(name.len() as u16).to_le_bytes());
    vk[4..8].copy_from_slice(&size.to_le_bytes());
    vk[8..12].copy_from_slice(&offset.to_le_bytes());
    vk[12..16].copy_from_slice(&kind.to_le_bytes());
    vk[16..18].copy_from_slice(&1u16.to_le_bytes());
    vk.extend_from_slice(name.as_bytes());
    alloc(bin, &vk)
}
