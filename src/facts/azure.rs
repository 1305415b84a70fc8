//! The Azure Linux agent (`waagent`), which may run custom data instead of cloud-init, and the
//! marks an Azure Marketplace CentOS image carries of its publisher (OpenLogic).

use serde::Serialize;

use super::packages::PackageDb;
use super::{GatherError, Gathered};
use crate::target::root::{self, Root};

/// The agent's configuration file.
pub const WAAGENT_CONF: &str = "/etc/waagent.conf";
/// OpenLogic's package mirror on Azure, named in the repo files of its CentOS images.
pub const OPENLOGIC_MIRROR: &str = "olcentgbl.trafficmanager.net";
/// The repo file OpenLogic's CentOS images add.
pub const OPENLOGIC_REPO: &str = "/etc/yum.repos.d/OpenLogic.repo";
/// Repo files read while looking for the mirror.
const MAX_REPO_FILES: usize = 500;

/// Azure facts: the agent's provisioning settings and the image's publisher marks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AzureFacts {
    /// The Azure Linux agent, or `null` when the image has none.
    #[serde(serialize_with = "super::ser_gathered")]
    pub waagent: Gathered<Option<Waagent>>,
    /// `true`: OpenLogic published the image; `false`: it cannot have; `null`: unknown.
    pub openlogic: Option<bool>,
    /// What decided `openlogic`.
    pub publisher_evidence: Vec<String>,
}

/// The Azure Linux agent's provisioning settings from `/etc/waagent.conf`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Waagent {
    /// What shows the agent is installed: package, binary, configuration file.
    pub installed_evidence: Vec<String>,
    /// `Provisioning.Agent`: auto, waagent, cloud-init or disabled (agent 2.2.45 and later).
    pub provisioning_agent: Option<String>,
    /// `Provisioning.Enabled` (older agents).
    pub provisioning_enabled: Option<bool>,
    /// `Provisioning.UseCloudInit` (older agents).
    pub use_cloud_init: Option<bool>,
    /// `Provisioning.ExecuteCustomData`: the agent runs custom data as a script.
    pub execute_custom_data: Option<bool>,
}

/// Who provisions the VM (and so who may run custom data), after the agent's own rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provisioner {
    /// The Azure Linux agent itself.
    Waagent,
    /// cloud-init (the agent only reports readiness).
    CloudInit,
    /// Nobody: provisioning is switched off.
    Disabled,
}

impl Waagent {
    /// The effective provisioner; `auto` picks cloud-init when it is installed.
    pub fn provisioner(&self, cloud_init_installed: bool) -> Provisioner {
        match self.provisioning_agent.as_deref().map(str::to_ascii_lowercase).as_deref() {
            Some("waagent") => Provisioner::Waagent,
            Some("cloud-init") => Provisioner::CloudInit,
            Some("disabled") => Provisioner::Disabled,
            Some(_) => auto(cloud_init_installed),
            None => match (self.provisioning_enabled, self.use_cloud_init) {
                (Some(false), _) => Provisioner::Disabled,
                (_, Some(true)) => Provisioner::CloudInit,
                (Some(true), _) => Provisioner::Waagent,
                (None, _) => auto(cloud_init_installed),
            },
        }
    }
}

fn auto(cloud_init_installed: bool) -> Provisioner {
    if cloud_init_installed { Provisioner::CloudInit } else { Provisioner::Waagent }
}

/// Gathers the Azure facts.
pub fn gather(root: &Root, packages: Option<&PackageDb>) -> AzureFacts {
    let waagent = gather_waagent(root, packages);
    let (openlogic, publisher_evidence) = publisher(root, &waagent);
    AzureFacts { waagent, openlogic, publisher_evidence }
}

fn gather_waagent(root: &Root, packages: Option<&PackageDb>) -> Gathered<Option<Waagent>> {
    let mut installed_evidence = Vec::new();
    for name in ["WALinuxAgent", "walinuxagent"] {
        if let Some(p) = packages.and_then(|db| db.get(name)) {
            installed_evidence.push(format!("package {name} {}", p.version));
        }
    }
    for file in ["/usr/sbin/waagent", "/usr/bin/waagent"] {
        if root.is_file(file) {
            installed_evidence.push(file.to_string());
        }
    }
    let text = match root.read_text(WAAGENT_CONF) {
        Ok(t) => Some(t),
        Err(e) if e.is_not_found() => None,
        Err(e) => return Err(GatherError::from_root(e)),
    };
    if text.is_none() && installed_evidence.is_empty() {
        return Ok(None);
    }
    let mut w = Waagent {
        installed_evidence,
        provisioning_agent: None,
        provisioning_enabled: None,
        use_cloud_init: None,
        execute_custom_data: None,
    };
    if let Some(text) = text {
        w.installed_evidence.push(WAAGENT_CONF.to_string());
        parse_waagent_conf(&text, &mut w);
    }
    Ok(Some(w))
}

/// Reads the `Key=value` lines that matter; `#` starts a comment.
fn parse_waagent_conf(text: &str, w: &mut Waagent) {
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        let Some((key, value)) = line.split_once('=') else { continue };
        let value = value.trim();
        let flag = || match value.to_ascii_lowercase().as_str() {
            "y" | "yes" | "true" | "1" => Some(true),
            "n" | "no" | "false" | "0" => Some(false),
            _ => None,
        };
        match key.trim() {
            "Provisioning.Agent" => w.provisioning_agent = Some(value.to_string()),
            "Provisioning.Enabled" => w.provisioning_enabled = flag(),
            "Provisioning.UseCloudInit" => w.use_cloud_init = flag(),
            "Provisioning.ExecuteCustomData" => w.execute_custom_data = flag(),
            _ => {}
        }
    }
}

/// OpenLogic proven: its repo file, or a repo pointing at its Azure mirror. Proven not
/// OpenLogic: no Azure Linux agent at all, so the image is not an Azure Marketplace image
/// (every Marketplace Linux image, OpenLogic's included, carries the agent). Otherwise unknown.
fn publisher(root: &Root, waagent: &Gathered<Option<Waagent>>) -> (Option<bool>, Vec<String>) {
    if root.is_file(OPENLOGIC_REPO) {
        return (Some(true), vec![format!("{OPENLOGIC_REPO} (added by OpenLogic's CentOS images)")]);
    }
    let repos = root.read_dir("/etc/yum.repos.d", MAX_REPO_FILES).unwrap_or_default();
    for e in repos.iter().filter(|e| e.name.ends_with(".repo")) {
        let file = root::join("/etc/yum.repos.d", &e.name);
        if let Ok(text) = root.read_text(&file)
            && let Some((n, line)) = text.lines().enumerate().find(|(_, l)| l.contains(OPENLOGIC_MIRROR))
        {
            return (
                Some(true),
                vec![format!("{file}:{}: {} (OpenLogic's Azure mirror)", n + 1, line.trim())],
            );
        }
    }
    match waagent {
        Ok(None) => (
            Some(false),
            vec![
                "no Azure Linux agent (no WALinuxAgent package, /usr/sbin/waagent or /etc/waagent.conf): \
                  not an Azure Marketplace image, so not one OpenLogic published"
                    .to_string(),
            ],
        ),
        _ => (
            None,
            vec![format!(
                "the Azure Linux agent is present but no OpenLogic mark was found ({OPENLOGIC_REPO}, \
                 {OPENLOGIC_MIRROR} in /etc/yum.repos.d)"
            )],
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // waagent.conf of the OpenLogic CentOS 7.9 image (WALinuxAgent 2.2.x era), excerpt.
    const OPENLOGIC_7: &str = "#\n# Microsoft Azure Linux Agent Configuration\n#\n\n\
# Enable instance creation\nProvisioning.Enabled=y\n\n\
# Rely on cloud-init to provision\nProvisioning.UseCloudInit=n\n\n\
# Password authentication for root account will be unavailable.\nProvisioning.DeleteRootPassword=y\n\n\
# Execute CustomData after provisioning.\nProvisioning.ExecuteCustomData=n\n";

    // waagent.conf as shipped by WALinuxAgent 2.2.45+ (e.g. CentOS 7 / RHEL 8 cloud-init images).
    const AGENT_2_2_45: &str = "# Which provisioning agent to use. Supported values are \"auto\" (default), \"waagent\",\n\
# \"cloud-init\", or \"disabled\".\nProvisioning.Agent=auto\n\n\
# Execute CustomData after provisioning.\nProvisioning.ExecuteCustomData=n\n";

    fn parsed(text: &str) -> Waagent {
        let mut w = Waagent {
            installed_evidence: vec![],
            provisioning_agent: None,
            provisioning_enabled: None,
            use_cloud_init: None,
            execute_custom_data: None,
        };
        parse_waagent_conf(text, &mut w);
        w
    }

    #[test]
    fn legacy_and_current_settings() {
        let w = parsed(OPENLOGIC_7);
        assert_eq!(
            (w.provisioning_enabled, w.use_cloud_init, w.execute_custom_data),
            (Some(true), Some(false), Some(false))
        );
        assert_eq!(w.provisioner(true), Provisioner::Waagent);
        let w = parsed(AGENT_2_2_45);
        assert_eq!(w.provisioning_agent.as_deref(), Some("auto"));
        assert_eq!(w.provisioner(true), Provisioner::CloudInit);
        assert_eq!(w.provisioner(false), Provisioner::Waagent);
        assert_eq!(parsed("Provisioning.Agent=disabled # off\n").provisioner(true), Provisioner::Disabled);
    }
}
