//! Check `init-agent`: something on the image will run the bootstrap script passed as user
//! data: cloud-init (installed, started at boot, not switched off, `scripts-user` in the final
//! stage, the cloud's datasource allowed), or on Azure the Azure Linux agent with
//! `Provisioning.ExecuteCustomData`, or on Google the guest environment's startup-script runner.

use super::{CheckOptions, Outcome, Status};
use crate::facts::azure::{Provisioner, WAAGENT_CONF};
use crate::facts::cloud_init::{CLOUD_CFG, CloudInit, DISABLED_MARKER, InitSystem, UnitEnablement};
use crate::facts::os::Family;
use crate::facts::{Fact, Facts};
use crate::policy::Policy;

/// Check id.
pub const ID: &str = "init-agent";
/// The facts it reads: only these are gathered when it is selected.
pub const NEEDS: &[Fact] = &[Fact::Os, Fact::Init];
/// What it verifies.
pub const ABOUT: &str = "an init agent will run the user-data bootstrap script (cloud-init; waagent on Azure; \
                         the guest agent's startup scripts on Google)";

/// Datasources that can stand in for a cloud's own, but only in some launches: OpenStack and
/// IBM Cloud (SoftLayer) hand user data over a config drive when one is attached; older
/// cloud-init releases had no IBMCloud datasource and read SoftLayer's config drive this way.
const ALIASES: [(&str, &str); 2] = [("OpenStack", "ConfigDrive"), ("IBMCloud", "ConfigDrive")];

/// How far one agent gets towards running the bootstrap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    /// It will not run it.
    WontRun,
    /// It is there but set up in a way that may skip scripts.
    MaySkip,
    /// It will run it.
    Runs,
}

/// What was found about one agent.
struct Finding {
    name: &'static str,
    level: Level,
    /// Why it will not (or may not) run the script.
    problems: Vec<String>,
    evidence: Vec<String>,
    fixes: Vec<String>,
}

impl Finding {
    fn new(name: &'static str) -> Finding {
        Finding { name, level: Level::Runs, problems: Vec::new(), evidence: Vec::new(), fixes: Vec::new() }
    }

    fn problem(&mut self, level: Level, problem: impl Into<String>, fix: Option<String>) {
        self.level = self.level.min(level);
        self.problems.push(problem.into());
        if let Some(fix) = fix
            && !self.fixes.contains(&fix)
        {
            self.fixes.push(fix);
        }
    }
}

/// Decides whether user data will run.
pub fn check(facts: &Facts, policy: &Policy, options: &CheckOptions) -> Outcome {
    let os = match &facts.os {
        Ok(os) => os,
        Err(e) => {
            return Outcome::new(ID, Status::Error, format!("cannot tell which init agent applies: {e}"))
                .fix("fix the os check first: the image's OS must be identified");
        }
    };
    if os.family == Family::Windows {
        return super::cloudbase::check(facts, policy, options);
    }
    let init = &facts.init;
    if let Err(e) = &init.cloud_init.config {
        let file = e.path.clone().unwrap_or_else(|| CLOUD_CFG.to_string());
        return Outcome::new(ID, Status::Error, format!("cannot read cloud-init's configuration: {e}"))
            .evidence(file.clone())
            .fix(format!(
                "make {file} valid YAML of a sensible size (cloud-init itself would fail to read it)"
            ));
    }
    if let Err(e) = &init.azure.waagent {
        return Outcome::new(
            ID,
            Status::Error,
            format!("cannot read the Azure Linux agent's configuration: {e}"),
        )
        .evidence(e.path.clone().unwrap_or_else(|| WAAGENT_CONF.to_string()))
        .fix(format!("make {WAAGENT_CONF} a regular, readable file"));
    }
    let cloud = options.cloud.as_deref();
    let datasource = cloud.and_then(|c| policy.clouds.get(c)).and_then(|c| c.datasource.as_deref());
    let mut cloud_init = cloud_init_finding(&init.cloud_init, os.family, datasource);
    let mut findings = Vec::new();
    let mut notes = Vec::new();
    if let Ok(Some(w)) = &init.azure.waagent {
        let provisioner = w.provisioner(init.cloud_init.installed);
        let mut keys = vec![format!(
            "Provisioning.Agent={}",
            w.provisioning_agent.as_deref().unwrap_or("(unset: auto)")
        )];
        for (key, value) in [("Enabled", w.provisioning_enabled), ("UseCloudInit", w.use_cloud_init)] {
            if let Some(v) = value {
                keys.push(format!("Provisioning.{key}={}", flag(Some(v))));
            }
        }
        keys.push(format!("Provisioning.ExecuteCustomData={}", flag(w.execute_custom_data)));
        let settings = format!("{WAAGENT_CONF}: {} ({})", keys.join(" "), w.installed_evidence.join(", "));
        if matches!(cloud, None | Some("azure")) {
            let mut f = Finding::new("waagent");
            f.evidence.push(settings);
            match provisioner {
                Provisioner::Waagent if w.execute_custom_data == Some(true) => {
                    f.evidence.push("waagent provisions and runs custom data as a script".to_string());
                }
                Provisioner::Waagent => f.problem(
                    Level::WontRun,
                    "waagent provisions but does not run custom data (Provisioning.ExecuteCustomData is not y)",
                    Some(format!("set Provisioning.ExecuteCustomData=y in {WAAGENT_CONF}")),
                ),
                Provisioner::CloudInit => {
                    f.level = Level::WontRun;
                    f.evidence.push("waagent leaves provisioning, and custom data, to cloud-init".to_string());
                }
                Provisioner::Disabled => f.problem(
                    Level::WontRun,
                    "waagent provisioning is disabled: it runs no custom data",
                    None,
                ),
            }
            if provisioner == Provisioner::Waagent && init.cloud_init.installed {
                cloud_init.problem(
                    Level::MaySkip,
                    "waagent, not cloud-init, provisions this VM: cloud-init may not be handed the custom data",
                    Some(format!("set Provisioning.Agent=cloud-init in {WAAGENT_CONF}")),
                );
            }
            if cloud.is_none() {
                f.evidence.push("counted for Azure only".to_string());
            }
            findings.push(f);
        } else {
            notes.push(settings);
        }
    }
    let google = &init.google_guest;
    if google.installed {
        let mut f = Finding::new("Google startup scripts");
        f.evidence.push(google.evidence.join(", "));
        f.evidence.push(
            "it runs the `startup-script` metadata value, not user data: pass the bootstrap there"
                .to_string(),
        );
        if let Some(unit) = &google.startup_unit {
            f.evidence.push(format!(
                "google-startup-scripts.service {}: {}",
                state_name(unit.state),
                unit.evidence
            ));
            if unit.state != UnitEnablement::Enabled {
                let fix = if unit.state == UnitEnablement::Masked {
                    "systemctl unmask google-startup-scripts.service && systemctl enable google-startup-scripts.service"
                } else {
                    "systemctl enable google-startup-scripts.service"
                };
                f.problem(
                    Level::WontRun,
                    "google-startup-scripts.service does not start at boot",
                    Some(fix.into()),
                );
            }
        }
        if matches!(cloud, None | Some("google")) {
            if cloud.is_none() {
                f.evidence.push("counted for Google only".to_string());
            }
            findings.push(f);
        } else {
            notes.extend(f.evidence.into_iter().take(1).map(|e| format!("Google guest environment: {e}")));
        }
    }
    findings.insert(0, cloud_init);
    verdict(&findings, notes)
}

fn verdict(findings: &[Finding], notes: Vec<String>) -> Outcome {
    let best = findings.iter().map(|f| f.level).max().unwrap_or(Level::WontRun);
    let runners: Vec<&str> = findings.iter().filter(|f| f.level == best).map(|f| f.name).collect();
    let problems = |f: &Finding| format!("{}: {}", f.name, f.problems.join("; "));
    let (status, summary) = match best {
        Level::Runs => (Status::Pass, format!("{} will run the bootstrap script", runners.join(" and "))),
        Level::MaySkip => (
            Status::Warn,
            format!(
                "an agent is present but may skip the script: {}",
                findings.iter().filter(|f| f.level == best).map(problems).collect::<Vec<_>>().join(" | ")
            ),
        ),
        Level::WontRun => (
            Status::Fail,
            format!(
                "no agent would run user data: {}",
                findings
                    .iter()
                    .filter(|f| !f.problems.is_empty())
                    .map(problems)
                    .collect::<Vec<_>>()
                    .join(" | ")
            ),
        ),
    };
    let mut o = Outcome::new(ID, status, summary);
    for f in findings {
        o.evidence.extend(f.evidence.iter().map(|e| format!("{}: {e}", f.name)));
    }
    o.evidence.extend(notes);
    if status != Status::Pass {
        // The fixes of agents already on the image first: enabling one beats installing one.
        let mut fixing: Vec<&Finding> =
            findings.iter().filter(|f| f.level == best || best == Level::WontRun).collect();
        fixing.sort_by_key(|f| f.evidence.is_empty());
        let fixes: Vec<&str> = fixing.iter().flat_map(|f| f.fixes.iter().map(String::as_str)).collect();
        o = o.fix(fixes.join("; "));
    }
    o
}

fn cloud_init_finding(ci: &CloudInit, family: Family, datasource: Option<&str>) -> Finding {
    let mut f = Finding::new("cloud-init");
    if !ci.installed {
        let install = match family {
            Family::Debian => "apt-get install -y cloud-init",
            Family::Suse => "zypper install -y cloud-init",
            _ => "yum install -y cloud-init",
        };
        f.problem(
            Level::WontRun,
            "not installed (no cloud-init package, /usr/bin/cloud-init or python cloudinit package)",
            Some(format!("{install}, then enable it (systemctl enable cloud-init-local cloud-init cloud-config cloud-final)")),
        );
        return f;
    }
    f.evidence.push(format!("installed: {}", ci.installed_evidence.join(", ")));
    for d in &ci.disabled_by {
        let fix = if d == DISABLED_MARKER {
            format!("rm {DISABLED_MARKER}")
        } else if d.starts_with("/etc/default/grub") {
            "remove cloud-init=disabled from GRUB_CMDLINE_LINUX in /etc/default/grub, then regenerate the boot \
             loader configuration (grub2-mkconfig -o /boot/grub2/grub.cfg, or update-grub)"
                .to_string()
        } else if d.starts_with("/proc/cmdline") {
            "the running kernel was booted with cloud-init=disabled: remove it from the boot loader configuration"
                .to_string()
        } else {
            let file = d.split(':').next().unwrap_or(d);
            format!("remove cloud-init=disabled from the kernel command line in {file}")
        };
        f.problem(Level::WontRun, format!("switched off by {d}"), Some(fix));
    }
    match ci.init_system {
        InitSystem::Unknown => f.problem(
            Level::MaySkip,
            format!("cannot tell whether it starts at boot: {}", ci.init_system_evidence),
            Some("make sure the image's init system starts cloud-init's four stages".to_string()),
        ),
        init_system => {
            let systemd = init_system == InitSystem::Systemd;
            f.evidence.push(format!(
                "init system {}: {}",
                if systemd { "systemd" } else { "SysV" },
                ci.init_system_evidence
            ));
            for unit in &ci.units {
                f.evidence.push(format!("{} {}: {}", unit.name, state_name(unit.state), unit.evidence));
                if unit.state == UnitEnablement::Enabled {
                    continue;
                }
                // The user-data script is fetched by the network stage and run by the final one.
                let needed = matches!(unit.name.as_str(), "cloud-init" | "cloud-final");
                let level = if needed { Level::WontRun } else { Level::MaySkip };
                let fix = match (systemd, unit.state) {
                    (true, UnitEnablement::Masked) => {
                        format!("systemctl unmask {0}.service && systemctl enable {0}.service", unit.name)
                    }
                    (true, _) => {
                        "systemctl enable cloud-init-local.service cloud-init.service cloud-config.service \
                                  cloud-final.service"
                            .to_string()
                    }
                    (false, _) => format!("chkconfig {} on", unit.name),
                };
                f.problem(
                    level,
                    format!("{} does not start at boot ({})", unit.name, state_name(unit.state)),
                    Some(fix),
                );
            }
        }
    }
    let Ok(Some(cfg)) = &ci.config else { return f };
    if cfg.files.is_empty() {
        f.problem(
            Level::WontRun,
            format!("no {CLOUD_CFG}: no modules run, scripts-user included"),
            Some(format!("restore {CLOUD_CFG} (reinstall the cloud-init package)")),
        );
        return f;
    }
    match (&cfg.final_modules, &cfg.final_modules_from) {
        (Some(_), Some(from)) if cfg.runs_user_scripts() => {
            f.evidence.push(format!("cloud_final_modules includes scripts-user ({from})"));
        }
        (_, from) => {
            let (problem, fix) = match from.as_deref() {
                Some(from) if from != CLOUD_CFG => (
                    format!("scripts-user is not in cloud_final_modules: {from} replaces the list without it"),
                    format!(
                        "add `- scripts-user` to cloud_final_modules in {from} (or drop the key from it, so \
                         {CLOUD_CFG}'s list applies)"
                    ),
                ),
                Some(from) => (
                    format!("scripts-user is not in cloud_final_modules ({from})"),
                    format!("add `- scripts-user` to cloud_final_modules in {from}"),
                ),
                None => (
                    "no file sets cloud_final_modules, so scripts-user never runs".to_string(),
                    "add a cloud_final_modules list with `- scripts-user` to /etc/cloud/cloud.cfg.d/99-scripts-user.cfg"
                        .to_string(),
                ),
            };
            f.problem(Level::WontRun, problem, Some(fix));
        }
    }
    match (&cfg.datasource_list, &cfg.datasource_list_from) {
        (Some(list), Some(from)) => {
            let shown = format!("datasource_list: [{}] ({from})", list.join(", "));
            if list.iter().all(|d| d.trim() == "None") {
                f.problem(
                    Level::WontRun,
                    format!("{shown}: no datasource, so no user data is ever fetched"),
                    Some(format!(
                        "put the cloud's datasource first in datasource_list in {from} (e.g. `datasource_list: [ {}, None ]`)",
                        datasource.unwrap_or("Ec2")
                    )),
                );
            } else if let Some(ds) = datasource {
                let alias = ALIASES
                    .iter()
                    .filter(|(of, _)| of.eq_ignore_ascii_case(ds))
                    .find_map(|(_, a)| list.iter().find(|d| d.trim().eq_ignore_ascii_case(a)));
                if list.iter().any(|d| d.trim().eq_ignore_ascii_case(ds)) {
                    f.evidence.push(format!("{shown} includes {ds}"));
                } else if let Some(alias) = alias {
                    f.problem(
                        Level::MaySkip,
                        format!("{shown} has {alias} but not {ds}: user data arrives only when the instance gets a config drive"),
                        Some(format!("add {ds} to datasource_list in {from} (e.g. `datasource_list: [ {ds}, {alias}, None ]`)")),
                    );
                } else {
                    f.problem(
                        Level::WontRun,
                        format!("{shown} does not include {ds}, the target cloud's datasource"),
                        Some(format!(
                            "add {ds} to datasource_list in {from} (e.g. `datasource_list: [ {ds}, None ]`)"
                        )),
                    );
                }
            } else {
                f.evidence.push(shown);
            }
        }
        _ => f.evidence.push("datasource_list not set: cloud-init detects the cloud".to_string()),
    }
    f
}

fn state_name(s: UnitEnablement) -> &'static str {
    match s {
        UnitEnablement::Enabled => "enabled",
        UnitEnablement::Disabled => "disabled",
        UnitEnablement::Masked => "masked",
    }
}

fn flag(v: Option<bool>) -> &'static str {
    match v {
        Some(true) => "y",
        Some(false) => "n",
        None => "(unset: n)",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::GatherError;
    use crate::facts::azure::Waagent;
    use crate::facts::cloud_init::{CloudConfig, UnitState};
    use crate::facts::os::{from_os_release, windows_release};

    fn opts(cloud: &str) -> CheckOptions {
        CheckOptions { cloud: Some(cloud.into()), ..Default::default() }
    }

    fn unit(name: &str, state: UnitEnablement) -> UnitState {
        UnitState {
            name: name.into(),
            state,
            evidence: format!("/etc/systemd/system/x.wants/{name}.service"),
        }
    }

    /// CentOS 7 with cloud-init working: all four units enabled, stock final modules.
    fn centos7() -> Facts {
        let mut f = Facts::with_os(from_os_release("ID=centos\nVERSION_ID=7\n", "/etc/os-release").unwrap());
        let ci = &mut f.init.cloud_init;
        ci.installed = true;
        ci.installed_evidence = vec!["/usr/bin/cloud-init".into()];
        ci.init_system = InitSystem::Systemd;
        ci.units = crate::facts::cloud_init::UNITS.iter().map(|u| unit(u, UnitEnablement::Enabled)).collect();
        ci.config = Ok(Some(CloudConfig {
            files: vec![CLOUD_CFG.into()],
            final_modules: Some(vec!["scripts-per-instance".into(), "scripts-user".into()]),
            final_modules_from: Some(CLOUD_CFG.into()),
            datasource_list: None,
            datasource_list_from: None,
        }));
        f
    }

    fn run(f: &Facts, cloud: &str) -> Outcome {
        check(f, &Policy::builtin().unwrap(), &opts(cloud))
    }

    fn set_config(f: &mut Facts, edit: impl FnOnce(&mut CloudConfig)) {
        if let Ok(Some(c)) = &mut f.init.cloud_init.config {
            edit(c);
        }
    }

    #[test]
    fn windows_is_left_to_cloudbase() {
        let f = Facts::with_os(windows_release("Windows Server 2016 Datacenter", Some(14393), "test"));
        let o = run(&f, "aws");
        // Windows goes to cloudbase::check; with no registry facts gathered it skips.
        assert_eq!(o.status, Status::Skip, "{o:?}");
        assert!(o.summary.contains("cloudbase-init does not apply"), "{o:?}");
    }

    #[test]
    fn working_cloud_init_passes() {
        let o = run(&centos7(), "aws");
        assert_eq!(o.status, Status::Pass, "{o:?}");
        assert!(o.evidence.iter().any(|e| e.contains("scripts-user (/etc/cloud/cloud.cfg)")), "{o:?}");
        assert_eq!(o.remediation, None);
    }

    #[test]
    fn nothing_installed_fails_with_the_install_command() {
        let f = Facts::with_os(from_os_release("ID=debian\nVERSION_ID=12\n", "/etc/os-release").unwrap());
        let o = run(&f, "aws");
        assert_eq!(o.status, Status::Fail);
        assert!(o.remediation.unwrap().starts_with("apt-get install -y cloud-init"));
    }

    #[test]
    fn switched_off_fails_with_the_exact_fix() {
        let mut f = centos7();
        f.init.cloud_init.disabled_by = vec![
            DISABLED_MARKER.into(),
            "/etc/default/grub:7: GRUB_CMDLINE_LINUX=\"console=tty0 cloud-init=disabled\"".into(),
        ];
        let o = run(&f, "aws");
        assert_eq!(o.status, Status::Fail);
        assert!(o.summary.contains("switched off by /etc/cloud/cloud-init.disabled"), "{o:?}");
        let fix = o.remediation.unwrap();
        assert!(fix.contains("rm /etc/cloud/cloud-init.disabled"), "{fix}");
        assert!(fix.contains("GRUB_CMDLINE_LINUX in /etc/default/grub"), "{fix}");
    }

    #[test]
    fn units_needed_fail_others_warn_masked_needs_unmask() {
        let mut f = centos7();
        f.init.cloud_init.units[2] = unit("cloud-config", UnitEnablement::Disabled);
        let o = run(&f, "aws");
        assert_eq!(o.status, Status::Warn, "{o:?}");
        assert!(o.remediation.unwrap().contains("systemctl enable cloud-init-local.service"));
        f.init.cloud_init.units[3] = unit("cloud-final", UnitEnablement::Masked);
        let o = run(&f, "aws");
        assert_eq!(o.status, Status::Fail, "{o:?}");
        assert!(o.remediation.unwrap().contains("systemctl unmask cloud-final.service"));
        let mut f = centos7();
        f.init.cloud_init.init_system = InitSystem::Sysv;
        f.init.cloud_init.units[1] = unit("cloud-init", UnitEnablement::Disabled);
        assert_eq!(run(&f, "aws").remediation.as_deref(), Some("chkconfig cloud-init on"));
    }

    #[test]
    fn scripts_user_dropped_by_a_drop_in() {
        let mut f = centos7();
        set_config(&mut f, |c| {
            c.final_modules = Some(vec!["final-message".into()]);
            c.final_modules_from = Some("/etc/cloud/cloud.cfg.d/99-x.cfg".into());
        });
        let o = run(&f, "aws");
        assert_eq!(o.status, Status::Fail);
        assert!(o.summary.contains("/etc/cloud/cloud.cfg.d/99-x.cfg replaces the list without it"), "{o:?}");
        assert!(
            o.remediation
                .unwrap()
                .contains("add `- scripts-user` to cloud_final_modules in /etc/cloud/cloud.cfg.d/99-x.cfg")
        );
    }

    #[test]
    fn datasource_list_must_allow_the_cloud() {
        let mut f = centos7();
        let from = "/etc/cloud/cloud.cfg.d/90_dpkg.cfg";
        set_config(&mut f, |c| {
            c.datasource_list = Some(vec!["NoCloud".into(), "None".into()]);
            c.datasource_list_from = Some(from.into());
        });
        let o = run(&f, "aws");
        assert_eq!(o.status, Status::Fail);
        assert!(o.summary.contains("does not include Ec2"), "{o:?}");
        assert!(o.remediation.unwrap().contains(&format!("add Ec2 to datasource_list in {from}")));
        set_config(&mut f, |c| c.datasource_list = Some(vec!["None".into()]));
        let o = run(&f, "azure");
        assert!(o.summary.contains("no datasource"), "{o:?}");
        set_config(&mut f, |c| c.datasource_list = Some(vec!["ConfigDrive".into(), "None".into()]));
        let o = run(&f, "openstack");
        assert_eq!(o.status, Status::Warn, "{o:?}");
        assert!(o.summary.contains("has ConfigDrive but not OpenStack"), "{o:?}");
        assert_eq!(run(&f, "softlayer").status, Status::Warn);
        assert_eq!(run(&f, "aws").status, Status::Fail);
        set_config(&mut f, |c| c.datasource_list = Some(vec!["Azure".into(), "None".into()]));
        assert_eq!(run(&f, "azure").status, Status::Pass);
        assert_eq!(run(&f, "google").status, Status::Fail);
    }

    #[test]
    fn unreadable_config_is_an_error() {
        let mut f = centos7();
        f.init.cloud_init.config = Err(GatherError::new(
            Some("/etc/cloud/cloud.cfg.d/50-bomb.cfg"),
            "budget breached: Nodes { nodes: 100001 }",
        ));
        let o = run(&f, "aws");
        assert_eq!(o.status, Status::Error);
        assert_eq!(o.evidence, ["/etc/cloud/cloud.cfg.d/50-bomb.cfg"]);
    }

    fn waagent(agent: Option<&str>, execute: Option<bool>) -> Waagent {
        Waagent {
            installed_evidence: vec!["/usr/sbin/waagent".into()],
            provisioning_agent: agent.map(str::to_string),
            provisioning_enabled: None,
            use_cloud_init: None,
            execute_custom_data: execute,
        }
    }

    #[test]
    fn azure_custom_data_by_waagent_or_cloud_init() {
        let mut f = Facts::with_os(from_os_release("ID=centos\nVERSION_ID=7\n", "/etc/os-release").unwrap());
        f.init.azure.waagent = Ok(Some(waagent(Some("auto"), Some(true))));
        let o = run(&f, "azure");
        assert_eq!(o.status, Status::Pass, "{o:?}");
        assert_eq!(o.summary, "waagent will run the bootstrap script");
        assert_eq!(run(&f, "aws").status, Status::Fail, "waagent runs custom data on Azure only");
        f.init.azure.waagent = Ok(Some(waagent(None, Some(false))));
        let o = run(&f, "azure");
        assert_eq!(o.status, Status::Fail);
        assert!(
            o.remediation.unwrap().starts_with("set Provisioning.ExecuteCustomData=y in /etc/waagent.conf")
        );
        // cloud-init present but waagent told to provision: it may not get the custom data.
        let mut f = centos7();
        f.init.azure.waagent = Ok(Some(waagent(Some("waagent"), None)));
        let o = run(&f, "azure");
        assert_eq!(o.status, Status::Warn, "{o:?}");
        assert!(o.remediation.unwrap().contains("Provisioning.Agent=cloud-init"));
        f.init.azure.waagent = Ok(Some(waagent(Some("cloud-init"), None)));
        assert_eq!(run(&f, "azure").status, Status::Pass);
    }

    #[test]
    fn google_startup_scripts_count_on_google() {
        let mut f = Facts::with_os(from_os_release("ID=centos\nVERSION_ID=7\n", "/etc/os-release").unwrap());
        f.init.google_guest.installed = true;
        f.init.google_guest.evidence = vec!["package google-guest-agent 1:20231004.02-g1.el7".into()];
        f.init.google_guest.startup_unit = Some(unit("google-startup-scripts", UnitEnablement::Enabled));
        assert_eq!(run(&f, "google").status, Status::Pass);
        assert_eq!(run(&f, "aws").status, Status::Fail);
        f.init.google_guest.startup_unit = Some(unit("google-startup-scripts", UnitEnablement::Disabled));
        let o = run(&f, "google");
        assert_eq!(o.status, Status::Fail);
        assert!(o.remediation.unwrap().starts_with("systemctl enable google-startup-scripts.service; "));
    }
}
