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
            let packages = parse_dpkg_status(BufReader::new(reader))
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
/// Streams line by line, so memory holds only the kept fields.
pub fn parse_dpkg_status(mut reader: impl BufRead) -> std::io::Result<BTreeMap<String, Package>> {
    let mut packages = BTreeMap::new();
    let mut current = Stanza::default();
    let mut raw = Vec::new();
    loop {
        raw.clear();
        let n = read_line_capped(&mut reader, &mut raw)?;
        let line = String::from_utf8_lossy(&raw);
        let line = line.trim_end_matches(['\n', '\r']);
        if n == 0 || line.trim().is_empty() {
            if let Some(p) = current.take_installed() {
                packages.insert(p.name.clone(), p);
            }
            if n == 0 {
                break;
            }
            continue;
        }
        if line.starts_with([' ', '\t']) {
            continue; // continuation of a multi-line field (Description, Conffiles)
        }
        let Some((key, value)) = line.split_once(':') else { continue };
        let value = value.trim();
        match key {
            "Package" => current.name = value.to_string(),
            "Status" => current.status = value.to_string(),
            "Version" => current.version = value.to_string(),
            "Architecture" => current.arch = value.to_string(),
            _ => {}
        }
    }
    Ok(packages)
}

/// Reads one line into `buf`, keeping at most [`MAX_LINE`] bytes of it; returns bytes consumed.
fn read_line_capped(reader: &mut impl BufRead, buf: &mut Vec<u8>) -> std::io::Result<usize> {
    let mut consumed = 0;
    loop {
        let chunk = reader.fill_buf()?;
        if chunk.is_empty() {
            return Ok(consumed);
        }
        let (take, done) = match chunk.iter().position(|&b| b == b'\n') {
            Some(i) => (i + 1, true),
            None => (chunk.len(), false),
        };
        let room = MAX_LINE.saturating_sub(buf.len());
        buf.extend_from_slice(&chunk[..take.min(room)]);
        reader.consume(take);
        consumed += take;
        if done {
            return Ok(consumed);
        }
    }
}

#[derive(Default)]
struct Stanza {
    name: String,
    status: String,
    version: String,
    arch: String,
}

impl Stanza {
    /// The package, if the stanza describes an installed one; resets the stanza.
    fn take_installed(&mut self) -> Option<Package> {
        let s = std::mem::take(self);
        // "Status: want flag state": only state "installed" counts; "half-installed",
        // "config-files" (removed, configs kept) and "unpacked" do not.
        let installed = s.status.split_whitespace().nth(2) == Some("installed");
        if !installed || s.name.is_empty() {
            return None;
        }
        Some(Package { name: s.name, version: s.version, arch: s.arch, install_time: None })
    }
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

    #[test]
    fn survives_garbage_and_huge_lines() {
        let mut input = b"Package: a\nStatus: install ok installed\nVersion: 1\n".to_vec();
        input.extend(std::iter::repeat_n(b'x', 10 * 1024 * 1024));
        input.extend(b"\n\n\xff\xfe\x00garbage\n\nPackage: b\nStatus: install ok installed\nVersion: 2\n");
        let p = parse_dpkg_status(&input[..]).unwrap();
        assert_eq!(p["a"].version, "1");
        assert_eq!(p["b"].version, "2");
    }
}
