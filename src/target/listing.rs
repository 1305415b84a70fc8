//! Lists one host directory: each entry's name and own kind, and on request its own size and
//! modification time (read relative to the opened directory, a symlink described, not followed).
//!
//! On Linux the directory is read with `getdents64` into one 32 KiB buffer, not zeroed (so a
//! small directory touches one page of it). std's `read_dir` on musl maps and unmaps a page
//! for every listing's `DIR`, reads 2 KiB at a time and allocates every name twice; a `check`
//! lists about twenty directories, `/usr/bin` and the hashed CA directory among them.
//! Elsewhere std's `read_dir` is used.

use std::ffi::OsStr;
use std::io;
use std::ops::ControlFlow;
use std::path::Path;
use std::time::SystemTime;

use super::root::EntryKind;

/// An entry's own kind, size and modification time, from `fstatat`.
#[derive(Debug, Clone, Copy)]
pub struct EntryStat {
    /// Its kind, from the stat itself.
    pub kind: EntryKind,
    /// Its size in bytes (for a symlink, the length of its target).
    pub len: u64,
    /// Its modification time, when the platform has one.
    pub modified: Option<SystemTime>,
}

/// One entry of a listing, handed to the caller's closure.
pub struct Entry<'a> {
    /// The file name.
    pub name: &'a OsStr,
    /// The entry's own kind.
    pub kind: EntryKind,
    #[cfg(target_os = "linux")]
    dir: std::os::fd::BorrowedFd<'a>,
    #[cfg(not(target_os = "linux"))]
    entry: &'a std::fs::DirEntry,
}

/// Hands every entry of the directory `host` (but `.` and `..`) to `each`, in the order the
/// filesystem gives them, until `each` breaks; says whether it did. The directory itself is
/// opened without following a final symlink.
pub fn list(host: &Path, mut each: impl FnMut(&Entry<'_>) -> ControlFlow<()>) -> io::Result<ControlFlow<()>> {
    imp::list(host, &mut each)
}

#[cfg(target_os = "linux")]
mod imp {
    use std::ffi::{CStr, OsStr};
    use std::fs::{File, OpenOptions};
    use std::io;
    use std::ops::ControlFlow;
    use std::os::fd::{AsFd, AsRawFd, BorrowedFd};
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::OpenOptionsExt;
    use std::path::Path;
    use std::time::{Duration, SystemTime};

    use super::{Entry, EntryKind, EntryStat};

    /// The listing buffer, in `u64`s so that every record is 8-byte aligned (32 KiB: a
    /// 600-entry directory in one call).
    const BUF_WORDS: usize = 4096;
    /// Offset of `d_reclen`, `d_type` and `d_name` in a `linux_dirent64` record.
    const RECLEN_AT: usize = 16;
    const TYPE_AT: usize = 18;
    const NAME_AT: usize = 19;

    pub fn list(
        host: &Path,
        each: &mut dyn FnMut(&Entry<'_>) -> ControlFlow<()>,
    ) -> io::Result<ControlFlow<()>> {
        let dir = OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_NONBLOCK)
            .open(host)?;
        let mut words: Vec<u64> = Vec::with_capacity(BUF_WORDS);
        loop {
            let len = BUF_WORDS * 8;
            // SAFETY: the buffer's capacity is `len` bytes, and the kernel writes at most that.
            let n = unsafe {
                libc::syscall(libc::SYS_getdents64, dir.as_raw_fd(), words.as_mut_ptr().cast::<u8>(), len)
            };
            let n = usize::try_from(n).map_err(|_| io::Error::last_os_error())?;
            if n == 0 {
                return Ok(ControlFlow::Continue(()));
            }
            // SAFETY: the kernel initialised the first `n` bytes, and `n <= len`.
            let bytes = unsafe { std::slice::from_raw_parts(words.as_ptr().cast::<u8>(), n.min(len)) };
            if records(&dir, bytes, each)?.is_break() {
                return Ok(ControlFlow::Break(()));
            }
        }
    }

    /// Hands each record of one `getdents64` batch to `each`.
    fn records(
        dir: &File,
        bytes: &[u8],
        each: &mut dyn FnMut(&Entry<'_>) -> ControlFlow<()>,
    ) -> io::Result<ControlFlow<()>> {
        let mut at = 0;
        while at + NAME_AT < bytes.len() {
            let reclen = usize::from(u16::from_ne_bytes([bytes[at + RECLEN_AT], bytes[at + RECLEN_AT + 1]]));
            let end = at + reclen;
            if reclen <= NAME_AT || end > bytes.len() {
                return Err(io::Error::new(io::ErrorKind::InvalidData, "malformed directory record"));
            }
            let name = CStr::from_bytes_until_nul(&bytes[at + NAME_AT..end])
                .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "unterminated directory entry name"))?
                .to_bytes();
            let d_type = bytes[at + TYPE_AT];
            at = end;
            if name == b"." || name == b".." || name.is_empty() {
                continue;
            }
            let name = OsStr::from_bytes(name);
            let kind = match d_type {
                libc::DT_REG => EntryKind::File,
                libc::DT_DIR => EntryKind::Dir,
                libc::DT_LNK => EntryKind::Symlink,
                // Some filesystems do not say: ask the entry itself.
                libc::DT_UNKNOWN => stat_at(dir.as_fd(), name).map(|s| s.kind).unwrap_or(EntryKind::Other),
                _ => EntryKind::Other,
            };
            if each(&Entry { name, kind, dir: dir.as_fd() }).is_break() {
                return Ok(ControlFlow::Break(()));
            }
        }
        Ok(ControlFlow::Continue(()))
    }

    /// `fstatat(dir, name, AT_SYMLINK_NOFOLLOW)`.
    fn stat_at(dir: BorrowedFd<'_>, name: &OsStr) -> io::Result<EntryStat> {
        let mut c_name = Vec::with_capacity(name.len() + 1);
        c_name.extend_from_slice(name.as_bytes());
        c_name.push(0);
        let mut st = std::mem::MaybeUninit::<libc::stat>::uninit();
        // SAFETY: `c_name` is NUL-terminated and `st` is writable; the kernel fills it on success.
        let rc = unsafe {
            libc::fstatat(dir.as_raw_fd(), c_name.as_ptr().cast(), st.as_mut_ptr(), libc::AT_SYMLINK_NOFOLLOW)
        };
        if rc != 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: fstatat returned 0, so it wrote the whole struct.
        let st = unsafe { st.assume_init() };
        let kind = match st.st_mode & libc::S_IFMT {
            libc::S_IFREG => EntryKind::File,
            libc::S_IFDIR => EntryKind::Dir,
            libc::S_IFLNK => EntryKind::Symlink,
            _ => EntryKind::Other,
        };
        let modified = u64::try_from(st.st_mtime).ok().and_then(|secs| {
            let nanos = u32::try_from(st.st_mtime_nsec).unwrap_or(0);
            SystemTime::UNIX_EPOCH.checked_add(Duration::new(secs, nanos))
        });
        Ok(EntryStat { kind, len: u64::try_from(st.st_size).unwrap_or(0), modified })
    }

    impl Entry<'_> {
        /// The entry's own size and modification time (`fstatat` relative to the listed
        /// directory; a symlink is described, not followed). An error when it vanished.
        pub fn stat(&self) -> io::Result<EntryStat> {
            stat_at(self.dir, self.name)
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod imp {
    use std::fs;
    use std::io;
    use std::ops::ControlFlow;
    use std::path::Path;

    use super::{Entry, EntryKind, EntryStat};

    pub fn list(
        host: &Path,
        each: &mut dyn FnMut(&Entry<'_>) -> ControlFlow<()>,
    ) -> io::Result<ControlFlow<()>> {
        for entry in fs::read_dir(host)? {
            let entry = entry?;
            let name = entry.file_name();
            let kind = entry.file_type().map(EntryKind::from).unwrap_or(EntryKind::Other);
            if each(&Entry { name: &name, kind, entry: &entry }).is_break() {
                return Ok(ControlFlow::Break(()));
            }
        }
        Ok(ControlFlow::Continue(()))
    }

    impl Entry<'_> {
        /// The entry's own size and modification time (a symlink is described, not
        /// followed). An error when it vanished.
        pub fn stat(&self) -> io::Result<EntryStat> {
            let meta = self.entry.metadata()?;
            Ok(EntryStat { kind: meta.file_type().into(), len: meta.len(), modified: meta.modified().ok() })
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use std::fs;
    use std::os::unix::fs::symlink;

    /// Every entry of `dir` with its kind and stat, as `list` gives them.
    fn listed(dir: &Path) -> BTreeMap<String, (EntryKind, EntryStat)> {
        let mut out = BTreeMap::new();
        let done = list(dir, |e| {
            let name = e.name.to_str().unwrap().to_string();
            assert!(out.insert(name, (e.kind, e.stat().unwrap())).is_none(), "a name listed twice");
            ControlFlow::Continue(())
        })
        .unwrap();
        assert_eq!(done, ControlFlow::Continue(()));
        out
    }

    #[test]
    fn lists_what_std_and_lstat_see_across_many_batches() {
        let dir = tempfile::tempdir().unwrap();
        // ~3 000 long names: several 32 KiB batches.
        for i in 0..3000 {
            let name = format!("{i:05}-{}", "n".repeat(60));
            match i % 4 {
                0 => fs::write(dir.path().join(&name), vec![b'x'; i]).unwrap(),
                1 => fs::create_dir(dir.path().join(&name)).unwrap(),
                2 => symlink(format!("../nowhere/{i}"), dir.path().join(&name)).unwrap(),
                _ => symlink("/", dir.path().join(&name)).unwrap(),
            }
        }
        let c =
            std::ffi::CString::new(dir.path().join("fifo").into_os_string().into_encoded_bytes()).unwrap();
        // SAFETY: a NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
        let got = listed(dir.path());
        let want: BTreeMap<String, fs::Metadata> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                (e.file_name().into_string().unwrap(), fs::symlink_metadata(e.path()).unwrap())
            })
            .collect();
        assert_eq!(got.len(), 3001);
        assert_eq!(got.keys().collect::<Vec<_>>(), want.keys().collect::<Vec<_>>());
        for (name, (kind, stat)) in &got {
            let meta = &want[name];
            assert_eq!(*kind, EntryKind::from(meta.file_type()), "{name}");
            assert_eq!(stat.kind, EntryKind::from(meta.file_type()), "{name}");
            assert_eq!(stat.len, meta.len(), "{name}");
            assert_eq!(stat.modified, meta.modified().ok(), "{name}");
        }
        assert_eq!(got["fifo"].0, EntryKind::Other);
    }

    #[test]
    fn an_empty_directory_lists_nothing_and_a_break_stops_the_listing() {
        let dir = tempfile::tempdir().unwrap();
        assert!(listed(dir.path()).is_empty());
        for i in 0..100 {
            fs::write(dir.path().join(i.to_string()), "").unwrap();
        }
        let mut seen = 0;
        let done = list(dir.path(), |_| {
            seen += 1;
            if seen == 7 { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
        })
        .unwrap();
        assert_eq!((done, seen), (ControlFlow::Break(()), 7));
    }

    #[test]
    fn a_symlink_to_a_directory_or_a_file_is_not_listed() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("real")).unwrap();
        fs::write(dir.path().join("file"), "x").unwrap();
        symlink("real", dir.path().join("link")).unwrap();
        assert!(list(&dir.path().join("link"), |_| ControlFlow::Continue(())).is_err());
        assert!(list(&dir.path().join("file"), |_| ControlFlow::Continue(())).is_err());
        assert!(list(&dir.path().join("missing"), |_| ControlFlow::Continue(())).is_err());
    }

    #[test]
    fn a_vanished_entry_has_no_stat() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("gone"), "x").unwrap();
        let mut errors = 0;
        let done = list(dir.path(), |e| {
            fs::remove_file(dir.path().join(e.name)).unwrap();
            errors += usize::from(e.stat().is_err());
            ControlFlow::Continue(())
        })
        .unwrap();
        assert_eq!((done, errors), (ControlFlow::Continue(()), 1));
    }
}
