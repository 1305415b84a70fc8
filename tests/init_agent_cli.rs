//! The init-agent check (and the OpenLogic matrix cell, and image-age) on fixture roots through
//! the CLI: CentOS 6 (SysV links), CentOS 7 (systemd), an OpenLogic Azure image (waagent), a
//! Google image (guest agent), and copies of them changed the ways images go wrong.

mod common;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{check_json, fixture, status_of};

/// The init-agent outcome for `root` on `cloud`, with the whole report.
fn init_agent(root: &Path, cloud: &str) -> (serde_json::Value, serde_json::Value) {
    let (code, report) = check_json(&[
        "--root",
        root.to_str().unwrap(),
        "--cloud",
        cloud,
        "--check",
        "init-agent",
        "--check",
        "matrix",
    ]);
    let outcome =
        report["checks"].as_array().unwrap().iter().find(|c| c["id"] == "init-agent").unwrap().clone();
    let blocking =
        report["checks"].as_array().unwrap().iter().any(|c| c["status"] == "fail" || c["status"] == "error");
    assert_eq!(code, if blocking { 1 } else { 0 }, "{report}");
    (outcome, report)
}

/// A writable copy of a fixture root (cp -a keeps its symlinks).
fn copy(name: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join(name);
    assert!(Command::new("cp").arg("-a").arg(fixture(name)).arg(&root).status().unwrap().success());
    (tmp, root)
}

#[test]
fn centos_6_sysv_links() {
    let (o, report) = init_agent(&fixture("centos-6.10"), "aws");
    assert_eq!(o["status"], "pass", "{o}");
    assert!(
        o["evidence"].to_string().contains("/etc/rc.d/rc3.d/S99cloud-final -> ../init.d/cloud-final"),
        "{o}"
    );
    assert_eq!(report["facts"]["init"]["cloud_init"]["init_system"], "sysv");

    let (_tmp, root) = copy("centos-6.10");
    let rc3 = root.join("etc/rc.d/rc3.d");
    std::fs::remove_file(rc3.join("S99cloud-final")).unwrap();
    std::os::unix::fs::symlink("../init.d/cloud-final", rc3.join("K01cloud-final")).unwrap();
    let (o, _) = init_agent(&root, "aws");
    assert_eq!(o["status"], "fail", "{o}");
    assert!(o["summary"].as_str().unwrap().contains("cloud-final does not start at boot"), "{o}");
    assert_eq!(o["remediation"], "chkconfig cloud-final on");
}

#[test]
fn centos_7_systemd_units_and_kernel_command_line() {
    let (o, report) = init_agent(&fixture("centos-7.9"), "aws");
    assert_eq!(o["status"], "pass", "{o}");
    let ci = &report["facts"]["init"]["cloud_init"];
    assert_eq!(
        (ci["installed"].as_bool(), ci["init_system"].as_str()),
        (Some(true), Some("systemd")),
        "{ci}"
    );
    assert_eq!(ci["units"].as_array().unwrap().len(), 4);

    let (_tmp, root) = copy("centos-7.9");
    let grub = root.join("etc/default/grub");
    let text = std::fs::read_to_string(&grub)
        .unwrap()
        .replace("console=ttyS0\"", "console=ttyS0 cloud-init=disabled\"");
    std::fs::write(&grub, text).unwrap();
    let (o, _) = init_agent(&root, "aws");
    assert_eq!(o["status"], "fail", "{o}");
    assert!(o["summary"].as_str().unwrap().contains("switched off by /etc/default/grub:7:"), "{o}");
    assert!(o["remediation"].as_str().unwrap().contains("grub2-mkconfig -o /boot/grub2/grub.cfg"), "{o}");

    let (_tmp, root) = copy("centos-7.9");
    let mask = root.join("etc/systemd/system/cloud-final.service");
    std::os::unix::fs::symlink("/dev/null", &mask).unwrap();
    let (o, _) = init_agent(&root, "aws");
    assert_eq!(o["status"], "fail", "{o}");
    assert!(o["evidence"].to_string().contains("cloud-final masked"), "{o}");
    assert_eq!(
        o["remediation"],
        "systemctl unmask cloud-final.service && systemctl enable cloud-final.service"
    );

    // A drop-in limiting the datasources to ones that are not the target cloud's.
    let (_tmp, root) = copy("centos-7.9");
    std::fs::write(root.join("etc/cloud/cloud.cfg.d/90-ds.cfg"), "datasource_list: [ NoCloud, None ]\n")
        .unwrap();
    let (o, _) = init_agent(&root, "azure");
    assert_eq!(o["status"], "fail", "{o}");
    assert!(o["summary"].as_str().unwrap().contains("does not include Azure"), "{o}");
}

#[test]
fn hostile_yaml_is_an_error_for_this_check_only() {
    let (_tmp, root) = copy("centos-7.9");
    let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let p = i - 1;
        bomb.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    bomb.push_str("cloud_final_modules: *a11\n");
    std::fs::write(root.join("etc/cloud/cloud.cfg.d/50-bomb.cfg"), &bomb).unwrap();
    let started = std::time::Instant::now();
    let (code, report) = check_json(&["--root", root.to_str().unwrap(), "--cloud", "aws"]);
    assert!(started.elapsed().as_secs() < 10, "the parser's budget must stop the bomb early");
    assert_eq!(code, 1);
    assert_eq!(status_of(&report, "init-agent"), "error", "{report}");
    assert_eq!(status_of(&report, "os"), "pass");
    assert_eq!(status_of(&report, "matrix"), "pass");
    let config = &report["facts"]["init"]["cloud_init"]["config"];
    assert_eq!(config["path"], "/etc/cloud/cloud.cfg.d/50-bomb.cfg", "{config}");

    // Larger than the 1 MiB cap on configuration files: not read at all.
    std::fs::write(root.join("etc/cloud/cloud.cfg.d/50-bomb.cfg"), "# padding\n".repeat(200_000)).unwrap();
    let (o, _) = init_agent(&root, "aws");
    assert_eq!(o["status"], "error", "{o}");
    assert!(o["summary"].as_str().unwrap().contains("larger than the 1048576-byte limit"), "{o}");

    let deep = format!("cloud_final_modules: {}{}\n", "[".repeat(5000), "]".repeat(5000));
    std::fs::write(root.join("etc/cloud/cloud.cfg.d/50-bomb.cfg"), deep).unwrap();
    let (o, _) = init_agent(&root, "aws");
    assert_eq!(o["status"], "error", "{o}");
    assert!(o["summary"].as_str().unwrap().contains("50-bomb.cfg"), "{o}");
}

#[test]
fn openlogic_azure_image_and_waagent_custom_data() {
    let image = fixture("azure-openlogic-centos-7.9");
    let (o, report) = init_agent(&image, "azure");
    assert_eq!(status_of(&report, "matrix"), "pass", "OpenLogic.repo proves the publisher: {report}");
    assert_eq!(report["facts"]["init"]["azure"]["openlogic"], true);
    assert_eq!(o["status"], "fail", "{o}");
    assert!(
        o["remediation"]
            .as_str()
            .unwrap()
            .starts_with("set Provisioning.ExecuteCustomData=y in /etc/waagent.conf")
    );

    let (_tmp, root) = copy("azure-openlogic-centos-7.9");
    let conf = root.join("etc/waagent.conf");
    let text = std::fs::read_to_string(&conf).unwrap().replace("ExecuteCustomData=n", "ExecuteCustomData=y");
    std::fs::write(&conf, text).unwrap();
    let (o, _) = init_agent(&root, "azure");
    assert_eq!(
        (o["status"].as_str(), o["summary"].as_str()),
        (Some("pass"), Some("waagent will run the bootstrap script"))
    );
    // waagent runs custom data on Azure only.
    let (o, _) = init_agent(&root, "aws");
    assert_eq!(o["status"], "fail", "{o}");

    // Without OpenLogic's repo files the publisher is unknown: the cell stays a warning.
    std::fs::remove_file(root.join("etc/yum.repos.d/OpenLogic.repo")).unwrap();
    std::fs::remove_file(root.join("etc/yum.repos.d/CentOS-Base.repo")).unwrap();
    let (_, report) = init_agent(&root, "azure");
    assert_eq!(status_of(&report, "matrix"), "warn", "{report}");
}

#[test]
fn google_guest_environment_runs_startup_scripts() {
    let image = fixture("google-centos-7.9");
    let (o, report) = init_agent(&image, "google");
    assert_eq!(o["status"], "pass", "{o}");
    assert!(o["evidence"].to_string().contains("google-startup-scripts.service enabled"), "{o}");
    assert_eq!(report["facts"]["init"]["google_guest"]["installed"], true);
    let (o, _) = init_agent(&image, "aws");
    assert_eq!(o["status"], "fail", "no cloud-init, and the guest agent does not run on AWS: {o}");
}

#[test]
fn image_age_on_alibaba_uses_the_release_line() {
    let (_tmp, root) = copy("centos-7.9");
    std::fs::write(root.join("etc/centos-release"), "CentOS Linux release 7.2.1511 (Core) \n").unwrap();
    // Without the RPM database (whose install times would date the image), the release line decides.
    std::fs::remove_dir_all(root.join("var/lib/rpm")).unwrap();
    let (code, report) =
        check_json(&["--root", root.to_str().unwrap(), "--cloud", "alibaba", "--check", "image-age"]);
    assert_eq!((code, status_of(&report, "image-age")), (0, "warn"), "{report}");
    assert!(report["checks"][0]["evidence"][0].as_str().unwrap().contains("CentOS Linux release 7.2.1511"));
    let (_, report) = check_json(&[
        "--root",
        fixture("centos-7.9").to_str().unwrap(),
        "--cloud",
        "alibaba",
        "--check",
        "image-age",
    ]);
    assert_eq!(status_of(&report, "image-age"), "pass", "{report}");
    let (_, report) = check_json(&[
        "--root",
        fixture("centos-7.9").to_str().unwrap(),
        "--cloud",
        "aws",
        "--check",
        "image-age",
    ]);
    assert_eq!(status_of(&report, "image-age"), "skip");
}
