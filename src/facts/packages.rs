//! The installed packages, from the image's own package database: dpkg's `status` file on the
//! Debian family, the RPM database on the RHEL and SUSE families.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};

use serde::Serialize;

use super::GatherError;
use crate::target::Target;

/// dpkg's database of installed packages.
pub const DPKG_STATUS: &str = "/var/lib/dpkg/status";
/// Largest dpkg status file read (a full desktop install is ~10 MB; 100 000 packages ~100 MB).
const DPKG_STATUS_LIMIT: u64 = 512 * 1024 * 1024;
/// Longest line kept from a status file; longer ones (hostile) are cut.
const MAX_LINE: usize = 64 * 1024;

/// Which package manager's database the packages came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PackageManager {
    Dpkg,
    Rpm,
}

/// One installed package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Package {
    /// Package name, e.g. `libssl-dev`, `openssl-devel`.
    pub name: String,
    /// Full version as the package manager prints it: `2.7.18-1`, `2.7.5-90.el7`; rpm's
    /// `EPOCH:` prefix only when the epoch is non-zero: `1:1.0.2k-25.el7_9`.
    pub version: String,
    /// Architecture, e.g. `amd64`, `x86_64`, `noarch` (empty for rpm's `gpg-pubkey` entries).
    pub arch: String,
    /// Install time (seconds since the epoch), where the database records it (RPM).
    pub install_time: Option<u64>,
}

/// The installed packages of the target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PackageDb {
    /// dpkg or rpm.
    pub manager: PackageManager,
    /// The database file read.
    pub path: String,
    /// How many packages are installed (for rpm, every installed instance, as `rpm -qa` counts).
    pub count: usize,
    /// Installed packages by name. dpkg: the last one read wins for multi-arch duplicates;
    /// rpm: the most recently installed instance wins (kernels, multilib).
    #[serde(skip)]
    pub packages: BTreeMap<String, Package>,
}

impl PackageDb {
    /// The installed package `name`, if any.
    pub fn get(&self, name: &str) -> Option<&Package> {
        self.packages.get(name)
    }
}

/// Reads the target's package database; `Ok(None)` when it has none that bootready reads.
pub fn gather(target: &Target) -> Result<Option<PackageDb>, GatherError> {
    match target.root.open(DPKG_STATUS, DPKG_STATUS_LIMIT) {
        Ok(reader) => {
            // 64 KiB reads: a status file is read once front to back, and a bigger buffer only
            // costs page faults (a minimal image's file is ~150 KB).
            let packages = parse_dpkg_status(BufReader::with_capacity(64 * 1024, reader))
                .map_err(|e| GatherError::new(Some(DPKG_STATUS), format!("reading {DPKG_STATUS}: {e}")))?;
            return Ok(Some(PackageDb {
                manager: PackageManager::Dpkg,
                path: DPKG_STATUS.to_string(),
                count: packages.len(),
                packages,
            }));
        }
        Err(e) if e.is_not_found() => {}
        Err(e) => return Err(GatherError::from_root(e)),
    }
    super::rpmdb::gather(target)
}

/// Parses a dpkg `status` file, keeping only packages whose status is `installed`.
/// Streams the reader's buffer in place: only the four kept fields are looked at (continuation
/// lines and other fields are skipped after a byte or two), a stanza allocates only when it is
/// kept, and the map is built once at the end, so 100 000 packages take tens of milliseconds.
pub fn parse_dpkg_status(reader: impl BufRead) -> std::io::Result<BTreeMap<String, Package>> {
    let mut kept = Vec::new();
    let mut current = Stanza::default();
    super::lines::each_line(reader, MAX_LINE, |line| current.line(line, &mut kept))?;
    current.end(&mut kept);
    Ok(by_name(kept))
}

/// The kept packages by name; of a name read more than once (multi-arch), the last one read.
/// Sorting first makes the map a bulk build (and dpkg writes the file sorted, so the sort is a
/// linear scan) instead of one tree insertion per package.
fn by_name(mut kept: Vec<Package>) -> BTreeMap<String, Package> {
    // Stable: equal names stay in file order, so the last of each run is the last one read.
    kept.sort_by(|a, b| a.name.cmp(&b.name));
    // `dedup_by` removes `later` and keeps `earlier`: swapping first keeps the later one's value.
    kept.dedup_by(|later, earlier| {
        let same = later.name == earlier.name;
        if same {
            std::mem::swap(later, earlier);
        }
        same
    });
    kept.into_iter().map(|p| (p.name.clone(), p)).collect()
}

/// The kept fields of the stanza being read. The buffers are reused from stanza to stanza, so
/// only kept packages allocate (their own copies).
#[derive(Default)]
struct Stanza {
    name: String,
    version: String,
    arch: String,
    /// The third word of the last `Status:` line ("want flag state") is `installed`.
    installed: bool,
}

impl Stanza {
    /// Takes one line (without its `\n`, at most [`MAX_LINE`] bytes): a blank line ends the stanza.
    fn line(&mut self, raw: &[u8], kept: &mut Vec<Package>) {
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let Some(&first) = raw.first() else { return self.end(kept) };
        // The first byte decides nearly every line: a field name starts with a printable
        // character, so such a line is neither blank nor a continuation (which starts with a
        // space or tab, as Description and Conffiles lines do) and is one of the four kept
        // fields or skipped unread.
        if !first.is_ascii_graphic() {
            if is_blank(raw) {
                self.end(kept);
            }
            return;
        }
        let (field, value) = match first {
            b'P' => (&mut self.name, raw.strip_prefix(b"Package:")),
            b'V' => (&mut self.version, raw.strip_prefix(b"Version:")),
            b'A' => (&mut self.arch, raw.strip_prefix(b"Architecture:")),
            b'S' => {
                if let Some(value) = raw.strip_prefix(b"Status:") {
                    // "want flag state": only state "installed" counts; "half-installed",
                    // "config-files" (removed, configs kept) and "unpacked" do not.
                    self.installed =
                        String::from_utf8_lossy(value).split_whitespace().nth(2) == Some("installed");
                }
                return;
            }
            _ => return,
        };
        if let Some(value) = value {
            field.clear();
            field.push_str(String::from_utf8_lossy(value).trim());
        }
    }

    /// Ends the stanza: keeps the package if it is installed and named; resets the stanza.
    fn end(&mut self, kept: &mut Vec<Package>) {
        if self.installed && !self.name.is_empty() {
            kept.push(Package {
                name: self.name.clone(),
                version: self.version.clone(),
                arch: self.arch.clone(),
                install_time: None,
            });
        }
        self.name.clear();
        self.version.clear();
        self.arch.clear();
        self.installed = false;
    }
}

/// Only whitespace, Unicode's included. The byte scan stops at the first ASCII non-space (the
/// first or second byte of nearly every line), so the decoding runs only on lines that may be
/// blank.
fn is_blank(raw: &[u8]) -> bool {
    raw.iter().all(|b| !b.is_ascii() || b.is_ascii_whitespace())
        && String::from_utf8_lossy(raw).trim().is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    // Excerpt in the shape of Debian 12's /var/lib/dpkg/status.
    const STATUS: &str = "Package: libssl-dev\nStatus: install ok installed\nPriority: optional\nSection: libdevel\n\
Installed-Size: 12345\nMaintainer: Debian OpenSSL Team <pkg-openssl-devel@alioth-lists.debian.net>\n\
Architecture: amd64\nMulti-Arch: same\nSource: openssl\nVersion: 3.0.15-1~deb12u1\nDepends: libssl3 (= 3.0.15-1~deb12u1)\n\
Description: Secure Sockets Layer toolkit - development files\n This package is part of the OpenSSL project.\n .\n More text.\n\
\n\
Package: python2.7\nStatus: deinstall ok config-files\nArchitecture: amd64\nVersion: 2.7.18-8\n\
Conffiles:\n /etc/python2.7/sitecustomize.py d6b276695157bde06a56ba1b2bc53801\n\
\n\
Package: python3.11\nStatus: install ok installed\r\nArchitecture: amd64\r\nVersion: 3.11.2-6+deb12u6\r\n";

    #[test]
    fn keeps_only_installed_packages() {
        let p = parse_dpkg_status(STATUS.as_bytes()).unwrap();
        assert_eq!(p.len(), 2, "{p:?}");
        assert_eq!(p["libssl-dev"].version, "3.0.15-1~deb12u1");
        assert_eq!(p["libssl-dev"].arch, "amd64");
        assert_eq!(p["python3.11"].version, "3.11.2-6+deb12u6");
        assert!(!p.contains_key("python2.7"), "config-files is not installed");
    }

    /// Stanzas in the shapes real status files have (Debian 12 and Ubuntu 22.04 multi-arch,
    /// removed and half-configured packages, a file edited on Windows) and hand-made edge cases.
    const TRICKY: &str = "Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nVersion: 2.36-9+deb12u9\n\
Description: GNU C Library: Shared libraries\n Package: not-a-package\n Status: install ok installed\n\
\tVersion: 0-not-a-version\n\
\n\
Package: libc6\nStatus: install ok installed\nArchitecture: i386\nVersion: 2.36-9+deb12u9\n\
\n\
Package: removed-with-configs\nStatus: deinstall ok config-files\nVersion: 1.0\n\
\n\
Package: half\nStatus: install reinstreq half-installed\nVersion: 1.1\n\
\n\
Package: unpacked-only\nStatus: install ok unpacked\nVersion: 1.2\n\
\n\
Package: no-status\nVersion: 1.3\n\
\n\
Package: held\nStatus: hold ok installed\nVersion:1.4\n\
\n\
Package: status-twice\nStatus: install ok installed\nStatus: deinstall ok config-files\n\
\n\
Package: renamed\nPackage: renamed-final\nStatus: install ok installed\nVersion: 1.5\n\
\n\
Status: install ok installed\nVersion: 9.9\n\
\n\
Package: crlf\r\nStatus: install ok installed\r\nVersion: 1.6\r\nArchitecture: all\r\n\r\n\
Package: after-spaces\nStatus: install ok installed\nVersion: 1.7\n \t \n\
Package: after-nbsp\nStatus: install ok installed\nVersion: 1.8\n\u{a0}\n\
package: lower-case-field\nStatus: install ok installed\n";

    #[test]
    fn tricky_stanzas_parse_as_dpkg_writes_them() {
        let p = parse_dpkg_status(TRICKY.as_bytes()).unwrap();
        let got: Vec<(&str, &str, &str)> =
            p.values().map(|p| (p.name.as_str(), p.version.as_str(), p.arch.as_str())).collect();
        assert_eq!(
            got,
            [
                ("after-nbsp", "1.8", ""),
                ("after-spaces", "1.7", ""),
                ("crlf", "1.6", "all"),
                ("held", "1.4", ""),
                // Multi-arch: both stanzas are installed, the last one read wins.
                ("libc6", "2.36-9+deb12u9", "i386"),
                ("renamed-final", "1.5", ""),
            ],
            "continuation lines that look like fields, removed, half-installed, unpacked, \
             Status-less and nameless stanzas are not packages"
        );
        assert!(p.values().all(|p| p.install_time.is_none()));
    }

    #[test]
    fn survives_garbage_and_huge_lines() {
        let mut input = b"Package: a\nStatus: install ok installed\nVersion: 1\n".to_vec();
        input.extend(std::iter::repeat_n(b'x', 10 * 1024 * 1024));
        input.extend(b"\n\n\xff\xfe\x00garbage\n\nPackage: b\nStatus: install ok installed\nVersion: 2\n");
        let p = parse_dpkg_status(&input[..]).unwrap();
        assert_eq!(p["a"].version, "1");
        assert_eq!(p["b"].version, "2");
    }

    #[test]
    fn lines_straddling_buffer_refills_parse_the_same() {
        let whole = parse_dpkg_status(STATUS.as_bytes()).unwrap();
        let tricky = parse_dpkg_status(TRICKY.as_bytes()).unwrap();
        for capacity in 1..=40 {
            let chunked = parse_dpkg_status(BufReader::with_capacity(capacity, STATUS.as_bytes())).unwrap();
            assert_eq!(chunked, whole, "buffer of {capacity} bytes");
            let chunked = parse_dpkg_status(BufReader::with_capacity(capacity, TRICKY.as_bytes())).unwrap();
            assert_eq!(chunked, tricky, "buffer of {capacity} bytes");
        }
        // The last stanza needs no trailing newline, and a bare CR line is blank.
        let p = parse_dpkg_status(&b"Package: a\r\nStatus: install ok installed\r\n\r\nPackage: b\nStatus: install ok installed"[..]).unwrap();
        assert_eq!(p.keys().collect::<Vec<_>>(), ["a", "b"]);
    }
}
