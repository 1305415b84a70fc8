//! The RPM package database, read without rpm, without libdb and without sqlite: the file's
//! bytes come through the root resolver (size-capped) and are parsed in memory by bounded
//! readers, so nothing in the image is opened for writing or executed, and a corrupt file is
//! an error naming the file, never a panic or a hang.
//!
//! Backends, tried in this order (newest format first): sqlite `rpmdb.sqlite` (RHEL 9,
//! Rocky/Alma 9, Fedora), rpm's ndb `Packages.db` (openSUSE, SLES 15 SP3+), then the Berkeley
//! DB hash `Packages` (CentOS/RHEL 6-8, Amazon Linux 2, SLES 12 to 15 SP2).

pub mod bdb;
pub mod header;
pub mod ndb;
pub mod sqlite;

use std::collections::BTreeMap;

use super::GatherError;
use super::packages::{Package, PackageDb, PackageManager};
use crate::target::Target;

/// sqlite databases: RHEL 9's place, then the one Fedora and newer SUSE moved to (Fedora keeps
/// a `/var/lib/rpm` symlink to it, which the resolver follows).
pub const SQLITE_PATHS: [&str; 2] = ["/var/lib/rpm/rpmdb.sqlite", "/usr/lib/sysimage/rpm/rpmdb.sqlite"];
/// Berkeley DB hash databases (EL6-8, Amazon Linux 2; SLES 15 before ndb).
pub const BDB_PATHS: [&str; 2] = ["/var/lib/rpm/Packages", "/usr/lib/sysimage/rpm/Packages"];
/// ndb databases (openSUSE, SLES 15 SP3+; `/var/lib/rpm` is a symlink to the first there).
pub const NDB_PATHS: [&str; 2] = ["/usr/lib/sysimage/rpm/Packages.db", "/var/lib/rpm/Packages.db"];
/// Largest database file read into memory (a full server install is ~50-200 MB).
const DB_LIMIT: u64 = 512 * 1024 * 1024;

/// Reads the target's RPM database; `Ok(None)` when it has none.
pub fn gather(target: &Target) -> Result<Option<PackageDb>, GatherError> {
    for path in SQLITE_PATHS {
        if let Some(file) = read_if_present(target, path)? {
            // Committed transactions may still sit in the write-ahead log beside it.
            let wal_path = format!("{path}-wal");
            let file = match read_if_present(target, &wal_path)? {
                Some(wal) => sqlite::apply_wal(file, &wal).map_err(|e| corrupt(&wal_path, e))?,
                None => file,
            };
            let blobs = sqlite::read_packages(&file).map_err(|e| corrupt(path, e))?;
            return build(path, &blobs).map(Some);
        }
    }
    // Newest format first: an image converted from Berkeley DB may keep the old file.
    for path in NDB_PATHS {
        if let Some(file) = read_if_present(target, path)? {
            let blobs = ndb::read_blobs(&file).map_err(|e| corrupt(path, e))?;
            return build(path, &blobs).map(Some);
        }
    }
    for path in BDB_PATHS {
        if let Some(file) = read_if_present(target, path)? {
            let blobs = bdb::read_values(&file).map_err(|e| corrupt(path, e))?;
            return build(path, &blobs).map(Some);
        }
    }
    Ok(None)
}

/// The file's bytes, `None` when it does not exist.
fn read_if_present(target: &Target, path: &str) -> Result<Option<Vec<u8>>, GatherError> {
    match target.root.read(path, DB_LIMIT) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(GatherError::from_root(e)),
    }
}

fn corrupt(path: &str, reason: String) -> GatherError {
    GatherError::new(Some(path), format!("{path}: corrupt or unreadable rpm database: {reason}"))
}

/// Decodes every header; `count` is the number of installed package instances, as
/// `rpm -qa | wc -l` counts them. When a name is installed more than once (kernels,
/// multilib), the map keeps the most recently installed one (the later one on a tie).
fn build(path: &str, blobs: &[Vec<u8>]) -> Result<PackageDb, GatherError> {
    let mut packages: BTreeMap<String, Package> = BTreeMap::new();
    for (i, blob) in blobs.iter().enumerate() {
        let p = header::parse(blob).map_err(|e| corrupt(path, format!("package header {}: {e}", i + 1)))?;
        let newer = packages.get(&p.name).is_none_or(|old| p.install_time >= old.install_time);
        if newer {
            packages.insert(p.name.clone(), p);
        }
    }
    Ok(PackageDb { manager: PackageManager::Rpm, path: path.to_string(), count: blobs.len(), packages })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::target::{Mode, Root};

    fn target(image: &str) -> Target {
        let dir = format!("{}/tests/fixtures/{image}", env!("CARGO_MANIFEST_DIR"));
        Target { mode: Mode::Image, root: Root::new(dir).unwrap() }
    }

    fn version<'a>(db: &'a PackageDb, name: &str) -> &'a str {
        db.get(name).map(|p| p.version.as_str()).unwrap_or_else(|| panic!("no {name}"))
    }

    #[test]
    fn centos_7_bdb() {
        let db = gather(&target("centos-7.9")).unwrap().unwrap();
        assert_eq!(
            (db.manager, db.path.as_str(), db.count),
            (PackageManager::Rpm, "/var/lib/rpm/Packages", 11)
        );
        assert_eq!(version(&db, "python"), "2.7.5-90.el7");
        assert_eq!(version(&db, "python3"), "3.6.8-21.el7_9");
        assert_eq!(version(&db, "openssl-devel"), "1:1.0.2k-25.el7_9");
        assert_eq!(version(&db, "ca-certificates"), "2023.2.60_v7.0.306-72.el7_9");
        assert_eq!(version(&db, "centos-release"), "7-9.2009.1.el7.centos");
        let libs = db.get("openssl-libs").unwrap();
        assert_eq!((libs.version.as_str(), libs.arch.as_str()), ("1:1.0.2k-25.el7_9", "x86_64"));
        // make-rpmdb.sh installed them at 2024-03-12 10:02:00 UTC.
        assert_eq!(libs.install_time, Some(1_710_237_720));
        assert_eq!(db.get("setup").unwrap().arch, "noarch");
    }

    #[test]
    fn centos_6_rhel_and_amazon_bdb() {
        let db = gather(&target("centos-6.10")).unwrap().unwrap();
        assert_eq!(db.count, 9);
        assert_eq!(version(&db, "python"), "2.6.6-68.el6_10");
        assert_eq!(version(&db, "sudo"), "1.8.6p3-29.el6_10.4");
        assert!(db.get("openssl-devel").is_none());
        let db = gather(&target("rhel-6.10")).unwrap().unwrap();
        assert_eq!(version(&db, "redhat-release-server"), "6Server-6.10.0.24.el6");
        let db = gather(&target("rhel-7.9")).unwrap().unwrap();
        assert_eq!(version(&db, "cloud-init"), "19.4-7.el7_9");
        let db = gather(&target("amzn-2")).unwrap().unwrap();
        assert_eq!(db.count, 5);
        assert_eq!(version(&db, "system-release"), "1:2-17.amzn2");
        assert_eq!(version(&db, "python"), "2.7.18-1.amzn2.0.8");
        assert_eq!(version(&db, "openssl-libs"), "1:1.0.2k-24.amzn2.0.14");
    }

    #[test]
    fn rhel_9_and_rocky_9_sqlite() {
        for (image, release, version_) in
            [("rhel-9.3", "redhat-release", "9.3-0.5.el9"), ("rocky-9.3", "rocky-release", "9.3-1.2.el9")]
        {
            let db = gather(&target(image)).unwrap().unwrap();
            assert_eq!((db.path.as_str(), db.count), ("/var/lib/rpm/rpmdb.sqlite", 7));
            assert_eq!(version(&db, release), version_);
            assert_eq!(version(&db, "python3"), "3.9.18-1.el9_3");
            assert_eq!(version(&db, "openssl-devel"), "1:3.0.7-24.el9");
            assert_eq!(version(&db, "cloud-init"), "23.1.1-11.el9_3");
            assert!(db.get("python").is_none());
        }
    }

    #[test]
    fn committed_transactions_in_the_write_ahead_log_are_read() {
        // rpm installed sudo, but the image was captured before the log was checkpointed:
        // the main file alone still lists 7 packages.
        let db = gather(&target("rhel-9.3-pending-wal")).unwrap().unwrap();
        assert_eq!(db.count, 8);
        assert_eq!(version(&db, "sudo"), "1.9.5p2-9.el9");
        let dir = format!("{}/tests/fixtures/rhel-9.3-pending-wal/var/lib/rpm", env!("CARGO_MANIFEST_DIR"));
        let main = std::fs::read(format!("{dir}/rpmdb.sqlite")).unwrap();
        assert_eq!(sqlite::read_packages(&main).unwrap().len(), 7);
    }

    #[test]
    fn sles_15_ndb() {
        let db = gather(&target("sles-15.3")).unwrap().unwrap();
        assert_eq!((db.path.as_str(), db.count), ("/usr/lib/sysimage/rpm/Packages.db", 6));
        assert_eq!(version(&db, "bash"), "4.4-19.6.1");
        assert_eq!(db.get("system-user-root").unwrap().arch, "noarch");
    }

    #[test]
    fn images_without_an_rpm_database() {
        assert_eq!(gather(&target("ubuntu-22.04")).unwrap(), None);
    }

    /// A copy of a fixture with a database file replaced, in a temp dir.
    fn image_with(file: &str, bytes: &[u8]) -> (tempfile::TempDir, Target) {
        let dir = tempfile::tempdir().unwrap();
        let host = dir.path().join(file.trim_start_matches('/'));
        std::fs::create_dir_all(host.parent().unwrap()).unwrap();
        std::fs::write(host, bytes).unwrap();
        let t = Target { mode: Mode::Image, root: Root::new(dir.path()).unwrap() };
        (dir, t)
    }

    #[test]
    fn corrupt_databases_are_errors_naming_the_file() {
        let (_d, t) = image_with("/var/lib/rpm/Packages", &[0u8; 8192]);
        let e = gather(&t).unwrap_err();
        assert_eq!(e.path.as_deref(), Some("/var/lib/rpm/Packages"));
        assert!(e.error.contains("not a Berkeley DB hash file"), "{e:?}");
        let (_d, t) = image_with("/usr/lib/sysimage/rpm/rpmdb.sqlite", b"SQLite format 3\0 and then nothing");
        let e = gather(&t).unwrap_err();
        assert_eq!(e.path.as_deref(), Some("/usr/lib/sysimage/rpm/rpmdb.sqlite"));
        let (_d, t) = image_with("/usr/lib/sysimage/rpm/Packages.db", b"\0");
        assert!(gather(&t).unwrap_err().error.contains("too short for an ndb file"));
    }

    #[test]
    fn a_giant_or_special_database_file_is_refused_unread() {
        let (d, t) = image_with("/var/lib/rpm/rpmdb.sqlite", b"");
        let giant =
            std::fs::OpenOptions::new().write(true).open(d.path().join("var/lib/rpm/rpmdb.sqlite")).unwrap();
        giant.set_len(DB_LIMIT + 1).unwrap(); // sparse: no disk used
        let e = gather(&t).unwrap_err();
        assert_eq!(e.path.as_deref(), Some("/var/lib/rpm/rpmdb.sqlite"));
        assert!(e.error.contains("limit"), "{e:?}");
        let (d, t) = image_with("/var/lib/rpm/x", b"");
        std::fs::create_dir(d.path().join("var/lib/rpm/Packages")).unwrap();
        assert!(gather(&t).unwrap_err().error.contains("not a regular file"));
    }

    #[test]
    fn a_header_that_does_not_decode_is_an_error() {
        // A real database whose every header has its tag NAME renamed: no NAME.
        let path = format!("{}/tests/fixtures/amzn-2/var/lib/rpm/Packages", env!("CARGO_MANIFEST_DIR"));
        let mut file = std::fs::read(path).unwrap();
        let needle = [0, 0, 0x03, 0xe8, 0, 0, 0, 6]; // tag 1000, type STRING
        let mut i = 0;
        while i + needle.len() <= file.len() {
            if file[i..i + needle.len()] == needle {
                file[i + 3] = 0xff; // tag 1023, PREIN: not read
            }
            i += 1;
        }
        let (_d, t) = image_with("/var/lib/rpm/Packages", &file);
        let e = gather(&t).unwrap_err();
        assert!(e.error.contains("package header") && e.error.contains("no NAME"), "{e:?}");
    }

    #[test]
    fn the_newest_install_of_a_name_wins() {
        let blob = |release: &[u8], time: u32| {
            header::build(&[
                (1000, 6, 1, b"kernel\0"),
                (1001, 6, 1, b"3.10.0\0"),
                (1002, 6, 1, release),
                (1008, 4, 1, &time.to_be_bytes()),
            ])
        };
        let db = build("/x", &[blob(b"1160.el7\0", 20), blob(b"957.el7\0", 10)]).unwrap();
        assert_eq!((db.count, db.packages.len()), (2, 1));
        assert_eq!(version(&db, "kernel"), "3.10.0-1160.el7");
    }
}
