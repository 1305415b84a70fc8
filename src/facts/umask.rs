//! The umask a bootstrap inherits: the live process umask (read, never changed for good), and
//! the configured defaults, evaluated in the order they really apply to a root,
//! non-interactive bootstrap.
//!
//! Two paths matter. The *service* path: cloud-init runs the user-data script from a systemd
//! unit (default `UMask=0022`, changed by `UMask=` in the unit or its drop-ins) or, on SysV
//! systems (CentOS/RHEL 6), from an init script that sources `/etc/init.d/functions`
//! (`umask 022`) and through it `/etc/sysconfig/init`. The *login* path: a root login shell the
//! bootstrap starts (`su -`, `sudo -i`, `bash -l`), which runs `pam_umask` (its `umask=`
//! argument, else `/etc/login.defs` `UMASK`), then `/etc/profile`, the `/etc/profile.d/*.sh`
//! it sources, and `/etc/bashrc` (via root's `~/.bashrc`). The effective value is the more
//! restrictive of the two, since the bootstrap may install from either.

use serde::Serialize;

use super::GatherError;
use super::shell::{self, ShellContext, Tri};
use crate::target::root::{EntryKind, join};
use crate::target::{Mode, RootError, Target};

/// Largest number of entries listed from one configuration directory (`/etc/profile.d`,
/// `/etc/pam.d`, unit directories); a directory holding more is reported, not read.
pub const MAX_CONFIG_ENTRIES: usize = 4096;
/// The umask every process starts with when nothing sets one (kernel, systemd's default).
pub const DEFAULT_UMASK: u32 = 0o022;

/// The systemd unit directories, in precedence order.
const UNIT_DIRS: [&str; 3] = ["/etc/systemd/system", "/usr/lib/systemd/system", "/lib/systemd/system"];
/// Where cloud-init's SysV init scripts live (CentOS/RHEL 6).
const SYSV_CLOUD_SCRIPTS: [&str; 4] = [
    "/etc/init.d/cloud-final",
    "/etc/init.d/cloud-init",
    "/etc/init.d/cloud-config",
    "/etc/init.d/cloud-init-local",
];

/// Where a value came from: a file and line, or a built-in default (`file` and `line` null).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Source {
    /// The in-root file, or `null` for a default.
    pub file: Option<String>,
    /// 1-based line number, or `null` for a default.
    pub line: Option<usize>,
    /// The line as written, or what the default is.
    pub text: String,
}

impl Source {
    fn default_of(text: &str) -> Source {
        Source { file: None, line: None, text: text.to_string() }
    }

    /// `FILE line N`, or the default's description.
    pub fn describe(&self) -> String {
        match (&self.file, self.line) {
            (Some(f), Some(l)) => format!("{f} line {l}"),
            (Some(f), None) => f.clone(),
            _ => self.text.clone(),
        }
    }
}

/// What kind of file a setting was found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SettingKind {
    /// `UMask=` in a cloud-init systemd unit or drop-in.
    SystemdUnit,
    /// `umask` in `/etc/init.d/functions`.
    InitFunctions,
    /// `umask` in `/etc/sysconfig/init` (sourced by the functions).
    SysconfigInit,
    /// `pam_umask` with a `umask=` argument.
    PamUmask,
    /// `UMASK` in `/etc/login.defs` (or `/etc/default/login`).
    LoginDefs,
    /// `umask` in `/etc/profile`.
    Profile,
    /// `umask` in `/etc/profile.d/*.sh`.
    ProfileD,
    /// `umask` in `/etc/bashrc`.
    Bashrc,
    /// `umask` in `/etc/bash.bashrc`.
    BashBashrc,
}

/// Whether a setting applies to the bootstrap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Applies {
    /// It is evaluated on the bootstrap's path.
    Yes,
    /// It is not (skipped branch, other kind of shell, no pam_umask, ...).
    No,
    /// It is under a condition that cannot be told without running the file.
    Maybe,
}

impl From<Tri> for Applies {
    fn from(t: Tri) -> Applies {
        match t {
            Tri::Yes => Applies::Yes,
            Tri::No => Applies::No,
            Tri::Maybe => Applies::Maybe,
        }
    }
}

/// One umask setting found in the target's configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Setting {
    /// The in-root file.
    pub file: String,
    /// 1-based line number.
    pub line: usize,
    /// The line as written (trimmed).
    pub text: String,
    /// What kind of file it is.
    pub kind: SettingKind,
    /// The mask as written (`077`, `u=rwx,g=,o=`, `0027`); the token to change.
    pub written: String,
    /// The resulting umask as four octal digits; `null` when it cannot be parsed.
    pub value: Option<String>,
    /// Whether it applies to the bootstrap.
    pub applies: Applies,
    /// `service` or `login`: the path it is on.
    pub path: &'static str,
    /// Why it applies or not, when that is not obvious.
    pub note: Option<String>,
}

impl Setting {
    /// Where it is, as a [`Source`].
    pub fn source(&self) -> Source {
        Source { file: Some(self.file.clone()), line: Some(self.line), text: self.text.clone() }
    }
}

/// A later-evaluated setting that replaced an earlier one with a different value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Override {
    /// The earlier setting.
    pub earlier: Source,
    /// Its value.
    pub earlier_value: String,
    /// The later setting that replaced it.
    pub later: Source,
    /// Its value.
    pub later_value: String,
}

/// The umask at the end of one path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PathResult {
    /// Four octal digits.
    pub value: String,
    /// The setting that decided it.
    pub source: Source,
}

/// The umask facts. `process`, `effective` and `source` are the JSON contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UmaskFacts {
    /// This process's umask as four octal digits (live host only; `null` in image mode).
    pub process: Option<String>,
    /// How `process` was read: `/proc/self/status`, or `umask(2)` set and restored.
    pub process_read_from: Option<String>,
    /// The umask the bootstrap gets: the more restrictive of the service and login paths.
    pub effective: String,
    /// The file and line that decided `effective` (`null`s for a built-in default).
    pub source: Source,
    /// `service` or `login`: which path decided.
    pub decided_by: &'static str,
    /// How cloud-init is started: `systemd`, `sysv` or `unknown`.
    pub init: &'static str,
    /// The umask cloud-init's service gives the user-data script.
    pub service: PathResult,
    /// The umask of a root login shell the bootstrap starts.
    pub login: PathResult,
    /// Every setting seen, in evaluation order.
    pub settings: Vec<Setting>,
    /// Later settings that replaced an earlier one with a different value.
    pub overrides: Vec<Override>,
    /// Files that could not be read (the verdict cannot be trusted while there are any).
    pub errors: Vec<GatherError>,
}

impl UmaskFacts {
    /// An image with no umask settings at all: the default 0022 from nowhere in particular.
    pub fn nothing_found() -> UmaskFacts {
        let source = Source::default_of("kernel default umask 0022");
        let path = PathResult { value: octal(DEFAULT_UMASK), source: source.clone() };
        UmaskFacts {
            process: None,
            process_read_from: None,
            effective: octal(DEFAULT_UMASK),
            source,
            decided_by: "service",
            init: "unknown",
            service: path.clone(),
            login: path,
            settings: Vec::new(),
            overrides: Vec::new(),
            errors: Vec::new(),
        }
    }
}

/// Formats a umask as four octal digits.
pub fn octal(mask: u32) -> String {
    format!("{:04o}", mask & 0o7777)
}

/// Parses a mask as `umask` takes it: octal (`077`, `0027`) or symbolic (`u=rwx,g=,o=`,
/// `g-w`), the latter relative to `current`. `None` when it is neither.
pub fn parse_mask(arg: &str, current: u32) -> Option<u32> {
    let arg = arg.trim();
    if !arg.is_empty() && arg.len() <= 4 && arg.chars().all(|c| ('0'..='7').contains(&c)) {
        return u32::from_str_radix(arg, 8).ok().map(|m| m & 0o777);
    }
    // Symbolic: operate on the permissions the mask allows, as chmod does on a mode.
    let mut allowed = !current & 0o777;
    for clause in arg.split(',') {
        let op_at = clause.find(['=', '+', '-'])?;
        let (who, mut rest) = clause.split_at(op_at);
        let mut who_bits = 0u32;
        for c in who.chars() {
            who_bits |= match c {
                'u' => 0o700,
                'g' => 0o070,
                'o' => 0o007,
                'a' => 0o777,
                _ => return None,
            };
        }
        if who.is_empty() {
            who_bits = 0o777;
        }
        while !rest.is_empty() {
            let op = rest.chars().next()?;
            let body = &rest[1..];
            let end = body.find(['=', '+', '-']).unwrap_or(body.len());
            let perms = &body[..end];
            let mut p = 0u32;
            for c in perms.chars() {
                p |= match c {
                    'r' => 0o444,
                    'w' => 0o222,
                    'x' | 'X' => 0o111,
                    's' | 't' => 0,
                    _ => return None,
                };
            }
            let p = p & who_bits;
            allowed = match op {
                '=' => (allowed & !who_bits) | p,
                '+' => allowed | p,
                '-' => allowed & !p,
                _ => return None,
            };
            rest = &body[end..];
        }
    }
    Some(!allowed & 0o777)
}

/// How restrictive a mask is, for choosing between paths: more masked bits, then higher value.
fn restrictiveness(mask: u32) -> (u32, u32) {
    ((mask & 0o777).count_ones(), mask)
}

/// Gathers the umask facts of the target.
pub fn gather(target: &Target) -> UmaskFacts {
    let (process, process_read_from) = match target.mode {
        Mode::Live => match process_umask() {
            Some((m, from)) => (Some(octal(m)), Some(from.to_string())),
            None => (None, None),
        },
        Mode::Image => (None, None),
    };
    let mut g = Gatherer { target, settings: Vec::new(), errors: Vec::new(), overrides: Vec::new() };
    let (init, service) = g.service_path();
    let (login, login_set_it) = g.login_path(&service);
    // On a tie, name the login path's file when it set the value itself and the service's
    // value is only a default.
    let (decided_by, chosen) = if restrictiveness(login.0) > restrictiveness(service.0)
        || (login.0 == service.0 && login_set_it && service.1.file.is_none())
    {
        ("login", &login)
    } else {
        ("service", &service)
    };
    UmaskFacts {
        process,
        process_read_from,
        effective: octal(chosen.0),
        source: chosen.1.clone(),
        decided_by,
        init,
        service: PathResult { value: octal(service.0), source: service.1.clone() },
        login: PathResult { value: octal(login.0), source: login.1.clone() },
        settings: g.settings,
        overrides: g.overrides,
        errors: g.errors,
    }
}

/// The live process umask, read without changing it where the kernel reports it.
#[cfg(unix)]
fn process_umask() -> Option<(u32, &'static str)> {
    // Host state of this very process, not a target file: the root resolver does not apply.
    if let Ok(status) = std::fs::read_to_string("/proc/self/status")
        && let Some(m) = parse_proc_status(&status)
    {
        return Some((m, "/proc/self/status"));
    }
    Some((umask_set_and_restore(), "umask(2), set and restored"))
}

/// Reads the umask the only way POSIX offers: set a value and put the old one back.
#[cfg(unix)]
fn umask_set_and_restore() -> u32 {
    // SAFETY: umask(2) cannot fail; the old value is restored at once. bootready reads the
    // facts before starting any thread that creates files.
    let old = unsafe { libc::umask(0o022) };
    unsafe { libc::umask(old) };
    // mode_t is u16 on some Unixes, u32 on Linux.
    #[allow(clippy::useless_conversion)]
    u32::from(old)
}

#[cfg(not(unix))]
fn process_umask() -> Option<(u32, &'static str)> {
    None
}

/// The `Umask:` field of `/proc/<pid>/status` (Linux 4.7 and later).
pub fn parse_proc_status(status: &str) -> Option<u32> {
    status.lines().find_map(|l| l.strip_prefix("Umask:")).and_then(|v| u32::from_str_radix(v.trim(), 8).ok())
}

/// A path's value and the source that set it.
type PathValue = (u32, Source);

struct Gatherer<'a> {
    target: &'a Target,
    settings: Vec<Setting>,
    errors: Vec<GatherError>,
    overrides: Vec<Override>,
}

/// One path being evaluated: its current value, what set it, and the last explicit setting.
struct Chain {
    value: u32,
    source: Source,
    last: Option<(Source, u32)>,
}

impl Chain {
    fn new(value: u32, source: Source) -> Chain {
        Chain { value, source, last: None }
    }
}

impl Gatherer<'_> {
    fn read(&mut self, path: &str) -> Option<String> {
        match self.target.root.read_text(path) {
            Ok(t) => Some(t),
            Err(e) if e.is_not_found() => None,
            Err(e) => {
                self.errors.push(GatherError::from_root(e));
                None
            }
        }
    }

    fn list(&mut self, dir: &str) -> Vec<(String, EntryKind)> {
        match self.target.root.read_dir(dir, MAX_CONFIG_ENTRIES) {
            Ok(entries) => entries.into_iter().map(|e| (e.name, e.kind)).collect(),
            Err(RootError::NotFound { .. }) | Err(RootError::NotDirectory { .. }) => Vec::new(),
            Err(e) => {
                self.errors.push(GatherError::from_root(e));
                Vec::new()
            }
        }
    }

    /// Records a setting; when it applies, moves `chain` to its value and notes an override.
    #[allow(clippy::too_many_arguments)] // one call site per file kind; a struct would only rename them
    fn add(
        &mut self,
        chain: &mut Chain,
        path: &'static str,
        kind: SettingKind,
        file: &str,
        line: usize,
        text: &str,
        written: &str,
        applies: Applies,
        note: Option<String>,
    ) {
        let base = if applies == Applies::Yes { chain.value } else { DEFAULT_UMASK };
        let value = parse_mask(written, base);
        let setting = Setting {
            file: file.to_string(),
            line,
            text: text.trim().to_string(),
            kind,
            written: written.to_string(),
            value: value.map(octal),
            applies,
            path,
            note: match (value, note) {
                (None, n) => Some(n.map_or_else(
                    || format!("{written:?} is not a mask bootready can read"),
                    |n| format!("{n}; {written:?} is not a mask bootready can read"),
                )),
                (_, n) => n,
            },
        };
        if applies == Applies::Yes
            && let Some(v) = value
        {
            let src = setting.source();
            // Surprising: a later file unmasks bits an earlier one masked (hardening undone).
            // A later file masking more (hardening over the distro default) is expected.
            if let Some((prev, prev_v)) = &chain.last
                && prev.file != src.file
                && prev_v & !v & 0o777 != 0
            {
                self.overrides.push(Override {
                    earlier: prev.clone(),
                    earlier_value: octal(*prev_v),
                    later: src.clone(),
                    later_value: octal(v),
                });
            }
            chain.value = v;
            chain.source = src.clone();
            chain.last = Some((src, v));
        }
        self.settings.push(setting);
    }

    /// Adds the `umask` commands of a shell file run in `ctx`; `applies` caps what they can be.
    #[allow(clippy::too_many_arguments)] // see `add`
    fn shell_file(
        &mut self,
        chain: &mut Chain,
        path: &'static str,
        kind: SettingKind,
        file: &str,
        text: &str,
        ctx: ShellContext,
        lines: std::ops::Range<usize>,
        cap: Option<(Applies, &str)>,
    ) {
        for cmd in shell::umask_commands(text, ctx) {
            if !lines.contains(&cmd.line) {
                continue;
            }
            let Some(arg) = cmd.arg else { continue }; // `umask`, `umask -S`: print only
            let mut applies = Applies::from(cmd.runs);
            let mut note = match cmd.runs {
                Tri::No => Some("on a branch a root, non-interactive login shell does not take".to_string()),
                Tri::Maybe => Some("under a condition bootready cannot evaluate".to_string()),
                Tri::Yes => None,
            };
            if let Some((cap, why)) = cap
                && applies != Applies::No
            {
                applies = cap;
                note = Some(why.to_string());
            }
            self.add(chain, path, kind, file, cmd.line, &cmd.text, &arg, applies, note);
        }
    }

    /// The service path: what cloud-init's own process gives the user-data script.
    fn service_path(&mut self) -> (&'static str, PathValue) {
        let units = self.cloud_units();
        let systemd_present = [
            "/usr/lib/systemd/systemd",
            "/lib/systemd/systemd",
            "/usr/lib/systemd/system",
            "/lib/systemd/system",
        ]
        .iter()
        .any(|p| self.target.root.exists(p));
        let sysv_cloud = SYSV_CLOUD_SCRIPTS.iter().any(|p| self.target.root.exists(p));
        let functions = self.target.root.exists("/etc/init.d/functions");
        let init = if !units.is_empty() || (systemd_present && !sysv_cloud) {
            "systemd"
        } else if sysv_cloud || functions {
            "sysv"
        } else {
            "unknown"
        };
        let non_login = ShellContext { login: false, interactive: false };
        if init == "sysv" {
            let mut chain = Chain::new(DEFAULT_UMASK, Source::default_of("kernel default umask 0022"));
            if let Some(text) = self.read("/etc/init.d/functions") {
                self.shell_file(
                    &mut chain,
                    "service",
                    SettingKind::InitFunctions,
                    "/etc/init.d/functions",
                    &text,
                    non_login,
                    0..usize::MAX,
                    None,
                );
                if let Some(init_conf) = self.read("/etc/sysconfig/init") {
                    self.shell_file(
                        &mut chain,
                        "service",
                        SettingKind::SysconfigInit,
                        "/etc/sysconfig/init",
                        &init_conf,
                        non_login,
                        0..usize::MAX,
                        None,
                    );
                }
            }
            return (init, (chain.value, chain.source));
        }
        // systemd (or unknown): the functions file is only read by SysV scripts.
        if let Some(text) = self.read("/etc/init.d/functions") {
            let mut scratch = Chain::new(DEFAULT_UMASK, Source::default_of(""));
            let why = "read only by SysV init scripts; cloud-init starts from systemd units here";
            self.shell_file(
                &mut scratch,
                "service",
                SettingKind::InitFunctions,
                "/etc/init.d/functions",
                &text,
                non_login,
                0..usize::MAX,
                Some((Applies::No, why)),
            );
        }
        let mut best: Option<PathValue> = None;
        for (unit, file, dropins) in units {
            let mut chain = Chain::new(DEFAULT_UMASK, Source::default_of("systemd default UMask=0022"));
            for f in std::iter::once(file).chain(dropins) {
                let Some(text) = self.read(&f) else { continue };
                for (line, raw, value) in unit_umask_lines(&text) {
                    let note = Some(format!("applies to {unit}"));
                    self.add(
                        &mut chain,
                        "service",
                        SettingKind::SystemdUnit,
                        &f,
                        line,
                        raw,
                        value,
                        Applies::Yes,
                        note,
                    );
                }
            }
            if best.as_ref().is_none_or(|b| restrictiveness(chain.value) > restrictiveness(b.0)) {
                best = Some((chain.value, chain.source));
            }
        }
        let default =
            if init == "systemd" { "systemd default UMask=0022" } else { "kernel default umask 0022" };
        (init, best.unwrap_or_else(|| (DEFAULT_UMASK, Source::default_of(default))))
    }

    /// cloud-init's units: (name, unit file, drop-ins in the order systemd applies them).
    fn cloud_units(&mut self) -> Vec<(String, String, Vec<String>)> {
        let mut names: Vec<String> = Vec::new();
        let mut listing: Vec<(&str, Vec<(String, EntryKind)>)> = Vec::new();
        let mut seen = Vec::new();
        for dir in UNIT_DIRS {
            // With a merged /usr, /lib/systemd/system is /usr/lib/systemd/system: its units and
            // drop-ins would only be found again (and dropped as duplicates), so it is listed once.
            if let Ok(host) = self.target.root.resolve(dir) {
                if seen.contains(&host) {
                    continue;
                }
                seen.push(host);
            }
            let entries = self.list(dir);
            for (name, kind) in &entries {
                if is_cloud_init_unit(name) && *kind != EntryKind::Dir && !names.contains(name) {
                    names.push(name.clone());
                }
            }
            listing.push((dir, entries));
        }
        names.sort();
        let mut out = Vec::new();
        for name in names {
            // The first directory whose listing has the unit wins; a link to /dev/null masks it.
            let Some((dir, kind)) = listing
                .iter()
                .find_map(|(dir, entries)| entries.iter().find(|(n, _)| *n == name).map(|(_, k)| (dir, *k)))
            else {
                continue;
            };
            let file = join(dir, &name);
            if kind == EntryKind::Symlink
                && self.target.root.read_link(&file).is_ok_and(|t| t.as_os_str() == "/dev/null")
            {
                continue;
            }
            // Drop-in directories: the unit's own, then the prefix ones (`cloud-.service.d`).
            let mut dropin_dirs = vec![format!("{name}.d")];
            let stem = name.trim_end_matches(".service");
            for (i, _) in stem.match_indices('-') {
                dropin_dirs.push(format!("{}-.service.d", &stem[..i]));
            }
            dropin_dirs.push("service.d".to_string());
            let mut confs: Vec<(String, String)> = Vec::new(); // (file name, path)
            for sub in &dropin_dirs {
                for (dir, entries) in &listing {
                    if !entries.iter().any(|(n, _)| n == sub) {
                        continue;
                    }
                    let d = join(dir, sub);
                    for (conf, kind) in self.list(&d) {
                        if conf.ends_with(".conf")
                            && kind != EntryKind::Dir
                            && !confs.iter().any(|(n, _)| *n == conf)
                        {
                            confs.push((conf.clone(), join(&d, &conf)));
                        }
                    }
                }
            }
            confs.sort();
            out.push((name, file, confs.into_iter().map(|(_, p)| p).collect()));
        }
        out
    }

    /// The login path: pam_umask, then the shell startup files of a root login shell.
    fn login_path(&mut self, service: &PathValue) -> (PathValue, bool) {
        let inherited = Source {
            text: format!("inherited from the service path ({})", service.1.describe()),
            ..service.1.clone()
        };
        let mut chain = Chain::new(service.0, inherited);
        self.pam(&mut chain);
        let login = ShellContext { login: true, interactive: false };
        let profile = self.read("/etc/profile");
        // Where /etc/profile sources profile.d: its lines after that run after profile.d.
        let split = profile
            .as_deref()
            .and_then(|t| {
                t.lines().position(|l| l.contains("/etc/profile.d/") && !l.trim_start().starts_with('#'))
            })
            .map(|i| i + 1)
            .unwrap_or(usize::MAX);
        if let Some(text) = &profile {
            self.shell_file(
                &mut chain,
                "login",
                SettingKind::Profile,
                "/etc/profile",
                text,
                login,
                0..split,
                None,
            );
        }
        let mut scripts: Vec<String> = self
            .list("/etc/profile.d")
            .into_iter()
            .filter(|(n, k)| n.ends_with(".sh") && *k != EntryKind::Dir)
            .map(|(n, _)| n)
            .collect();
        scripts.sort(); // the shell's glob order (C locale)
        // RHEL 7.5 and later source /etc/profile.d/sh.local after the *.sh scripts.
        if profile.as_deref().is_some_and(|t| t.contains("/etc/profile.d/sh.local")) {
            scripts.push("sh.local".to_string());
        }
        for name in scripts {
            let file = join("/etc/profile.d", &name);
            if let Some(text) = self.read(&file) {
                self.shell_file(
                    &mut chain,
                    "login",
                    SettingKind::ProfileD,
                    &file,
                    &text,
                    login,
                    0..usize::MAX,
                    None,
                );
            }
        }
        if let Some(text) = &profile {
            self.shell_file(
                &mut chain,
                "login",
                SettingKind::Profile,
                "/etc/profile",
                text,
                login,
                split..usize::MAX,
                None,
            );
        }
        // RHEL: root's ~/.bashrc sources /etc/bashrc, in login shells too.
        if let Some(text) = self.read("/etc/bashrc") {
            self.shell_file(
                &mut chain,
                "login",
                SettingKind::Bashrc,
                "/etc/bashrc",
                &text,
                login,
                0..usize::MAX,
                None,
            );
        }
        // Debian, Ubuntu: read by interactive shells only.
        if let Some(text) = self.read("/etc/bash.bashrc") {
            let why = "read only by interactive shells (/etc/profile sources it only when PS1 is set)";
            let interactive = ShellContext { login: true, interactive: true };
            self.shell_file(
                &mut chain,
                "login",
                SettingKind::BashBashrc,
                "/etc/bash.bashrc",
                &text,
                interactive,
                0..usize::MAX,
                Some((Applies::No, why)),
            );
        }
        let set_it = chain.last.is_some();
        ((chain.value, chain.source), set_it)
    }

    /// pam_umask session lines, and the login.defs `UMASK` they fall back to.
    fn pam(&mut self, chain: &mut Chain) {
        let defs = self.read("/etc/login.defs").and_then(|t| login_defs_umask(&t));
        let mut pam_lines: Vec<(String, usize, String, Option<String>)> = Vec::new();
        for (name, kind) in self.list("/etc/pam.d") {
            if kind == EntryKind::Dir {
                continue;
            }
            let file = join("/etc/pam.d", &name);
            if let Some(text) = self.read(&file) {
                for (line, raw, arg) in pam_umask_lines(&text) {
                    pam_lines.push((file.clone(), line, raw.to_string(), arg));
                }
            }
        }
        let default_login = self.read("/etc/default/login").and_then(|t| default_login_umask(&t));
        // Each pam_umask line's value: its umask= argument, else login.defs, else /etc/default/login.
        let mut candidates: Vec<(Setting, SettingKind)> = Vec::new();
        for (file, line, raw, arg) in &pam_lines {
            match arg {
                Some(a) => candidates
                    .push((setting(file, *line, raw, SettingKind::PamUmask, a, None), SettingKind::PamUmask)),
                None => {
                    let via = format!("applied by pam_umask ({file} line {line}, no umask= argument)");
                    if let Some((l, raw, v)) = &defs {
                        candidates.push((
                            setting("/etc/login.defs", *l, raw, SettingKind::LoginDefs, v, Some(via)),
                            SettingKind::LoginDefs,
                        ));
                    } else if let Some((l, raw, v)) = &default_login {
                        candidates.push((
                            setting("/etc/default/login", *l, raw, SettingKind::LoginDefs, v, Some(via)),
                            SettingKind::LoginDefs,
                        ));
                    }
                }
            }
        }
        // Several PAM services may carry pam_umask: the most restrictive is the one that bites.
        let chosen = candidates
            .iter()
            .max_by_key(|(s, _)| restrictiveness(parse_mask(&s.written, DEFAULT_UMASK).unwrap_or(0)))
            .map(|(s, _)| s.clone());
        let defs_used = chosen.as_ref().is_some_and(|s| s.file == "/etc/login.defs");
        if let Some((l, raw, v)) = &defs
            && !defs_used
        {
            let why = if pam_lines.is_empty() {
                "no pam_umask session line in /etc/pam.d: UMASK here sets new home directories' mode (useradd), not sessions".to_string()
            } else {
                "pam_umask takes its umask= argument instead".to_string()
            };
            self.add(
                chain,
                "login",
                SettingKind::LoginDefs,
                "/etc/login.defs",
                *l,
                raw,
                v,
                Applies::No,
                Some(why),
            );
        }
        for (s, _) in &candidates {
            let is_chosen = chosen.as_ref() == Some(s);
            let applies = if is_chosen { Applies::Yes } else { Applies::No };
            let note = if is_chosen {
                s.note.clone()
            } else {
                Some("another pam_umask line is more restrictive".to_string())
            };
            self.add(chain, "login", s.kind, &s.file, s.line, &s.text, &s.written, applies, note);
        }
    }
}

fn setting(
    file: &str,
    line: usize,
    text: &str,
    kind: SettingKind,
    written: &str,
    note: Option<String>,
) -> Setting {
    Setting {
        file: file.to_string(),
        line,
        text: text.trim().to_string(),
        kind,
        written: written.to_string(),
        value: None,
        applies: Applies::No,
        path: "login",
        note,
    }
}

/// True for cloud-init's own service units (`cloud-init*.service`, `cloud-config.service`,
/// `cloud-final.service`).
pub fn is_cloud_init_unit(name: &str) -> bool {
    (name.starts_with("cloud-init") || name == "cloud-config.service" || name == "cloud-final.service")
        && name.ends_with(".service")
        && !name.contains('@')
}

/// `UMask=` lines in the `[Service]` section of a unit file: (line, raw line, value).
pub fn unit_umask_lines(text: &str) -> Vec<(usize, &str, &str)> {
    let mut section = "";
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let l = raw.trim();
        if l.starts_with('#') || l.starts_with(';') {
            continue;
        }
        if l.starts_with('[') {
            section = l;
            continue;
        }
        if section == "[Service]"
            && let Some((k, v)) = l.split_once('=')
            && k.trim() == "UMask"
        {
            out.push((i + 1, raw, v.trim()));
        }
    }
    out
}

/// The last `UMASK` line of `/etc/login.defs`: (line, raw line, value).
pub fn login_defs_umask(text: &str) -> Option<(usize, String, String)> {
    let lines: Vec<&str> = text.lines().collect();
    lines.iter().enumerate().rev().find_map(|(i, raw)| {
        let mut words = raw.split_whitespace();
        (words.next() == Some("UMASK"))
            .then(|| words.next().map(|v| (i + 1, raw.to_string(), v.to_string())))?
    })
}

/// The `UMASK=` line of `/etc/default/login`: (line, raw line, value).
fn default_login_umask(text: &str) -> Option<(usize, String, String)> {
    let lines: Vec<&str> = text.lines().collect();
    lines.iter().enumerate().rev().find_map(|(i, raw)| {
        let v = raw.trim().strip_prefix("UMASK=")?;
        Some((i + 1, raw.to_string(), shell::unquote(v.trim())))
    })
}

/// `session ... pam_umask.so [umask=MASK]` lines of a PAM file: (line, raw, umask= argument).
pub fn pam_umask_lines(text: &str) -> Vec<(usize, &str, Option<String>)> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let l = raw.trim();
        if l.starts_with('#') {
            continue;
        }
        let l = l.split('#').next().unwrap_or("");
        let mut words = l.split_whitespace();
        let Some(kind) = words.next() else { continue };
        if kind.trim_start_matches('-') != "session" {
            continue;
        }
        // The control field may be a bracketed list with spaces: `[default=1 success=ok]`.
        let mut control = words.next().unwrap_or("").to_string();
        while control.starts_with('[') && !control.ends_with(']') {
            match words.next() {
                Some(w) => control.push_str(w),
                None => break,
            }
        }
        let Some(module) = words.next() else { continue };
        if module.rsplit('/').next() != Some("pam_umask.so") {
            continue;
        }
        let arg = words.find_map(|w| w.strip_prefix("umask=")).map(str::to_string);
        out.push((i + 1, raw, arg));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn octal_and_symbolic_masks() {
        assert_eq!(parse_mask("077", 0o022), Some(0o077));
        assert_eq!(parse_mask("0027", 0o022), Some(0o027));
        assert_eq!(parse_mask("22", 0o000), Some(0o022));
        assert_eq!(parse_mask("u=rwx,g=,o=", 0o022), Some(0o077));
        assert_eq!(parse_mask("u=rwx,g=rx,o=rx", 0o077), Some(0o022));
        assert_eq!(parse_mask("g-w", 0o002), Some(0o022));
        assert_eq!(parse_mask("o-rwx", 0o022), Some(0o027));
        assert_eq!(parse_mask("a+r", 0o077), Some(0o033));
        assert_eq!(parse_mask("$UMASK", 0o022), None);
        assert_eq!(parse_mask("0999", 0o022), None);
        assert_eq!(parse_mask("", 0o022), None);
    }

    #[test]
    fn proc_status_umask() {
        // Linux 6.1 /proc/self/status, first lines.
        let s = "Name:\tcat\nUmask:\t0027\nState:\tR (running)\n";
        assert_eq!(parse_proc_status(s), Some(0o027));
        assert_eq!(parse_proc_status("Name:\tcat\n"), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn set_and_restore_agrees_with_proc_and_changes_nothing() {
        let proc_value = || parse_proc_status(&std::fs::read_to_string("/proc/self/status").unwrap());
        let before = proc_value().unwrap();
        assert_eq!(umask_set_and_restore(), before);
        assert_eq!(proc_value(), Some(before));
    }

    #[cfg(unix)]
    #[test]
    fn systemd_drop_ins_apply_in_file_name_order_across_directories() {
        use crate::target::Target;
        let dir = tempfile::tempdir().unwrap();
        let w = |p: &str, s: &str| {
            let p = dir.path().join(p);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, s).unwrap();
        };
        w("usr/lib/systemd/system/cloud-final.service", "[Service]\nType=oneshot\n");
        w("usr/lib/systemd/system/cloud-init.service", "[Service]\nType=oneshot\n");
        // A prefix drop-in (applies to every cloud-*.service) sorts before the unit's own.
        w("etc/systemd/system/cloud-.service.d/10-harden.conf", "[Service]\nUMask=0077\n");
        w("usr/lib/systemd/system/cloud-final.service.d/20-vendor.conf", "[Service]\nUMask=0027\n");
        w("etc/systemd/system/cloud-final.service.d/90-installers.conf", "[Service]\nUMask=0022\n");
        let target = Target::image(dir.path()).unwrap();
        let u = gather(&target);
        assert_eq!(u.init, "systemd");
        // cloud-final ends at 0022, but cloud-init.service keeps the prefix drop-in's 0077.
        assert_eq!(u.service.value, "0077");
        assert_eq!(
            u.service.source.file.as_deref(),
            Some("/etc/systemd/system/cloud-.service.d/10-harden.conf")
        );
        let files: Vec<&str> = u.settings.iter().map(|s| s.file.as_str()).collect();
        assert_eq!(
            files,
            [
                "/etc/systemd/system/cloud-.service.d/10-harden.conf",
                "/usr/lib/systemd/system/cloud-final.service.d/20-vendor.conf",
                "/etc/systemd/system/cloud-final.service.d/90-installers.conf",
                "/etc/systemd/system/cloud-.service.d/10-harden.conf",
            ]
        );
        // 0077 -> 0027 -> 0022 loosens twice: both are surprising overrides.
        assert_eq!(u.overrides.len(), 2);
    }

    #[test]
    fn login_defs_last_uncommented_umask() {
        // CentOS 7 /etc/login.defs excerpt.
        let t = "# Default initial \"umask\" value used by login on non-PAM enabled systems.\n#UMASK 022\nUMASK           077\n\n# Use SHA512 to encrypt password.\nENCRYPT_METHOD SHA512\n";
        assert_eq!(login_defs_umask(t), Some((3, "UMASK           077".into(), "077".into())));
        assert_eq!(login_defs_umask("#UMASK 077\n"), None);
    }

    #[test]
    fn pam_umask_session_lines() {
        // Ubuntu 22.04 /etc/pam.d/common-session excerpt, plus a hardened line.
        let t = "session\t[default=1]\t\t\tpam_permit.so\nsession optional\t\t\tpam_umask.so\n# session optional pam_umask.so umask=0077\n-session optional /lib/security/pam_umask.so usergroups umask=0027\nsession [success=ok default=ignore] pam_umask.so umask=077\nauth optional pam_umask.so umask=0777\n";
        let got = pam_umask_lines(t);
        assert_eq!(
            got.iter().map(|g| (g.0, g.2.clone())).collect::<Vec<_>>(),
            [(2, None), (4, Some("0027".into())), (5, Some("077".into()))]
        );
    }

    #[test]
    fn unit_umask_only_in_service_section() {
        let t = "[Unit]\nDescription=x\nUMask=0777\n\n[Service]\n# UMask=0000\nType=oneshot\nUMask=0077\n";
        assert_eq!(unit_umask_lines(t), [(8, "UMask=0077", "0077")]);
    }

    #[test]
    fn cloud_init_unit_names() {
        for n in [
            "cloud-init.service",
            "cloud-init-local.service",
            "cloud-config.service",
            "cloud-final.service",
            "cloud-init-main.service",
        ] {
            assert!(is_cloud_init_unit(n), "{n}");
        }
        for n in
            ["cloud-init.target", "cloud-init-hotplugd.socket", "cloud-config.target", "cloudflared.service"]
        {
            assert!(!is_cloud_init_unit(n), "{n}");
        }
    }
}
