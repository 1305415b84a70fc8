//! Offline Windows images (`--root` at a mounted Windows volume): the OS from the SOFTWARE hive,
//! cloudbase-init from the SYSTEM hive and the Program Files tree. The fixture trees hold the real
//! cloudbase-init file layout; the hives are written here in the real regf format (see
//! tests/fixtures/WINDOWS.md for why they are not committed).

mod common;
use common::regf_writer::HiveBuilder;
use common::{check_json, fixture, status_of};

use std::path::{Path, PathBuf};

const IMAGE_PATH: &str = "\"C:\\Program Files\\Cloudbase Solutions\\Cloudbase-Init\\bin\\OpenStackService.exe\" \
    cloudbase-init \"C:\\Program Files\\Cloudbase Solutions\\Cloudbase-Init\\Python\\Python.exe\" \
    -c \"from cloudbaseinit import shell;shell.main()\" \
    --config-file \"C:\\Program Files\\Cloudbase Solutions\\Cloudbase-Init\\conf\\cloudbase-init.conf\"";

/// The CurrentVersion values of a release: (ProductName, CurrentVersion, CurrentBuild, major).
type Release = (&'static str, &'static str, &'static str, Option<u32>);
const W2008R2: Release = ("Windows Server 2008 R2 Datacenter", "6.1", "7601", None);
const W2012R2: Release = ("Windows Server 2012 R2 Standard", "6.3", "9600", None);
const W2016: Release = ("Windows Server 2016 Datacenter", "6.3", "14393", Some(10));
const W2019: Release = ("Windows Server 2019 Datacenter", "6.3", "17763", Some(10));

fn software((product, version, build, major): Release) -> Vec<u8> {
    let cv = "Microsoft\\Windows NT\\CurrentVersion";
    let mut b = HiveBuilder::new();
    b.string(cv, "ProductName", product)
        .string(cv, "CurrentVersion", version)
        .string(cv, "CurrentBuild", build)
        .string(cv, "CurrentBuildNumber", build)
        .string(cv, "InstallationType", "Server")
        .string(cv, "EditionID", "ServerDatacenter")
        .binary(cv, "DigitalProductId", &[0x42; 164]);
    if let Some(m) = major {
        b.dword(cv, "CurrentMajorVersionNumber", m).dword(cv, "CurrentMinorVersionNumber", 0);
    }
    b.key("Cloudbase Solutions\\Cloudbase-Init");
    b.build()
}

/// SYSTEM with `Select\Current` = 1 and the service in ControlSet001; ControlSet002 (the
/// last-known-good copy) has the opposite start type, to prove the right one is read.
fn system(start: Option<u32>) -> Vec<u8> {
    let mut b = HiveBuilder::new();
    b.dword("Select", "Current", 1).dword("Select", "Default", 1).dword("Select", "LastKnownGood", 2);
    b.key("ControlSet001\\Services\\Tcpip");
    b.key("ControlSet002\\Services\\Tcpip");
    if let Some(start) = start {
        let svc = "ControlSet001\\Services\\cloudbase-init";
        b.dword(svc, "Start", start)
            .dword(svc, "Type", 16)
            .string(svc, "DisplayName", "Cloudbase-Init")
            .expand_string(svc, "ImagePath", IMAGE_PATH)
            .string(svc, "ObjectName", "cloudbase-init");
        let old = "ControlSet002\\Services\\cloudbase-init";
        b.dword(old, "Start", if start == 4 { 2 } else { 4 });
    }
    b.build()
}

/// A copy of a fixture tree with hives written into `config_dir` (spelled as given).
fn image(name: &str, config_dir: &str, software: Vec<u8>, system: Vec<u8>) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join(name);
    copy_tree(&fixture(name), &root);
    let dir = root.join(config_dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("SOFTWARE"), software).unwrap();
    std::fs::write(dir.join("SYSTEM"), system).unwrap();
    (tmp, root)
}

/// A SAM hive with the built-in Administrator (RID 500, enabled or not) and Guest (disabled), laid
/// out as Windows keeps them: `Users\Names\<name>` (default value's type = RID), `Users\<RID>\F`.
fn sam(administrator_enabled: bool) -> Vec<u8> {
    let users = "SAM\\Domains\\Account\\Users";
    let mut b = HiveBuilder::new();
    for (name, rid, enabled) in [("Administrator", 500u32, administrator_enabled), ("Guest", 501, false)] {
        b.raw(&format!("{users}\\Names\\{name}"), "", rid, &[]);
        let mut f = vec![0u8; 0x50];
        f[0] = 2;
        f[0x30..0x34].copy_from_slice(&rid.to_le_bytes());
        // ACB: 0x0010 normal account, 0x0200 password does not expire, 0x0001 disabled.
        let acb: u16 = 0x0210 | if enabled { 0 } else { 0x0001 };
        f[0x38..0x3a].copy_from_slice(&acb.to_le_bytes());
        b.binary(&format!("{users}\\{rid:08X}"), "F", &f);
        b.binary(&format!("{users}\\{rid:08X}"), "V", &[0u8; 0xcc]);
    }
    b.build()
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

fn check(root: &Path, cloud: &str) -> (i32, serde_json::Value) {
    check_json(&[
        "--root",
        root.to_str().unwrap(),
        "--cloud",
        cloud,
        "--check",
        "os",
        "--check",
        "matrix",
        "--check",
        "init-agent",
    ])
}

fn outcome<'a>(report: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    report["checks"].as_array().unwrap().iter().find(|c| c["id"] == id).unwrap()
}

fn evidence(report: &serde_json::Value, id: &str) -> String {
    outcome(report, id)["evidence"].to_string()
}

#[test]
fn windows_2016_default_cloudbase_init_passes_on_aws() {
    let (_t, root) = image("windows-2016", "Windows/System32/config", software(W2016), system(Some(2)));
    let (code, report) = check(&root, "aws");
    assert_eq!(status_of(&report, "os"), "pass", "{report}");
    assert_eq!(status_of(&report, "matrix"), "pass", "{report}");
    assert!(evidence(&report, "matrix").contains("windows-2016 x aws = yes"), "{report}");
    assert_eq!(status_of(&report, "init-agent"), "pass", "{report}");
    let ev = evidence(&report, "init-agent");
    assert!(ev.contains("ControlSet001\\\\Services\\\\cloudbase-init): Start = 2"), "{ev}");
    assert!(ev.contains("default list, which includes the user-data plugin"), "{ev}");
    assert!(ev.contains("cloudbase-init-unattend.conf: sysprep pass only"), "{ev}");
    assert_eq!(code, 0);
    let facts = &report["facts"]["windows"];
    assert_eq!(facts["current_build"], 14393, "{facts}");
    assert_eq!(facts["current_major_version"], 10);
    assert_eq!(facts["control_set"], "ControlSet001");
    assert!(facts["accounts"].is_null());
}

#[test]
fn windows_2016_on_google_warns_that_accounts_are_unknown_offline() {
    let (_t, root) = image("windows-2016", "Windows/System32/config", software(W2016), system(Some(2)));
    let (_, report) = check(&root, "google");
    assert_eq!(status_of(&report, "matrix"), "fail");
    assert_eq!(status_of(&report, "init-agent"), "warn", "{report}");
    assert!(outcome(&report, "init-agent")["summary"].as_str().unwrap().contains("administrator"));
}

#[test]
fn windows_2012r2_explicit_plugins_without_user_data_fails() {
    // Lower-case hive directory, as a case-insensitive NTFS volume may show it on Linux.
    let (_t, root) = image("windows-2012r2", "windows/system32/CONFIG", software(W2012R2), system(Some(2)));
    let (code, report) = check(&root, "aws");
    assert!(evidence(&report, "matrix").contains("windows-2012 x aws = yes"), "{report}");
    assert_eq!(report["facts"]["os"]["version_id"], "2012r2");
    assert_eq!(status_of(&report, "init-agent"), "fail", "{report}");
    let o = outcome(&report, "init-agent");
    assert!(o["summary"].as_str().unwrap().contains("user-data plugin"), "{o}");
    assert!(
        evidence(&report, "init-agent").contains("cloudbase-init.conf:21: plugins = explicit list WITHOUT"),
        "{o}"
    );
    assert_eq!(code, 1);
}

#[test]
fn windows_2008r2_disabled_service_fails() {
    let (_t, root) = image("windows-2008r2", "Windows/System32/config", software(W2008R2), system(Some(4)));
    let (code, report) = check(&root, "aws");
    assert!(evidence(&report, "matrix").contains("windows-2008 x aws = yes"), "{report}");
    assert_eq!(status_of(&report, "init-agent"), "fail", "{report}");
    assert!(outcome(&report, "init-agent")["summary"].as_str().unwrap().contains("disabled"));
    assert!(outcome(&report, "init-agent")["remediation"].as_str().unwrap().contains("start= auto"));
    assert_eq!(code, 1);
}

#[test]
fn manual_start_warns_and_no_service_fails() {
    let (_t, root) = image("windows-2016", "Windows/System32/config", software(W2016), system(Some(3)));
    assert_eq!(status_of(&check(&root, "aws").1, "init-agent"), "warn");
    let (_t, root) = image("windows-2016", "Windows/System32/config", software(W2016), system(None));
    let (_, report) = check(&root, "aws");
    assert_eq!(status_of(&report, "init-agent"), "fail");
    assert!(
        outcome(&report, "init-agent")["summary"].as_str().unwrap().contains("no cloudbase-init service")
    );
}

#[test]
fn windows_2019_is_not_listed() {
    let (_t, root) = image("windows-2016", "Windows/System32/config", software(W2019), system(Some(2)));
    let (_, report) = check(&root, "aws");
    assert_eq!(report["facts"]["os"]["version_id"], "2019");
    assert_eq!(status_of(&report, "matrix"), "warn", "{report}");
}

#[test]
fn corrupt_hive_is_an_error_not_a_crash() {
    let mut bad = system(Some(2));
    let len = bad.len();
    bad.truncate(len / 2);
    let (_t, root) = image("windows-2016", "Windows/System32/config", software(W2016), bad);
    let (code, report) = check(&root, "aws");
    assert_eq!(status_of(&report, "init-agent"), "error", "{report}");
    assert!(evidence(&report, "init-agent").contains("SYSTEM"), "{report}");
    assert_eq!(code, 1);
    // A SOFTWARE hive that is not a hive at all: the os check errors, naming the file.
    let (_t, root) = image("windows-2016", "Windows/System32/config", b"garbage".to_vec(), system(Some(2)));
    let (_, report) = check(&root, "aws");
    assert_eq!(status_of(&report, "os"), "error", "{report}");
    assert!(evidence(&report, "os").contains("SOFTWARE"), "{report}");
}

#[test]
fn google_administrator_from_the_offline_sam() {
    let conf = "Program Files/Cloudbase Solutions/Cloudbase-Init/conf/cloudbase-init.conf";
    let gce = "metadata_services=cloudbaseinit.metadata.services.gceservice.GCEService\r\n";
    for (enabled, want) in [(true, "pass"), (false, "warn")] {
        let (_t, root) = image("windows-2016", "Windows/System32/config", software(W2016), system(Some(2)));
        std::fs::write(root.join("Windows/System32/config/SAM"), sam(enabled)).unwrap();
        let mut text = std::fs::read_to_string(root.join(conf)).unwrap();
        text.push_str(gce);
        std::fs::write(root.join(conf), text).unwrap();
        let (_, report) = check(&root, "google");
        assert_eq!(status_of(&report, "init-agent"), want, "{report}");
        let accounts = &report["facts"]["windows"]["accounts"];
        assert_eq!(accounts[0]["name"], "Administrator", "{accounts}");
        assert_eq!(accounts[0]["enabled"], enabled);
        assert_eq!(accounts[1]["name"], "Guest");
        assert_eq!(accounts[1]["enabled"], false);
        if !enabled {
            let summary = outcome(&report, "init-agent")["summary"].as_str().unwrap();
            assert!(summary.contains("built-in Administrator is disabled"), "{summary}");
        }
    }
}
