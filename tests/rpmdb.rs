//! The RPM database reader on real databases: the committed fixtures (written by the real rpm
//! tool and libdb, see tests/system/make-rpmdb.sh), cross-checked against `rpm -qa` itself, and
//! the generator re-run to prove the fixtures are what it makes.

mod common;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use bootready::facts::packages::{self, PackageDb};
use bootready::target::Target;
use common::{bootready, fixture};

/// Every image whose RPM database the generator makes: (image, database file, package count).
const IMAGES: &[(&str, &str, u64)] = &[
    ("centos-6.10", "/var/lib/rpm/Packages", 9),
    ("centos-7.9", "/var/lib/rpm/Packages", 11),
    ("rhel-6.10", "/var/lib/rpm/Packages", 9),
    ("rhel-7.9", "/var/lib/rpm/Packages", 11),
    ("amzn-2", "/var/lib/rpm/Packages", 5),
    ("rhel-9.3", "/var/lib/rpm/rpmdb.sqlite", 7),
    ("rocky-9.3", "/var/lib/rpm/rpmdb.sqlite", 7),
    ("rhel-9.3-pending-wal", "/var/lib/rpm/rpmdb.sqlite", 8),
];
/// The ndb database, cut from a real SLES one (tests/system/trim-ndb.py): Debian's rpm cannot
/// write or read ndb, so it is neither regenerated nor cross-checked with `rpm -qa`.
const NDB_IMAGE: (&str, &str, u64) = ("sles-15.3", "/usr/lib/sysimage/rpm/Packages.db", 6);

fn gather(root: &Path) -> PackageDb {
    let target = Target::image(root).unwrap();
    packages::gather(&target).unwrap().unwrap_or_else(|| panic!("no package database in {}", root.display()))
}

#[test]
fn facts_json_names_the_rpm_database_and_its_count() {
    for (image, path, count) in IMAGES.iter().chain([&NDB_IMAGE]) {
        let out =
            bootready().args(["facts", "--format", "json", "--root"]).arg(fixture(image)).output().unwrap();
        assert!(out.status.success(), "{image}: {}", String::from_utf8_lossy(&out.stderr));
        let facts: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let p = &facts["packages"];
        assert_eq!(p["manager"], "rpm", "{image}: {p}");
        assert_eq!(p["path"], *path, "{image}");
        assert_eq!(p["count"], *count, "{image}");
    }
}

#[test]
fn python_versions_are_read_from_the_rpm_database() {
    let version = |image: &str, name: &str| gather(&fixture(image)).get(name).map(|p| p.version.clone());
    assert_eq!(version("centos-6.10", "python").as_deref(), Some("2.6.6-68.el6_10"));
    assert_eq!(version("centos-7.9", "python").as_deref(), Some("2.7.5-90.el7"));
    assert_eq!(version("amzn-2", "python").as_deref(), Some("2.7.18-1.amzn2.0.8"));
    assert_eq!(version("rhel-9.3", "python3").as_deref(), Some("3.9.18-1.el9_3"));
    assert_eq!(version("rhel-9.3", "python"), None);
    assert_eq!(version("centos-7.9", "openssl-devel").as_deref(), Some("1:1.0.2k-25.el7_9"));
    assert_eq!(version("centos-6.10", "openssl-devel"), None);
}

#[test]
fn a_corrupt_database_is_a_facts_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("var/lib/rpm");
    std::fs::create_dir_all(&db).unwrap();
    let real = std::fs::read(fixture("centos-7.9").join("var/lib/rpm/Packages")).unwrap();
    std::fs::write(db.join("Packages"), &real[..real.len() - 4096]).unwrap();
    let out = bootready().args(["facts", "--format", "json", "--root"]).arg(dir.path()).output().unwrap();
    let facts: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(facts["packages"]["path"], "/var/lib/rpm/Packages", "{facts}");
    assert!(facts["packages"]["error"].as_str().unwrap().contains("truncated"), "{facts}");
}

/// `NAME VERSION ARCH INSTALLTIME` lines, as our reader sees the database.
fn our_listing(root: &Path) -> Vec<String> {
    let mut lines: Vec<String> = gather(root)
        .packages
        .values()
        .map(|p| format!("{} {} {} {}", p.name, p.version, p.arch, p.install_time.unwrap_or(0)))
        .collect();
    lines.sort();
    lines
}

#[test]
fn every_fixture_reads_as_rpm_itself_reads_it() {
    let rpm_ok = Command::new("rpm").arg("--version").output().is_ok_and(|o| o.status.success());
    assert!(rpm_ok, "this test needs the rpm tool (apt-get install rpm): see .ci/run");
    for (image, path, _) in IMAGES {
        // rpm may create lock and -shm files beside the database: query a copy.
        let copy = tempfile::tempdir().unwrap();
        let src = fixture(image).join("var/lib/rpm");
        std::fs::create_dir_all(copy.path().join("var/lib/rpm")).unwrap();
        for entry in std::fs::read_dir(&src).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), copy.path().join("var/lib/rpm").join(entry.file_name())).unwrap();
        }
        let backend = if path.ends_with("Packages") { "bdb_ro" } else { "sqlite" };
        let out = Command::new("rpm")
            .arg("--root")
            .arg(copy.path())
            .args(["--dbpath", "/var/lib/rpm", "--define", &format!("_db_backend {backend}"), "-qa"])
            .args(["--qf", "%{NAME} %|EPOCH?{%{EPOCH}:}:{}|%{VERSION}-%{RELEASE} %{ARCH} %{INSTALLTIME}\\n"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{image}: {}", String::from_utf8_lossy(&out.stderr));
        let mut theirs: Vec<String> =
            String::from_utf8_lossy(&out.stdout).lines().map(str::to_string).collect();
        theirs.sort();
        assert_eq!(our_listing(&fixture(image)), theirs, "{image}");
    }
}

#[test]
fn the_generator_makes_what_is_committed() {
    let out_dir = tempfile::tempdir().unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/system/make-rpmdb.sh");
    let out = Command::new("bash").arg(&script).arg(out_dir.path()).output().unwrap();
    assert!(
        out.status.success(),
        "make-rpmdb.sh failed (it needs rpm, sqlite3 and python3-bsddb3: see .ci/run): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Everything but the install times (the time of generation) is the same.
    let without_times = |root: &Path| -> BTreeMap<String, (String, String)> {
        gather(root).packages.into_values().map(|p| (p.name, (p.version, p.arch))).collect()
    };
    for (image, _, count) in IMAGES {
        let made = without_times(&out_dir.path().join(image));
        assert_eq!(made.len() as u64, *count, "{image}");
        assert_eq!(made, without_times(&fixture(image)), "{image}");
    }
}
