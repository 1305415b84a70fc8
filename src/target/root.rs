//! Safe, bounded access to the files of a target: the only door to them.
//!
//! Every path is resolved inside the root by walking it one component at a time: absolute
//! symlinks are re-rooted, `..` never climbs above the root, and the number of links followed
//! is bounded, so a loop ends with an error. Only regular files are opened (never a FIFO,
//! socket or device), with `O_NOFOLLOW | O_NONBLOCK` and a check on the opened handle, and
//! every read is capped. Nothing here writes.
//!
//! A `Root` remembers what its walks met (bounded): directories, symlinks, other files with
//! their metadata, and names that do not exist. So the thousands of paths one `check` reads
//! under the same few directories cost one `lstat` each, not one per component, and a path
//! looked up again (or probed again under a missing directory) costs none; the walk itself,
//! with its re-rooting, clamping and link count, is redone each time. A directory swapped for a
//! symlink (or a file created) after it was remembered is not noticed, just as
//! one swapped between a walk and the open that follows it never was: the image is not
//! expected to change while it is inspected. On a live host (the root is `/`) metadata lookups
//! let the kernel follow the links: there re-rooting and clamping change nothing.

use std::collections::{HashMap, VecDeque};
use std::ffi::OsString;
use std::fmt;
use std::fs::{self, File, Metadata};
use std::io::{self, Read};
use std::ops::ControlFlow;
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

use super::listing;

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

impl From<fs::FileType> for EntryKind {
    fn from(t: fs::FileType) -> EntryKind {
        if t.is_symlink() {
            EntryKind::Symlink
        } else if t.is_dir() {
            EntryKind::Dir
        } else if t.is_file() {
            EntryKind::File
        } else {
            EntryKind::Other
        }
    }
}

/// One entry of a listed directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirEntry {
    /// The file name (lossy UTF-8).
    pub name: String,
    /// The entry's own kind (a symlink is reported as `Symlink`, not followed).
    pub kind: EntryKind,
}

/// One entry of a listed directory with its own metadata, read relative to the opened
/// directory (`fstatat(dirfd, name, AT_SYMLINK_NOFOLLOW)`): a symlink is described, not followed.
#[derive(Debug, Clone)]
pub struct DirEntryMeta {
    /// The file name (lossy UTF-8).
    pub name: String,
    /// The entry's own kind.
    pub kind: EntryKind,
    /// The entry's own size in bytes (for a symlink, the length of its target); `None` when
    /// the entry could not be looked at (it vanished after the listing).
    pub len: Option<u64>,
    /// The entry's own modification time; `None` as for `len`, or when the platform has none.
    pub modified: Option<SystemTime>,
}

/// How many host paths the resolver remembers (what its walks met: directories, links, files,
/// missing names): enough for every path a whole `check` looks at, small enough to stay well
/// under a megabyte.
const MAX_KNOWN: usize = 4096;
/// Listings fill at most this much of that memory (a big `/usr/lib` must not crowd out the
/// directories that walks meet).
const MAX_KNOWN_FROM_LISTINGS: usize = MAX_KNOWN / 2;

/// What the resolver learnt about one host path inside the root, so that later resolutions
/// through it skip the `lstat`/`readlink`: the walk itself (re-rooting, `..` clamping, the
/// link count) is redone every time.
#[derive(Debug, Clone)]
enum Known {
    /// A directory (not a symlink).
    Dir,
    /// A symlink, with its raw target.
    Link(PathBuf),
    /// Nothing: its `lstat` said it does not exist (many lookups probe the same missing
    /// directories, such as `/usr/local/ssl`).
    Missing,
    /// Anything else (a file, a FIFO, a device), with its own metadata (boxed: the map holds
    /// thousands of entries, most of them small).
    Other(Box<Metadata>),
}

/// What one step of a walk found.
enum Step {
    /// A directory, with its metadata unless it was remembered.
    Dir(Option<Metadata>),
    /// A symlink to follow, with its raw target.
    Link(PathBuf),
    /// Anything else, or a symlink that is not to be followed.
    Other(Metadata),
}

/// A resolved host path and, when the last step had to look at it, its own metadata.
struct Resolved {
    host: PathBuf,
    /// `None` when the path is a directory the resolver already knew (remembered, the root
    /// itself, or reached by `..`), so no metadata was read.
    meta: Option<Metadata>,
}

/// A filesystem tree seen as if it were `/`: the live host (`/`) or a mounted image.
pub struct Root {
    base: PathBuf,
    /// What walks met (see [`Known`]), by host path (at most [`MAX_KNOWN`]; keyed
    /// by the path's bytes, which hash faster than a `Path`'s components).
    /// Every key was reached by a walk inside the root, so it is inside the root itself.
    known: Mutex<HashMap<OsString, Known>>,
}

impl Clone for Root {
    fn clone(&self) -> Root {
        Root { base: self.base.clone(), known: Mutex::new(self.known_map().clone()) }
    }
}

impl fmt::Debug for Root {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Root").field("base", &self.base).finish_non_exhaustive()
    }
}

/// The host's own links and `..` in the root's path, resolved once: every lookup inside the
/// root starts with it, and the kernel would walk them each time.
#[cfg(unix)]
fn canonical(base: PathBuf) -> io::Result<PathBuf> {
    fs::canonicalize(base)
}

/// On Windows the path is kept as given: canonical paths there are `\\?\` verbatim paths, and
/// std makes them with QueryDosDeviceW and GetLogicalDrives, which the exe does not import.
#[cfg(windows)]
fn canonical(base: PathBuf) -> io::Result<PathBuf> {
    Ok(base)
}

impl Root {
    /// A root at `base`, which must be an existing directory; on Unix reports name it by its canonical
    /// path.
    pub fn new(base: impl Into<PathBuf>) -> io::Result<Root> {
        let base = canonical(base.into())?;
        let meta = fs::metadata(&base)?;
        if !meta.is_dir() {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "not a directory"));
        }
        Ok(Root { base, known: Mutex::new(HashMap::new()) })
    }

    /// The host path of the root itself.
    pub fn base(&self) -> &Path {
        &self.base
    }

    /// Resolves `path` (interpreted inside the root) to a host path whose every component,
    /// the last included, has been resolved inside the root. The result is never a symlink.
    pub fn resolve(&self, path: &str) -> Result<PathBuf, RootError> {
        self.resolve_inner(path, true).map(|r| r.host)
    }

    fn known_map(&self) -> std::sync::MutexGuard<'_, HashMap<OsString, Known>> {
        // The map is only ever inserted into whole entries, so a poisoned lock still holds
        // consistent data.
        self.known.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Walks `path` one component at a time from the root: a symlink's target replaces it in
    /// the walk (an absolute one restarts at the root), `..` drops the last resolved component
    /// (never the root), and more than [`MAX_LINKS`] links is a loop. A final symlink is left
    /// alone unless `follow_last`.
    fn resolve_inner(&self, path: &str, follow_last: bool) -> Result<Resolved, RootError> {
        let mut pending: VecDeque<OsString> = components(Path::new(path)).collect();
        let mut host = self.base.clone();
        let mut depth = 0usize;
        let mut links = 0usize;
        let mut meta = None;
        while let Some(name) = pending.pop_front() {
            meta = None;
            if name == ".." {
                if depth > 0 {
                    host.pop();
                    depth -= 1;
                }
                continue;
            }
            host.push(&name);
            let last = pending.is_empty();
            let follow = follow_last || !last;
            match self.step(&host, follow, path)? {
                Step::Link(target) => {
                    host.pop();
                    links += 1;
                    if links > MAX_LINKS {
                        return Err(RootError::Loop { path: path.to_string() });
                    }
                    if target.has_root() {
                        host = self.base.clone();
                        depth = 0;
                    }
                    for c in components(&target).collect::<Vec<_>>().into_iter().rev() {
                        pending.push_front(c);
                    }
                }
                Step::Dir(m) => {
                    meta = m;
                    depth += 1;
                }
                Step::Other(_) if !last => return Err(RootError::NotDirectory { path: path.to_string() }),
                Step::Other(m) => {
                    meta = Some(m);
                    depth += 1;
                }
            }
        }
        if depth == 0 {
            host = self.base.clone();
        }
        Ok(Resolved { host, meta })
    }

    /// Looks at one host path of a walk: from memory when it is a known directory, or a known
    /// symlink to be followed; else with `lstat` (and `readlink` for a link to follow).
    fn step(&self, host: &Path, follow: bool, path: &str) -> Result<Step, RootError> {
        let known = self.known_map().get(host.as_os_str()).cloned();
        let meta = match known {
            Some(Known::Dir) => return Ok(Step::Dir(None)),
            Some(Known::Link(target)) if follow => return Ok(Step::Link(target)),
            Some(Known::Missing) => return Err(RootError::NotFound { path: path.to_string() }),
            Some(Known::Other(meta)) => return Ok(Step::Other(*meta)),
            _ => match fs::symlink_metadata(host) {
                Ok(meta) => meta,
                Err(e) => {
                    if e.kind() == io::ErrorKind::NotFound {
                        self.remember(host, Known::Missing);
                    }
                    return Err(walk_error(path, e));
                }
            },
        };
        if meta.file_type().is_symlink() && follow {
            return self.follow_step(host, path);
        }
        if meta.is_dir() {
            self.remember(host, Known::Dir);
            return Ok(Step::Dir(Some(meta)));
        }
        if !meta.file_type().is_symlink() {
            self.remember(host, Known::Other(Box::new(meta.clone())));
        }
        Ok(Step::Other(meta))
    }

    /// Reads the target of the symlink at `host` and remembers it.
    fn follow_step(&self, host: &Path, path: &str) -> Result<Step, RootError> {
        let target = fs::read_link(host).map_err(|e| walk_error(path, e))?;
        self.remember(host, Known::Link(target.clone()));
        Ok(Step::Link(target))
    }

    fn remember(&self, host: &Path, what: Known) {
        let mut known = self.known_map();
        if known.len() < MAX_KNOWN {
            known.insert(host.as_os_str().to_os_string(), what);
        }
    }

    /// The metadata of a resolved path: what the walk read, or a fresh `lstat` for a
    /// directory it already knew.
    fn meta_of(&self, path: &str, r: Resolved) -> Result<(PathBuf, Metadata), RootError> {
        let meta = match r.meta {
            Some(m) => m,
            None => fs::symlink_metadata(&r.host)
                .map_err(|source| RootError::Io { path: path.to_string(), source })?,
        };
        Ok((r.host, meta))
    }

    /// Metadata of the resolved path (symlinks followed inside the root).
    pub fn metadata(&self, path: &str) -> Result<Metadata, RootError> {
        if self.is_host_root() {
            return host_metadata(path);
        }
        let resolved = self.resolve_inner(path, true)?;
        self.meta_of(path, resolved).map(|(_, meta)| meta)
    }

    /// True when the root is the host's own `/`: there every absolute link already points
    /// inside the root and `..` already stops at it, so the kernel's own resolution (one
    /// `stat`, at most 40 links) gives the walk's answer. Only lookups use it; opens still walk.
    fn is_host_root(&self) -> bool {
        cfg!(unix) && self.base == Path::new("/")
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
        let host = self.resolve_inner(path, false)?.host;
        fs::read_link(&host).map_err(|source| RootError::Io { path: path.to_string(), source })
    }

    /// Reads the whole regular file at `path`, refusing anything larger than `limit` bytes.
    pub fn read(&self, path: &str, limit: u64) -> Result<Vec<u8>, RootError> {
        let (file, size) = self.open_regular(path)?;
        if size > limit {
            return Err(RootError::TooLarge { path: path.to_string(), size, limit });
        }
        let mut buf = Vec::with_capacity(size as usize);
        // The file as it was when its size was read: that many bytes, and no read for the end
        // of the file. A size of 0 may not be the truth (procfs): then up to the limit.
        let want = if size == 0 { limit + 1 } else { size };
        file.take(want)
            .read_to_end(&mut buf)
            .map_err(|source| RootError::Io { path: path.to_string(), source })?;
        if buf.len() as u64 > limit {
            // A file whose size said 0 held more than the limit.
            return Err(RootError::TooLarge { path: path.to_string(), size: buf.len() as u64, limit });
        }
        Ok(buf)
    }

    /// Reads a small text file (at most [`SMALL_FILE`] bytes), lossily decoded as UTF-8.
    pub fn read_text(&self, path: &str) -> Result<String, RootError> {
        // Valid UTF-8 (nearly every file) is taken as it is read, not copied.
        self.read(path, SMALL_FILE).map(|b| {
            String::from_utf8(b).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
        })
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
        let resolved = self.resolve_inner(path, true)?;
        let (host, meta) = self.meta_of(path, resolved)?;
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
        let mut out = Vec::new();
        self.list_dir(path, limit, |entry| {
            out.push(DirEntry { name: entry.name.to_string_lossy().into_owned(), kind: entry.kind });
        })?;
        out.sort_unstable_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// Like [`Root::read_dir`] for the entries whose name `wanted` accepts, with each one's own
    /// metadata read relative to the opened directory (one `fstatat` each, no walk from the
    /// root): for many files of one directory, such as dpkg's `info/*.list`. `limit` counts
    /// every entry. Symlinks are described, not followed: to follow one, ask
    /// [`Root::metadata`] for its in-root path.
    pub fn read_dir_meta(
        &self,
        path: &str,
        limit: usize,
        wanted: impl Fn(&str) -> bool,
    ) -> Result<Vec<DirEntryMeta>, RootError> {
        let mut out = Vec::new();
        self.list_dir(path, limit, |entry| {
            let name = entry.name.to_string_lossy().into_owned();
            if !wanted(&name) {
                return;
            }
            out.push(match entry.stat() {
                Ok(stat) => {
                    DirEntryMeta { name, kind: stat.kind, len: Some(stat.len), modified: stat.modified }
                }
                Err(_) => DirEntryMeta { name, kind: entry.kind, len: None, modified: None },
            });
        })?;
        out.sort_unstable_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// The raw targets of the symlinks `names` in the directory `dir` (resolved inside the root),
    /// in the order given, each read relative to the directory opened once (`readlinkat`), not
    /// walked from the root: for the many links of one directory, such as OpenSSL's hashed CA
    /// directory. Nothing is followed; an entry that is not a symlink, or a name that is not a
    /// plain file name, gives its own error.
    pub fn read_links(&self, dir: &str, names: &[&str]) -> Result<Vec<io::Result<PathBuf>>, RootError> {
        let host = self.resolve(dir)?;
        read_links_in(&host, names).map_err(|source| RootError::Io { path: dir.to_string(), source })
    }

    /// Resolves `path` to a directory and hands each of its entries to `each`, refusing more
    /// than `limit` entries.
    fn list_dir(
        &self,
        path: &str,
        limit: usize,
        mut each: impl FnMut(&listing::Entry<'_>),
    ) -> Result<(), RootError> {
        let resolved = self.resolve_inner(path, true)?;
        let host = match resolved.meta {
            Some(meta) if !meta.is_dir() => return Err(RootError::NotDirectory { path: path.to_string() }),
            // A directory the walk already knew, or one it has just looked at.
            _ => resolved.host,
        };
        // The listing tells directories apart (the entries' own types, as `lstat` would):
        // remembered, a later walk through them skips that `lstat`. Symlinks are not: a
        // listing has many (OpenSSL's hashed directory ~300), and a walk meets few of them.
        let mut learnt = Vec::new();
        let mut n = 0;
        let listed = listing::list(&host, |entry| {
            if n >= limit {
                return ControlFlow::Break(());
            }
            n += 1;
            if entry.kind == EntryKind::Dir {
                learnt.push(host.join(entry.name).into_os_string());
            }
            each(entry);
            ControlFlow::Continue(())
        });
        match listed {
            Ok(ControlFlow::Continue(())) => {}
            Ok(ControlFlow::Break(())) => {
                return Err(RootError::TooManyEntries { path: path.to_string(), limit });
            }
            Err(source) => return Err(RootError::Io { path: path.to_string(), source }),
        }
        let mut known = self.known_map();
        for host in learnt {
            if known.len() >= MAX_KNOWN_FROM_LISTINGS {
                break;
            }
            known.entry(host).or_insert(Known::Dir);
        }
        Ok(())
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

/// A file name with no directory part: not empty, not `.` or `..`, no `/` (nor `\\` on
/// Windows) and no NUL.
pub fn is_plain_name(name: &str) -> bool {
    let separator = |c: char| c == '/' || c == '\0' || (cfg!(windows) && c == '\\');
    !name.is_empty() && name != "." && name != ".." && !name.contains(separator)
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

/// Metadata of the in-root `path` of the host's own root, links followed by the kernel.
fn host_metadata(path: &str) -> Result<Metadata, RootError> {
    // Rebuilt from its components so that it reads as the walk reads it (no trailing `/`).
    let mut host = PathBuf::from("/");
    for c in components(Path::new(path)) {
        host.push(c);
    }
    fs::metadata(&host).map_err(|e| {
        #[cfg(unix)]
        if e.raw_os_error() == Some(libc::ELOOP) {
            return RootError::Loop { path: path.to_string() };
        }
        walk_error(path, e)
    })
}

/// The error for a walk's `lstat` or `readlink` of `path` failing.
fn walk_error(path: &str, e: io::Error) -> RootError {
    if e.kind() == io::ErrorKind::NotFound {
        RootError::NotFound { path: path.to_string() }
    } else if is_not_dir(&e) {
        RootError::NotDirectory { path: path.to_string() }
    } else {
        RootError::Io { path: path.to_string(), source: e }
    }
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

/// `readlinkat` of each of `names` in the directory `host`, opened once.
#[cfg(unix)]
fn read_links_in(host: &Path, names: &[&str]) -> io::Result<Vec<io::Result<PathBuf>>> {
    use std::os::fd::AsRawFd;
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::OpenOptionsExt;
    let dir = fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(host)?;
    let mut buf = vec![0u8; libc::PATH_MAX as usize];
    let mut c_name = Vec::new();
    let mut read_one = |name: &str| -> io::Result<PathBuf> {
        if !is_plain_name(name) {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "not a plain file name"));
        }
        c_name.clear();
        c_name.extend_from_slice(name.as_bytes());
        c_name.push(0);
        // SAFETY: `c_name` is NUL-terminated and `buf` is writable for `buf.len()` bytes.
        let n = unsafe {
            libc::readlinkat(dir.as_raw_fd(), c_name.as_ptr().cast(), buf.as_mut_ptr().cast(), buf.len())
        };
        let n = usize::try_from(n).map_err(|_| io::Error::last_os_error())?;
        if n == buf.len() {
            return Err(io::Error::from_raw_os_error(libc::ENAMETOOLONG));
        }
        Ok(PathBuf::from(std::ffi::OsStr::from_bytes(&buf[..n])))
    };
    Ok(names.iter().map(|name| read_one(name)).collect())
}

/// The links of the directory `host`, one by one (Windows: no directory handle to read from).
#[cfg(not(unix))]
fn read_links_in(host: &Path, names: &[&str]) -> io::Result<Vec<io::Result<PathBuf>>> {
    Ok(names
        .iter()
        .map(|name| {
            if !is_plain_name(name) {
                return Err(io::Error::new(io::ErrorKind::InvalidInput, "not a plain file name"));
            }
            fs::read_link(host.join(name))
        })
        .collect())
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

    /// Host paths the resolver has remembered.
    fn known(root: &Root) -> Vec<PathBuf> {
        root.known_map().keys().map(PathBuf::from).collect()
    }

    #[test]
    fn directories_walked_once_are_remembered() {
        let (d, root) = tree();
        root.read_text("/etc/os-release").unwrap();
        let known = known(&root);
        assert!(known.contains(&d.path().join("etc")));
        assert!(known.contains(&d.path().join("usr/lib")));
        assert!(known.contains(&d.path().join("etc/os-release")), "the followed link is remembered");
        // And the file, with its metadata: asked again, it costs no lstat.
        assert!(matches!(
            root.known_map().get(d.path().join("usr/lib/os-release").as_os_str()),
            Some(Known::Other(m)) if m.is_file()
        ));
    }

    #[test]
    fn read_links_reads_targets_in_one_directory_and_follows_nothing() {
        let (d, root) = tree();
        symlink("/etc/hashed", d.path().join("usr/lib/certs")).unwrap();
        fs::create_dir(d.path().join("etc/hashed")).unwrap();
        symlink("/outside/of/root", d.path().join("etc/hashed/abs.0")).unwrap();
        symlink("../../x", d.path().join("etc/hashed/up.0")).unwrap();
        fs::write(d.path().join("etc/hashed/file.pem"), "x").unwrap();
        let names = ["abs.0", "up.0", "file.pem", "missing", "../os-release", "a/b", "..", "", "nul\0"];
        // The directory is reached through an absolute link, re-rooted.
        let got = root.read_links("/usr/lib/certs", &names).unwrap();
        assert_eq!(got[0].as_ref().unwrap(), Path::new("/outside/of/root"));
        assert_eq!(got[1].as_ref().unwrap(), Path::new("../../x"));
        assert_eq!(got[2].as_ref().unwrap_err().raw_os_error(), Some(libc::EINVAL), "not a link");
        assert_eq!(got[3].as_ref().unwrap_err().kind(), io::ErrorKind::NotFound);
        for (name, r) in names.iter().zip(&got).skip(4) {
            assert_eq!(r.as_ref().unwrap_err().kind(), io::ErrorKind::InvalidInput, "{name:?}");
        }
        assert!(root.read_links("/etc/os-release", &["x"]).is_err(), "a file is not a directory");
        assert!(root.read_links("/nowhere", &["x"]).unwrap_err().is_not_found());
    }

    #[test]
    fn missing_names_are_remembered_and_still_not_found() {
        let (d, root) = tree();
        for _ in 0..2 {
            assert!(root.read_text("/usr/local/ssl/openssl.cnf").unwrap_err().is_not_found());
            assert!(!root.is_file("/usr/local/ssl/include/openssl/ssl.h"));
        }
        assert!(matches!(root.known_map().get(d.path().join("usr/local").as_os_str()), Some(Known::Missing)));
        // Only the first missing component is looked at: nothing under it is remembered.
        assert!(!known(&root).contains(&d.path().join("usr/local/ssl")));
        // Through a link, the missing name is the link's target.
        symlink("/usr/local", d.path().join("etc/local")).unwrap();
        let fresh = Root::new(d.path()).unwrap();
        assert!(fresh.read_text("/etc/local/x").unwrap_err().is_not_found());
        assert!(fresh.read_text("/etc/local/x").unwrap_err().is_not_found());
        // A file created after its name was remembered missing is not seen by this root (the
        // image is not expected to change while it is inspected), but a new root sees it.
        fs::create_dir_all(d.path().join("usr/local")).unwrap();
        fs::write(d.path().join("usr/local/x"), "x").unwrap();
        assert!(fresh.read_text("/etc/local/x").unwrap_err().is_not_found());
        assert_eq!(Root::new(d.path()).unwrap().read_text("/etc/local/x").unwrap(), "x");
    }

    #[test]
    fn absolute_link_reached_through_a_remembered_prefix_is_still_rerooted() {
        let (d, root) = tree();
        fs::create_dir_all(d.path().join("var/lib/dpkg/info")).unwrap();
        fs::write(d.path().join("var/lib/dpkg/info/a.list"), "/.\n").unwrap();
        // The host has its own /usr/lib/os-release; through the root, the link must land on
        // the root's, and a link to a host-only path must not be found.
        symlink("/usr/lib/os-release", d.path().join("var/lib/dpkg/info/out.list")).unwrap();
        symlink("/nonexistent-on-purpose/x", d.path().join("var/lib/dpkg/info/gone.list")).unwrap();
        root.read_text("/var/lib/dpkg/info/a.list").unwrap();
        assert!(known(&root).contains(&d.path().join("var/lib/dpkg/info")));
        assert_eq!(root.read_text("/var/lib/dpkg/info/out.list").unwrap(), "ID=debian\n");
        assert_eq!(root.resolve("/var/lib/dpkg/info/out.list").unwrap(), d.path().join("usr/lib/os-release"));
        // Twice: the second time the link itself comes from memory.
        assert_eq!(root.read_text("/var/lib/dpkg/info/out.list").unwrap(), "ID=debian\n");
        assert!(root.read_text("/var/lib/dpkg/info/gone.list").unwrap_err().is_not_found());
    }

    #[test]
    fn dotdot_through_a_remembered_prefix_still_clamps_at_the_root() {
        let (d, root) = tree();
        fs::create_dir_all(d.path().join("a/b")).unwrap();
        root.resolve("/a/b").unwrap();
        assert!(known(&root).contains(&d.path().join("a/b")));
        assert_eq!(root.resolve("/a/b/../../../../..").unwrap(), d.path());
        assert_eq!(root.read_text("/a/b/../../../../../usr/lib/os-release").unwrap(), "ID=debian\n");
        // A remembered link whose target climbs: `..` applies to where the link lives.
        symlink("../../../../etc", d.path().join("a/b/up")).unwrap();
        assert_eq!(root.resolve("/a/b/up/os-release").unwrap(), d.path().join("usr/lib/os-release"));
        assert_eq!(root.resolve("/a/b/up/os-release").unwrap(), d.path().join("usr/lib/os-release"));
    }

    #[test]
    fn remembered_links_still_count_towards_the_loop_limit() {
        let (d, root) = tree();
        symlink("b", d.path().join("etc/a")).unwrap();
        symlink("a", d.path().join("etc/b")).unwrap();
        for _ in 0..2 {
            assert!(matches!(root.read_text("/etc/a"), Err(RootError::Loop { .. })));
        }
        // A chain of exactly MAX_LINKS links resolves, cold and remembered; one more does not.
        for i in 0..MAX_LINKS {
            symlink(format!("l{}", i + 1), d.path().join(format!("etc/l{i}"))).unwrap();
        }
        symlink("os-release", d.path().join(format!("etc/l{MAX_LINKS}"))).unwrap();
        // l0 -> l1 -> ... -> l40 -> os-release -> ../usr/lib/os-release: 42 links.
        assert!(matches!(root.read_text("/etc/l0"), Err(RootError::Loop { .. })));
        assert!(matches!(root.read_text("/etc/l0"), Err(RootError::Loop { .. })));
        assert_eq!(root.read_text("/etc/l2").unwrap(), "ID=debian\n"); // 40 links
        assert_eq!(root.read_text("/etc/l2").unwrap(), "ID=debian\n");
        assert!(matches!(root.read_text("/etc/l1"), Err(RootError::Loop { .. }))); // 41
    }

    #[test]
    fn a_remembered_link_is_left_alone_when_it_is_the_last_component_of_read_link() {
        let (_d, root) = tree();
        root.read_text("/etc/os-release").unwrap();
        assert_eq!(root.read_link("/etc/os-release").unwrap(), PathBuf::from("../usr/lib/os-release"));
        assert!(root.metadata("/etc/os-release").unwrap().is_file());
    }

    #[test]
    fn a_listing_teaches_directories_and_links_are_still_rerooted() {
        let (d, root) = tree();
        fs::create_dir(d.path().join("etc/ssl")).unwrap();
        fs::create_dir(d.path().join("etc/ssl/certs")).unwrap();
        symlink("/usr/lib/os-release", d.path().join("etc/ssl/certs/abs.pem")).unwrap();
        symlink("../../../../../usr/lib/os-release", d.path().join("etc/ssl/certs/up.pem")).unwrap();
        symlink("abs.pem", d.path().join("etc/ssl/certs/0123abcd.0")).unwrap();
        fs::write(d.path().join("etc/ssl/certs/plain.pem"), "x").unwrap();
        root.read_dir("/etc/ssl/certs", 10).unwrap();
        {
            let known = root.known_map();
            assert!(known.get(d.path().join("etc/ssl/certs/abs.pem").as_os_str()).is_none());
            assert!(known.get(d.path().join("etc/ssl/certs/plain.pem").as_os_str()).is_none());
        }
        assert!(root.known_map().get(d.path().join("usr").as_os_str()).is_none());
        root.read_dir("/", 10).unwrap();
        assert!(matches!(root.known_map().get(d.path().join("usr").as_os_str()), Some(Known::Dir)));
        for p in ["/etc/ssl/certs/0123abcd.0", "/etc/ssl/certs/abs.pem", "/etc/ssl/certs/up.pem"] {
            assert_eq!(root.resolve(p).unwrap(), d.path().join("usr/lib/os-release"), "{p}");
            assert!(root.is_file(p), "{p}");
        }
        // The walk remembered the link with its target; listing again does not forget it.
        root.read_dir("/etc/ssl/certs", 10).unwrap();
        assert!(matches!(
            root.known_map().get(d.path().join("etc/ssl/certs/abs.pem").as_os_str()),
            Some(Known::Link(_))
        ));
        // A link that is the last component is still not followed by read_link.
        assert_eq!(root.read_link("/etc/ssl/certs/abs.pem").unwrap(), PathBuf::from("/usr/lib/os-release"));
        // A loop listed first is still a loop.
        symlink("loop-b", d.path().join("etc/loop-a")).unwrap();
        symlink("loop-a", d.path().join("etc/loop-b")).unwrap();
        root.read_dir("/etc", 10).unwrap();
        assert!(matches!(root.read_text("/etc/loop-a"), Err(RootError::Loop { .. })));
    }

    #[test]
    fn listings_fill_at_most_half_the_memory() {
        let (d, root) = tree();
        fs::create_dir(d.path().join("many")).unwrap();
        for i in 0..MAX_KNOWN {
            fs::create_dir(d.path().join(format!("many/d{i}"))).unwrap();
        }
        root.read_dir("/many", MAX_KNOWN + 1).unwrap();
        assert_eq!(root.known_map().len(), MAX_KNOWN_FROM_LISTINGS);
        // Walks still have room.
        root.resolve("/usr/lib/os-release").unwrap();
        assert!(known(&root).contains(&d.path().join("usr/lib")));
    }

    /// What the walk says about `path` in `root`, without the host-root shortcut.
    fn walked_metadata(root: &Root, path: &str) -> Result<Metadata, RootError> {
        let resolved = root.resolve_inner(path, true)?;
        root.meta_of(path, resolved).map(|(_, meta)| meta)
    }

    fn outcome(r: Result<Metadata, RootError>) -> String {
        match r {
            Ok(m) => format!("ok {:?} {}", m.file_type(), m.len()),
            Err(RootError::NotFound { .. }) => "not found".into(),
            Err(RootError::NotDirectory { .. }) => "not a directory".into(),
            Err(RootError::Loop { .. }) => "loop".into(),
            Err(e) => format!("other: {e}"),
        }
    }

    #[test]
    fn on_the_host_root_the_kernel_and_the_walk_agree() {
        let (d, _) = tree();
        let r = d.path();
        fs::write(r.join("etc/plain"), "12345").unwrap();
        symlink("b", r.join("etc/a")).unwrap();
        symlink("a", r.join("etc/b")).unwrap();
        symlink("missing", r.join("etc/dangling")).unwrap();
        symlink(r.join("usr/lib"), r.join("etc/abs-dir")).unwrap();
        symlink("../../../../../../../../..", r.join("etc/up")).unwrap();
        for i in 0..=MAX_LINKS {
            symlink(format!("l{}", i + 1), r.join(format!("etc/l{i}"))).unwrap();
        }
        symlink("plain", r.join(format!("etc/l{}", MAX_LINKS + 1))).unwrap();
        let host = Root::new("/").unwrap();
        assert!(host.is_host_root());
        let base = r.to_str().unwrap();
        let mut cases = vec![
            "/etc/os-release".to_string(),
            "/etc/plain".into(),
            "/etc/plain/".into(),
            "/etc/plain/x".into(),
            "/etc/a".into(),
            "/etc/dangling".into(),
            "/etc/abs-dir/os-release".into(),
            "/etc/nothing".into(),
            "/etc/up".into(),
            "/etc/up/../..".into(),
            "/etc/./plain".into(),
            "/usr/lib/../../etc/plain".into(),
        ];
        for i in [0, 1, 2, MAX_LINKS] {
            cases.push(format!("/etc/l{i}"));
        }
        for case in cases {
            let path = format!("{base}{case}");
            assert_eq!(outcome(host.metadata(&path)), outcome(walked_metadata(&host, &path)), "{path}");
        }
        // The chain from l0 is 42 links, from l2 exactly 40: a loop, and not one.
        assert_eq!(outcome(host.metadata(&format!("{base}/etc/l0"))), "loop");
        assert!(host.metadata(&format!("{base}/etc/l2")).unwrap().is_file());
        // An image root never takes the shortcut.
        assert!(!Root::new(r).unwrap().is_host_root());
    }

    #[test]
    fn the_memory_is_bounded() {
        let (d, root) = tree();
        for i in 0..MAX_KNOWN + 10 {
            fs::create_dir(d.path().join(format!("usr/d{i}"))).unwrap();
        }
        for i in 0..MAX_KNOWN + 10 {
            root.resolve(&format!("/usr/d{i}/.")).unwrap();
        }
        assert_eq!(root.known_map().len(), MAX_KNOWN);
        // Past the bound, resolution still works (without remembering).
        assert_eq!(
            root.resolve(&format!("/usr/d{}", MAX_KNOWN + 9)).unwrap(),
            d.path().join(format!("usr/d{}", MAX_KNOWN + 9))
        );
    }

    #[test]
    fn listing_with_metadata_describes_entries_without_following_them() {
        let (d, root) = tree();
        fs::write(d.path().join("etc/plain"), "12345").unwrap();
        fs::create_dir(d.path().join("etc/sub")).unwrap();
        let entries = root.read_dir_meta("/etc", 10, |_| true).unwrap();
        let by_name = |n: &str| entries.iter().find(|e| e.name == n).unwrap();
        assert_eq!(
            entries.iter().map(|e| e.name.as_str()).collect::<Vec<_>>(),
            ["os-release", "plain", "sub"]
        );
        assert_eq!(by_name("plain").kind, EntryKind::File);
        assert_eq!(by_name("plain").len, Some(5));
        assert!(by_name("plain").modified.is_some());
        assert_eq!(by_name("sub").kind, EntryKind::Dir);
        let link = by_name("os-release");
        assert_eq!(link.kind, EntryKind::Symlink);
        assert_eq!(link.len, Some("../usr/lib/os-release".len() as u64));
        assert!(matches!(root.read_dir_meta("/etc", 2, |_| true), Err(RootError::TooManyEntries { .. })));
        // The limit counts every entry, wanted or not.
        assert!(matches!(
            root.read_dir_meta("/etc", 2, |n| n == "sub"),
            Err(RootError::TooManyEntries { .. })
        ));
        let only: Vec<_> = root.read_dir_meta("/etc", 10, |n| n.starts_with('p')).unwrap();
        assert_eq!(only.iter().map(|e| e.name.as_str()).collect::<Vec<_>>(), ["plain"]);
        assert!(matches!(
            root.read_dir_meta("/etc/plain", 10, |_| true),
            Err(RootError::NotDirectory { .. })
        ));
        // Through a link to a directory, inside the root.
        symlink("/etc", d.path().join("usr/etc-link")).unwrap();
        assert_eq!(root.read_dir_meta("/usr/etc-link", 10, |_| true).unwrap().len(), 3);
    }

    #[test]
    fn read_link_returns_the_raw_target() {
        let (_d, root) = tree();
        assert_eq!(root.read_link("/etc/os-release").unwrap(), PathBuf::from("../usr/lib/os-release"));
    }
}
