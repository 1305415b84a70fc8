//! The Windows exe (dist/bootready.exe, from packaging/build-windows) must start on Windows
//! Server 2008 R2: every DLL function it imports must be in packaging/windows/win2008r2-imports.txt
//! (functions Server 2008 R2 has, each with Microsoft's "Minimum supported server"), and its PE
//! header must not ask for a newer Windows than 6.1.
//!
//! Skipped (with a message) when the exe or mingw's objdump is missing, unless
//! BOOTREADY_REQUIRE_WINDOWS=1 (set by .ci/run, which builds the exe first).

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

const OBJDUMP: &str = "x86_64-w64-mingw32-objdump";

fn objdump_p() -> Option<String> {
    let exe = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("dist/bootready.exe");
    let out = Command::new(OBJDUMP).arg("-p").arg(&exe).output();
    match out {
        Ok(o) if o.status.success() && exe.is_file() => Some(String::from_utf8_lossy(&o.stdout).into_owned()),
        other => {
            let why = format!(
                "{} present: {}, {OBJDUMP}: {:?}",
                exe.display(),
                exe.is_file(),
                other.map(|o| o.status)
            );
            let required = std::env::var("BOOTREADY_REQUIRE_WINDOWS").is_ok_and(|v| v == "1");
            assert!(!required, "BOOTREADY_REQUIRE_WINDOWS=1 but {why} (run packaging/build-windows)");
            eprintln!("skipping the import-table test: {why}");
            None
        }
    }
}

/// `DLL!function` pairs (DLL lower-cased) from `objdump -p`'s import tables.
pub fn imports(objdump: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut dll: Option<String> = None;
    for line in objdump.lines() {
        let t = line.trim();
        if let Some(name) = t.strip_prefix("DLL Name:") {
            dll = Some(name.trim().to_ascii_lowercase());
            continue;
        }
        if t.is_empty() || t.starts_with("The Export Tables") {
            if t.starts_with("The Export Tables") {
                dll = None;
            }
            continue;
        }
        let Some(d) = &dll else { continue };
        // "<vma>  <hint>  <name>" rows; ordinal imports show as "<vma>  <ordinal>" only.
        let cols: Vec<&str> = t.split_whitespace().collect();
        if cols.len() == 3 && u64::from_str_radix(cols[0], 16).is_ok() && cols[1].parse::<u32>().is_ok() {
            out.insert(format!("{d}!{}", cols[2]));
        }
    }
    out
}

/// The allow list: `dll!function` (lower-cased DLL) with its minimum server release.
fn allowed() -> Vec<(String, String)> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("packaging/windows/win2008r2-imports.txt");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.split_whitespace().collect();
        assert!(
            cols.len() >= 3,
            "{}: malformed line '{line}' (want DLL!function MIN-SERVER HEADER)",
            path.display()
        );
        let (dll, func) = cols[0].split_once('!').expect("DLL!function");
        out.push((format!("{}!{func}", dll.to_ascii_lowercase()), cols[1].to_string()));
    }
    out
}

/// Releases that are Server 2008 R2 or older, as written in the list's second column.
const OLD_ENOUGH: [&str; 5] = ["2000", "2003", "2008", "2008R2", "builtin"];

#[test]
fn the_allow_list_only_holds_functions_server_2008r2_has() {
    for (entry, min) in allowed() {
        assert!(OLD_ENOUGH.contains(&min.as_str()), "{entry}: minimum server {min} is newer than 2008 R2");
    }
}

#[test]
fn the_import_parser_reads_objdump_tables() {
    let sample = "\tDLL Name: KERNEL32.dll\n\tvma:            Hint/Ord Member-Name Bound-To\n\
                  \t13c3d8\t  134  CloseHandle\n\t13c3e6\t  228  CreateFileW\n\n\
                  \t0013c014\t0013c0d0 00000000 00000000 0013c3f8 0013c0a0\n\
                  \tDLL Name: bcryptprimitives.dll\n\tvma:  Hint/Ord Member-Name\n\t13c400\t    0  ProcessPrng\n";
    let got = imports(sample);
    assert!(got.contains("kernel32.dll!CloseHandle"));
    assert!(got.contains("bcryptprimitives.dll!ProcessPrng"));
    assert_eq!(got.len(), 3);
}

#[test]
fn exe_imports_nothing_server_2008r2_lacks() {
    let Some(dump) = objdump_p() else { return };
    let allowed: BTreeSet<String> = allowed().into_iter().map(|(e, _)| e).collect();
    let got = imports(&dump);
    assert!(got.len() > 20, "suspiciously few imports parsed: {got:?}");
    let missing: Vec<&String> = got.iter().filter(|i| !allowed.contains(*i)).collect();
    assert!(
        missing.is_empty(),
        "dist/bootready.exe imports functions not known to exist on Windows Server 2008 R2 \
         (add them to packaging/windows/win2008r2-imports.txt only with Microsoft's minimum server):\n{}",
        missing.iter().map(|s| format!("  {s}")).collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn exe_asks_for_no_newer_windows_than_6_1() {
    let Some(dump) = objdump_p() else { return };
    let field = |name: &str| -> u32 {
        dump.lines()
            .find_map(|l| l.trim().strip_prefix(name).map(|v| v.trim().parse::<u32>().unwrap_or(u32::MAX)))
            .unwrap_or_else(|| panic!("no {name} in objdump -p"))
    };
    for (major, minor) in
        [("MajorOSystemVersion", "MinorOSystemVersion"), ("MajorSubsystemVersion", "MinorSubsystemVersion")]
    {
        let v = (field(major), field(minor));
        assert!(v <= (6, 1), "{major}.{minor} = {}.{}: Server 2008 R2 is 6.1", v.0, v.1);
    }
    // No runtime DLLs from the build toolchain: only system DLLs.
    for dll in dump.lines().filter_map(|l| l.trim().strip_prefix("DLL Name:")) {
        let dll = dll.trim().to_ascii_lowercase();
        assert!(
            !dll.starts_with("libgcc")
                && !dll.starts_with("libwinpthread")
                && !dll.starts_with("libssl")
                && !dll.starts_with("libcrypto")
                && !dll.starts_with("libstdc++"),
            "{dll}: a toolchain DLL Windows does not ship"
        );
    }
}
