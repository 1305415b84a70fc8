//! OpenSSL development files: the package (openssl-devel, libssl-dev, libopenssl-devel) from
//! the package database, and the files such a package installs (`openssl/ssl.h`, the
//! unversioned `libssl.so` link, `openssl.pc`), so a hand-built OpenSSL is recognised and a
//! half-removed package is noticed.

use std::collections::BTreeSet;

use serde::Serialize;

use super::packages::PackageDb;
use crate::target::Target;
use crate::target::root::join;

/// Development packages, every family: RHEL (openssl11/openssl3 from EPEL and EL8), Debian,
/// SUSE (`libopenssl-devel` and its versioned names on SLES 15).
pub const PACKAGES: [&str; 7] = [
    "openssl-devel",
    "openssl11-devel",
    "openssl3-devel",
    "libssl-dev",
    "libopenssl-devel",
    "libopenssl-3-devel",
    "libopenssl-1_1-devel",
];

/// Where `openssl/ssl.h` is looked for: the packages' places, then hand-built prefixes.
const HEADERS: [&str; 6] = [
    "/usr/include/openssl/ssl.h",
    "/usr/include/openssl11/openssl/ssl.h",
    "/usr/include/openssl3/openssl/ssl.h",
    "/usr/local/include/openssl/ssl.h",
    "/usr/local/ssl/include/openssl/ssl.h",
    "/opt/openssl/include/openssl/ssl.h",
];

/// Library directories of every family, then hand-built prefixes.
const LIB_DIRS: [&str; 14] = [
    "/usr/lib64",
    "/usr/lib/x86_64-linux-gnu",
    "/usr/lib/aarch64-linux-gnu",
    "/usr/lib",
    "/lib64",
    "/lib/x86_64-linux-gnu",
    "/usr/lib64/openssl11",
    "/usr/lib64/openssl3",
    "/usr/local/lib64",
    "/usr/local/lib",
    "/usr/local/ssl/lib",
    "/usr/local/ssl/lib64",
    "/opt/openssl/lib",
    "/opt/openssl/lib64",
];

/// An installed development package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DevPackage {
    /// Its name, e.g. `libssl-dev`.
    pub name: String,
    /// Its version as the package manager prints it (`3.0.15-1~deb12u1`, `1:1.0.2k-19.el7`).
    pub version: String,
}

/// The unversioned `libssl.so` link the linker needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LibLink {
    /// Where it is.
    pub path: String,
    /// What the link points at (`null` for a plain file).
    pub target: Option<String>,
    /// True when it leads nowhere: the library it named was removed.
    pub dangling: bool,
}

/// The evidence of OpenSSL development files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpensslDevel {
    /// The package database read (`dpkg`, `rpm`), `null` when the image has none bootready reads.
    pub package_db: Option<String>,
    /// Installed development packages.
    pub packages: Vec<DevPackage>,
    /// `openssl/ssl.h` files found.
    pub headers: Vec<String>,
    /// `libssl.so` links found (dangling ones included).
    pub libssl: Vec<LibLink>,
    /// `openssl.pc` (or `openssl11.pc`) files found.
    pub pkgconfig: Vec<String>,
    /// `OPENSSL_VERSION_TEXT` from the `opensslv.h` beside the first header, when readable.
    pub header_version: Option<String>,
}

impl OpensslDevel {
    /// Nothing found, no package database (the base for hand-made facts).
    pub fn none() -> OpensslDevel {
        OpensslDevel {
            package_db: None,
            packages: Vec::new(),
            headers: Vec::new(),
            libssl: Vec::new(),
            pkgconfig: Vec::new(),
            header_version: None,
        }
    }

    /// True when a header and a `libssl.so` that leads somewhere are both present.
    pub fn files_usable(&self) -> bool {
        !self.headers.is_empty() && self.libssl.iter().any(|l| !l.dangling)
    }
}

/// True for paths of a hand-built install (not where packages put files).
pub fn is_hand_built(path: &str) -> bool {
    path.starts_with("/usr/local/") || path.starts_with("/opt/")
}

/// Gathers the package and file evidence; reads only small files, never fails.
pub fn gather(target: &Target, packages: Option<&PackageDb>) -> OpensslDevel {
    let mut out = OpensslDevel::none();
    if let Some(db) = packages {
        out.package_db = Some(
            serde_json::to_value(db.manager)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
        );
        out.packages = PACKAGES
            .iter()
            .filter_map(|n| db.get(n))
            .map(|p| DevPackage { name: p.name.clone(), version: p.version.clone() })
            .collect();
    }
    out.headers = HEADERS.iter().filter(|h| target.root.is_file(h)).map(|h| h.to_string()).collect();
    if let Some(first) = out.headers.first() {
        let opensslv = first.replace("/ssl.h", "/opensslv.h");
        out.header_version = target.root.read_text(&opensslv).ok().and_then(|t| version_text(&t));
    }
    // /lib64 is often a link to /usr/lib64: report each real file once.
    let mut seen = BTreeSet::new();
    for dir in LIB_DIRS {
        let so = join(dir, "libssl.so");
        let link = target.root.read_link(&so).ok();
        let resolved = target.root.resolve(&so).ok();
        if link.is_none() && resolved.is_none() {
            continue;
        }
        let key = target.root.resolve(dir).map(|d| d.join("libssl.so")).unwrap_or_else(|_| so.clone().into());
        if seen.insert(key) {
            out.libssl.push(LibLink {
                path: so,
                target: link.map(|l| l.display().to_string()),
                dangling: !target.root.is_file(&join(dir, "libssl.so")),
            });
        }
    }
    for dir in LIB_DIRS.iter().chain(&["/usr/share"]) {
        for pc in ["openssl.pc", "openssl11.pc", "openssl3.pc"] {
            let pc = join(&join(dir, "pkgconfig"), pc);
            if target.root.is_file(&pc) && seen.insert(target.root.resolve(&pc).unwrap_or_default()) {
                out.pkgconfig.push(pc);
            }
        }
    }
    out
}

/// The `OPENSSL_VERSION_TEXT` string of an `opensslv.h` (1.0.x to 3.x spellings).
fn version_text(header: &str) -> Option<String> {
    let mut fallback = None;
    for line in header.lines() {
        let l = line.trim_start_matches(['#', ' ', '\t']);
        if let Some(rest) = l.strip_prefix("define OPENSSL_VERSION_TEXT") {
            let v = rest.trim().trim_matches('"').to_string();
            if !v.is_empty() && !v.contains("fips") {
                return Some(v);
            }
            fallback.get_or_insert(v);
        }
        // OpenSSL 3 builds the text from pieces: keep the version string.
        if let Some(rest) = l.strip_prefix("define OPENSSL_FULL_VERSION_STR") {
            fallback.get_or_insert(format!("OpenSSL {}", rest.trim().trim_matches('"')));
        }
    }
    fallback
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn fixture(name: &str) -> Target {
        Target::image(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)).unwrap()
    }

    #[test]
    fn rhel7_files_are_found() {
        let d = gather(&fixture("rhel-7.9"), None);
        assert_eq!(d.headers, vec!["/usr/include/openssl/ssl.h"]);
        assert_eq!(d.libssl.len(), 1, "{:?}", d.libssl);
        assert_eq!(d.libssl[0].path, "/usr/lib64/libssl.so");
        assert_eq!(d.libssl[0].target.as_deref(), Some("libssl.so.1.0.2k"));
        assert!(!d.libssl[0].dangling);
        assert_eq!(d.pkgconfig, vec!["/usr/lib64/pkgconfig/openssl.pc"]);
        assert_eq!(d.header_version.as_deref(), Some("OpenSSL 1.0.2k  26 Jan 2017"));
        assert!(d.files_usable());
    }

    #[test]
    fn nothing_on_a_bare_image() {
        let d = gather(&fixture("centos-6.10"), None);
        assert_eq!(d, OpensslDevel::none());
        assert!(!d.files_usable());
    }

    #[test]
    fn dangling_link_and_hand_built_prefix() {
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path();
        std::fs::create_dir_all(r.join("usr/lib/x86_64-linux-gnu")).unwrap();
        std::os::unix::fs::symlink("libssl.so.3", r.join("usr/lib/x86_64-linux-gnu/libssl.so")).unwrap();
        std::fs::create_dir_all(r.join("usr/local/include/openssl")).unwrap();
        std::fs::write(r.join("usr/local/include/openssl/ssl.h"), "/* hand-built */").unwrap();
        std::fs::write(
            r.join("usr/local/include/openssl/opensslv.h"),
            "# define OPENSSL_FULL_VERSION_STR \"3.2.1\"\n",
        )
        .unwrap();
        std::fs::create_dir_all(r.join("usr/local/lib64")).unwrap();
        std::fs::write(r.join("usr/local/lib64/libssl.so.3"), "").unwrap();
        std::os::unix::fs::symlink("libssl.so.3", r.join("usr/local/lib64/libssl.so")).unwrap();
        let d = gather(&Target::image(r).unwrap(), None);
        assert_eq!(d.headers, vec!["/usr/local/include/openssl/ssl.h"]);
        assert!(is_hand_built(&d.headers[0]));
        let paths: Vec<(&str, bool)> = d.libssl.iter().map(|l| (l.path.as_str(), l.dangling)).collect();
        assert_eq!(
            paths,
            vec![("/usr/lib/x86_64-linux-gnu/libssl.so", true), ("/usr/local/lib64/libssl.so", false)]
        );
        assert_eq!(d.header_version.as_deref(), Some("OpenSSL 3.2.1"));
        assert!(d.files_usable());
    }

    #[test]
    fn version_text_prefers_the_non_fips_text() {
        // RHEL 7's opensslv.h defines both.
        let h = "# ifdef OPENSSL_FIPS\n#  define OPENSSL_VERSION_TEXT    \"OpenSSL 1.0.2k-fips  26 Jan 2017\"\n# else\n#  define OPENSSL_VERSION_TEXT    \"OpenSSL 1.0.2k  26 Jan 2017\"\n";
        assert_eq!(version_text(h).as_deref(), Some("OpenSSL 1.0.2k  26 Jan 2017"));
        assert_eq!(version_text("nothing"), None);
    }
}
