//! A real Debian 12 root made by debootstrap (with the real cloud-init package), checked from
//! outside with --root.

mod common;
use common::{bootready, check_json, debian_root, status_of};

#[test]
fn debootstrapped_debian_is_identified_with_its_packages() {
    let root = debian_root();
    let (code, report) = check_json(&["--root", root.to_str().unwrap(), "--cloud", "aws"]);
    let os = &report["facts"]["os"];
    assert_eq!((os["id"].as_str(), os["major"].as_u64()), (Some("debian"), Some(12)), "{report}");
    assert_eq!(status_of(&report, "os"), "pass");
    assert_eq!(status_of(&report, "matrix"), "warn", "Debian is not in the vendor's matrix");
    assert_ne!(code, 2);
    // No check reads the packages yet, so `check` does not gather them; `facts` shows all.
    let out = bootready().args(["facts", "--format", "json", "--root"]).arg(&root).output().unwrap();
    let facts: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let packages = &facts["packages"];
    assert_eq!(packages["manager"], "dpkg");
    assert!(packages["count"].as_u64().unwrap() > 100, "{packages}");
}
