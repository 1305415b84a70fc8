//! Local accounts (`/etc/passwd`, `/etc/group`) and sudo rules (`/etc/sudoers` and what it
//! includes), read as sudo reads them: `#include`/`@include`, `#includedir`/`@includedir`
//! (skipping the names sudo skips: containing `.` or ending in `~`), aliases, `Defaults`.

use std::collections::BTreeMap;

use serde::Serialize;

use super::GatherError;
use crate::target::Target;
use crate::target::root::{EntryKind, join};

/// The main sudoers file.
pub const SUDOERS: &str = "/etc/sudoers";
/// How deep includes may nest (sudo allows 128; real images use 1).
const MAX_INCLUDE_DEPTH: usize = 8;
/// Largest number of files listed from one include directory.
const MAX_INCLUDEDIR_ENTRIES: usize = 4096;

/// A local user from `/etc/passwd`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    /// Login name.
    pub name: String,
    /// Numeric user id.
    pub uid: u32,
    /// Primary group id.
    pub gid: u32,
    /// Login shell.
    pub shell: String,
}

/// A local group from `/etc/group`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Group {
    /// Group name.
    pub name: String,
    /// Numeric group id.
    pub gid: u32,
    /// Supplementary members.
    pub members: Vec<String>,
}

/// One command of a sudo rule, with the tags in force for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SudoCommand {
    /// The command (`ALL`, `/usr/bin/yum`, a `Cmnd_Alias` name).
    pub command: String,
    /// Written as `!command`: explicitly denied.
    pub negated: bool,
    /// `NOPASSWD:` is in force.
    pub nopasswd: bool,
}

/// A user specification: who may run what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SudoRule {
    /// The file it is in.
    pub file: String,
    /// 1-based line number.
    pub line: usize,
    /// The line as written.
    pub text: String,
    /// The user list (`alice`, `%wheel`, `#1000`, `ALL`, a `User_Alias`, `!bob`).
    pub users: Vec<String>,
    /// The host list.
    pub hosts: Vec<String>,
    /// The commands with their tags.
    pub commands: Vec<SudoCommand>,
}

/// A `Defaults` line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SudoDefaults {
    /// The file it is in.
    pub file: String,
    /// 1-based line number.
    pub line: usize,
    /// The line as written.
    pub text: String,
    /// `None` for plain `Defaults`; the user list of `Defaults:users`; `Some("@host")`,
    /// `Some(">runas")`, `Some("!cmd")` for the other scopes.
    pub scope: Option<String>,
    /// The settings (`requiretty`, `!requiretty`, `env_reset`, `secure_path=...`).
    pub settings: Vec<String>,
}

/// A file sudo's `#includedir` skips, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkippedFile {
    /// The in-root file.
    pub file: String,
    /// Why sudo does not read it.
    pub reason: String,
}

/// Everything sudo would read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Sudoers {
    /// `/etc/sudoers` exists.
    pub found: bool,
    /// Files read, in order.
    pub files: Vec<String>,
    /// User specifications, in order.
    pub rules: Vec<SudoRule>,
    /// `Defaults` lines, in order.
    pub defaults: Vec<SudoDefaults>,
    /// `User_Alias` definitions.
    pub user_aliases: BTreeMap<String, Vec<String>>,
    /// `Cmnd_Alias` definitions.
    pub command_aliases: BTreeMap<String, Vec<String>>,
    /// Files in include directories that sudo skips.
    pub skipped: Vec<SkippedFile>,
}

/// The accounts facts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Accounts {
    /// `/etc/passwd` exists.
    pub passwd_found: bool,
    /// Users from `/etc/passwd`.
    pub users: Vec<User>,
    /// Groups from `/etc/group`.
    pub groups: Vec<Group>,
    /// The sudo rules.
    pub sudoers: Sudoers,
    /// Files that could not be read or parsed.
    pub errors: Vec<GatherError>,
}

impl Accounts {
    /// The user `name`, if the image has it.
    pub fn user(&self, name: &str) -> Option<&User> {
        self.users.iter().find(|u| u.name == name)
    }

    /// The names of the groups `user` is in: its primary group and the supplementary ones.
    pub fn groups_of(&self, user: &User) -> Vec<(String, u32)> {
        let mut out: Vec<(String, u32)> = Vec::new();
        match self.groups.iter().find(|g| g.gid == user.gid) {
            Some(g) => out.push((g.name.clone(), g.gid)),
            None => out.push((String::new(), user.gid)),
        }
        for g in &self.groups {
            if g.members.contains(&user.name) && !out.iter().any(|(n, _)| *n == g.name) {
                out.push((g.name.clone(), g.gid));
            }
        }
        out
    }
}

/// Reads the target's accounts and sudo rules.
pub fn gather(target: &Target) -> Accounts {
    let mut a = Accounts::default();
    match target.root.read_text("/etc/passwd") {
        Ok(t) => {
            a.passwd_found = true;
            a.users = parse_passwd(&t);
        }
        Err(e) if e.is_not_found() => {}
        Err(e) => a.errors.push(GatherError::from_root(e)),
    }
    match target.root.read_text("/etc/group") {
        Ok(t) => a.groups = parse_group(&t),
        Err(e) if e.is_not_found() => {}
        Err(e) => a.errors.push(GatherError::from_root(e)),
    }
    let mut reader = SudoersReader { target, out: Sudoers::default(), errors: Vec::new() };
    if target.root.exists(SUDOERS) {
        reader.out.found = true;
        reader.file(SUDOERS, 0);
    }
    a.sudoers = reader.out;
    a.errors.extend(reader.errors);
    a
}

/// Parses `/etc/passwd`; malformed lines (and NIS `+` lines) are skipped.
pub fn parse_passwd(text: &str) -> Vec<User> {
    text.lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            if f.len() < 7 || f[0].is_empty() || f[0].starts_with(['+', '-', '#']) {
                return None;
            }
            Some(User {
                name: f[0].to_string(),
                uid: f[2].parse().ok()?,
                gid: f[3].parse().ok()?,
                shell: f[6].to_string(),
            })
        })
        .collect()
}

/// Parses `/etc/group`.
pub fn parse_group(text: &str) -> Vec<Group> {
    text.lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            if f.len() < 4 || f[0].is_empty() || f[0].starts_with(['+', '-', '#']) {
                return None;
            }
            Some(Group {
                name: f[0].to_string(),
                gid: f[2].parse().ok()?,
                members: f[3]
                    .split(',')
                    .map(str::trim)
                    .filter(|m| !m.is_empty())
                    .map(str::to_string)
                    .collect(),
            })
        })
        .collect()
}

/// Why sudo's `#includedir` skips a file name, if it does.
pub fn includedir_skips(name: &str) -> Option<&'static str> {
    if name.ends_with('~') {
        Some("name ends in '~' (sudo skips editor backups in include directories)")
    } else if name.contains('.') {
        Some("name contains '.' (sudo skips such files in include directories)")
    } else {
        None
    }
}

struct SudoersReader<'a> {
    target: &'a Target,
    out: Sudoers,
    errors: Vec<GatherError>,
}

impl SudoersReader<'_> {
    fn file(&mut self, path: &str, depth: usize) {
        if depth > MAX_INCLUDE_DEPTH || self.out.files.iter().any(|f| f == path) {
            self.errors.push(GatherError::new(
                Some(path),
                format!("{path}: included again or nested more than {MAX_INCLUDE_DEPTH} deep; not read"),
            ));
            return;
        }
        let text = match self.target.root.read_text(path) {
            Ok(t) => t,
            Err(e) if e.is_not_found() && depth > 0 => return, // sudo ignores a missing include
            Err(e) => {
                self.errors.push(GatherError::from_root(e));
                return;
            }
        };
        self.out.files.push(path.to_string());
        let dir =
            path.rsplit_once('/').map(|(d, _)| if d.is_empty() { "/" } else { d }).unwrap_or("/").to_string();
        for (line, raw, logical) in logical_lines(&text) {
            match parse_line(&logical) {
                Line::Include(p) => {
                    let p = if p.starts_with('/') { p } else { join(&dir, &p) };
                    if !p.contains('%') {
                        self.file(&p, depth + 1);
                    }
                }
                Line::IncludeDir(d) => {
                    let d = if d.starts_with('/') { d } else { join(&dir, &d) };
                    self.dir(&d, depth + 1);
                }
                Line::Defaults(scope, settings) => self.out.defaults.push(SudoDefaults {
                    file: path.to_string(),
                    line,
                    text: raw.trim().to_string(),
                    scope,
                    settings,
                }),
                Line::Alias(kind, defs) => {
                    let map = match kind.as_str() {
                        "User_Alias" => &mut self.out.user_aliases,
                        "Cmnd_Alias" | "Cmd_Alias" => &mut self.out.command_aliases,
                        _ => continue,
                    };
                    map.extend(defs);
                }
                Line::Rule(users, hosts, commands) => self.out.rules.push(SudoRule {
                    file: path.to_string(),
                    line,
                    text: raw.trim().to_string(),
                    users,
                    hosts,
                    commands,
                }),
                Line::Nothing => {}
            }
        }
    }

    fn dir(&mut self, dir: &str, depth: usize) {
        let entries = match self.target.root.read_dir(dir, MAX_INCLUDEDIR_ENTRIES) {
            Ok(e) => e,
            Err(e) if e.is_not_found() => return,
            Err(e) => {
                self.errors.push(GatherError::from_root(e));
                return;
            }
        };
        for e in entries {
            let path = join(dir, &e.name);
            if e.kind == EntryKind::Dir {
                continue;
            }
            if let Some(reason) = includedir_skips(&e.name) {
                self.out.skipped.push(SkippedFile { file: path, reason: reason.to_string() });
                continue;
            }
            self.file(&path, depth);
        }
    }
}

enum Line {
    Include(String),
    IncludeDir(String),
    Defaults(Option<String>, Vec<String>),
    Alias(String, Vec<(String, Vec<String>)>),
    Rule(Vec<String>, Vec<String>, Vec<SudoCommand>),
    Nothing,
}

/// Lines joined across backslash continuations: (first line number, first raw line, joined).
fn logical_lines(text: &str) -> Vec<(usize, String, String)> {
    super::shell::logical_lines_with(text, true)
}

/// Drops a trailing comment: a `#` not followed by a digit (`#1000` is a uid).
fn strip_comment(line: &str) -> &str {
    let b = line.as_bytes();
    for (i, &c) in b.iter().enumerate() {
        if c == b'#' && !b.get(i + 1).is_some_and(u8::is_ascii_digit) {
            return &line[..i];
        }
    }
    line
}

fn split_list(s: &str) -> Vec<String> {
    s.split(',').map(str::trim).filter(|x| !x.is_empty()).map(str::to_string).collect()
}

fn parse_line(line: &str) -> Line {
    let t = line.trim();
    for (prefix, dir) in
        [("#includedir", true), ("@includedir", true), ("#include", false), ("@include", false)]
    {
        if let Some(rest) = t.strip_prefix(prefix)
            && rest.starts_with(char::is_whitespace)
        {
            let p = rest.trim().trim_matches('"').to_string();
            return if dir { Line::IncludeDir(p) } else { Line::Include(p) };
        }
    }
    let t = strip_comment(t).trim();
    if t.is_empty() {
        return Line::Nothing;
    }
    if let Some(rest) = t.strip_prefix("Defaults") {
        let (scope, settings) = match rest.chars().next() {
            Some(':' | '@' | '>' | '!') => {
                let (scope, settings) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
                let scope = scope.strip_prefix(':').unwrap_or(scope);
                (Some(scope.to_string()), settings)
            }
            _ => (None, rest),
        };
        return Line::Defaults(scope, split_list(settings));
    }
    for kind in ["User_Alias", "Runas_Alias", "Host_Alias", "Cmnd_Alias", "Cmd_Alias"] {
        if let Some(rest) = t.strip_prefix(kind)
            && rest.starts_with(char::is_whitespace)
        {
            let defs = rest
                .split(':')
                .filter_map(|d| d.split_once('='))
                .map(|(name, items)| (name.trim().to_string(), split_list(items)))
                .collect();
            return Line::Alias(kind.to_string(), defs);
        }
    }
    let Some((who, what)) = t.split_once('=') else { return Line::Nothing };
    // "alice, bob ALL" -> users "alice,bob", hosts "ALL".
    let who = who.replace(", ", ",").replace(" ,", ",");
    let mut parts = who.split_whitespace();
    let users = parts.next().map(split_list).unwrap_or_default();
    let hosts = split_list(&parts.collect::<Vec<_>>().join(","));
    if users.is_empty() {
        return Line::Nothing;
    }
    Line::Rule(users, hosts, parse_commands(what))
}

/// The command list of a rule: `(runas) TAGS: cmd, cmd`, tags carrying over to later commands.
fn parse_commands(what: &str) -> Vec<SudoCommand> {
    let mut out = Vec::new();
    let mut nopasswd = false;
    for item in what.split(',') {
        let mut rest = item.trim();
        if rest.starts_with('(')
            && let Some(end) = rest.find(')')
        {
            rest = rest[end + 1..].trim_start();
        }
        // Tags (`NOPASSWD:`) and options (`TIMEOUT=...`) before the command.
        while let Some((head, tail)) = rest.split_once(':') {
            let head = head.trim();
            if head.is_empty() || !head.chars().all(|c| c.is_ascii_uppercase() || c == '_') {
                break;
            }
            match head {
                "NOPASSWD" => nopasswd = true,
                "PASSWD" => nopasswd = false,
                _ => {}
            }
            rest = tail.trim_start();
        }
        let (negated, command) = match rest.strip_prefix('!') {
            Some(c) => (true, c.trim()),
            None => (false, rest),
        };
        if !command.is_empty() {
            out.push(SudoCommand { command: command.to_string(), negated, nopasswd });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwd_and_group() {
        // CentOS 7 excerpts with an agent account added.
        let users = parse_passwd(
            "root:x:0:0:root:/root:/bin/bash\n+::::::\ncliqruser:x:1001:1001::/home/cliqruser:/bin/bash\nbroken\n",
        );
        assert_eq!(users.len(), 2);
        assert_eq!(
            users[1],
            User { name: "cliqruser".into(), uid: 1001, gid: 1001, shell: "/bin/bash".into() }
        );
        let groups = parse_group("wheel:x:10:alice,cliqruser\ncliqruser:x:1001:\n");
        assert_eq!(groups[0].members, ["alice", "cliqruser"]);
        let a = Accounts { users, groups, ..Default::default() };
        let u = a.user("cliqruser").unwrap();
        assert_eq!(a.groups_of(u), [("cliqruser".to_string(), 1001), ("wheel".to_string(), 10)]);
    }

    #[test]
    fn sudoers_lines() {
        // CentOS 7 /etc/sudoers (sudo-1.8.23) lines.
        assert!(
            matches!(parse_line("#includedir /etc/sudoers.d"), Line::IncludeDir(d) if d == "/etc/sudoers.d")
        );
        assert!(matches!(parse_line("@includedir /etc/sudoers.d"), Line::IncludeDir(_)));
        assert!(matches!(parse_line("## Allows people in group wheel to run all commands"), Line::Nothing));
        assert!(matches!(parse_line("# %wheel\tALL=(ALL)\tNOPASSWD: ALL"), Line::Nothing));
        match parse_line("%wheel\tALL=(ALL)\tALL") {
            Line::Rule(u, h, c) => {
                assert_eq!(u, ["%wheel"]);
                assert_eq!(h, ["ALL"]);
                assert_eq!(c, [SudoCommand { command: "ALL".into(), negated: false, nopasswd: false }]);
            }
            _ => panic!("not a rule"),
        }
        match parse_line(
            "cliqruser, #1002 ALL = (root) NOPASSWD: /usr/bin/yum, /bin/rpm, PASSWD: !/bin/su # agent",
        ) {
            Line::Rule(u, _, c) => {
                assert_eq!(u, ["cliqruser", "#1002"]);
                let got: Vec<_> = c.iter().map(|c| (c.command.as_str(), c.negated, c.nopasswd)).collect();
                assert_eq!(
                    got,
                    [("/usr/bin/yum", false, true), ("/bin/rpm", false, true), ("/bin/su", true, false)]
                );
            }
            _ => panic!("not a rule"),
        }
        // CentOS 7 cloud image /etc/sudoers.d/90-cloud-init-users: no space after the tag.
        match parse_line("centos ALL=(ALL) NOPASSWD:ALL") {
            Line::Rule(_, _, c) => {
                assert_eq!(c, [SudoCommand { command: "ALL".into(), negated: false, nopasswd: true }])
            }
            _ => panic!("not a rule"),
        }
        match parse_line("Defaults:cliqruser    !requiretty, env_keep += \"HOME\"") {
            Line::Defaults(scope, s) => {
                assert_eq!(scope.as_deref(), Some("cliqruser"));
                assert_eq!(s[0], "!requiretty");
            }
            _ => panic!("not defaults"),
        }
        match parse_line("Defaults    requiretty") {
            Line::Defaults(None, s) => assert_eq!(s, ["requiretty"]),
            _ => panic!("not defaults"),
        }
        match parse_line("User_Alias AGENTS = cliqruser, deploy : OPS = bob") {
            Line::Alias(k, d) => {
                assert_eq!(k, "User_Alias");
                assert_eq!(d[0], ("AGENTS".to_string(), vec!["cliqruser".to_string(), "deploy".to_string()]));
                assert_eq!(d[1].0, "OPS");
            }
            _ => panic!("not an alias"),
        }
    }

    #[cfg(unix)]
    #[test]
    fn includes_are_followed_as_sudo_follows_them() {
        let dir = tempfile::tempdir().unwrap();
        let w = |p: &str, s: &str| {
            let p = dir.path().join(p);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, s).unwrap();
        };
        w(
            "etc/sudoers",
            "Defaults requiretty\n#include sudoers.local\n@includedir /etc/sudoers.d\n#include /etc/missing\n",
        );
        w("etc/sudoers.local", "#include /etc/sudoers\ncliqruser ALL=(ALL) \\\n    NOPASSWD: /usr/bin/yum\n");
        w("etc/sudoers.d/agent", "Defaults:cliqruser !requiretty\n");
        w("etc/sudoers.d/agent~", "cliqruser ALL=(ALL) !ALL\n");
        w("etc/sudoers.d/agent.bak", "cliqruser ALL=(ALL) !ALL\n");
        let a = gather(&Target::image(dir.path()).unwrap());
        assert_eq!(a.sudoers.files, ["/etc/sudoers", "/etc/sudoers.local", "/etc/sudoers.d/agent"]);
        assert_eq!(a.sudoers.skipped.len(), 2);
        // The continuation line is one rule, numbered where it starts.
        assert_eq!(a.sudoers.rules.len(), 1);
        assert_eq!((a.sudoers.rules[0].line, a.sudoers.rules[0].commands[0].nopasswd), (2, true));
        assert_eq!(a.sudoers.defaults.len(), 2);
        // The include loop back to /etc/sudoers is reported, not followed forever.
        assert_eq!(a.errors.len(), 1, "{:?}", a.errors);
        assert!(a.errors[0].error.contains("included again"));
    }

    #[test]
    fn includedir_skips_like_sudo() {
        assert!(includedir_skips("cliqruser").is_none());
        assert!(includedir_skips("90-cloud-init-users").is_none());
        assert!(includedir_skips("cliqruser~").is_some());
        assert!(includedir_skips("cliqruser.rpmsave").is_some());
        assert!(includedir_skips("README").is_none());
    }
}
