//! How old the image is, from its package database: dpkg keeps one `/var/lib/dpkg/info/<pkg>.list`
//! per installed package, written when the package was installed, so the oldest one dates the
//! image's build. (RPM records each package's install time itself: see `packages`.)

use std::time::UNIX_EPOCH;

use serde::Serialize;

use crate::target::root::{self, EntryKind, Root};

/// dpkg's per-package file lists.
pub const DPKG_INFO: &str = "/var/lib/dpkg/info";
/// Entries listed from it (about 4 per package; 25 000 packages is far beyond a real image).
const MAX_INFO_ENTRIES: usize = 100_000;

/// The oldest install-time evidence found in the image's files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OldestFile {
    /// The in-root file.
    pub path: String,
    /// Its modification time, in seconds since the epoch.
    pub mtime: u64,
}

/// Evidence of the image's age (`facts.image_age`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImageAge {
    /// The oldest `*.list` file of dpkg's database (`null` without dpkg).
    pub dpkg_oldest: Option<OldestFile>,
    /// The first line of the RHEL family's release file, which carries the minor version
    /// (`CentOS Linux release 7.2.1511 (Core)`) that CentOS 7's os-release leaves out.
    pub release_line: Option<ReleaseLine>,
}

/// One line of a release file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReleaseLine {
    /// The in-root file.
    pub path: String,
    /// Its first line.
    pub text: String,
}

/// Gathers the age evidence.
pub fn gather(root: &Root) -> ImageAge {
    let release_line = ["/etc/centos-release", "/etc/redhat-release"].iter().find_map(|path| {
        let text = root.read_text(path).ok()?;
        let line = text.lines().next()?.trim().to_string();
        Some(ReleaseLine { path: path.to_string(), text: line })
    });
    ImageAge { dpkg_oldest: dpkg_oldest(root), release_line }
}

/// The oldest `*.list` file of dpkg's database, or `None` (no dpkg, or nothing readable).
/// A `.list` symlink counts with the mtime of what it leads to inside the root (and not at
/// all when that is outside it or missing); any other entry with its own mtime.
fn dpkg_oldest(root: &Root) -> Option<OldestFile> {
    // One listing with each entry's metadata: ~800 lists on a small image, so no walk from
    // the root per file.
    let entries = root.read_dir_meta(DPKG_INFO, MAX_INFO_ENTRIES, |name| name.ends_with(".list")).ok()?;
    entries
        .iter()
        .filter_map(|e| {
            let path = root::join(DPKG_INFO, &e.name);
            let modified = match e.kind {
                EntryKind::Symlink => root.metadata(&path).ok()?.modified().ok()?,
                _ => e.modified?,
            };
            let mtime = modified.duration_since(UNIX_EPOCH).ok()?.as_secs();
            Some(OldestFile { path, mtime })
        })
        .min_by_key(|f| f.mtime)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::fs::{self, File, FileTimes};
    use std::os::unix::fs::symlink;
    use std::path::Path;
    use std::time::{Duration, SystemTime};

    fn touch(path: &Path, secs: u64) {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        let f = File::create(path).unwrap();
        f.set_times(FileTimes::new().set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(secs)))
            .unwrap();
    }

    fn set_link_mtime(path: &Path, secs: i64) {
        // The link's own mtime, so a test can tell it from its target's.
        let c = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
        let t = libc::timespec { tv_sec: secs, tv_nsec: 0 };
        let times = [t, t];
        let rc =
            unsafe { libc::utimensat(libc::AT_FDCWD, c.as_ptr(), times.as_ptr(), libc::AT_SYMLINK_NOFOLLOW) };
        assert_eq!(rc, 0);
    }

    #[test]
    fn oldest_list_file_dates_the_image() {
        let dir = tempfile::tempdir().unwrap();
        let info = dir.path().join("var/lib/dpkg/info");
        // Names as on Debian 12 (bookworm, debootstrap minbase).
        touch(&info.join("base-files.list"), 1_700_000_000);
        touch(&info.join("libc6:amd64.list"), 1_690_000_000);
        touch(&info.join("libc6:amd64.md5sums"), 1_000);
        touch(&info.join("dpkg.list"), 1_695_000_000);
        let root = Root::new(dir.path()).unwrap();
        let oldest = dpkg_oldest(&root).unwrap();
        assert_eq!(
            oldest,
            OldestFile { path: "/var/lib/dpkg/info/libc6:amd64.list".into(), mtime: 1_690_000_000 }
        );
    }

    #[test]
    fn a_list_symlink_counts_with_its_in_root_target() {
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path();
        let info = r.join("var/lib/dpkg/info");
        touch(&info.join("base-files.list"), 1_700_000_000);
        // A link to an older file inside the root: the target's mtime counts, under the
        // link's name; the link's own (older still) mtime does not.
        touch(&r.join("srv/old.list"), 1_600_000_000);
        symlink("/srv/old.list", info.join("linked.list")).unwrap();
        set_link_mtime(&info.join("linked.list"), 1_000);
        let root = Root::new(r).unwrap();
        assert_eq!(
            dpkg_oldest(&root).unwrap(),
            OldestFile { path: "/var/lib/dpkg/info/linked.list".into(), mtime: 1_600_000_000 }
        );
    }

    #[test]
    fn a_list_symlink_out_of_the_root_or_dangling_does_not_count() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let r = dir.path();
        let info = r.join("var/lib/dpkg/info");
        touch(&info.join("base-files.list"), 1_700_000_000);
        // An old file on the host, outside the root: the absolute link is re-rooted and
        // leads nowhere inside it.
        touch(&outside.path().join("host.list"), 1_000);
        symlink(outside.path().join("host.list"), info.join("escape.list")).unwrap();
        symlink("missing.list", info.join("dangling.list")).unwrap();
        set_link_mtime(&info.join("escape.list"), 2_000);
        set_link_mtime(&info.join("dangling.list"), 3_000);
        let root = Root::new(r).unwrap();
        assert_eq!(
            dpkg_oldest(&root).unwrap(),
            OldestFile { path: "/var/lib/dpkg/info/base-files.list".into(), mtime: 1_700_000_000 }
        );
    }

    #[test]
    fn no_dpkg_database_is_none() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(dpkg_oldest(&Root::new(dir.path()).unwrap()), None);
    }
}
