//! A real Debian 12 root made by debootstrap (with the real cloud-init package), checked from
//! outside with --root and, for init-agent, live inside it with chroot.

mod common;
use std::path::Path;
use std::process::Command;

use common::{check_json, debian_root, status_of};

#[test]
fn debootstrapped_debian_is_identified_with_its_packages() {
    let root = debian_root();
    let (code, report) = check_json(&["--root", root.to_str().unwrap(), "--cloud", "aws"]);
    let os = &report["facts"]["os"];
    assert_eq!((os["id"].as_str(), os["major"].as_u64()), (Some("debian"), Some(12)), "{report}");
    assert_eq!(status_of(&report, "os"), "pass");
    assert_eq!(status_of(&report, "matrix"), "warn", "Debian is not in the vendor's matrix");
    let packages = &report["facts"]["packages"];
    assert_eq!(packages["manager"], "dpkg");
    assert!(packages["count"].as_u64().unwrap() > 100, "{packages}");
    assert_ne!(code, 2);
}

/// Mounts proc at `<root>/proc` for a live run inside the root; unmounts when dropped, also when
/// the test panics.
struct ProcMount(std::path::PathBuf);

impl ProcMount {
    fn new(root: &Path) -> Option<ProcMount> {
        let dir = root.join("proc");
        let ok =
            Command::new("mount").args(["-t", "proc", "proc"]).arg(&dir).status().is_ok_and(|s| s.success());
        ok.then_some(ProcMount(dir))
    }
}

impl Drop for ProcMount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

/// The init-agent outcome and the target mode, from outside (`--root`) and live inside the
/// root (`chroot`), for one state of the root.
fn both_ways(root: &Path) -> [(serde_json::Value, serde_json::Value); 2] {
    let (_, outside) =
        check_json(&["--root", root.to_str().unwrap(), "--cloud", "aws", "--check", "init-agent"]);
    let out = Command::new("chroot")
        .arg(root)
        .args([
            "/usr/local/bin/bootready",
            "check",
            "--cloud",
            "aws",
            "--check",
            "init-agent",
            "--format",
            "json",
        ])
        .output()
        .expect("chroot runs");
    let inside: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("not JSON from the chroot ({e}): {}", String::from_utf8_lossy(&out.stderr))
    });
    let outcome = |r: &serde_json::Value| r["checks"][0].clone();
    [
        (outcome(&outside), outside["facts"]["target"]["mode"].clone()),
        (outcome(&inside), inside["facts"]["target"]["mode"].clone()),
    ]
}

/// One copy of the real root (cp -a, ~310 MB), changed step by step: as built, with
/// cloud-init.disabled, and with a drop-in that removes scripts-user. Each state is checked from
/// outside and live inside it (the built binary copied in; it links against glibc and libssl3,
/// which the bookworm root has), and both must agree.
#[test]
fn init_agent_agrees_outside_and_inside_the_real_root() {
    let cached = debian_root();
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    let cp = Command::new("cp").arg("-a").arg(&cached).arg(&root).status().unwrap();
    assert!(cp.success(), "copying the Debian root");
    std::fs::copy(assert_cmd::cargo::cargo_bin("bootready"), root.join("usr/local/bin/bootready")).unwrap();
    // Declared after `tmp`, so it is dropped (unmounted) before the copy is removed.
    // /proc lets the live run read /proc/cmdline; without it (no mount privilege) that one read
    // is skipped and the verdicts must still agree.
    let proc_mount = ProcMount::new(&root);
    if proc_mount.is_none() {
        eprintln!("note: could not mount proc in the copy; the live run goes without /proc/cmdline");
    }

    let [(outside, mode_out), (inside, mode_in)] = both_ways(&root);
    assert_eq!((mode_out.as_str(), mode_in.as_str()), (Some("image"), Some("live")));
    assert_eq!(outside, inside, "outside and inside disagree");
    assert_eq!(outside["status"], "pass", "{outside}");
    assert!(outside["evidence"].to_string().contains("package cloud-init 22.4"), "{outside}");

    std::fs::write(root.join("etc/cloud/cloud-init.disabled"), "").unwrap();
    let [(outside, _), (inside, _)] = both_ways(&root);
    assert_eq!(outside, inside, "outside and inside disagree");
    assert_eq!(outside["status"], "fail", "{outside}");
    assert!(
        outside["summary"].as_str().unwrap().contains("switched off by /etc/cloud/cloud-init.disabled"),
        "{outside}"
    );
    assert_eq!(outside["remediation"], "rm /etc/cloud/cloud-init.disabled");
    std::fs::remove_file(root.join("etc/cloud/cloud-init.disabled")).unwrap();

    let drop_in = root.join("etc/cloud/cloud.cfg.d/99-no-scripts.cfg");
    std::fs::write(&drop_in, "cloud_final_modules:\n - scripts-per-once\n - [final-message, always]\n")
        .unwrap();
    let [(outside, _), (inside, _)] = both_ways(&root);
    assert_eq!(outside, inside, "outside and inside disagree");
    assert_eq!(outside["status"], "fail", "{outside}");
    let summary = outside["summary"].as_str().unwrap();
    assert!(
        summary.contains("/etc/cloud/cloud.cfg.d/99-no-scripts.cfg replaces the list without it"),
        "{summary}"
    );
    assert!(
        outside["remediation"].as_str().unwrap().contains(
            "add `- scripts-user` to cloud_final_modules in /etc/cloud/cloud.cfg.d/99-no-scripts.cfg"
        ),
        "{outside}"
    );
}
