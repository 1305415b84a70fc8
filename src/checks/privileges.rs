//! Check `privileges`: the agent's account (`cliqruser`, policy data) may install software
//! through sudo, without a password or a terminal.

use std::collections::BTreeSet;

use super::{CheckOptions, Outcome, Status};
use crate::facts::accounts::{Accounts, SudoRule, User};
use crate::facts::os::Family;
use crate::facts::{Fact, Facts};
use crate::policy::Policy;

/// Check id.
pub const ID: &str = "privileges";
/// The facts it reads: only these are gathered when it is selected.
pub const NEEDS: &[Fact] = &[Fact::Os, Fact::Accounts];
/// What it verifies.
pub const ABOUT: &str = "the agent's account (cliqruser), if present, has sudo rights to install software without a password or terminal";

/// Commands that install software (or give a root shell that can).
const INSTALLERS: &[&str] =
    &["yum", "dnf", "rpm", "apt", "apt-get", "dpkg", "zypper", "pip", "pip3", "sh", "bash", "su"];

/// What the account may do through sudo.
#[derive(Debug, Default)]
struct Rights<'a> {
    /// The last matching rule granting `ALL`, and whether without a password.
    all: Option<(&'a SudoRule, bool)>,
    /// Installer commands granted: (rule, command, nopasswd).
    installers: Vec<(&'a SudoRule, String, bool)>,
    /// Every matching rule.
    matching: Vec<&'a SudoRule>,
}

/// The account as sudo sees it in a user list: its name, uid, groups and the `User_Alias`es
/// that contain it.
struct Member<'a> {
    user: &'a User,
    groups: Vec<(String, u32)>,
    aliases: BTreeSet<String>,
    /// `#uid`, the user written by number.
    by_uid: String,
}

impl<'a> Member<'a> {
    fn new(a: &Accounts, user: &'a User) -> Member<'a> {
        let by_uid = format!("#{}", user.uid);
        let mut m = Member { user, groups: a.groups_of(user), aliases: BTreeSet::new(), by_uid };
        // Aliases may name aliases: iterate to a fixed point (bounded, so a hostile file of
        // nested aliases costs at most aliases x rounds list scans, never an exponential walk).
        let rounds = a.sudoers.user_aliases.len().min(64) + 1;
        for _ in 0..rounds {
            let mut changed = false;
            for (name, items) in &a.sudoers.user_aliases {
                let hit = m.matches(items);
                if hit != m.aliases.contains(name) {
                    changed = true;
                    if hit {
                        m.aliases.insert(name.clone());
                    } else {
                        m.aliases.remove(name);
                    }
                }
            }
            if !changed {
                break;
            }
        }
        m
    }

    fn item(&self, item: &str) -> bool {
        if item == "ALL" || item == self.user.name || item == self.by_uid {
            return true;
        }
        if let Some(g) = item.strip_prefix('%') {
            let g = g.strip_prefix(':').unwrap_or(g);
            return match g.strip_prefix('#') {
                Some(gid) => self.groups.iter().any(|(_, id)| gid == id.to_string()),
                None => self.groups.iter().any(|(n, _)| n == g),
            };
        }
        self.aliases.contains(item)
    }

    /// sudo's list rule: the last item that matches decides, `!item` denying.
    fn matches(&self, items: &[String]) -> bool {
        let mut matched = false;
        for item in items {
            let (neg, name) = match item.strip_prefix('!') {
                Some(n) => (true, n.trim()),
                None => (false, item.as_str()),
            };
            if self.item(name) {
                matched = !neg;
            }
        }
        matched
    }
}

fn is_all(a: &Accounts, command: &str) -> bool {
    command == "ALL" || a.sudoers.command_aliases.get(command).is_some_and(|c| c.iter().any(|c| c == "ALL"))
}

fn installer_name(command: &str) -> Option<&'static str> {
    let program = command.split_whitespace().next()?;
    let base = program.rsplit('/').next()?;
    INSTALLERS.iter().copied().find(|i| *i == base)
}

fn rights<'a>(a: &'a Accounts, member: &Member) -> Rights<'a> {
    let mut r = Rights::default();
    for rule in &a.sudoers.rules {
        if !member.matches(&rule.users) {
            continue;
        }
        r.matching.push(rule);
        for c in &rule.commands {
            if c.negated {
                continue;
            }
            if is_all(a, &c.command) {
                r.all = Some((rule, c.nopasswd));
            }
            let expanded: Vec<&str> = match a.sudoers.command_aliases.get(&c.command) {
                Some(list) => list.iter().map(String::as_str).collect(),
                None => vec![c.command.as_str()],
            };
            for cmd in expanded {
                if installer_name(cmd).is_some() {
                    r.installers.push((rule, cmd.to_string(), c.nopasswd));
                }
            }
        }
    }
    r
}

/// The `Defaults` setting `name` as it applies to the account: generic lines first, then
/// user-scoped ones (sudo applies them in that order): `(value, file line)`.
fn default_for(a: &Accounts, member: &Member, name: &str) -> Option<(bool, String)> {
    let mut state = None;
    for pass in [false, true] {
        for d in &a.sudoers.defaults {
            let applies = match (&d.scope, pass) {
                (None, false) => true,
                (Some(scope), true) if !scope.starts_with(['@', '>', '!']) => {
                    let items: Vec<String> = scope.split(',').map(|s| s.trim().to_string()).collect();
                    member.matches(&items)
                }
                _ => false,
            };
            if !applies {
                continue;
            }
            for s in &d.settings {
                if s == name {
                    state = Some((true, format!("{} line {}", d.file, d.line)));
                } else if s.strip_prefix('!') == Some(name) {
                    state = Some((false, format!("{} line {}", d.file, d.line)));
                }
            }
        }
    }
    state
}

/// Skips when the account does not exist; passes when it may install without a password or
/// terminal; warns otherwise (the seed asks for explicit privileges only if additional
/// software must be installed).
pub fn check(facts: &Facts, policy: &Policy, _options: &CheckOptions) -> Outcome {
    let account = policy.privileges.account.as_str();
    if facts.os.as_ref().is_ok_and(|os| os.family == Family::Windows) {
        return Outcome::new(
            ID,
            Status::Skip,
            "Windows: sudo rights do not apply (the agent runs as a service account)",
        );
    }
    let a = &facts.accounts;
    if let Some(e) = a.errors.first() {
        let mut o = Outcome::new(ID, Status::Error, format!("accounts or sudo rules could not be read: {e}"));
        for e in &a.errors {
            o = o.evidence(e.error.clone());
        }
        return o.fix("make /etc/passwd, /etc/group and the sudoers files readable and well-formed");
    }
    if !a.passwd_found {
        return Outcome::new(
            ID,
            Status::Skip,
            format!("no /etc/passwd in the image, so no {account} account; the agent's installer creates it"),
        )
        .evidence("/etc/passwd: not found");
    }
    let Some(user) = a.user(account) else {
        return Outcome::new(
            ID,
            Status::Skip,
            format!("no {account} account in /etc/passwd: the agent's installer creates it (grant it sudo rights then if the bootstrap must install software)"),
        )
        .evidence(format!("/etc/passwd: {} accounts, none named {account}", a.users.len()));
    };
    let groups: Vec<String> =
        a.groups_of(user).into_iter().map(|(n, g)| if n.is_empty() { format!("#{g}") } else { n }).collect();
    let who = format!("{account} (uid {}, groups {})", user.uid, groups.join(", "));
    let sudoers_file = format!("/etc/sudoers.d/{account}");
    let grant = format!("{account} ALL=(ALL) NOPASSWD: ALL");
    let fix_grant = format!(
        "add the line \"{grant}\" to {sudoers_file} (mode 0440; check it with visudo -cf {sudoers_file}), or name only the installers, e.g. \"{account} ALL=(root) NOPASSWD: /usr/bin/yum, /usr/bin/rpm\""
    );
    if !a.sudoers.found {
        return Outcome::new(
            ID,
            Status::Warn,
            format!("{who} exists but the image has no /etc/sudoers: it cannot install software"),
        )
        .evidence("/etc/sudoers: not found")
        .fix(format!("install sudo, then {fix_grant}"));
    }
    let member = Member::new(a, user);
    let r = rights(a, &member);
    let mut evidence: Vec<String> = vec![format!("read {}", a.sudoers.files.join(", "))];
    for s in &a.sudoers.skipped {
        evidence.push(format!("{}: ignored by sudo: {}", s.file, s.reason));
    }
    for rule in &r.matching {
        evidence.push(format!("{} line {}: {}", rule.file, rule.line, rule.text));
    }
    let tty = default_for(a, &member, "requiretty").filter(|(on, _)| *on);
    let no_auth = default_for(a, &member, "authenticate").is_some_and(|(on, _)| !on);
    let with = |o: Outcome, ev: &[String]| ev.iter().fold(o, |o, e| o.evidence(e.clone()));

    let (can, nopasswd, how) = match (&r.all, r.installers.last()) {
        (Some((rule, np)), _) => {
            (true, *np || no_auth, format!("may run any command as root ({} line {})", rule.file, rule.line))
        }
        (None, Some(_)) => {
            let np = r.installers.iter().all(|(_, _, np)| *np) || no_auth;
            let list: Vec<&str> = r.installers.iter().map(|(_, c, _)| c.as_str()).collect();
            (true, np, format!("may run {} as root", list.join(", ")))
        }
        (None, None) => (false, false, String::new()),
    };
    if !can {
        let summary = if r.matching.is_empty() {
            format!("{who} has no sudo rights: the bootstrap cannot install software as {account}")
        } else {
            format!("{who} has sudo rules, but none for installing software")
        };
        return with(Outcome::new(ID, Status::Warn, summary), &evidence).fix(fix_grant);
    }
    // Both problems can hold at once (CentOS 6: requiretty by default, rules with a password).
    let mut problems: Vec<String> = Vec::new();
    let mut fixes: Vec<String> = Vec::new();
    if let Some((_, at)) = &tty {
        evidence.push(format!("Defaults requiretty applies to {account} ({at})"));
        problems.push(format!("sudo requires a terminal ({at}) and the bootstrap has none"));
        fixes.push(format!("add the line \"Defaults:{account} !requiretty\" to {sudoers_file}, or remove \"Defaults requiretty\" at {at}"));
    }
    if !nopasswd {
        problems.push("sudo asks for a password, which a non-interactive bootstrap cannot type".to_string());
        fixes.push(format!("add NOPASSWD: to the rule, e.g. \"{grant}\" in {sudoers_file}"));
    }
    if !problems.is_empty() {
        return with(
            Outcome::new(ID, Status::Warn, format!("{who} {how}, but {}", problems.join("; and "))),
            &evidence,
        )
        .fix(fixes.join("; "));
    }
    with(Outcome::new(ID, Status::Pass, format!("{who} {how} without a password")), &evidence)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::accounts::{SudoCommand, SudoDefaults, parse_group, parse_passwd};
    use crate::facts::os::from_os_release;

    /// (file, user list, commands with their NOPASSWD flag) per rule.
    type RuleSpec<'a> = (&'a str, Vec<&'a str>, Vec<(&'a str, bool)>);

    fn facts(sudo: &[RuleSpec]) -> Facts {
        let mut f = Facts::with_os(from_os_release("ID=centos\nVERSION_ID=7\n", "x").unwrap());
        f.accounts.passwd_found = true;
        f.accounts.users = parse_passwd(
            "root:x:0:0:root:/root:/bin/bash\ncliqruser:x:1001:1001::/home/cliqruser:/bin/bash\n",
        );
        f.accounts.groups = parse_group("wheel:x:10:cliqruser\ncliqruser:x:1001:\n");
        f.accounts.sudoers.found = true;
        f.accounts.sudoers.files = vec!["/etc/sudoers".into()];
        for (i, (file, users, cmds)) in sudo.iter().enumerate() {
            f.accounts.sudoers.rules.push(SudoRule {
                file: file.to_string(),
                line: i + 1,
                text: format!("{} ALL=(ALL) ...", users.join(",")),
                users: users.iter().map(|s| s.to_string()).collect(),
                hosts: vec!["ALL".into()],
                commands: cmds
                    .iter()
                    .map(|(c, np)| SudoCommand { command: c.to_string(), negated: false, nopasswd: *np })
                    .collect(),
            });
        }
        f
    }

    fn run(f: &Facts) -> Outcome {
        check(f, &Policy::builtin().unwrap(), &CheckOptions::default())
    }

    #[test]
    fn absent_account_is_skipped_with_a_note() {
        let mut f = facts(&[]);
        f.accounts.users.retain(|u| u.name == "root");
        let o = run(&f);
        assert_eq!(o.status, Status::Skip);
        assert!(o.summary.contains("installer creates it"), "{o:?}");
    }

    #[test]
    fn nopasswd_all_passes_and_password_warns() {
        let o = run(&facts(&[("/etc/sudoers.d/cliqruser", vec!["cliqruser"], vec![("ALL", true)])]));
        assert_eq!(o.status, Status::Pass, "{o:?}");
        let o = run(&facts(&[("/etc/sudoers", vec!["%wheel"], vec![("ALL", false)])]));
        assert_eq!(o.status, Status::Warn);
        assert!(o.summary.contains("asks for a password"), "{o:?}");
        assert!(o.remediation.unwrap().contains("cliqruser ALL=(ALL) NOPASSWD: ALL"));
    }

    #[test]
    fn primary_group_and_negation() {
        let o = run(&facts(&[("/etc/sudoers", vec!["%cliqruser"], vec![("/usr/bin/yum", true)])]));
        assert_eq!(o.status, Status::Pass, "{o:?}");
        assert!(o.summary.contains("/usr/bin/yum"));
        let o = run(&facts(&[("/etc/sudoers", vec!["%wheel", "!cliqruser"], vec![("ALL", true)])]));
        assert_eq!(o.status, Status::Warn);
        assert!(o.summary.contains("no sudo rights"), "{o:?}");
    }

    #[test]
    fn non_installer_commands_warn() {
        let o = run(&facts(&[(
            "/etc/sudoers",
            vec!["cliqruser"],
            vec![("/usr/bin/systemctl restart agent", true)],
        )]));
        assert_eq!(o.status, Status::Warn);
        assert!(o.summary.contains("none for installing"), "{o:?}");
    }

    #[test]
    fn requiretty_warns_unless_lifted_for_the_account() {
        let mut f = facts(&[("/etc/sudoers.d/cliqruser", vec!["cliqruser"], vec![("ALL", true)])]);
        f.accounts.sudoers.defaults.push(SudoDefaults {
            file: "/etc/sudoers".into(),
            line: 56,
            text: "Defaults    requiretty".into(),
            scope: None,
            settings: vec!["requiretty".into()],
        });
        let o = run(&f);
        assert_eq!(o.status, Status::Warn);
        assert!(o.remediation.as_deref().unwrap().contains("Defaults:cliqruser !requiretty"), "{o:?}");
        f.accounts.sudoers.defaults.insert(
            0,
            SudoDefaults {
                file: "/etc/sudoers.d/cliqruser".into(),
                line: 1,
                text: "Defaults:cliqruser !requiretty".into(),
                scope: Some("cliqruser".into()),
                settings: vec!["!requiretty".into()],
            },
        );
        assert_eq!(run(&f).status, Status::Pass);
    }

    #[test]
    fn user_aliases_nest_and_hostile_nesting_is_cheap() {
        let mut f = facts(&[("/etc/sudoers", vec!["OPS"], vec![("ALL", true)])]);
        let al = &mut f.accounts.sudoers.user_aliases;
        al.insert("OPS".into(), vec!["AGENTS".into()]);
        al.insert("AGENTS".into(), vec!["deploy".into(), "%wheel".into()]);
        assert_eq!(run(&f).status, Status::Pass);
        // 60 aliases each naming all the others 60 times: a naive walk would never end.
        let names: Vec<String> = (0..60).map(|i| format!("A{i}")).collect();
        for n in &names {
            let items: Vec<String> = names.iter().cycle().take(3600).cloned().collect();
            f.accounts.sudoers.user_aliases.insert(n.clone(), items);
        }
        f.accounts.sudoers.rules[0].users = vec!["A0".into()];
        assert_eq!(run(&f).status, Status::Warn);
    }

    #[test]
    fn account_name_is_policy_data() {
        let mut p = Policy::builtin().unwrap();
        p.overlay("site.toml", "schema = 1\n[privileges]\naccount = \"root\"\n").unwrap();
        let f = facts(&[("/etc/sudoers", vec!["root"], vec![("ALL", true)])]);
        let o = check(&f, &p, &CheckOptions::default());
        assert_eq!(o.status, Status::Pass);
        assert!(o.summary.starts_with("root (uid 0"), "{o:?}");
    }
}
