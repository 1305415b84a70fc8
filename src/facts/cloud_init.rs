//! cloud-init on a Linux image: installed (package database and files), started by the image's
//! init system, not switched off, and configured to run user-data scripts.
//!
//! The configuration is `/etc/cloud/cloud.cfg` merged with `/etc/cloud/cloud.cfg.d/*.cfg` in
//! lexical order, the way cloud-init does it: a later file replaces a top-level key.

use serde::{Deserialize, Serialize};

use super::packages::PackageDb;
use super::{GatherError, Gathered};
use crate::target::root::{self, EntryKind, Root};
use crate::target::{Mode, Target};

/// The main configuration file.
pub const CLOUD_CFG: &str = "/etc/cloud/cloud.cfg";
/// The drop-in directory read after it.
pub const CLOUD_CFG_D: &str = "/etc/cloud/cloud.cfg.d";
/// The marker file that switches cloud-init off.
pub const DISABLED_MARKER: &str = "/etc/cloud/cloud-init.disabled";
/// The kernel command-line word that switches cloud-init off.
pub const CMDLINE_OFF: &str = "cloud-init=disabled";
/// The systemd units, in boot order; the bootstrap script runs in the last one.
pub const UNITS: [&str; 4] = ["cloud-init-local", "cloud-init", "cloud-config", "cloud-final"];
/// Most drop-ins read from `cloud.cfg.d` (a real image has a handful).
const MAX_DROP_INS: usize = 1000;

/// What bootready found about cloud-init.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CloudInit {
    /// True when the package or its files are present.
    pub installed: bool,
    /// What shows it is installed: the package and version, the files found.
    pub installed_evidence: Vec<String>,
    /// The init system the image boots with: `systemd`, `sysv` or `unknown`.
    pub init_system: InitSystem,
    /// What the init system was recognised by.
    pub init_system_evidence: String,
    /// How each cloud-init stage is started (empty when the init system is unknown).
    pub units: Vec<UnitState>,
    /// What switches cloud-init off: the marker file, kernel command lines (file:line: text).
    pub disabled_by: Vec<String>,
    /// The merged configuration, or why it could not be read (`null` when not installed).
    #[serde(serialize_with = "super::ser_gathered")]
    pub config: Gathered<Option<CloudConfig>>,
}

/// The image's init system, as far as cloud-init's start-up is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum InitSystem {
    /// systemd: units enabled by links under `*.wants/`.
    Systemd,
    /// SysV init scripts started from `/etc/rc.d/rc3.d` (CentOS/RHEL 6).
    Sysv,
    /// Neither was recognised.
    Unknown,
}

/// How one cloud-init stage is started at boot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnitState {
    /// Stage name, e.g. `cloud-final` (the unit is `cloud-final.service`).
    pub name: String,
    /// `enabled`, `disabled` or `masked`.
    pub state: UnitEnablement,
    /// The links found (link -> target) or what was looked for.
    pub evidence: String,
}

/// Whether a stage starts at boot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum UnitEnablement {
    /// A start link exists and points at an existing unit or script.
    Enabled,
    /// No start link (or only a dangling or stop link).
    Disabled,
    /// The unit is linked to `/dev/null`: it can never start.
    Masked,
}

/// cloud-init's configuration after merging the drop-ins.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CloudConfig {
    /// The files read, in merge order.
    pub files: Vec<String>,
    /// `cloud_final_modules` module names (frequency dropped); `None` when no file sets it.
    pub final_modules: Option<Vec<String>>,
    /// The file whose `cloud_final_modules` won.
    pub final_modules_from: Option<String>,
    /// `datasource_list`; `None` when not set (cloud-init then tries all it knows).
    pub datasource_list: Option<Vec<String>>,
    /// The file whose `datasource_list` won.
    pub datasource_list_from: Option<String>,
}

impl CloudConfig {
    /// True when `scripts-user` (the module that runs user-data scripts) is in the final stage.
    pub fn runs_user_scripts(&self) -> bool {
        self.final_modules.as_ref().is_some_and(|m| m.iter().any(|n| is_scripts_user(n)))
    }
}

/// cloud-init normalises `-` and `_` in module names (`scripts_user` is `cc_scripts_user`).
fn is_scripts_user(name: &str) -> bool {
    name.trim().replace('_', "-") == "scripts-user"
}

/// Gathers the cloud-init facts; configuration failures are kept in `config`.
pub fn gather(target: &Target, packages: Option<&PackageDb>) -> CloudInit {
    let root = &target.root;
    let mut installed_evidence = Vec::new();
    if let Some(p) = packages.and_then(|db| db.get("cloud-init")) {
        installed_evidence.push(format!("package cloud-init {}", p.version));
    }
    for file in ["/usr/bin/cloud-init"] {
        if root.is_file(file) {
            installed_evidence.push(file.to_string());
        }
    }
    installed_evidence.extend(python_package_dirs(root));
    let installed = !installed_evidence.is_empty();
    let (init_system, init_system_evidence) = init_system(root);
    let units = match init_system {
        InitSystem::Systemd => {
            let wants = wants_dirs(root);
            UNITS.iter().map(|u| systemd_unit_in(root, &wants, u)).collect()
        }
        InitSystem::Sysv => UNITS.iter().map(|u| sysv_script(root, u)).collect(),
        InitSystem::Unknown => Vec::new(),
    };
    let mut disabled_by = Vec::new();
    if root.exists(DISABLED_MARKER) {
        disabled_by.push(DISABLED_MARKER.to_string());
    }
    disabled_by.extend(super::cmdline::find(root, CMDLINE_OFF));
    if target.mode == Mode::Live {
        // The running kernel's command line; absent in a chroot without /proc.
        if let Ok(text) = root.read_text("/proc/cmdline")
            && super::cmdline::has_word(&text, CMDLINE_OFF)
        {
            disabled_by.push(format!("/proc/cmdline: {}", text.trim()));
        }
    }
    let config = if installed || root.exists(CLOUD_CFG) { read_config(root).map(Some) } else { Ok(None) };
    CloudInit { installed, installed_evidence, init_system, init_system_evidence, units, disabled_by, config }
}

/// `cloudinit` package directories under `/usr/lib/python*/{dist,site}-packages`.
fn python_package_dirs(root: &Root) -> Vec<String> {
    let mut found = Vec::new();
    let mut bases = vec!["/usr/lib/python3".to_string()];
    if let Ok(entries) = root.read_dir("/usr/lib", root::MAX_DIR_ENTRIES) {
        bases.extend(
            entries
                .iter()
                .filter(|e| e.name.starts_with("python") && e.name != "python3")
                .map(|e| root::join("/usr/lib", &e.name)),
        );
    }
    for base in bases {
        for sub in ["dist-packages", "site-packages"] {
            let dir = format!("{base}/{sub}/cloudinit");
            if root.metadata(&dir).is_ok_and(|m| m.is_dir()) {
                found.push(dir);
            }
        }
    }
    found
}

/// systemd when its binary is there, or (an image without an init binary, e.g. a debootstrap
/// minbase root) when its configuration directory is: links there are what systemd would read.
fn init_system(root: &Root) -> (InitSystem, String) {
    for bin in ["/usr/lib/systemd/systemd", "/lib/systemd/systemd"] {
        if root.exists(bin) {
            return (InitSystem::Systemd, bin.to_string());
        }
    }
    if root.exists("/etc/rc.d/rc3.d") {
        return (InitSystem::Sysv, "/etc/rc.d/rc3.d".to_string());
    }
    if root.metadata("/etc/systemd/system").is_ok_and(|m| m.is_dir()) {
        return (InitSystem::Systemd, "/etc/systemd/system (no systemd binary in the image)".to_string());
    }
    (InitSystem::Unknown, "no systemd binary, /etc/systemd/system or /etc/rc.d/rc3.d".to_string())
}

/// Where systemd looks for enablement links, local configuration first.
const UNIT_DIRS: [&str; 3] = ["/etc/systemd/system", "/usr/lib/systemd/system", "/lib/systemd/system"];

/// A systemd unit is enabled by a link in some `*.wants/` directory and masked by a link
/// from `/etc/systemd/system/<unit>` to `/dev/null`.
pub(super) fn systemd_unit(root: &Root, name: &str) -> UnitState {
    systemd_unit_in(root, &wants_dirs(root), name)
}

/// The `*.wants/` directories of [`UNIT_DIRS`], in the order systemd reads them. With a merged
/// /usr, /lib/systemd/system is /usr/lib/systemd/system: listed once.
fn wants_dirs(root: &Root) -> Vec<String> {
    let mut out = Vec::new();
    let mut seen = Vec::new();
    for dir in UNIT_DIRS {
        let Ok(host) = root.resolve(dir) else { continue };
        if seen.contains(&host) {
            continue;
        }
        seen.push(host);
        let Ok(entries) = root.read_dir(dir, root::MAX_DIR_ENTRIES) else { continue };
        out.extend(
            entries
                .iter()
                .filter(|e| e.name.ends_with(".wants") && e.kind == EntryKind::Dir)
                .map(|e| root::join(dir, &e.name)),
        );
    }
    out
}

/// [`systemd_unit`] with the wants directories already listed (one listing for all units).
fn systemd_unit_in(root: &Root, wants_dirs: &[String], name: &str) -> UnitState {
    let unit = format!("{name}.service");
    let state = |state, evidence| UnitState { name: name.to_string(), state, evidence };
    let mask = root::join(UNIT_DIRS[0], &unit);
    if let Ok(target) = root.read_link(&mask)
        && resolve_link_target(UNIT_DIRS[0], &target.to_string_lossy()) == "/dev/null"
    {
        return state(UnitEnablement::Masked, format!("{mask} -> /dev/null"));
    }
    let mut dangling = None;
    for wants_dir in wants_dirs {
        let link = root::join(wants_dir, &unit);
        match root.read_link(&link) {
            Ok(target) => {
                let shown = format!("{link} -> {}", target.display());
                let resolved = resolve_link_target(wants_dir, &target.to_string_lossy());
                if resolved == "/dev/null" {
                    return state(UnitEnablement::Masked, shown);
                }
                if root.is_file(&resolved) {
                    return state(UnitEnablement::Enabled, shown);
                }
                dangling.get_or_insert(format!("{shown} (dangling: the target is not in the image)"));
            }
            Err(e) if e.is_not_found() => {}
            // A regular file copied into a wants directory also pulls the unit in.
            Err(_) if root.is_file(&link) => return state(UnitEnablement::Enabled, link),
            Err(_) => {}
        }
    }
    let evidence =
        dangling.unwrap_or_else(|| format!("no {unit} link under {{/etc,/usr/lib}}/systemd/system/*.wants/"));
    state(UnitEnablement::Disabled, evidence)
}

/// CentOS/RHEL 6: `chkconfig` makes `/etc/rc.d/rc3.d/S<NN><name>` links to `../init.d/<name>`
/// (`K<NN><name>` when switched off).
fn sysv_script(root: &Root, name: &str) -> UnitState {
    let dir = "/etc/rc.d/rc3.d";
    let state = |state, evidence| UnitState { name: name.to_string(), state, evidence };
    let entries = root.read_dir(dir, root::MAX_DIR_ENTRIES).unwrap_or_default();
    let mut off = None;
    for e in &entries {
        let (Some(kind), Some(rest)) = (e.name.get(..1), e.name.get(3..)) else { continue };
        if rest != name || !e.name.as_bytes()[1..3].iter().all(u8::is_ascii_digit) {
            continue;
        }
        let link = root::join(dir, &e.name);
        let target = root.read_link(&link).map(|t| t.to_string_lossy().into_owned());
        let shown = match &target {
            Ok(t) => format!("{link} -> {t}"),
            Err(_) => link.clone(),
        };
        let exists = match &target {
            Ok(t) => root.is_file(&resolve_link_target(dir, t)),
            Err(_) => root.is_file(&link),
        };
        match kind {
            "S" if exists => return state(UnitEnablement::Enabled, shown),
            "S" => off = Some(format!("{shown} (dangling: the script is not in the image)")),
            "K" => off = Some(format!("{shown} (a stop link: chkconfig {name} off)")),
            _ => {}
        }
    }
    state(UnitEnablement::Disabled, off.unwrap_or_else(|| format!("no S??{name} link in {dir}")))
}

/// The in-root path a link in `dir` points at (relative targets are taken from `dir`).
fn resolve_link_target(dir: &str, target: &str) -> String {
    let joined = if target.starts_with('/') { target.to_string() } else { root::join(dir, target) };
    let mut parts: Vec<&str> = Vec::new();
    for c in joined.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    format!("/{}", parts.join("/"))
}

/// The keys of one configuration file that decide whether user-data scripts run.
#[derive(Debug, Default, Deserialize)]
struct CfgFile {
    #[serde(default)]
    cloud_final_modules: Option<Vec<ModuleEntry>>,
    #[serde(default)]
    datasource_list: Option<OneOrMany>,
}

/// A module entry: `scripts-user` or `[scripts-user, always]`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum ModuleEntry {
    Name(String),
    WithFrequency(Vec<String>),
}

/// `datasource_list` is a list; a bare string is accepted as a one-entry list.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

/// Reads and merges the configuration files.
pub fn read_config(root: &Root) -> Gathered<CloudConfig> {
    let mut files = vec![CLOUD_CFG.to_string()];
    match root.read_dir(CLOUD_CFG_D, MAX_DROP_INS) {
        Ok(entries) => files.extend(
            entries
                .iter()
                .filter(|e| e.name.ends_with(".cfg") && e.kind != EntryKind::Dir)
                .map(|e| root::join(CLOUD_CFG_D, &e.name)),
        ),
        Err(e) if e.is_not_found() => {}
        Err(e) => return Err(GatherError::from_root(e)),
    }
    let mut merged = CloudConfig {
        files: Vec::new(),
        final_modules: None,
        final_modules_from: None,
        datasource_list: None,
        datasource_list_from: None,
    };
    for file in files {
        let text = match root.read_text(&file) {
            Ok(t) => t,
            Err(e) if e.is_not_found() => continue,
            Err(e) => return Err(GatherError::from_root(e)),
        };
        let cfg = parse_cfg(&text).map_err(|e| GatherError::new(Some(&file), format!("{file}: {e}")))?;
        merge(&mut merged, &file, cfg);
        merged.files.push(file);
    }
    Ok(merged)
}

/// Parses and merges cloud-config texts in order, as `read_config` does with the files it
/// reads (for fuzzing and benches, which have texts, not an image).
pub fn merge_texts<'a>(files: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<CloudConfig, String> {
    let mut merged = CloudConfig::default();
    for (file, text) in files {
        merge(&mut merged, file, parse_cfg(text)?);
        merged.files.push(file.to_string());
    }
    Ok(merged)
}

fn merge(merged: &mut CloudConfig, file: &str, cfg: CfgFile) {
    if let Some(modules) = cfg.cloud_final_modules {
        merged.final_modules = Some(
            modules
                .into_iter()
                .filter_map(|m| match m {
                    ModuleEntry::Name(n) => Some(n),
                    ModuleEntry::WithFrequency(v) => v.into_iter().next(),
                })
                .collect(),
        );
        merged.final_modules_from = Some(file.to_string());
    }
    if let Some(list) = cfg.datasource_list {
        merged.datasource_list = Some(match list {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        });
        merged.datasource_list_from = Some(file.to_string());
    }
}

/// Parses one cloud-config file with a budget against alias bombs and deep nesting. An empty
/// file (or one with only comments) is an empty configuration, as in cloud-init.
fn parse_cfg(text: &str) -> Result<CfgFile, String> {
    if text.lines().all(|l| l.trim().is_empty() || l.trim_start().starts_with('#') || l.trim() == "---") {
        return Ok(CfgFile::default());
    }
    let options = serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_depth: 32,
            max_aliases: 1_000,
            max_anchors: 1_000,
            max_nodes: 100_000,
            max_events: 200_000,
            max_documents: 1,
        },
        // PyYAML, which cloud-init uses, keeps the last of duplicate keys.
        duplicate_keys: serde_saphyr::DuplicateKeyPolicy::LastWins,
    };
    let value: Option<CfgFile> =
        serde_saphyr::from_str_with_options(text, options).map_err(|e| e.to_string())?;
    Ok(value.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_duplicate_key_keeps_its_last_value_as_pyyaml_does() {
        let cfg = parse_cfg(
            "cloud_final_modules: [a]\nsystem_info: {x: 1, x: 2}\ncloud_final_modules:\n - scripts-user\n",
        )
        .unwrap();
        assert!(
            matches!(cfg.cloud_final_modules.as_deref(), Some([ModuleEntry::Name(n)]) if n == "scripts-user")
        );
    }

    /// Debian 12's stock /etc/cloud/cloud.cfg (cloud-init 22.4.2-1+deb12u1, copied from the
    /// debootstrapped root).
    const DEBIAN_12: &str = include_str!("../../tests/fixtures/debian-12/etc/cloud/cloud.cfg");
    /// CentOS 7.9's stock /etc/cloud/cloud.cfg (cloud-init-19.4-7.el7.centos): `scripts_user`-style
    /// underscores, flow lists with `~`.
    const CENTOS_7: &str = include_str!("../../tests/fixtures/centos-7.9/etc/cloud/cloud.cfg");
    /// The logging drop-in both ship (anchors and aliases, block scalars).
    const LOGGING: &str =
        include_str!("../../tests/fixtures/centos-7.9/etc/cloud/cloud.cfg.d/05_logging.cfg");

    fn merged(files: &[(&str, &str)]) -> CloudConfig {
        let mut m = merge_texts(files.iter().copied()).unwrap();
        m.files.clear();
        m
    }

    #[test]
    fn stock_configs_run_user_scripts() {
        for text in [DEBIAN_12, CENTOS_7] {
            let m = merged(&[(CLOUD_CFG, text), ("/etc/cloud/cloud.cfg.d/05_logging.cfg", LOGGING)]);
            assert!(m.runs_user_scripts(), "{m:?}");
            assert_eq!(m.datasource_list, None);
        }
    }

    #[test]
    fn later_drop_in_replaces_the_whole_list() {
        // Drop-in of the shape Debian's debconf writes (90_dpkg.cfg), then one that drops scripts-user.
        let dpkg = "# to update this file, run dpkg-reconfigure cloud-init\n\
datasource_list: [ NoCloud, ConfigDrive, OpenNebula, DigitalOcean, Azure, AltCloud, OVF, MAAS, GCE, OpenStack, CloudSigma, SmartOS, Bigstep, Scaleway, AliYun, Ec2, CloudStack, Hetzner, IBMCloud, Oracle, Exoscale, RbxCloud, UpCloud, VMware, Vultr, LXD, NWCS, None ]\n";
        let no_scripts = "cloud_final_modules:\n - [final-message, always]\n - power-state-change\n";
        let m = merged(&[
            (CLOUD_CFG, DEBIAN_12),
            ("/etc/cloud/cloud.cfg.d/90_dpkg.cfg", dpkg),
            ("/etc/cloud/cloud.cfg.d/99-x.cfg", no_scripts),
        ]);
        assert!(!m.runs_user_scripts());
        assert_eq!(
            m.final_modules.as_deref(),
            Some(&["final-message".to_string(), "power-state-change".to_string()][..])
        );
        assert_eq!(m.final_modules_from.as_deref(), Some("/etc/cloud/cloud.cfg.d/99-x.cfg"));
        let ds = m.datasource_list.unwrap();
        assert_eq!(
            (ds.len(), ds.first().map(String::as_str), ds.last().map(String::as_str)),
            (28, Some("NoCloud"), Some("None"))
        );
        assert_eq!(m.datasource_list_from.as_deref(), Some("/etc/cloud/cloud.cfg.d/90_dpkg.cfg"));
    }

    #[test]
    fn list_entries_with_frequency_and_underscores() {
        let m = merged(&[(CLOUD_CFG, "cloud_final_modules:\n - [scripts_user, always]\n")]);
        assert!(m.runs_user_scripts());
        let m = merged(&[(CLOUD_CFG, "datasource_list: Ec2\n")]);
        assert_eq!(m.datasource_list, Some(vec!["Ec2".to_string()]));
    }

    #[test]
    fn comment_only_and_empty_files_are_empty_configs() {
        let m =
            merged(&[(CLOUD_CFG, DEBIAN_12), ("a.cfg", "# nothing\n"), ("b.cfg", ""), ("c.cfg", "---\n")]);
        assert!(m.runs_user_scripts());
    }

    #[test]
    fn hostile_yaml_is_refused_not_expanded() {
        let bomb = "a: &a [\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\"]\n\
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\n\
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\n\
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f]\n\
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g,*g]\ni: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h,*h]\n\
cloud_final_modules: *i\n";
        let started = std::time::Instant::now();
        let e = parse_cfg(bomb).unwrap_err();
        assert!(e.contains("budget") || e.contains("alias"), "{e}");
        assert!(started.elapsed().as_secs() < 5, "the budget must stop it early");
        let deep = format!("cloud_final_modules: {}{}\n", "[".repeat(10_000), "]".repeat(10_000));
        let e = parse_cfg(&deep).unwrap_err();
        assert!(e.contains("recursion limit") || e.contains("depth"), "{e}");
        let deep_block: String = (0..200).map(|i| format!("{}k{i}:\n", " ".repeat(i))).collect::<String>()
            + &" ".repeat(200)
            + "v\n";
        let e = parse_cfg(&deep_block).unwrap_err();
        assert!(e.contains("budget breached") || e.contains("depth"), "{e}");
    }

    #[cfg(unix)]
    mod units {
        use super::super::*;
        use std::fs;
        use std::os::unix::fs::symlink;

        /// A root with systemd's unit directories; `merged` makes /lib a link to usr/lib as on
        /// Debian 12 and RHEL 9, else /lib/systemd/system is a directory of its own (CentOS 6/7
        /// style split /usr).
        fn root(merged: bool) -> (tempfile::TempDir, Root) {
            let d = tempfile::tempdir().unwrap();
            let r = d.path();
            fs::create_dir_all(r.join("etc/systemd/system/multi-user.target.wants")).unwrap();
            fs::create_dir_all(r.join("usr/lib/systemd/system/sysinit.target.wants")).unwrap();
            if merged {
                symlink("usr/lib", r.join("lib")).unwrap();
            } else {
                fs::create_dir_all(r.join("lib/systemd/system/cloud-init.target.wants")).unwrap();
            }
            let root = Root::new(r).unwrap();
            (d, root)
        }

        #[test]
        fn enabled_by_a_link_in_a_wants_directory() {
            let (d, root) = root(true);
            let r = d.path();
            fs::write(r.join("usr/lib/systemd/system/cloud-final.service"), "[Unit]\n").unwrap();
            // As `systemctl enable` makes it on Debian 12.
            symlink(
                "/lib/systemd/system/cloud-final.service",
                r.join("etc/systemd/system/multi-user.target.wants/cloud-final.service"),
            )
            .unwrap();
            let u = systemd_unit(&root, "cloud-final");
            assert_eq!(u.state, UnitEnablement::Enabled);
            assert_eq!(
                u.evidence,
                "/etc/systemd/system/multi-user.target.wants/cloud-final.service -> /lib/systemd/system/cloud-final.service"
            );
        }

        #[test]
        fn merged_usr_dangling_link_is_named_once_by_its_usr_lib_path() {
            let (d, root) = root(true);
            symlink(
                "../gone.service",
                d.path().join("usr/lib/systemd/system/sysinit.target.wants/cloud-init.service"),
            )
            .unwrap();
            let u = systemd_unit(&root, "cloud-init");
            assert_eq!(u.state, UnitEnablement::Disabled);
            assert_eq!(
                u.evidence,
                "/usr/lib/systemd/system/sysinit.target.wants/cloud-init.service -> ../gone.service (dangling: the target is not in the image)"
            );
        }

        #[test]
        fn split_usr_lib_systemd_is_still_looked_at() {
            let (d, root) = root(false);
            let r = d.path();
            fs::write(r.join("lib/systemd/system/cloud-init.service"), "[Unit]\n").unwrap();
            symlink(
                "../cloud-init.service",
                r.join("lib/systemd/system/cloud-init.target.wants/cloud-init.service"),
            )
            .unwrap();
            let u = systemd_unit(&root, "cloud-init");
            assert_eq!(u.state, UnitEnablement::Enabled);
            assert!(u.evidence.starts_with("/lib/systemd/system/cloud-init.target.wants/"), "{}", u.evidence);
        }

        #[test]
        fn a_copied_unit_file_enables_and_a_missing_one_does_not() {
            let (d, root) = root(true);
            fs::write(
                d.path().join("etc/systemd/system/multi-user.target.wants/cloud-config.service"),
                "[Unit]\n",
            )
            .unwrap();
            let u = systemd_unit(&root, "cloud-config");
            assert_eq!(u.state, UnitEnablement::Enabled);
            assert_eq!(u.evidence, "/etc/systemd/system/multi-user.target.wants/cloud-config.service");
            let u = systemd_unit(&root, "cloud-init-local");
            assert_eq!(u.state, UnitEnablement::Disabled);
            assert_eq!(
                u.evidence,
                "no cloud-init-local.service link under {/etc,/usr/lib}/systemd/system/*.wants/"
            );
        }

        #[test]
        fn masked_by_a_wants_link_to_dev_null() {
            let (d, root) = root(true);
            symlink(
                "/dev/null",
                d.path().join("usr/lib/systemd/system/sysinit.target.wants/cloud-init.service"),
            )
            .unwrap();
            assert_eq!(systemd_unit(&root, "cloud-init").state, UnitEnablement::Masked);
        }
    }

    #[test]
    fn link_targets_resolve_inside_the_root() {
        assert_eq!(
            resolve_link_target("/etc/rc.d/rc3.d", "../init.d/cloud-final"),
            "/etc/rc.d/init.d/cloud-final"
        );
        assert_eq!(
            resolve_link_target("/etc/x", "/lib/systemd/system/a.service"),
            "/lib/systemd/system/a.service"
        );
        assert_eq!(resolve_link_target("/etc", "../../../../dev/null"), "/dev/null");
    }
}
