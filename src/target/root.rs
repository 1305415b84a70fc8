//! Safe, bounded access to the files of a target: the only door to them.
//!
//! Every path is resolved inside the root by walking it one component at a time: absolute
//! symlinks are re-rooted, `..` never climbs above the root, and the number of links followed
//! is bounded, so a loop ends with an error. Only regular files are opened (never a FIFO,
//! socket or device), with `O_NOFOLLOW | O_NONBLOCK` and a check on the opened handle, and
//! every read is capped. Nothing here writes.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::fmt;
use std::fs::{self, File, Metadata};
use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};

/// How many symlinks one resolution may follow before it is called a loop (Linux uses 40).
pub const MAX_LINKS: usize = 40;
/// Default cap for small text files (release files, configs).
pub const SMALL_FILE: u64 = 1024 * 1024;
/// Default cap on the number of entries listed from one directory.
pub const MAX_DIR_ENTRIES: usize = 10_000;

/// Why a path inside the root could not be read.
#[derive(Debug)]
pub enum RootError {
    /// The path does not exist inside the root.
    NotFound { path: String },
    /// More than [`MAX_LINKS`] symlinks were followed: a loop, or a hostile chain.
    Loop { path: String },
    /// A component that should be a directory is something else.
    NotDirectory { path: String },
    /// The path is a FIFO, socket, device or directory where a regular file was expected.
    NotRegular { path: String, kind: &'static str },
    /// The file is larger than the cap for this read.
    TooLarge { path: String, size: u64, limit: u64 },
    /// A directory holds more entries than the cap.
    TooManyEntries { path: String, limit: usize },
    /// Any other I/O failure.
    Io { path: String, source: io::Error },
}

impl RootError {
    /// The in-root path the error is about.
    pub fn path(&self) -> &str {
        match self {
            RootError::NotFound { path }
            | RootError::Loop { path }
            | RootError::NotDirectory { path }
            | RootError::NotRegular { path, .. }
            | RootError::TooLarge { path, .. }
            | RootError::TooManyEntries { path, .. }
            | RootError::Io { path, .. } => path,
        }
    }

    /// True when the path simply does not exist (the common, non-alarming case).
    pub fn is_not_found(&self) -> bool {
        matches!(self, RootError::NotFound { .. })
    }
}

impl fmt::Display for RootError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RootError::NotFound { path } => write!(f, "{path}: not found"),
            RootError::Loop { path } => {
                write!(f, "{path}: too many symlinks (more than {MAX_LINKS}): a loop")
            }
            RootError::NotDirectory { path } => write!(f, "{path}: a path component is not a directory"),
            RootError::NotRegular { path, kind } => {
                write!(f, "{path}: is a {kind}, not a regular file; not read")
            }
            RootError::TooLarge { path, size, limit } => {
                write!(f, "{path}: {size} bytes, larger than the {limit}-byte limit; not read")
            }
            RootError::TooManyEntries { path, limit } => {
                write!(f, "{path}: more than {limit} directory entries; not listed")
            }
            RootError::Io { path, source } => write!(f, "{path}: {source}"),
        }
    }
}

impl std::error::Error for RootError {}

/// The kind of a directory entry, as seen without following it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    File,
    Dir,
    Symlink,
    Other,
}

/// One entry of a listed directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirEntry {
    /// The file name (lossy UTF-8).
    pub name: String,
    /// The entry's own kind (a symlink is reported as `Symlink`, not followed).
    pub kind: EntryKind,
}

/// A filesystem tree seen as if it were `/`: the live host (`/`) or a mounted image.
#[derive(Debug, Clone)]
pub struct Root {
    base: PathBuf,
}

impl Root {
    /// A root at `base`, which must be an existing directory.
    pub fn new(base: impl Into<PathBuf>) -> io::Result<Root> {
        let base = base.into();
        let meta = fs::metadata(&base)?;
        if !meta.is_dir() {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "not a directory"));
        }
        Ok(Root { base })
    }

    /// The host path of the root itself.
    pub fn base(&self) -> &Path {
        &self.base
    }

    /// Resolves `path` (interpreted inside the root) to a host path whose every component,
    /// the last included, has been resolved inside the root. The result is never a symlink.
    pub fn resolve(&self, path: &str) -> Result<PathBuf, RootError> {
        self.resolve_inner(path, true)
    }

    /// Like [`Root::resolve`] but leaves a final symlink unresolved (for reading link targets).
    fn resolve_parent(&self, path: &str) -> Result<PathBuf, RootError> {
        self.resolve_inner(path, false)
    }

    fn resolve_inner(&self, path: &str, follow_last: bool) -> Result<PathBuf, RootError> {
        let mut pending: VecDeque<OsString> = components(Path::new(path)).collect();
        let mut resolved: Vec<OsString> = Vec::new();
        let mut links = 0usize;
        while let Some(name) = pending.pop_front() {
            if name == ".." {
                resolved.pop();
                continue;
            }
            let host = self.host_path(&resolved).join(&name);
            let meta = match fs::symlink_metadata(&host) {
                Ok(m) => m,
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    return Err(RootError::NotFound { path: path.to_string() });
                }
                Err(e) if is_not_dir(&e) => {
                    return Err(RootError::NotDirectory { path: path.to_string() });
                }
                Err(source) => return Err(RootError::Io { path: path.to_string(), source }),
            };
            let last = pending.is_empty();
            if meta.file_type().is_symlink() && (follow_last || !last) {
                links += 1;
                if links > MAX_LINKS {
                    return Err(RootError::Loop { path: path.to_string() });
                }
                let target = fs::read_link(&host)
                    .map_err(|source| RootError::Io { path: path.to_string(), source })?;
                if target.has_root() {
                    resolved.clear();
                }
                for c in components(&target).collect::<Vec<_>>().into_iter().rev() {
                    pending.push_front(c);
                }
                continue;
            }
            if !last && !meta.is_dir() {
                return Err(RootError::NotDirectory { path: path.to_string() });
            }
            resolved.push(name);
        }
        Ok(self.host_path(&resolved))
    }

    fn host_path(&self, resolved: &[OsString]) -> PathBuf {
        let mut p = self.base.clone();
        for c in resolved {
            p.push(c);
        }
        p
    }

    /// Metadata of the resolved path (symlinks followed inside the root).
    pub fn metadata(&self, path: &str) -> Result<Metadata, RootError> {
        let host = self.resolve(path)?;
        fs::symlink_metadata(&host).map_err(|source| RootError::Io { path: path.to_string(), source })
    }

    /// True when `path` resolves inside the root to something that exists.
    pub fn exists(&self, path: &str) -> bool {
        self.resolve(path).is_ok()
    }

    /// True when `path` resolves to a regular file.
    pub fn is_file(&self, path: &str) -> bool {
        self.metadata(path).map(|m| m.is_file()).unwrap_or(false)
    }

    /// The target of the symlink at `path` (its parent resolved inside the root), unresolved.
    pub fn read_link(&self, path: &str) -> Result<PathBuf, RootError> {
        let host = self.resolve_parent(path)?;
        fs::read_link(&host).map_err(|source| RootError::Io { path: path.to_string(), source })
    }

    /// Reads the whole regular file at `path`, refusing anything larger than `limit` bytes.
    pub fn read(&self, path: &str, limit: u64) -> Result<Vec<u8>, RootError> {
        let (file, size) = self.open_regular(path)?;
        if size > limit {
            return Err(RootError::TooLarge { path: path.to_string(), size, limit });
        }
        let mut buf = Vec::with_capacity(size as usize);
        file.take(limit + 1)
            .read_to_end(&mut buf)
            .map_err(|source| RootError::Io { path: path.to_string(), source })?;
        if buf.len() as u64 > limit {
            // The file grew while being read.
            return Err(RootError::TooLarge { path: path.to_string(), size: buf.len() as u64, limit });
        }
        Ok(buf)
    }

    /// Reads a small text file (at most [`SMALL_FILE`] bytes), lossily decoded as UTF-8.
    pub fn read_text(&self, path: &str) -> Result<String, RootError> {
        self.read(path, SMALL_FILE).map(|b| String::from_utf8_lossy(&b).into_owned())
    }

    /// Reads at most the first `limit` bytes of a regular file, whatever its size.
    pub fn read_prefix(&self, path: &str, limit: u64) -> Result<Vec<u8>, RootError> {
        let (file, size) = self.open_regular(path)?;
        let mut buf = Vec::with_capacity(size.min(limit) as usize);
        file.take(limit)
            .read_to_end(&mut buf)
            .map_err(|source| RootError::Io { path: path.to_string(), source })?;
        Ok(buf)
    }

    /// Opens a regular file for streaming, refusing one larger than `limit` bytes; the reader
    /// never yields more than `limit` bytes even if the file grows.
    pub fn open(&self, path: &str, limit: u64) -> Result<io::Take<File>, RootError> {
        let (file, size) = self.open_regular(path)?;
        if size > limit {
            return Err(RootError::TooLarge { path: path.to_string(), size, limit });
        }
        Ok(file.take(limit))
    }

    /// Opens a regular file for reading; returns it with its size.
    fn open_regular(&self, path: &str) -> Result<(File, u64), RootError> {
        let host = self.resolve(path)?;
        let meta =
            fs::symlink_metadata(&host).map_err(|source| RootError::Io { path: path.to_string(), source })?;
        if !meta.is_file() {
            return Err(RootError::NotRegular { path: path.to_string(), kind: kind_name(&meta) });
        }
        let file =
            open_no_follow(&host).map_err(|source| RootError::Io { path: path.to_string(), source })?;
        // Check the handle itself: the path may have been swapped between stat and open.
        let meta = file.metadata().map_err(|source| RootError::Io { path: path.to_string(), source })?;
        if !meta.is_file() {
            return Err(RootError::NotRegular { path: path.to_string(), kind: kind_name(&meta) });
        }
        Ok((file, meta.len()))
    }

    /// Lists a directory inside the root, sorted by name, refusing more than `limit` entries.
    pub fn read_dir(&self, path: &str, limit: usize) -> Result<Vec<DirEntry>, RootError> {
        let host = self.resolve(path)?;
        let meta =
            fs::symlink_metadata(&host).map_err(|source| RootError::Io { path: path.to_string(), source })?;
        if !meta.is_dir() {
            return Err(RootError::NotDirectory { path: path.to_string() });
        }
        let iter = fs::read_dir(&host).map_err(|source| RootError::Io { path: path.to_string(), source })?;
        let mut out = Vec::new();
        for entry in iter {
            let entry = entry.map_err(|source| RootError::Io { path: path.to_string(), source })?;
            if out.len() >= limit {
                return Err(RootError::TooManyEntries { path: path.to_string(), limit });
            }
            let kind = match entry.file_type() {
                Ok(t) if t.is_symlink() => EntryKind::Symlink,
                Ok(t) if t.is_dir() => EntryKind::Dir,
                Ok(t) if t.is_file() => EntryKind::File,
                _ => EntryKind::Other,
            };
            out.push(DirEntry { name: entry.file_name().to_string_lossy().into_owned(), kind });
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }
}

impl Root {
    /// Finds `path` matching each component case-insensitively (Windows volumes mounted on a
    /// case-sensitive host: `windows/system32/CONFIG`): the in-root path with the real spelling,
    /// or `None` when no entry matches. An exact match wins over a case-insensitive one.
    pub fn find_nocase(&self, path: &str) -> Result<Option<String>, RootError> {
        let mut found = String::from("/");
        for part in path.split(['/', '\\']).filter(|p| !p.is_empty()) {
            let exact = join(&found, part);
            match self.resolve(&exact) {
                Ok(_) => {
                    found = exact;
                    continue;
                }
                Err(e) if e.is_not_found() => {}
                Err(e) => return Err(e),
            }
            let entries = match self.read_dir(&found, MAX_DIR_ENTRIES) {
                Ok(entries) => entries,
                Err(e) if e.is_not_found() || matches!(e, RootError::NotDirectory { .. }) => return Ok(None),
                Err(e) => return Err(e),
            };
            let lower = part.to_lowercase();
            match entries.iter().find(|e| e.name.to_lowercase() == lower) {
                Some(e) => found = join(&found, &e.name),
                None => return Ok(None),
            }
        }
        Ok(Some(found))
    }
}

/// Joins an in-root directory and a name into an in-root path.
pub fn join(dir: &str, name: &str) -> String {
    if dir.ends_with('/') { format!("{dir}{name}") } else { format!("{dir}/{name}") }
}

fn components(path: &Path) -> impl Iterator<Item = OsString> + '_ {
    path.components().filter_map(|c| match c {
        Component::Normal(n) => Some(n.to_os_string()),
        Component::ParentDir => Some(OsString::from("..")),
        Component::CurDir | Component::RootDir | Component::Prefix(_) => None,
    })
}

fn is_not_dir(e: &io::Error) -> bool {
    #[cfg(unix)]
    {
        e.raw_os_error() == Some(libc::ENOTDIR)
    }
    #[cfg(not(unix))]
    {
        let _ = e;
        false
    }
}

fn kind_name(meta: &Metadata) -> &'static str {
    let t = meta.file_type();
    if t.is_dir() {
        return "directory";
    }
    if t.is_symlink() {
        return "symlink";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "FIFO";
        }
        if t.is_socket() {
            return "socket";
        }
        if t.is_block_device() {
            return "block device";
        }
        if t.is_char_device() {
            return "character device";
        }
    }
    "special file"
}

#[cfg(unix)]
fn open_no_follow(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
}

#[cfg(not(unix))]
fn open_no_follow(path: &Path) -> io::Result<File> {
    File::open(path)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn tree() -> (tempfile::TempDir, Root) {
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path();
        fs::create_dir_all(r.join("etc")).unwrap();
        fs::create_dir_all(r.join("usr/lib")).unwrap();
        fs::write(r.join("usr/lib/os-release"), "ID=debian\n").unwrap();
        symlink("../usr/lib/os-release", r.join("etc/os-release")).unwrap();
        let root = Root::new(r).unwrap();
        (dir, root)
    }

    #[test]
    fn relative_symlink_resolves_inside_root() {
        let (_d, root) = tree();
        assert_eq!(root.read_text("/etc/os-release").unwrap(), "ID=debian\n");
    }

    #[test]
    fn absolute_symlink_is_rerooted() {
        let (d, root) = tree();
        symlink("/usr/lib/os-release", d.path().join("etc/abs")).unwrap();
        assert_eq!(root.read_text("/etc/abs").unwrap(), "ID=debian\n");
        // An absolute link to a host file that does not exist in the root is not found,
        // even though /etc/hostname may exist on the host.
        symlink("/etc/hostname", d.path().join("etc/host")).unwrap();
        assert!(root.read_text("/etc/host").unwrap_err().is_not_found());
    }

    #[test]
    fn dotdot_never_climbs_above_root() {
        let (d, root) = tree();
        symlink("../../../../../usr/lib/os-release", d.path().join("etc/up")).unwrap();
        assert_eq!(root.read_text("/etc/up").unwrap(), "ID=debian\n");
        assert_eq!(root.read_text("/../../../usr/lib/os-release").unwrap(), "ID=debian\n");
        assert_eq!(root.resolve("/../../..").unwrap(), d.path());
    }

    #[test]
    fn symlink_loop_is_an_error() {
        let (d, root) = tree();
        symlink("b", d.path().join("etc/a")).unwrap();
        symlink("a", d.path().join("etc/b")).unwrap();
        assert!(matches!(root.read_text("/etc/a"), Err(RootError::Loop { .. })));
        symlink("/etc/self", d.path().join("etc/self")).unwrap();
        assert!(matches!(root.read_text("/etc/self/x"), Err(RootError::Loop { .. })));
    }

    #[test]
    fn fifo_is_not_opened() {
        let (d, root) = tree();
        let fifo = d.path().join("etc/fifo");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
        match root.read_text("/etc/fifo") {
            Err(RootError::NotRegular { kind, .. }) => assert_eq!(kind, "FIFO"),
            other => panic!("expected NotRegular, got {other:?}"),
        }
    }

    #[test]
    fn huge_sparse_file_is_refused_and_prefix_is_bounded() {
        let (d, root) = tree();
        let f = File::create(d.path().join("etc/big")).unwrap();
        f.set_len(4 * 1024 * 1024 * 1024).unwrap();
        assert!(matches!(root.read_text("/etc/big"), Err(RootError::TooLarge { .. })));
        assert_eq!(root.read_prefix("/etc/big", 100).unwrap().len(), 100);
    }

    #[test]
    fn file_used_as_directory_is_an_error() {
        let (_d, root) = tree();
        assert!(matches!(root.read_text("/usr/lib/os-release/x"), Err(RootError::NotDirectory { .. })));
    }

    #[test]
    fn directory_listing_is_bounded_and_sorted() {
        let (d, root) = tree();
        for n in ["c", "a", "b"] {
            fs::write(d.path().join("etc").join(n), "").unwrap();
        }
        let names: Vec<_> = root.read_dir("/etc", 10).unwrap().into_iter().map(|e| e.name).collect();
        assert_eq!(names, ["a", "b", "c", "os-release"]);
        assert!(matches!(root.read_dir("/etc", 2), Err(RootError::TooManyEntries { .. })));
    }

    #[test]
    fn read_link_returns_the_raw_target() {
        let (_d, root) = tree();
        assert_eq!(root.read_link("/etc/os-release").unwrap(), PathBuf::from("../usr/lib/os-release"));
    }
}
