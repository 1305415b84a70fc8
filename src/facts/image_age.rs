//! How old the image is, from its package database: dpkg keeps one `/var/lib/dpkg/info/<pkg>.list`
//! per installed package, written when the package was installed, so the oldest one dates the
//! image's build. (RPM records each package's install time itself: see `packages`.)

use std::time::UNIX_EPOCH;

use serde::Serialize;

use crate::target::root::{self, Root};

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
fn dpkg_oldest(root: &Root) -> Option<OldestFile> {
    let entries = root.read_dir(DPKG_INFO, MAX_INFO_ENTRIES).ok()?;
    entries
        .iter()
        .filter(|e| e.name.ends_with(".list"))
        .filter_map(|e| {
            let path = root::join(DPKG_INFO, &e.name);
            let mtime =
                root.metadata(&path).ok()?.modified().ok()?.duration_since(UNIX_EPOCH).ok()?.as_secs();
            Some(OldestFile { path, mtime })
        })
        .min_by_key(|f| f.mtime)
}
