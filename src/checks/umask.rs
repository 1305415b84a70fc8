//! Check `umask`: the umask the bootstrap inherits lets it install software (022 or looser).

use super::{CheckOptions, Outcome, Status};
use crate::facts::os::Family;
use crate::facts::umask::{Applies, Setting, SettingKind, octal, parse_mask};
use crate::facts::{Fact, Facts};
use crate::policy::Policy;

/// Check id.
pub const ID: &str = "umask";
/// The facts it reads: only these are gathered when it is selected.
pub const NEEDS: &[Fact] = &[Fact::Os, Fact::Umask];
/// What it verifies.
pub const ABOUT: &str =
    "the umask a root bootstrap inherits (cloud-init's service, a root login shell) is no stricter than 022";

/// Read and execute bits for group and other, and owner: what installed files need to be usable.
const READ_EXEC: u32 = 0o555;

/// True when `mask` takes away a read or execute bit that `max` leaves.
fn too_strict(mask: u32, max: u32) -> bool {
    mask & !max & READ_EXEC != 0
}

/// The line with its mask token replaced by the threshold: the exact fix.
fn fixed_line(s: &Setting, max: u32) -> String {
    let numeric = s.written.chars().all(|c| c.is_ascii_digit());
    let digits = if numeric { s.written.len().clamp(3, 4) } else { 3 };
    let want = if digits == 4 { format!("{max:04o}") } else { format!("{max:03o}") };
    match s.kind {
        // The token is the whole value: `UMASK 077`, `UMask=0077`, `umask=0077`.
        SettingKind::LoginDefs | SettingKind::SystemdUnit | SettingKind::PamUmask => {
            s.text.replacen(&s.written, &want, 1)
        }
        _ => {
            // A shell command: replace the argument after `umask`.
            match s.text.find("umask") {
                Some(at) => {
                    let (head, tail) = s.text.split_at(at);
                    format!("{head}{}", tail.replacen(&s.written, &want, 1))
                }
                None => s.text.replacen(&s.written, &want, 1),
            }
        }
    }
}

fn change(s: &Setting, max: u32) -> String {
    format!("in {} line {} change \"{}\" to \"{}\"", s.file, s.line, s.text, fixed_line(s, max))
}

/// Fails when the effective umask masks a read or execute bit the policy's threshold leaves;
/// warns on settings that override an earlier one, or may apply under a condition; skips
/// Windows.
pub fn check(facts: &Facts, policy: &Policy, _options: &CheckOptions) -> Outcome {
    if facts.os.as_ref().is_ok_and(|os| os.family == Family::Windows) {
        return Outcome::new(ID, Status::Skip, "Windows has no umask: file permissions come from ACLs");
    }
    let u = &facts.umask;
    let max = policy.umask.max_mask();
    let threshold = octal(max);
    if let Some(e) = u.errors.first() {
        let mut o = Outcome::new(ID, Status::Error, format!("umask settings could not all be read: {e}"));
        for e in &u.errors {
            o = o.evidence(e.error.clone());
        }
        return o.fix("make the listed files readable (and the directories small enough to list) so the umask can be decided");
    }
    let Some(effective) = parse_mask(&u.effective, 0) else {
        return Outcome::new(ID, Status::Error, format!("effective umask {:?} is not octal", u.effective));
    };
    let mut evidence = vec![format!(
        "effective {} from {} ({} path); service path {} ({}), login path {} ({})",
        u.effective,
        u.source.describe(),
        u.decided_by,
        u.service.value,
        u.service.source.describe(),
        u.login.value,
        u.login.source.describe()
    )];
    if let Some(p) = &u.process {
        evidence.push(format!(
            "this bootready process runs with umask {p} (read from {}); the bootstrap does not inherit it",
            u.process_read_from.as_deref().unwrap_or("?")
        ));
    }
    let strict_applied: Vec<&Setting> = u
        .settings
        .iter()
        .filter(|s| s.applies == Applies::Yes)
        .filter(|s| s.value.as_deref().and_then(|v| parse_mask(v, 0)).is_some_and(|v| too_strict(v, max)))
        .collect();
    if too_strict(effective, max) {
        let decider = u.settings.iter().rev().find(|s| {
            s.applies == Applies::Yes
                && Some(s.file.as_str()) == u.source.file.as_deref()
                && Some(s.line) == u.source.line
        });
        let summary = format!(
            "the bootstrap's umask is {} ({}), stricter than {threshold}: software it installs would be unreadable to other users and services",
            u.effective,
            u.source.describe()
        );
        let mut o = Outcome::new(ID, Status::Fail, summary);
        for e in evidence {
            o = o.evidence(e);
        }
        for s in &strict_applied {
            o = o.evidence(format!("{} line {}: {} ({} path)", s.file, s.line, s.text, s.path));
        }
        let mut fixes: Vec<String> = Vec::new();
        if let Some(d) = decider {
            fixes.push(change(d, max));
        }
        for s in &strict_applied {
            let f = change(s, max);
            if !fixes.contains(&f) {
                fixes.push(f);
            }
        }
        let fix = if fixes.is_empty() {
            format!("set the umask to {threshold} where {} sets it", u.source.describe())
        } else {
            fixes.join("; ")
        };
        return o.fix(fix);
    }
    let maybe: Vec<&Setting> = u
        .settings
        .iter()
        .filter(|s| s.applies == Applies::Maybe)
        .filter(|s| s.value.as_deref().and_then(|v| parse_mask(v, 0)).is_some_and(|v| too_strict(v, max)))
        .collect();
    if !u.overrides.is_empty() || !maybe.is_empty() {
        let mut o = Outcome::new(
            ID,
            Status::Warn,
            format!(
                "the bootstrap's umask is {} ({}), but the configuration is not what it seems",
                u.effective,
                u.source.describe()
            ),
        );
        for e in evidence {
            o = o.evidence(e);
        }
        for ov in &u.overrides {
            o = o.evidence(format!(
                "{} ({}) is overridden by {} ({}), evaluated later",
                ov.earlier.describe(),
                ov.earlier_value,
                ov.later.describe(),
                ov.later_value
            ));
        }
        for s in &maybe {
            o = o.evidence(format!(
                "{} line {}: {} may apply ({})",
                s.file,
                s.line,
                s.text,
                s.note.as_deref().unwrap_or("conditional")
            ));
        }
        let mut fixes: Vec<String> = u
            .overrides
            .iter()
            .map(|ov| {
                format!(
                    "decide which of {} and {} should set the umask and remove the other",
                    ov.earlier.describe(),
                    ov.later.describe()
                )
            })
            .collect();
        fixes.extend(maybe.iter().map(|s| change(s, max)));
        return o.fix(fixes.join("; "));
    }
    let mut o = Outcome::new(
        ID,
        Status::Pass,
        format!(
            "the bootstrap's umask is {} ({}), no stricter than {threshold}",
            u.effective,
            u.source.describe()
        ),
    );
    for e in evidence {
        o = o.evidence(e);
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::os::from_os_release;
    use crate::facts::umask::{Override, Source};

    fn facts() -> Facts {
        Facts::with_os(from_os_release("ID=centos\nVERSION_ID=7\n", "x").unwrap())
    }

    fn setting(file: &str, line: usize, text: &str, kind: SettingKind, written: &str, value: u32) -> Setting {
        Setting {
            file: file.into(),
            line,
            text: text.into(),
            kind,
            written: written.into(),
            value: Some(octal(value)),
            applies: Applies::Yes,
            path: "login",
            note: None,
        }
    }

    fn decided_by(f: &mut Facts, s: Setting) {
        f.umask.effective = s.value.clone().unwrap();
        f.umask.source = s.source();
        f.umask.decided_by = "login";
        f.umask.settings.push(s);
    }

    #[test]
    fn default_022_passes() {
        let p = Policy::builtin().unwrap();
        let o = check(&facts(), &p, &CheckOptions::default());
        assert_eq!(o.status, Status::Pass, "{o:?}");
    }

    #[test]
    fn hardened_077_fails_naming_file_and_line() {
        let p = Policy::builtin().unwrap();
        let mut f = facts();
        decided_by(
            &mut f,
            setting("/etc/profile.d/cis.sh", 3, "umask 077", SettingKind::ProfileD, "077", 0o077),
        );
        let o = check(&f, &p, &CheckOptions::default());
        assert_eq!(o.status, Status::Fail);
        assert!(o.summary.contains("/etc/profile.d/cis.sh line 3"), "{o:?}");
        assert_eq!(
            o.remediation.as_deref(),
            Some("in /etc/profile.d/cis.sh line 3 change \"umask 077\" to \"umask 022\"")
        );
    }

    #[test]
    fn fixes_keep_the_line_shape() {
        let s = setting("/etc/login.defs", 151, "UMASK\t\t077", SettingKind::LoginDefs, "077", 0o077);
        assert_eq!(fixed_line(&s, 0o022), "UMASK\t\t022");
        let s = setting(
            "/etc/systemd/system/cloud-final.service.d/umask.conf",
            2,
            "UMask=0077",
            SettingKind::SystemdUnit,
            "0077",
            0o077,
        );
        assert_eq!(fixed_line(&s, 0o022), "UMask=0022");
        let s = setting("/etc/profile", 9, "umask u=rwx,g=,o=", SettingKind::Profile, "u=rwx,g=,o=", 0o077);
        assert_eq!(fixed_line(&s, 0o022), "umask 022");
        let s = setting(
            "/etc/pam.d/common-session",
            30,
            "session optional pam_umask.so umask=0077",
            SettingKind::PamUmask,
            "0077",
            0o077,
        );
        assert_eq!(fixed_line(&s, 0o022), "session optional pam_umask.so umask=0022");
    }

    #[test]
    fn threshold_is_policy_data() {
        let mut p = Policy::builtin().unwrap();
        let mut f = facts();
        decided_by(&mut f, setting("/etc/profile", 60, "umask 027", SettingKind::Profile, "027", 0o027));
        assert_eq!(check(&f, &p, &CheckOptions::default()).status, Status::Fail);
        p.overlay("site.toml", "schema = 1\n[umask]\nmax = \"027\"\n").unwrap();
        assert_eq!(check(&f, &p, &CheckOptions::default()).status, Status::Pass);
        // Looser than the threshold passes; masking only write bits passes.
        decided_by(&mut f, setting("/etc/profile", 60, "umask 002", SettingKind::Profile, "002", 0o002));
        assert_eq!(check(&f, &Policy::builtin().unwrap(), &CheckOptions::default()).status, Status::Pass);
        assert!(!too_strict(0o222, 0o022));
        assert!(too_strict(0o023, 0o022));
        assert!(too_strict(0o066, 0o022));
    }

    #[test]
    fn override_warns() {
        let p = Policy::builtin().unwrap();
        let mut f = facts();
        decided_by(&mut f, setting("/etc/bashrc", 90, "umask 022", SettingKind::Bashrc, "022", 0o022));
        f.umask.overrides.push(Override {
            earlier: Source {
                file: Some("/etc/profile.d/cis.sh".into()),
                line: Some(1),
                text: "umask 027".into(),
            },
            earlier_value: "0027".into(),
            later: f.umask.source.clone(),
            later_value: "0022".into(),
        });
        let o = check(&f, &p, &CheckOptions::default());
        assert_eq!(o.status, Status::Warn);
        assert!(
            o.evidence
                .iter()
                .any(|e| e
                    .contains("/etc/profile.d/cis.sh line 1 (0027) is overridden by /etc/bashrc line 90")),
            "{o:?}"
        );
    }

    #[test]
    fn windows_is_skipped() {
        let p = Policy::builtin().unwrap();
        let f = Facts::with_os(from_os_release("ID=windows\nVERSION_ID=2016\n", "x").unwrap());
        let o = check(&f, &p, &CheckOptions::default());
        assert_eq!(o.status, Status::Skip);
        assert!(o.summary.contains("Windows"));
    }

    #[test]
    fn unreadable_settings_are_an_error() {
        let p = Policy::builtin().unwrap();
        let mut f = facts();
        f.umask.errors.push(crate::facts::GatherError::new(
            Some("/etc/profile.d"),
            "/etc/profile.d: more than 4096 directory entries; not listed",
        ));
        let o = check(&f, &p, &CheckOptions::default());
        assert_eq!(o.status, Status::Error);
        assert!(o.evidence[0].contains("/etc/profile.d"));
    }
}
