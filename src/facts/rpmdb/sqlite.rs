//! A read-only reader of the one table rpm's sqlite backend keeps its headers in
//! (`Packages (hnum INTEGER PRIMARY KEY, blob BLOB)`, RHEL 9, Fedora, newer SUSE), working on
//! the file's bytes in memory: no sqlite library opens anything in the image, so no `-wal`,
//! `-shm` or journal file can ever be created there. It walks the schema table on page 1 to the
//! table's root page, then the table's b-tree, following overflow chains; each page may be
//! visited once, so a cycle ends with an error, and every offset is checked before use.
//! Committed pages still in a `-wal` file are laid over the main file first (see [`apply_wal`]).

/// The file header's first 16 bytes.
const MAGIC: &[u8; 16] = b"SQLite format 3\0";
/// B-tree page types.
const INTERIOR_TABLE: u8 = 5;
const LEAF_TABLE: u8 = 13;
/// Deepest table b-tree followed (a 4 GiB database of 512-byte pages is ~6 levels deep).
const MAX_DEPTH: usize = 32;

/// Returns the `blob` column of every row of the `Packages` table, in rowid order.
pub fn read_packages(file: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let db = Db::new(file)?;
    let mut visited = vec![false; db.pages + 1];
    let mut root = None;
    db.walk_table(1, 0, &mut visited, &mut |record| {
        // sqlite_schema: (type, name, tbl_name, rootpage, sql)
        let cols = db.columns(&record)?;
        if let [Value::Text(b"table"), Value::Text(b"Packages"), _, Value::Int(page), ..] = &cols[..] {
            root = Some(*page);
        }
        Ok(())
    })?;
    let root = root.ok_or("no Packages table in the schema")?;
    let root = usize::try_from(root).map_err(|_| format!("Packages root page {root} is invalid"))?;
    let mut blobs = Vec::new();
    db.walk_table(root, 0, &mut visited, &mut |record| {
        match db.columns(&record)?.get(1) {
            Some(Value::Blob(b)) => blobs.push(b.to_vec()),
            _ => return Err("a Packages row has no blob".to_string()),
        }
        Ok(())
    })?;
    Ok(blobs)
}

/// Applies the committed frames of a write-ahead log to the main file's bytes, as sqlite
/// would on open: the last valid frame of each page up to the last valid commit frame wins.
/// Frames after a checksum or salt mismatch are ignored, as sqlite ignores them. Returns the
/// file unchanged when the log holds no committed frames (rpm leaves an empty `-wal`).
pub fn apply_wal(mut file: Vec<u8>, wal: &[u8]) -> Result<Vec<u8>, String> {
    if wal.len() < 32 {
        return Ok(file);
    }
    let magic = be32(wal, 0).unwrap_or(0);
    if magic & !1 != 0x377f_0682 {
        return Err(format!("write-ahead log magic {magic:#x} is not sqlite's"));
    }
    let big = magic & 1 == 1; // checksums computed on big-endian words
    let page_size = be32(wal, 8).unwrap_or(0) as usize;
    if !(512..=65536).contains(&page_size) || !page_size.is_power_of_two() {
        return Err(format!("write-ahead log page size {page_size} is invalid"));
    }
    let (salt1, salt2) = (be32(wal, 16).unwrap_or(0), be32(wal, 20).unwrap_or(0));
    let mut sum = checksum(big, &wal[..24], (0, 0));
    if (be32(wal, 24), be32(wal, 28)) != (Some(sum.0), Some(sum.1)) {
        return Ok(file); // an invalid header: sqlite ignores the whole log
    }
    let frame = 24 + page_size;
    let mut pending: Vec<(usize, &[u8])> = Vec::new();
    let mut committed: Vec<(usize, &[u8])> = Vec::new();
    let mut db_pages = None;
    let mut at = 32;
    while at + frame <= wal.len() {
        let h = &wal[at..at + 24];
        let page = &wal[at + 24..at + frame];
        if (be32(h, 8), be32(h, 12)) != (Some(salt1), Some(salt2)) {
            break;
        }
        sum = checksum(big, &h[..8], sum);
        sum = checksum(big, page, sum);
        if (be32(h, 16), be32(h, 20)) != (Some(sum.0), Some(sum.1)) {
            break;
        }
        let pgno = be32(h, 0).unwrap_or(0) as usize;
        if pgno == 0 {
            break;
        }
        pending.push((pgno, page));
        let commit = be32(h, 4).unwrap_or(0) as usize;
        if commit != 0 {
            committed.append(&mut pending);
            db_pages = Some(commit);
        }
        at += frame;
    }
    let Some(db_pages) = db_pages else { return Ok(file) };
    if file.len() >= 100 && db_page_size(&file) != Some(page_size) {
        return Err("the write-ahead log's page size differs from the database's".to_string());
    }
    let new_len = db_pages.checked_mul(page_size).filter(|&n| n <= file.len() + wal.len());
    let new_len = new_len.ok_or("the write-ahead log names an impossible database size")?;
    file.resize(new_len, 0);
    for (pgno, page) in committed {
        if pgno <= db_pages {
            file[(pgno - 1) * page_size..pgno * page_size].copy_from_slice(page);
        }
    }
    Ok(file)
}

/// sqlite's WAL checksum over 8-byte chunks, continuing from `(s0, s1)`.
fn checksum(big: bool, data: &[u8], (mut s0, mut s1): (u32, u32)) -> (u32, u32) {
    for c in data.chunks_exact(8) {
        let w = |b: &[u8]| {
            let b = [b[0], b[1], b[2], b[3]];
            if big { u32::from_be_bytes(b) } else { u32::from_le_bytes(b) }
        };
        s0 = s0.wrapping_add(w(&c[..4])).wrapping_add(s1);
        s1 = s1.wrapping_add(w(&c[4..])).wrapping_add(s0);
    }
    (s0, s1)
}

fn be32(buf: &[u8], at: usize) -> Option<u32> {
    let b: [u8; 4] = buf.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(u32::from_be_bytes(b))
}

fn be16(buf: &[u8], at: usize) -> Option<u16> {
    let b: [u8; 2] = buf.get(at..at.checked_add(2)?)?.try_into().ok()?;
    Some(u16::from_be_bytes(b))
}

/// The page size in a database header (the value 1 means 65536).
fn db_page_size(file: &[u8]) -> Option<usize> {
    match be16(file, 16)? {
        1 => Some(65536),
        n => Some(n as usize),
    }
}

/// One column value of a record (only the kinds this reader needs are kept apart).
#[derive(Debug)]
enum Value<'a> {
    Null,
    Int(i64),
    Text(&'a [u8]),
    Blob(&'a [u8]),
    Other,
}

/// A database file in memory, checked once.
struct Db<'a> {
    file: &'a [u8],
    page_size: usize,
    /// Usable bytes per page (the page size less the reserved bytes at its end).
    usable: usize,
    pages: usize,
    /// Payload bytes still allowed: real payloads never overlap, so together they are smaller
    /// than the file; cells pointing at one another's bytes cannot multiply memory.
    budget: std::cell::Cell<usize>,
}

impl<'a> Db<'a> {
    fn new(file: &'a [u8]) -> Result<Db<'a>, String> {
        if file.len() < 100 || &file[..16] != MAGIC {
            return Err("not a sqlite database (no 'SQLite format 3' header)".to_string());
        }
        let page_size = db_page_size(file).unwrap_or(0);
        if !(512..=65536).contains(&page_size) || !page_size.is_power_of_two() {
            return Err(format!("invalid page size {page_size}"));
        }
        let usable = page_size - file[20] as usize;
        if usable < 480 {
            return Err(format!("{} reserved bytes per page leave too little room", file[20]));
        }
        if file[56..60] != [0, 0, 0, 1] && file[56..60] != [0, 0, 0, 0] {
            return Err("text encoding is not UTF-8".to_string());
        }
        if !file.len().is_multiple_of(page_size) {
            return Err(format!(
                "{} bytes is not a whole number of {page_size}-byte pages: truncated",
                file.len()
            ));
        }
        let pages = file.len() / page_size;
        // The in-header page count is valid when its change counter matches (sqlite >= 3.7).
        let counted = be32(file, 28).unwrap_or(0) as usize;
        if be32(file, 24) == be32(file, 92) && counted != pages {
            return Err(format!("truncated: the header counts {counted} pages, the file has {pages}"));
        }
        Ok(Db { file, page_size, usable, pages, budget: std::cell::Cell::new(file.len()) })
    }

    /// The bytes of page `pgno` (1-based).
    fn page(&self, pgno: usize, visited: &mut [bool]) -> Result<&'a [u8], String> {
        if pgno == 0 || pgno > self.pages {
            return Err(format!("page {pgno} is outside the file's {} pages", self.pages));
        }
        if std::mem::replace(&mut visited[pgno], true) {
            return Err(format!("page {pgno} is reached twice: the b-tree loops"));
        }
        Ok(&self.file[(pgno - 1) * self.page_size..pgno * self.page_size])
    }

    /// Calls `row` with the full payload of every row of the table b-tree rooted at `pgno`.
    fn walk_table(
        &self,
        pgno: usize,
        depth: usize,
        visited: &mut [bool],
        row: &mut dyn FnMut(Vec<u8>) -> Result<(), String>,
    ) -> Result<(), String> {
        if depth > MAX_DEPTH {
            return Err(format!("table b-tree deeper than {MAX_DEPTH} levels"));
        }
        let page = self.page(pgno, visited)?;
        let hdr = if pgno == 1 { 100 } else { 0 };
        let bad = |what: &str| format!("page {pgno}: {what}");
        let kind = page[hdr];
        let cells = be16(page, hdr + 3).ok_or_else(|| bad("short header"))? as usize;
        let header_len = match kind {
            LEAF_TABLE => 8,
            INTERIOR_TABLE => 12,
            k => return Err(bad(&format!("type {k} where a table b-tree page belongs"))),
        };
        let pointers = hdr + header_len;
        if pointers + 2 * cells > self.usable {
            return Err(bad(&format!("{cells} cells do not fit")));
        }
        for i in 0..cells {
            let cell = be16(page, pointers + 2 * i).ok_or_else(|| bad("short cell pointer"))? as usize;
            if cell < pointers + 2 * cells || cell >= self.usable {
                return Err(bad(&format!("cell {i} offset {cell} is out of bounds")));
            }
            let body = &page[cell..self.usable];
            if kind == INTERIOR_TABLE {
                let child = be32(body, 0).ok_or_else(|| bad("short interior cell"))? as usize;
                self.walk_table(child, depth + 1, visited, row)?;
            } else {
                let (size, n1) = varint(body).ok_or_else(|| bad("bad payload size"))?;
                let (_rowid, n2) = varint(&body[n1..]).ok_or_else(|| bad("bad rowid"))?;
                let payload = self.payload(&body[n1 + n2..], size, visited).map_err(|e| bad(&e))?;
                row(payload)?;
            }
        }
        if kind == INTERIOR_TABLE {
            let right = be32(page, hdr + 8).ok_or_else(|| bad("short header"))? as usize;
            self.walk_table(right, depth + 1, visited, row)?;
        }
        Ok(())
    }

    /// A cell's payload of `size` bytes: the part on the page, then its overflow chain.
    fn payload(&self, local: &[u8], size: u64, visited: &mut [bool]) -> Result<Vec<u8>, String> {
        if size > self.file.len() as u64 {
            return Err(format!("payload of {size} bytes is larger than the file"));
        }
        let size = size as usize;
        let left = self
            .budget
            .get()
            .checked_sub(size)
            .ok_or("payloads add up to more than the file: cells overlap")?;
        self.budget.set(left);
        let u = self.usable;
        let max_local = u - 35;
        let here = if size <= max_local {
            size
        } else {
            let min_local = (u - 12) * 32 / 255 - 23;
            let k = min_local + (size - min_local) % (u - 4);
            if k <= max_local { k } else { min_local }
        };
        let mut out = Vec::with_capacity(size);
        out.extend_from_slice(local.get(..here).ok_or("payload runs past its page")?);
        if here == size {
            return Ok(out);
        }
        let mut next = be32(local, here).ok_or("overflow pointer runs past its page")? as usize;
        while out.len() < size {
            let page = self.page(next, visited)?;
            let take = (size - out.len()).min(u - 4);
            out.extend_from_slice(&page[4..4 + take]);
            next = be32(page, 0).unwrap_or(0) as usize;
        }
        Ok(out)
    }

    /// The columns of a record (sqlite's record format: a header of serial types, then values).
    fn columns<'r>(&self, record: &'r [u8]) -> Result<Vec<Value<'r>>, String> {
        let bad = || "malformed record".to_string();
        let (header_len, mut at) = varint(record).ok_or_else(bad)?;
        let header_len = usize::try_from(header_len).map_err(|_| bad())?;
        if header_len > record.len() || header_len < at {
            return Err(bad());
        }
        let mut body = header_len;
        let mut cols = Vec::new();
        while at < header_len {
            let (serial, n) = varint(&record[at..header_len]).ok_or_else(bad)?;
            at += n;
            let len = match serial {
                0 | 8 | 9 | 10 | 11 => 0,
                1..=4 => serial as usize,
                5 => 6,
                6 | 7 => 8,
                s => usize::try_from((s - 12) / 2).map_err(|_| bad())?,
            };
            let end = body.checked_add(len).filter(|&e| e <= record.len()).ok_or_else(bad)?;
            let bytes = &record[body..end];
            cols.push(match serial {
                0 => Value::Null,
                8 => Value::Int(0),
                9 => Value::Int(1),
                1..=6 => {
                    // Big-endian two's complement of 1, 2, 3, 4, 6 or 8 bytes.
                    let mut v: i64 = if bytes[0] & 0x80 != 0 { -1 } else { 0 };
                    for &b in bytes {
                        v = (v << 8) | i64::from(b);
                    }
                    Value::Int(v)
                }
                s if s >= 12 && s % 2 == 0 => Value::Blob(bytes),
                s if s >= 13 => Value::Text(bytes),
                _ => Value::Other,
            });
            body = end;
        }
        Ok(cols)
    }
}

/// sqlite's big-endian variable-length integer (1 to 9 bytes); returns it with its length.
fn varint(buf: &[u8]) -> Option<(u64, usize)> {
    let mut v: u64 = 0;
    for i in 0..9 {
        let b = *buf.get(i)?;
        if i == 8 {
            return Some(((v << 8) | u64::from(b), 9));
        }
        v = (v << 7) | u64::from(b & 0x7f);
        if b & 0x80 == 0 {
            return Some((v, i + 1));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::rpmdb::header;

    /// A real rpmdb.sqlite written by rpm 4.18: see tests/system/make-rpmdb.sh.
    fn fixture(image: &str) -> Vec<u8> {
        let p = format!("{}/tests/fixtures/{image}/var/lib/rpm/rpmdb.sqlite", env!("CARGO_MANIFEST_DIR"));
        std::fs::read(p).unwrap()
    }

    #[test]
    fn reads_every_header_of_a_real_database() {
        let blobs = read_packages(&fixture("rhel-9.3")).unwrap();
        let mut names: Vec<String> = blobs.iter().map(|b| header::parse(b).unwrap().name).collect();
        names.sort();
        assert_eq!(
            names,
            [
                "ca-certificates",
                "cloud-init",
                "openssl-devel",
                "openssl-libs",
                "python-unversioned-command",
                "python3",
                "redhat-release"
            ]
        );
        // python3's header (a real-sized file list) is on overflow pages.
        let py = blobs.iter().find(|b| header::parse(b).unwrap().name == "python3").unwrap();
        assert!(py.len() > 4096 * 4, "{}", py.len());
    }

    #[test]
    fn varints() {
        assert_eq!(varint(&[0x05]), Some((5, 1)));
        assert_eq!(varint(&[0x81, 0x00]), Some((128, 2)));
        assert_eq!(varint(&[0xff; 9]), Some((u64::MAX, 9)));
        assert_eq!(varint(&[0x81]), None);
    }

    #[test]
    fn truncation_at_every_page_boundary_and_inside_pages_is_an_error() {
        let file = fixture("rhel-9.3");
        for len in (0..file.len()).step_by(4096).chain([50, 4097, file.len() - 1]) {
            assert!(read_packages(&file[..len]).is_err(), "truncated to {len}");
        }
    }

    #[test]
    fn corrupt_structures_are_errors() {
        let file = fixture("rhel-9.3");
        let set = |at: usize, bytes: &[u8]| {
            let mut f = file.clone();
            f[at..at + bytes.len()].copy_from_slice(bytes);
            read_packages(&f)
        };
        assert!(set(0, b"SQLite format 4").unwrap_err().contains("not a sqlite"));
        assert!(set(16, &[0x03, 0x00]).unwrap_err().contains("page size"));
        // Page 1's cell count far beyond the page.
        assert!(set(103, &[0xff, 0xff]).is_err());
        // A cell pointer out of the page, a child pointer to itself (a loop).
        assert!(set(108, &[0xff, 0xff]).is_err());
        let root = read_root(&file);
        let p = (root - 1) * 4096;
        assert!(set(p, &[0x0a]).is_err(), "wrong page type at the Packages root");
        if file[p] == INTERIOR_TABLE {
            assert!(set(p + 8, &(root as u32).to_be_bytes()).unwrap_err().contains("twice"));
        }
        // Huge payload sizes and overflow pointers in the first Packages cell.
        let cell = p + u16::from_be_bytes([file[p + 8], file[p + 9]]) as usize;
        assert!(set(cell, &[0xff, 0xff, 0xff, 0xff, 0x7f]).is_err(), "huge payload size");
    }

    #[test]
    fn cells_sharing_one_payload_cannot_multiply_memory() {
        // A leaf page of Packages whose cell pointers all name the same small row, 1200 times.
        let mut file = fixture("rhel-9.3");
        let root = read_root(&file);
        let r = (root - 1) * 4096;
        let leaf = u32::from_be_bytes(file[r + 8..r + 12].try_into().unwrap()) as usize;
        let p = (leaf - 1) * 4096;
        assert_eq!(file[p], LEAF_TABLE);
        let cells = u16::from_be_bytes([file[p + 3], file[p + 4]]) as usize;
        let last =
            (0..cells).map(|i| u16::from_be_bytes([file[p + 8 + 2 * i], file[p + 9 + 2 * i]])).max().unwrap();
        let n = ((last as usize - 8) / 2).min(1200);
        file[p + 3..p + 5].copy_from_slice(&(n as u16).to_be_bytes());
        for i in 0..n {
            file[p + 8 + 2 * i..p + 10 + 2 * i].copy_from_slice(&last.to_be_bytes());
        }
        assert!(read_packages(&file).unwrap_err().contains("overlap"));
    }

    /// The Packages root page, read through the same schema walk.
    fn read_root(file: &[u8]) -> usize {
        let db = Db::new(file).unwrap();
        let mut visited = vec![false; db.pages + 1];
        let mut root = 0;
        db.walk_table(1, 0, &mut visited, &mut |r| {
            if let [Value::Text(b"table"), Value::Text(b"Packages"), _, Value::Int(p), ..] =
                &db.columns(&r)?[..]
            {
                root = *p as usize;
            }
            Ok(())
        })
        .unwrap();
        root
    }

    #[test]
    fn flipped_bytes_never_panic() {
        let file = fixture("rhel-9.3");
        let positions = (0..file.len()).filter(|i| i % 4096 < 48 || i % 131 == 0);
        for i in positions {
            let mut f = file.clone();
            f[i] ^= 0xff;
            if let Ok(blobs) = read_packages(&f) {
                for b in blobs {
                    let _ = header::parse(&b);
                }
            }
        }
    }

    #[test]
    fn committed_wal_frames_are_applied_and_bad_ones_ignored() {
        let main = fixture("rhel-9.3");
        // An empty log (what rpm leaves behind) changes nothing.
        assert_eq!(apply_wal(main.clone(), &[]).unwrap(), main);
        // A log holding one committed frame: page 1 with its schema's first byte changed.
        let mut page = main[..4096].to_vec();
        page[100] = 0x0d;
        let mut wal = Vec::new();
        for v in [0x377f_0682u32, 3_007_000, 4096, 0, 11, 22] {
            wal.extend(v.to_be_bytes());
        }
        let s = checksum(false, &wal, (0, 0));
        wal.extend(s.0.to_be_bytes());
        wal.extend(s.1.to_be_bytes());
        let mut frame = Vec::new();
        for v in [1u32, (main.len() / 4096) as u32, 11, 22] {
            frame.extend(v.to_be_bytes());
        }
        let s = checksum(false, &page, checksum(false, &frame[..8], s));
        frame.extend(s.0.to_be_bytes());
        frame.extend(s.1.to_be_bytes());
        frame.extend(&page);
        let mut log = wal.clone();
        log.extend(&frame);
        let applied = apply_wal(main.clone(), &log).unwrap();
        assert_eq!(applied.len(), main.len());
        assert_eq!(applied[100], 0x0d);
        assert_eq!(&applied[4096..], &main[4096..]);
        // A frame with a bad checksum is ignored, as sqlite ignores it.
        let mut bad = log.clone();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        assert_eq!(apply_wal(main.clone(), &bad).unwrap(), main);
        // Garbage is an error or ignored, never a panic.
        assert!(apply_wal(main.clone(), &[0u8; 100]).is_err());
        for i in 0..log.len().min(200) {
            let mut l = log.clone();
            l[i] ^= 0xff;
            let _ = apply_wal(main.clone(), &l);
        }
    }
}
