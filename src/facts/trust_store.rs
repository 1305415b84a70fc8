//! The CA trust store the image's OpenSSL and Python really use, for its family, parsed
//! certificate by certificate; plus the anchors waiting in the directories that
//! `update-ca-trust` / `update-ca-certificates` extract from.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use serde::Serialize;

use super::GatherError;
use super::certs::{self, BadBlock, CertSummary, Validity};
use super::os::Family;
use crate::target::Target;
use crate::target::root::{DirEntry, EntryKind, Root, is_plain_name, join};
use crate::timestamp;

/// Largest bundle read (a full Mozilla bundle is ~220 KB).
const BUNDLE_LIMIT: u64 = 32 * 1024 * 1024;
/// Largest anchor file read.
const ANCHOR_LIMIT: u64 = 1024 * 1024;
/// Most anchor files read from one directory tree.
const MAX_ANCHOR_FILES: usize = 1000;
/// Most broken hash links listed.
const MAX_BROKEN_LISTED: usize = 50;

/// RHEL family: what OpenSSL's default CA file and Python use (symlinks into the extracted store).
const RHEL_BUNDLES: [&str; 3] = [
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/pki/tls/cert.pem",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
];
/// Debian family: the bundle `update-ca-certificates` writes.
const DEBIAN_BUNDLES: [&str; 1] = ["/etc/ssl/certs/ca-certificates.crt"];
/// SUSE: the bundle `update-ca-certificates` writes (and its /etc/ssl link).
const SUSE_BUNDLES: [&str; 2] = ["/var/lib/ca-certificates/ca-bundle.pem", "/etc/ssl/ca-bundle.pem"];
/// Debian's hashed certificate directory (OpenSSL's CApath).
const HASHED_DIR: &str = "/etc/ssl/certs";
/// Where administrators put extra CAs before running the family's update command.
pub const ANCHOR_DIRS: [&str; 4] = [
    "/etc/pki/ca-trust/source/anchors",
    "/usr/local/share/ca-certificates",
    "/etc/pki/trust/anchors",
    "/usr/share/pki/ca-trust-source/anchors",
];

/// The image's trust store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrustStore {
    /// The CA bundle file the image's OpenSSL and Python use; `null` when there is none.
    pub path: Option<String>,
    /// Where `path` leads once its symlinks are followed inside the image.
    pub resolved_path: Option<String>,
    /// The candidate files looked at, in order.
    pub looked_at: Vec<String>,
    /// How many certificates were parsed from the bundle.
    pub certificates: usize,
    /// Certificates past their notAfter as of `as_of`.
    pub expired: Vec<CertSummary>,
    /// Certificates before their notBefore as of `as_of`.
    pub not_yet_valid: Vec<CertSummary>,
    /// Blocks that are not readable certificates, with their line; OpenSSL (and Python)
    /// refuse the whole file when there is one.
    pub unparseable: Vec<BadBlock>,
    /// Certificates present more than once.
    pub duplicates: Vec<Duplicate>,
    /// Certificates beyond the cap that were not read.
    pub not_read: usize,
    /// The instant validity was judged at (`--now`, else now), RFC 3339.
    pub as_of: String,
    /// Every certificate of the bundle: subject, fingerprint, validity, line.
    pub entries: Vec<CertSummary>,
    /// The hashed directory (Debian's CApath), when the image has one.
    pub hashed_dir: Option<HashedDir>,
    /// The anchor directories that exist in the image.
    pub anchor_dirs: Vec<String>,
    /// Certificates found in the anchor directories.
    pub anchors: Vec<Anchor>,
    /// Anchor files that could not be read or parsed.
    pub anchor_errors: Vec<GatherError>,
    /// The DER encodings of the bundle's certificates, for the probe (not reported).
    #[serde(skip)]
    pub der: Vec<Vec<u8>>,
}

impl TrustStore {
    /// A store where nothing was found (the base for hand-made facts).
    pub fn none() -> TrustStore {
        TrustStore {
            path: None,
            resolved_path: None,
            looked_at: Vec::new(),
            certificates: 0,
            expired: Vec::new(),
            not_yet_valid: Vec::new(),
            unparseable: Vec::new(),
            duplicates: Vec::new(),
            not_read: 0,
            as_of: String::new(),
            entries: Vec::new(),
            hashed_dir: None,
            anchor_dirs: Vec::new(),
            anchors: Vec::new(),
            anchor_errors: Vec::new(),
            der: Vec::new(),
        }
    }

    /// True when the bundle holds a certificate with this SHA-256 fingerprint.
    pub fn contains(&self, sha256: &str) -> bool {
        self.entries.iter().any(|e| e.sha256 == sha256)
    }
}

/// A certificate present more than once in the bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Duplicate {
    /// Its subject.
    pub subject: String,
    /// Its SHA-256 fingerprint.
    pub sha256: String,
    /// The lines of its `BEGIN`s.
    pub lines: Vec<usize>,
}

/// OpenSSL's hashed CA directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HashedDir {
    /// The directory.
    pub path: String,
    /// How many `<hash>.<n>` entries it has.
    pub links: usize,
    /// Entries that lead nowhere (at most 50 listed).
    pub broken: Vec<String>,
}

/// A certificate in an anchor directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Anchor {
    /// The file it is in.
    pub path: String,
    /// Its subject.
    pub subject: String,
    /// Its SHA-256 fingerprint.
    pub sha256: String,
    /// Whether the extracted bundle holds it too.
    pub in_bundle: bool,
}

/// The bundle candidates for a family, most specific first; an unknown family tries all.
pub fn candidates(family: Option<Family>) -> Vec<&'static str> {
    match family {
        Some(Family::Rhel) => RHEL_BUNDLES.to_vec(),
        Some(Family::Debian) => DEBIAN_BUNDLES.to_vec(),
        Some(Family::Suse) => SUSE_BUNDLES.to_vec(),
        _ => RHEL_BUNDLES.iter().chain(&DEBIAN_BUNDLES).chain(&SUSE_BUNDLES).copied().collect(),
    }
}

/// Finds and parses the trust store of the image's family, judging validity at `now`
/// (seconds since the epoch). The DER encodings (`TrustStore::der`) are kept only when
/// `keep_der`: only a probe reads them, and without it each certificate's buffer is reused.
pub fn gather(
    target: &Target,
    family: Option<Family>,
    now: i64,
    keep_der: bool,
) -> Result<TrustStore, GatherError> {
    let mut store = TrustStore::none();
    store.as_of = timestamp::format(now);
    let mut found = None;
    for path in candidates(family) {
        store.looked_at.push(path.to_string());
        match target.root.open(path, BUNDLE_LIMIT) {
            Ok(reader) => {
                found = Some((path, reader));
                break;
            }
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(GatherError::from_root(e)),
        }
    }
    if let Some((path, reader)) = found {
        store.path = Some(path.to_string());
        store.resolved_path = resolved(target, path);
        // Streamed in 64 KiB reads: the bundle (~220 KB) is never held whole, and its pages
        // are not faulted in for one pass.
        let parsed = certs::parse_reader(std::io::BufReader::with_capacity(64 * 1024, reader), keep_der)
            .map_err(|e| GatherError::new(Some(path), format!("reading {path}: {e}")))?;
        store.unparseable = parsed.bad;
        store.not_read = parsed.not_read;
        store.certificates = parsed.certs.len();
        let mut seen: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for cert in parsed.certs {
            match certs::validity(&cert, now) {
                Validity::Expired => store.expired.push(cert.summary.clone()),
                Validity::NotYetValid => store.not_yet_valid.push(cert.summary.clone()),
                Validity::Valid => {}
            }
            seen.entry(cert.summary.sha256.clone()).or_default().extend(cert.summary.line);
            if keep_der {
                store.der.push(cert.der);
            }
            store.entries.push(cert.summary);
        }
        for (sha256, lines) in seen.into_iter().filter(|(_, l)| l.len() > 1) {
            let subject = store
                .entries
                .iter()
                .find(|e| e.sha256 == sha256)
                .map(|e| e.subject.clone())
                .unwrap_or_default();
            store.duplicates.push(Duplicate { subject, sha256, lines });
        }
    }
    store.hashed_dir = hashed_dir(target, family);
    gather_anchors(target, &mut store);
    Ok(store)
}

/// The in-root path `path` resolves to, when it differs from `path`.
fn resolved(target: &Target, path: &str) -> Option<String> {
    let host = target.root.resolve(path).ok()?;
    let inside = host.strip_prefix(target.root.base()).ok()?;
    let inside = format!("/{}", inside.display());
    (inside != path).then_some(inside)
}

fn is_hash_name(name: &str) -> bool {
    let Some((hash, n)) = name.split_once('.') else { return false };
    hash.len() == 8
        && hash.bytes().all(|b| b.is_ascii_hexdigit())
        && !n.is_empty()
        && n.bytes().all(|b| b.is_ascii_digit())
}

fn hashed_dir(target: &Target, family: Option<Family>) -> Option<HashedDir> {
    let entries = target.root.read_dir(HASHED_DIR, crate::target::root::MAX_DIR_ENTRIES).ok()?;
    let hashes: Vec<&str> = entries.iter().map(|e| e.name.as_str()).filter(|n| is_hash_name(n)).collect();
    let leads = Leads::read(&target.root, HASHED_DIR, &entries, &hashes);
    let mut dir = HashedDir { path: HASHED_DIR.to_string(), links: hashes.len(), broken: Vec::new() };
    for name in hashes {
        if !leads.to_file(name) && dir.broken.len() < MAX_BROKEN_LISTED {
            dir.broken.push(join(HASHED_DIR, name));
        }
    }
    (dir.links > 0 || family == Some(Family::Debian)).then_some(dir)
}

/// Whether the entries of one listed directory lead to a regular file, worked out from the
/// listing and the links' targets read in two passes, instead of a walk from the root per
/// entry: OpenSSL's hashed directory is ~150 links to links in the same directory (Debian:
/// `5ad8a5d6.0 -> ISRG_Root_X1.pem -> /usr/share/ca-certificates/mozilla/ISRG_Root_X1.crt`).
/// The far ends are looked up in their own directories' listings, each listed once. Anything
/// else (a target with `..`, a link in a far directory, an unreadable link) is left to
/// [`Root::is_file`], which gives the same answer one walk at a time.
struct Leads<'a> {
    root: &'a Root,
    dir: &'a str,
    /// The listing, sorted by name.
    entries: &'a [DirEntry],
    /// The targets of the listing's symlinks that were read: the asked-for entries', then
    /// those of the same-directory links they point to.
    targets: HashMap<&'a str, PathBuf>,
    /// The far directories' listings, by in-root path (`None` when one cannot be listed).
    far: RefCell<HashMap<String, Option<Vec<DirEntry>>>>,
}

impl<'a> Leads<'a> {
    fn read(root: &'a Root, dir: &'a str, entries: &'a [DirEntry], names: &[&'a str]) -> Leads<'a> {
        let mut leads =
            Leads { root, dir, entries, targets: HashMap::new(), far: RefCell::new(HashMap::new()) };
        let links: Vec<&str> =
            names.iter().copied().filter(|n| leads.kind(n) == Some(EntryKind::Symlink)).collect();
        leads.read_targets(&links);
        let mut second: Vec<&'a str> = leads
            .targets
            .values()
            .filter_map(|t| t.to_str())
            .filter_map(|t| leads.entry(t))
            .filter(|e| e.kind == EntryKind::Symlink && !leads.targets.contains_key(e.name.as_str()))
            .map(|e| e.name.as_str())
            .collect();
        second.sort_unstable();
        second.dedup();
        leads.read_targets(&second);
        leads
    }

    fn read_targets(&mut self, names: &[&'a str]) {
        if let Ok(targets) = self.root.read_links(self.dir, names) {
            for (name, target) in names.iter().zip(targets) {
                if let Ok(t) = target {
                    self.targets.insert(name, t);
                }
            }
        }
    }

    fn entry(&self, name: &str) -> Option<&'a DirEntry> {
        find(self.entries, name)
    }

    fn kind(&self, name: &str) -> Option<EntryKind> {
        self.entry(name).map(|e| e.kind)
    }

    /// True when the entry `name` of the directory leads to a regular file inside the root.
    fn to_file(&self, name: &str) -> bool {
        self.follow(name, 2)
    }

    fn follow(&self, name: &str, hops: usize) -> bool {
        match self.kind(name) {
            Some(EntryKind::File) => true,
            None | Some(EntryKind::Dir | EntryKind::Other) => false,
            Some(EntryKind::Symlink) => match self.targets.get(name).and_then(|t| t.to_str()) {
                Some(t) if hops > 0 && is_plain_name(t) => self.follow(t, hops - 1),
                Some(t) if t.starts_with('/') => self.far_is_file(t),
                _ => self.root.is_file(&join(self.dir, name)),
            },
        }
    }

    /// True when the absolute in-root `path` is a regular file: from its directory's listing
    /// when it is a plain entry there, else by a walk.
    fn far_is_file(&self, path: &str) -> bool {
        let Some((parent, name)) = path.rsplit_once('/') else { return self.root.is_file(path) };
        if !is_plain_name(name) || parent.split('/').any(|c| c == "." || c == "..") {
            return self.root.is_file(path);
        }
        let parent = if parent.is_empty() { "/" } else { parent };
        let mut far = self.far.borrow_mut();
        if !far.contains_key(parent) {
            let listing = self.root.read_dir(parent, crate::target::root::MAX_DIR_ENTRIES).ok();
            far.insert(parent.to_string(), listing);
        }
        let kind = match &far[parent] {
            Some(entries) => match find(entries, name) {
                Some(e) => e.kind,
                None => return false,
            },
            None => return self.root.is_file(path),
        };
        drop(far);
        match kind {
            EntryKind::File => true,
            EntryKind::Dir | EntryKind::Other => false,
            EntryKind::Symlink => self.root.is_file(path),
        }
    }
}

/// The entry `name` of a listing sorted by name ([`Root::read_dir`]).
fn find<'e>(entries: &'e [DirEntry], name: &str) -> Option<&'e DirEntry> {
    entries.binary_search_by(|e| e.name.as_str().cmp(name)).ok().map(|i| &entries[i])
}

fn gather_anchors(target: &Target, store: &mut TrustStore) {
    let mut files = 0;
    for dir in ANCHOR_DIRS {
        let Ok(entries) = target.root.read_dir(dir, MAX_ANCHOR_FILES) else { continue };
        store.anchor_dirs.push(dir.to_string());
        // update-ca-certificates reads subdirectories of /usr/local/share/ca-certificates: one level.
        let mut paths = Vec::new();
        for e in &entries {
            let path = join(dir, &e.name);
            if e.name.starts_with('.') {
                continue;
            }
            if e.kind == EntryKind::Dir {
                if let Ok(sub) = target.root.read_dir(&path, MAX_ANCHOR_FILES) {
                    paths.extend(
                        sub.iter()
                            .filter(|s| s.kind != EntryKind::Dir && !s.name.starts_with('.'))
                            .map(|s| join(&path, &s.name)),
                    );
                }
            } else {
                paths.push(path);
            }
        }
        for path in paths {
            files += 1;
            if files > MAX_ANCHOR_FILES {
                store.anchor_errors.push(GatherError::new(
                    Some(dir),
                    format!("more than {MAX_ANCHOR_FILES} anchor files; the rest not read"),
                ));
                return;
            }
            // update-ca-certificates only takes *.crt from /usr/local/share/ca-certificates.
            if dir == "/usr/local/share/ca-certificates" && !path.ends_with(".crt") {
                store.anchor_errors.push(GatherError::new(
                    Some(&path),
                    "not a .crt file: update-ca-certificates ignores it",
                ));
                continue;
            }
            match target.root.read(&path, ANCHOR_LIMIT) {
                Ok(data) => {
                    let parsed = certs::parse(&data, true);
                    for bad in parsed.bad {
                        store
                            .anchor_errors
                            .push(GatherError::new(Some(&path), format!("line {}: {}", bad.line, bad.error)));
                    }
                    for s in parsed.certs.into_iter().map(|c| c.summary) {
                        let in_bundle = store.contains(&s.sha256);
                        store.anchors.push(Anchor {
                            path: path.clone(),
                            subject: s.subject,
                            sha256: s.sha256,
                            in_bundle,
                        });
                    }
                }
                Err(e) => store.anchor_errors.push(GatherError::from_root(e)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::target::Target;
    use std::path::PathBuf;

    fn fixture(name: &str) -> Target {
        Target::image(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)).unwrap()
    }

    const NOW: i64 = 1_795_575_600; // 2026-11-25T03:00:00Z

    #[test]
    fn rhel7_bundle_through_its_symlinks() {
        let s = gather(&fixture("rhel-7.9"), Some(Family::Rhel), NOW, true).unwrap();
        assert_eq!(s.path.as_deref(), Some("/etc/pki/tls/certs/ca-bundle.crt"));
        assert_eq!(s.resolved_path.as_deref(), Some("/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem"));
        assert_eq!(s.certificates, 5);
        assert!(s.unparseable.is_empty() && s.expired.is_empty() && s.duplicates.is_empty(), "{s:?}");
        assert_eq!(s.entries[0].line, Some(2), "after the '# ISRG Root X1' label line");
        assert_eq!(s.der.len(), 5);
        let without = gather(&fixture("rhel-7.9"), Some(Family::Rhel), NOW, false).unwrap();
        assert!(without.der.is_empty());
        assert_eq!(without.entries, s.entries);
        assert!(s.hashed_dir.is_none());
    }

    #[test]
    fn debian_bundle_and_hashed_dir() {
        let s = gather(&fixture("debian-12"), Some(Family::Debian), NOW, true).unwrap();
        assert_eq!(s.path.as_deref(), Some("/etc/ssl/certs/ca-certificates.crt"));
        assert_eq!(s.certificates, 5);
        let h = s.hashed_dir.unwrap();
        assert_eq!((h.links, h.broken.len()), (5, 0));
    }

    #[test]
    fn suse_bundle_with_a_corrupt_block_in_the_middle() {
        let s = gather(&fixture("sles-15.5"), Some(Family::Suse), NOW, true).unwrap();
        assert_eq!(s.path.as_deref(), Some("/var/lib/ca-certificates/ca-bundle.pem"));
        assert_eq!(s.certificates, 4, "the four good ones are still read");
        assert_eq!(s.unparseable.len(), 1, "{:?}", s.unparseable);
        assert_eq!(s.unparseable[0].line, 49, "the DigiCert Global Root G2 block");
        assert!(s.unparseable[0].error.contains("base64"));
    }

    #[test]
    fn expiry_follows_the_given_time() {
        // ISRG Root X1 ends 2035-06-04; GlobalSign Root CA 2028-01-28.
        let on = |day| {
            gather(&fixture("debian-12"), Some(Family::Debian), timestamp::parse(day).unwrap(), true).unwrap()
        };
        let s = on("2030-01-01");
        assert_eq!(s.expired.len(), 1, "{:?}", s.expired);
        assert!(s.expired[0].subject.contains("GlobalSign Root CA"));
        let s = on("2015-01-01");
        assert_eq!(s.not_yet_valid.len(), 3, "{:?}", s.not_yet_valid);
    }

    #[test]
    fn duplicates_anchors_and_broken_hash_links() {
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path();
        let isrg = crate::facts::certs::tests::ISRG_ROOT_X1;
        std::fs::create_dir_all(r.join("etc/ssl/certs")).unwrap();
        std::fs::write(r.join("etc/ssl/certs/ca-certificates.crt"), format!("{isrg}{isrg}")).unwrap();
        std::os::unix::fs::symlink("ISRG_Root_X1.pem", r.join("etc/ssl/certs/4042bcee.0")).unwrap();
        let anchors = r.join("usr/local/share/ca-certificates");
        std::fs::create_dir_all(&anchors).unwrap();
        let der = certs::parse(isrg.as_bytes(), false).certs.remove(0).der;
        std::fs::write(anchors.join("isrg.crt"), der).unwrap();
        std::fs::write(anchors.join("notes.txt"), "not a certificate").unwrap();
        let s = gather(&Target::image(r).unwrap(), Some(Family::Debian), NOW, true).unwrap();
        assert_eq!(s.certificates, 2);
        assert_eq!(s.duplicates.len(), 1);
        assert_eq!(s.duplicates[0].lines, vec![1, 1 + isrg.lines().count()]);
        assert_eq!(s.anchors.len(), 1, "the DER .crt anchor is read");
        assert!(s.anchors[0].in_bundle);
        assert_eq!(s.anchor_errors.len(), 1);
        assert!(s.anchor_errors[0].error.contains("not a .crt file"));
        assert_eq!(s.hashed_dir.unwrap().broken, vec!["/etc/ssl/certs/4042bcee.0"]);
    }

    #[test]
    fn hostile_bundles_are_refused_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path();
        std::fs::create_dir_all(r.join("etc/ssl/certs")).unwrap();
        let bundle = r.join("etc/ssl/certs/ca-certificates.crt");
        // A 4 GiB sparse file: refused by size, never read.
        std::fs::File::create(&bundle).unwrap().set_len(4 << 30).unwrap();
        let e = gather(&Target::image(r).unwrap(), Some(Family::Debian), NOW, true).unwrap_err();
        assert!(e.error.contains("larger than"), "{e:?}");
        // A FIFO: never opened (it would block).
        std::fs::remove_file(&bundle).unwrap();
        let c = std::ffi::CString::new(bundle.to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path; mkfifo only creates a file.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
        let e = gather(&Target::image(r).unwrap(), Some(Family::Debian), NOW, true).unwrap_err();
        assert!(e.error.contains("FIFO"), "{e:?}");
        // A symlink loop.
        std::fs::remove_file(&bundle).unwrap();
        std::os::unix::fs::symlink("ca-certificates.crt", &bundle).unwrap();
        let e = gather(&Target::image(r).unwrap(), Some(Family::Debian), NOW, true).unwrap_err();
        assert!(e.error.contains("loop"), "{e:?}");
    }

    #[test]
    fn hash_names() {
        assert!(is_hash_name("4042bcee.0"));
        assert!(is_hash_name("4042BCEE.12"));
        assert!(!is_hash_name("ISRG_Root_X1.pem"));
        assert!(!is_hash_name("4042bcee."));
        assert!(!is_hash_name("4042bcee.r0"));
    }

    #[test]
    fn leads_agree_with_a_walk_from_the_root_for_every_shape_of_link() {
        use std::os::unix::fs::symlink;
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path();
        let certs = r.join("etc/ssl/certs");
        let far = r.join("usr/share/ca-certificates/mozilla");
        std::fs::create_dir_all(&certs).unwrap();
        std::fs::create_dir_all(&far).unwrap();
        std::fs::create_dir_all(r.join("usr/share/other")).unwrap();
        std::fs::write(far.join("A.crt"), "a").unwrap();
        std::fs::write(certs.join("plain.pem"), "p").unwrap();
        std::fs::write(r.join("usr/share/other/B.crt"), "b").unwrap();
        symlink("/usr/share/other/B.crt", far.join("linked.crt")).unwrap();
        symlink("../../../../../usr/share/other/B.crt", far.join("climbing.crt")).unwrap();
        std::fs::create_dir(far.join("adir.crt")).unwrap();
        let fifo = std::ffi::CString::new(far.join("fifo.crt").to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path; mkfifo only creates a file.
        assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0);
        // The certs directory: the Debian shape, and every way it can go wrong.
        let links: &[(&str, &str)] = &[
            ("A.pem", "/usr/share/ca-certificates/mozilla/A.crt"),
            ("00000001.0", "A.pem"),     // hash -> pem -> far file
            ("00000002.0", "plain.pem"), // hash -> same-dir file
            ("00000003.0", "/usr/share/ca-certificates/mozilla/A.crt"), // hash -> far file
            ("00000004.0", "missing.pem"), // dangling, same dir
            ("gone.pem", "/usr/share/ca-certificates/mozilla/gone.crt"), // far, missing
            ("00000005.0", "gone.pem"),
            ("linked.pem", "/usr/share/ca-certificates/mozilla/linked.crt"), // far is a link
            ("00000006.0", "linked.pem"),
            ("00000007.0", "../../../usr/share/ca-certificates/mozilla/A.crt"), // relative, climbing
            ("00000008.0", "/../../../usr/share/ca-certificates/mozilla/A.crt"), // clamped at /
            ("00000009.0", "/usr/share/ca-certificates/mozilla/adir.crt"),      // a directory
            ("0000000a.0", "/usr/share/ca-certificates/mozilla/fifo.crt"),      // a FIFO
            ("loop1.pem", "loop2.pem"),
            ("loop2.pem", "loop1.pem"),
            ("0000000b.0", "loop1.pem"), // a loop
            ("0000000c.0", "/usr/share/ca-certificates/mozilla/climbing.crt"), // far link with ..
            ("0000000d.0", "/usr/share/ca-certificates/../ca-certificates/mozilla/A.crt"),
            ("0000000e.0", "/usr/share/ca-certificates/mozilla"), // the far directory
            ("0000000f.0", "/etc/ssl/certs/00000001.0"),          // back into the dir
            ("00000010.0", "/usr/share/nowhere/A.crt"),           // far dir missing
            ("00000011.0", "/"),
        ];
        for (name, target) in links {
            symlink(target, certs.join(name)).unwrap();
        }
        std::fs::create_dir(certs.join("00000012.0")).unwrap(); // a directory with a hash name
        std::fs::write(certs.join("00000013.0"), "x").unwrap(); // a plain file with a hash name
        let target = Target::image(r).unwrap();
        let entries = target.root.read_dir(HASHED_DIR, 1000).unwrap();
        let names: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
        let leads = Leads::read(&target.root, HASHED_DIR, &entries, &names);
        let walked = Target::image(r).unwrap();
        let mut files = 0;
        for name in &names {
            let expected = walked.root.is_file(&join(HASHED_DIR, name));
            assert_eq!(leads.to_file(name), expected, "{name}");
            files += usize::from(expected);
        }
        assert_eq!(files, 13, "the cases above that lead to a file");
        let store = hashed_dir(&target, Some(Family::Debian)).unwrap();
        assert_eq!(store.links, 19);
        assert_eq!(store.broken.len(), 9, "{:?}", store.broken);
    }
}
