//! The cross-built `dist/bootready.exe` (packaging/build-windows) run live under Wine, in a Wine
//! prefix given the registry values of Windows Server 2016 and 2012 R2, a cloudbase-init service
//! entry and the config tree of tests/fixtures/windows-*/.
//!
//! Skipped (with a message) when the exe or Wine is missing, unless BOOTREADY_REQUIRE_WINDOWS=1
//! (set by .ci/run, which builds the exe first): then their absence fails the test.

mod common;
use common::fixture;

use std::path::{Path, PathBuf};
use std::process::Command;

fn required() -> bool {
    std::env::var("BOOTREADY_REQUIRE_WINDOWS").is_ok_and(|v| v == "1")
}

/// dist/bootready.exe and a `wine` on PATH, or `None` (skip) when they are missing.
fn setup() -> Option<PathBuf> {
    let exe = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("dist/bootready.exe");
    let wine = Command::new("wine").arg("--version").output().is_ok_and(|o| o.status.success());
    if exe.is_file() && wine {
        return Some(exe);
    }
    let why = format!("dist/bootready.exe present: {}, wine present: {wine}", exe.is_file());
    assert!(!required(), "BOOTREADY_REQUIRE_WINDOWS=1 but {why} (run packaging/build-windows)");
    eprintln!("skipping the Wine tests: {why}");
    None
}

/// A private copy of the cached Wine prefix (tests/system/wine-prefix.sh): system32's DLLs are
/// hard-linked (Wine only reads them), everything else is copied.
fn prefix_copy(dest: &Path) {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/system/wine-prefix.sh");
    let out = Command::new("bash").arg(&script).output().expect("runs wine-prefix.sh");
    assert!(
        out.status.success(),
        "building the Wine prefix failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let base = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let copy = r#"set -e
        cd "$1"; mkdir -p "$2/drive_c/windows"
        cp -a dosdevices system.reg user.reg userdef.reg .update-timestamp "$2/"
        for d in drive_c/*; do [ "$d" = drive_c/windows ] || cp -a "$d" "$2/drive_c/"; done
        for d in drive_c/windows/*; do
            if [ "$d" = drive_c/windows/system32 ]; then cp -al "$d" "$2/$d"; else cp -a "$d" "$2/$d"; fi
        done"#;
    let st = Command::new("bash").args(["-c", copy, "copy", &base]).arg(dest).status().expect("runs cp");
    assert!(st.success(), "copying the Wine prefix failed");
}

struct Prefix {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

impl Drop for Prefix {
    fn drop(&mut self) {
        // Stop this prefix's wineserver (only ours: it is scoped by WINEPREFIX).
        let _ = Command::new("wineserver").arg("-k").env("WINEPREFIX", &self.path).status();
    }
}

impl Prefix {
    fn wine(&self) -> Command {
        let mut c = Command::new("wine");
        c.env("WINEPREFIX", &self.path).env("WINEDEBUG", "-all").env("WINEDLLOVERRIDES", "mscoree,mshtml=");
        c
    }
}

/// A prefix with a release's CurrentVersion values, a cloudbase-init service with `start`, and
/// the config tree of fixture `image`.
fn windows(product: &str, version: &str, build: &str, major: Option<u32>, start: u32, image: &str) -> Prefix {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("prefix");
    prefix_copy(&path);
    let major = major.map(|m| format!("\"CurrentMajorVersionNumber\"=dword:{m:08x}\n")).unwrap_or_default();
    let reg = format!(
        "REGEDIT4\n\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion]\n\
         \"ProductName\"=\"{product}\"\n\"CurrentVersion\"=\"{version}\"\n\"CurrentBuild\"=\"{build}\"\n\
         \"CurrentBuildNumber\"=\"{build}\"\n\"InstallationType\"=\"Server\"\n{major}\n\
         [HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\cloudbase-init]\n\
         \"Start\"=dword:{start:08x}\n\"Type\"=dword:00000010\n\"DisplayName\"=\"Cloudbase-Init\"\n\
         \"ImagePath\"=\"\\\"C:\\\\Program Files\\\\Cloudbase Solutions\\\\Cloudbase-Init\\\\bin\\\\OpenStackService.exe\\\" \
         cloudbase-init --config-file \\\"C:\\\\Program Files\\\\Cloudbase Solutions\\\\Cloudbase-Init\\\\conf\\\\cloudbase-init.conf\\\"\"\n"
    );
    let reg_file = dir.path().join("windows.reg");
    std::fs::write(&reg_file, reg).unwrap();
    let prefix = Prefix { _dir: dir, path };
    let st = prefix.wine().arg("regedit").arg("/S").arg(&reg_file).status().expect("runs regedit");
    assert!(st.success(), "regedit import failed");
    let cb = "Program Files/Cloudbase Solutions";
    let st = Command::new("cp")
        .arg("-a")
        .arg(fixture(image).join(cb))
        .arg(prefix.path.join("drive_c").join(cb))
        .status()
        .unwrap();
    assert!(st.success());
    prefix
}

fn run(prefix: &Prefix, exe: &Path) -> (i32, serde_json::Value) {
    let out = prefix
        .wine()
        .arg(exe)
        .args(["check", "--cloud", "aws", "--format", "json", "--check", "os", "--check", "matrix"])
        .args(["--check", "init-agent"])
        .output()
        .expect("runs wine");
    let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap_or(-1), report)
}

fn check<'a>(report: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no {id}: {report}"))
}

#[test]
fn server_2016_with_default_cloudbase_init_under_wine() {
    let Some(exe) = setup() else { return };
    let prefix = windows("Windows Server 2016 Datacenter", "6.3", "14393", Some(10), 2, "windows-2016");
    let (code, report) = run(&prefix, &exe);
    assert_eq!(report["facts"]["target"]["mode"], "live", "{report}");
    // Wine 8's NetUserEnum rejects level 1 (ERROR_INVALID_LEVEL, 124): accounts are unknown there,
    // and the failure is reported rather than hidden.
    let note = report["facts"]["windows"]["accounts_note"].as_str().unwrap_or_default();
    assert!(note.starts_with("NetUserEnum"), "{report}");
    assert_eq!(report["facts"]["os"]["version_id"], "2016", "{report}");
    assert_eq!(check(&report, "matrix")["status"], "pass", "{report}");
    assert!(
        check(&report, "matrix")["evidence"].to_string().contains("windows-2016 x aws = yes"),
        "{report}"
    );
    assert_eq!(check(&report, "init-agent")["status"], "pass", "{report}");
    let ev = check(&report, "init-agent")["evidence"].to_string();
    assert!(ev.contains("CurrentControlSet\\\\Services\\\\cloudbase-init: Start = 2"), "{ev}");
    assert_eq!(code, 0, "{report}");
}

#[test]
fn server_2012r2_without_the_user_data_plugin_under_wine() {
    let Some(exe) = setup() else { return };
    let prefix = windows("Windows Server 2012 R2 Standard", "6.3", "9600", None, 2, "windows-2012r2");
    let (code, report) = run(&prefix, &exe);
    assert_eq!(report["facts"]["os"]["version_id"], "2012r2", "{report}");
    assert!(
        check(&report, "matrix")["evidence"].to_string().contains("windows-2012 x aws = yes"),
        "{report}"
    );
    assert_eq!(check(&report, "init-agent")["status"], "fail", "{report}");
    assert!(check(&report, "init-agent")["summary"].as_str().unwrap().contains("user-data plugin"));
    assert_eq!(code, 1);
}

#[test]
fn server_2008r2_with_the_service_disabled_under_wine() {
    let Some(exe) = setup() else { return };
    let prefix = windows("Windows Server 2008 R2 Datacenter", "6.1", "7601", None, 4, "windows-2008r2");
    let (_, report) = run(&prefix, &exe);
    assert_eq!(report["facts"]["os"]["version_id"], "2008r2", "{report}");
    assert!(
        check(&report, "matrix")["evidence"].to_string().contains("windows-2008 x aws = yes"),
        "{report}"
    );
    assert_eq!(check(&report, "init-agent")["status"], "fail", "{report}");
    assert!(check(&report, "init-agent")["summary"].as_str().unwrap().contains("disabled"));
}
