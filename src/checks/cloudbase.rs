//! The Windows side of check `init-agent`: cloudbase-init is installed, starts at boot, runs
//! user data (the user-data plugin), looks for the target cloud's metadata service, and on
//! Google there is an enabled local administrator (the vendor's Google nuance).

use super::{CheckOptions, Outcome, Status};
use crate::facts::Facts;
use crate::facts::cloudbase::USER_DATA_PLUGIN;
use crate::facts::os::Family;
use crate::facts::windows::WindowsFacts;
use crate::policy::Policy;

/// Check id (shared with the Linux init-agent check, which calls this one on Windows).
pub const ID: &str = "init-agent";
/// What it verifies.
pub const ABOUT: &str =
    "an init agent (cloud-init, cloudbase-init on Windows) will run the user-data bootstrap script";

const PREFIX: &str = "cloudbaseinit.metadata.services.";

/// cloudbase-init's metadata services for each cloud (by `--cloud` key). An empty list: the
/// cloud has no service of its own in cloudbase-init, so nothing is required.
fn services_for(cloud: &str) -> &'static [&'static str] {
    match cloud {
        "aws" => &["ec2service.EC2Service"],
        "azure" => &["azureservice.AzureService"],
        "google" => &["gceservice.GCEService"],
        "openstack" => &["httpservice.HttpService", "configdrive.ConfigDriveService"],
        "softlayer" => &["configdrive.ConfigDriveService"],
        _ => &[],
    }
}

/// cloudbase-init's default `metadata_services` (cloudbaseinit/conf/default.py), used when the
/// option is absent.
const DEFAULT_SERVICES: &[&str] = &[
    "httpservice.HttpService",
    "configdrive.ConfigDriveService",
    "ec2service.EC2Service",
    "maasservice.MaaSHttpService",
    "cloudstack.CloudStack",
    "opennebulaservice.OpenNebulaService",
];

const INSTALL_FIX: &str = "install Cloudbase-Init (the MSI from cloudbase.it) with its service set to start \
    automatically and the default plugins, then sysprep and capture the image";

/// Decides the Windows init-agent verdict; skipped on images that are not Windows.
pub fn check(facts: &Facts, _policy: &Policy, options: &CheckOptions) -> Outcome {
    let win = match &facts.windows {
        Err(e) => {
            return Outcome::new(ID, Status::Error, format!("Windows registry could not be read: {e}"))
                .evidence(e.path.clone().unwrap_or_else(|| "registry".to_string()))
                .fix("check that --root points at the mounted Windows volume and that its hives are intact");
        }
        Ok(Some(w)) => w,
        Ok(None) => {
            let windows = facts.os.as_ref().is_ok_and(|o| o.family == Family::Windows);
            let why = if windows { "no Windows registry facts were gathered" } else { "not a Windows image" };
            return Outcome::new(ID, Status::Skip, format!("{why}; cloudbase-init does not apply"));
        }
    };
    decide(win, options)
}

fn decide(win: &WindowsFacts, options: &CheckOptions) -> Outcome {
    let mut evidence = Vec::new();
    for hive in &win.dirty_hives {
        evidence.push(format!("{hive}: not written out cleanly; its transaction logs were not replayed"));
    }
    let Some(service) = &win.cloudbase_service else {
        let summary = match &win.cloudbase_install_dir {
            Some(dir) => {
                format!("cloudbase-init files are at {dir} but no cloudbase-init service is registered")
            }
            None => "cloudbase-init is not installed: nothing will run the user data".to_string(),
        };
        evidence.push(format!(
            "no key {}\\Services\\cloudbase-init",
            win.control_set.as_deref().unwrap_or("SYSTEM")
        ));
        return out(Status::Fail, summary, evidence).fix(INSTALL_FIX);
    };
    let start = match service.start {
        Some(2) if service.delayed_autostart == Some(1) => "automatic (delayed)",
        Some(2) => "automatic",
        Some(3) => "manual",
        Some(4) => "disabled",
        _ => "unknown",
    };
    evidence.push(format!("{}: Start = {} ({start})", service.key, opt(service.start)));
    if service.start == Some(4) {
        return out(Status::Fail, "the cloudbase-init service is disabled: user data will not run", evidence)
            .fix("set the service to start automatically: sc.exe config cloudbase-init start= auto");
    }
    let Some(config) = &win.cloudbase_config else {
        evidence.push(format!(
            "{}: not found",
            service.image_path.as_deref().and_then(crate::facts::windows::config_file_of).unwrap_or_else(
                || { format!("{}/conf/cloudbase-init.conf", crate::facts::windows::DEFAULT_INSTALL_DIR) }
            )
        ));
        return out(
            Status::Fail,
            "cloudbase-init.conf, which the service reads at boot, is missing",
            evidence,
        )
        .fix(INSTALL_FIX);
    };
    match (&config.plugins, config.plugins_line) {
        (None, _) => evidence.push(format!(
            "{}: no plugins option: the default list, which includes the user-data plugin",
            config.path
        )),
        (Some(_), line) => evidence.push(format!(
            "{}:{}: plugins = explicit list {} {USER_DATA_PLUGIN}",
            config.path,
            opt(line),
            if config.user_data_active() { "including" } else { "WITHOUT" }
        )),
    }
    if let Some(u) = &win.cloudbase_unattend_config {
        evidence.push(format!(
            "{}: sysprep pass only (user-data plugin {}); the boot-time service reads {}",
            u.path,
            if u.user_data_active() { "active" } else { "not active" },
            config.path
        ));
    }
    if !config.user_data_active() {
        return out(
            Status::Fail,
            "cloudbase-init will not run user data: the user-data plugin is not in its plugins list",
            evidence,
        )
        .fix(format!(
            "add {USER_DATA_PLUGIN} to plugins= in {} (or remove the plugins option to use the default list)",
            config.path
        ));
    }
    let mut warns: Vec<(String, String)> = Vec::new();
    if service.start != Some(2) {
        warns.push((
            format!("the cloudbase-init service starts {start}, not automatically"),
            "set the service to start automatically: sc.exe config cloudbase-init start= auto".to_string(),
        ));
    }
    if !win.dirty_hives.is_empty() {
        warns.push((
            "a registry hive was not written out cleanly; the values read may be stale".to_string(),
            "shut the image down cleanly (or replay the hive's transaction logs) and check again".to_string(),
        ));
    }
    if let Some(cloud) = options.cloud.as_deref() {
        let wanted = services_for(cloud);
        let (configured, where_): (Vec<String>, String) = match &config.metadata_services {
            Some(list) => (list.clone(), format!("{}:{}", config.path, opt(config.metadata_services_line))),
            None => (
                DEFAULT_SERVICES.iter().map(|s| format!("{PREFIX}{s}")).collect(),
                format!("{}: no metadata_services option: the default list", config.path),
            ),
        };
        if !wanted.is_empty() {
            let hit = configured
                .iter()
                .find(|c| wanted.iter().any(|w| c.eq_ignore_ascii_case(&format!("{PREFIX}{w}"))));
            match hit {
                Some(s) => evidence.push(format!("{where_}: metadata_services includes {s}")),
                None => {
                    evidence.push(format!("{where_}: metadata_services = {}", configured.join(",")));
                    warns.push((
                        format!(
                            "cloudbase-init's metadata_services do not include --cloud {cloud}'s service"
                        ),
                        format!("add {PREFIX}{} to metadata_services= in {}", wanted[0], config.path),
                    ));
                }
            }
        }
        if cloud == "google" {
            match &win.accounts {
                None => {
                    evidence.push(format!("local accounts: {}", win.accounts_note));
                    warns.push((
                        "Google: whether an enabled local administrator exists is unknown".to_string(),
                        "make sure the image has an enabled local administrator account (run bootready on the \
                         live instance to verify)"
                            .to_string(),
                    ));
                }
                Some(accounts) => {
                    let admins: Vec<&str> =
                        accounts.iter().filter(|a| a.admin && a.enabled).map(|a| a.name.as_str()).collect();
                    evidence.push(format!(
                        "local accounts ({}): enabled administrators: {}",
                        win.accounts_note,
                        if admins.is_empty() { "none".to_string() } else { admins.join(", ") }
                    ));
                    if admins.is_empty() && !win.accounts_admin_complete {
                        warns.push((
                            "Google: the built-in Administrator is disabled and other accounts' \
                             administrator membership is not read offline"
                                .to_string(),
                            "make sure the image has an enabled local administrator account (net user \
                             Administrator /active:yes), or run bootready on the live instance to verify"
                                .to_string(),
                        ));
                    } else if admins.is_empty() {
                        return out(
                            Status::Fail,
                            "Google: no enabled local administrator account, so the bootstrap script is not executed",
                            evidence,
                        )
                        .fix(
                            "before capturing the image, enable a local administrator: net user Administrator \
                             /active:yes (or net user NAME PASSWORD /add and net localgroup Administrators NAME /add)",
                        );
                    }
                }
            }
        }
    }
    if warns.is_empty() {
        return out(Status::Pass, "cloudbase-init starts automatically and runs user data", evidence);
    }
    let summary = warns.iter().map(|(s, _)| s.as_str()).collect::<Vec<_>>().join("; ");
    let fix = warns.iter().map(|(_, f)| f.as_str()).collect::<Vec<_>>().join("; ");
    out(Status::Warn, summary, evidence).fix(fix)
}

fn out(status: Status, summary: impl Into<String>, evidence: Vec<String>) -> Outcome {
    let mut o = Outcome::new(ID, status, summary);
    o.evidence = evidence;
    o
}

fn opt<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_else(|| "?".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::cloudbase::parse;
    use crate::facts::os::windows_release;
    use crate::facts::windows::{LocalAccount, ServiceEntry};

    const CONF: &str = "/Program Files/Cloudbase Solutions/Cloudbase-Init/conf/cloudbase-init.conf";

    fn win(start: u32, conf: &str) -> WindowsFacts {
        WindowsFacts {
            product_name: Some("Windows Server 2016 Datacenter".into()),
            current_build: Some(14393),
            current_major_version: Some(10),
            current_version: Some("6.3".into()),
            installation_type: Some("Server".into()),
            source: "SOFTWARE".into(),
            dirty_hives: Vec::new(),
            control_set: Some("ControlSet001".into()),
            cloudbase_service: Some(ServiceEntry {
                key: "SYSTEM (HKLM\\SYSTEM\\ControlSet001\\Services\\cloudbase-init)".into(),
                start: Some(start),
                delayed_autostart: None,
                image_path: None,
            }),
            cloudbase_install_dir: Some("/Program Files/Cloudbase Solutions/Cloudbase-Init".into()),
            cloudbase_config: Some(parse(CONF, conf)),
            cloudbase_unattend_config: None,
            accounts: None,
            accounts_note: "offline".into(),
            accounts_admin_complete: true,
        }
    }

    fn run(w: WindowsFacts, cloud: &str) -> Outcome {
        let mut facts =
            Facts::with_os(windows_release("Windows Server 2016 Datacenter", Some(14393), "test"));
        facts.windows = Ok(Some(w));
        let options = CheckOptions { cloud: Some(cloud.into()), ..Default::default() };
        check(&facts, &Policy::builtin().unwrap(), &options)
    }

    #[test]
    fn default_install_passes_on_aws() {
        let o = run(win(2, "[DEFAULT]\nusername=Admin\n"), "aws");
        assert_eq!(o.status, Status::Pass, "{o:?}");
        assert!(o.evidence.iter().any(|e| e.contains("default list, which includes the user-data plugin")));
        assert!(o.evidence.iter().any(|e| e.contains("EC2Service")));
    }

    #[test]
    fn disabled_service_fails() {
        let o = run(win(4, "[DEFAULT]\n"), "aws");
        assert_eq!(o.status, Status::Fail);
        assert!(o.remediation.unwrap().contains("start= auto"));
    }

    #[test]
    fn manual_start_warns() {
        let o = run(win(3, "[DEFAULT]\n"), "aws");
        assert_eq!(o.status, Status::Warn);
        assert!(o.summary.contains("manual"));
    }

    #[test]
    fn explicit_plugins_without_user_data_fails_with_line() {
        let o = run(win(2, "[DEFAULT]\nplugins=cloudbaseinit.plugins.common.mtu.MTUPlugin\n"), "aws");
        assert_eq!(o.status, Status::Fail);
        assert!(o.evidence.iter().any(|e| e.contains("cloudbase-init.conf:2") && e.contains("WITHOUT")));
        assert!(o.remediation.unwrap().contains(USER_DATA_PLUGIN));
    }

    #[test]
    fn metadata_services_must_match_the_cloud() {
        let conf = "[DEFAULT]\nmetadata_services=cloudbaseinit.metadata.services.ec2service.EC2Service\n";
        assert_eq!(run(win(2, conf), "aws").status, Status::Pass);
        let o = run(win(2, conf), "azure");
        assert_eq!(o.status, Status::Warn);
        assert!(o.remediation.unwrap().contains("azureservice.AzureService"));
        // The default list lacks Azure's service.
        assert_eq!(run(win(2, "[DEFAULT]\n"), "azure").status, Status::Warn);
        assert_eq!(run(win(2, "[DEFAULT]\n"), "openstack").status, Status::Pass);
    }

    #[test]
    fn missing_cloudbase_init_fails() {
        let mut w = win(2, "");
        w.cloudbase_service = None;
        w.cloudbase_install_dir = None;
        let o = run(w, "aws");
        assert_eq!(o.status, Status::Fail);
        assert!(o.summary.contains("not installed"));
    }

    #[test]
    fn google_needs_an_enabled_administrator() {
        let conf = "[DEFAULT]\nmetadata_services=cloudbaseinit.metadata.services.gceservice.GCEService\n";
        // Unknown accounts (offline): warn.
        assert_eq!(run(win(2, conf), "google").status, Status::Warn);
        let mut w = win(2, conf);
        w.accounts = Some(vec![
            LocalAccount { name: "Administrator".into(), admin: true, enabled: false },
            LocalAccount { name: "Guest".into(), admin: false, enabled: false },
        ]);
        let o = run(w.clone(), "google");
        assert_eq!(o.status, Status::Fail);
        assert!(o.remediation.unwrap().contains("/active:yes"));
        // Offline (SAM): other accounts' membership is unknown, so a disabled Administrator warns.
        let mut offline = w.clone();
        offline.accounts_admin_complete = false;
        assert_eq!(run(offline, "google").status, Status::Warn);
        w.accounts = Some(vec![LocalAccount { name: "Administrator".into(), admin: true, enabled: true }]);
        assert_eq!(run(w, "google").status, Status::Pass);
    }

    #[test]
    fn linux_images_skip() {
        let facts = Facts::with_os(
            crate::facts::os::from_os_release("ID=debian\nVERSION_ID=12\n", "/etc/os-release").unwrap(),
        );
        let o = check(&facts, &Policy::builtin().unwrap(), &CheckOptions::default());
        assert_eq!(o.status, Status::Skip);
    }
}
