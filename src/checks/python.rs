//! Check `python`: the interpreter the bootstrap will run exists and, when HTTPS is in play, is
//! Python 2.7.9 or later or proven to carry its `ssl` features.

use super::{CheckOptions, Outcome, Status};
use crate::facts::os::{Family, OsRelease};
use crate::facts::python::PythonInterpreter;
use crate::facts::{Fact, Facts};
use crate::policy::Policy;
use crate::target::Mode;

/// Check id.
pub const ID: &str = "python";
/// The facts it reads: only these are gathered when it is selected.
pub const NEEDS: &[Fact] = &[Fact::Os, Fact::Python];
/// What it verifies.
pub const ABOUT: &str = "the bootstrap's Python exists, is Python 2, and under HTTPS is 2.7.9+ or proven to have its ssl features";

/// Decides the outcome from `facts.python`, the OS family and whether HTTPS is in play.
pub fn check(facts: &Facts, policy: &Policy, options: &CheckOptions) -> Outcome {
    let os = facts.os.as_ref().ok();
    if let Some(os) = os
        && os.family == Family::Windows
    {
        return Outcome::new(ID, Status::Skip, "Windows: the bootstrap is PowerShell, not Python");
    }
    let install = install_hint(os, policy);
    let https = options.https_reason(policy);
    let ctx = &facts.python_context;
    let mut evidence: Vec<String> = facts.python.iter().map(describe).collect();
    evidence.push(format!("bootstrap interpreter: {}", ctx.choice));
    if let Some(cfg) = &ctx.cert_verification {
        evidence.push(format!(
            "{}: verify={} (PEP 493: `enable` turns certificate verification on by default)",
            cfg.path,
            cfg.verify.as_deref().unwrap_or("(not set)")
        ));
    }
    for e in &ctx.errors {
        evidence.push(format!("not read: {e}"));
    }
    let with = |o: Outcome| evidence.iter().fold(o, |o, e| o.evidence(e.clone()));

    if facts.python.is_empty() {
        let summary = match &ctx.requested {
            Some(r) => format!("no Python interpreter found (--python {r} does not exist either)"),
            None => "no Python interpreter found: the bootstrap script cannot run".to_string(),
        };
        return with(Outcome::new(ID, Status::Fail, summary).fix(install));
    }
    let Some(boot) = facts.python.iter().find(|p| p.used_by_bootstrap) else {
        let summary = match &ctx.requested {
            Some(r) => format!("--python {r}: not found"),
            None => format!(
                "none of {} is on the root login PATH: the bootstrap finds no interpreter (found only {})",
                crate::facts::python::BOOTSTRAP_ORDER.join(", "),
                facts.python.iter().map(|p| p.path.as_str()).collect::<Vec<_>>().join(", ")
            ),
        };
        return with(Outcome::new(ID, Status::Fail, summary).fix(format!(
            "make one of them reachable as `python` (or pass --python with the interpreter the bootstrap runs); {install}"
        )));
    };
    if let Some(err) = &boot.error {
        return with(
            Outcome::new(ID, Status::Error, format!("{}: {err}", boot.path))
                .fix(format!("run `{} -c 'import ssl'` by hand to see what fails; {install}", boot.path)),
        );
    }
    let Some((major, minor, patch)) = boot.parsed_version() else {
        return with(
            Outcome::new(ID, Status::Error, format!("{}: version unknown ({})", boot.path, boot.source)).fix(
                format!("run `{} --version` on a running instance, or run bootready on the VM", boot.path),
            ),
        );
    };
    let version = format!("{major}.{minor}.{patch}");
    let live = facts.target.mode == Mode::Live;

    if major >= 3 {
        let py2 = facts.python.iter().find(|p| p.parsed_version().is_some_and(|v| v.0 == 2));
        let summary = match py2 {
            Some(p) => format!(
                "the bootstrap would run Python {version} ({}): a Python-2 bootstrap script will not run on it; Python 2 is at {} but not as python/python2",
                boot.path, p.path
            ),
            None => format!(
                "Python 3 only ({version} at {}): a Python-2 bootstrap script will not run",
                boot.path
            ),
        };
        let fix = match py2 {
            Some(p) => format!(
                "make `python` run {} (or pass --python {}), or use a bootstrap script that runs on Python 3",
                p.path, p.path
            ),
            None if install.contains("Python 3") => install.clone(),
            None => format!("{install}; or use a bootstrap script that runs on Python 3"),
        };
        return with(Outcome::new(ID, Status::Warn, summary).fix(fix));
    }

    let min = policy.python.minimum_https_parsed;
    let min_text = &policy.python.minimum_https;
    let old = (major, minor, patch) < min;
    // Capability beats the number: what the live probe saw decides, both ways.
    let probed = boot.ssl.as_ref().map(|s| s.create_default_context && s.has_sni);
    if live && boot.ssl.is_none() {
        let why = boot.ssl_error.as_deref().unwrap_or("not importable");
        let summary = format!("{} (Python {version}): no usable ssl module: {why}", boot.path);
        return match &https {
            Some(reason) => with(Outcome::new(ID, Status::Fail, format!("{summary}; HTTPS is in play ({reason})")).fix(format!("install the ssl module's dependencies (OpenSSL) or a Python built with them; {install}"))),
            None => with(Outcome::new(ID, Status::Pass, format!("{summary} (fine while the bootstrap uses plain HTTP)"))),
        };
    }
    if probed == Some(true) {
        let note = if old {
            format!(
                " (older than {min_text} by number, but the probe shows ssl.create_default_context and SNI: the {min_text} ssl features are backported)"
            )
        } else {
            String::new()
        };
        return with(Outcome::new(
            ID,
            Status::Pass,
            format!("{} is Python {version} with a capable ssl module{note}", boot.path),
        ));
    }
    if probed == Some(false)
        && let Some(reason) = &https
    {
        return with(
            Outcome::new(ID, Status::Fail, format!("{} (Python {version}): the probe shows no ssl.create_default_context or no SNI, and HTTPS is in play ({reason})", boot.path))
                .fix(install),
        );
    }
    if !old {
        return with(Outcome::new(
            ID,
            Status::Pass,
            format!("{} is Python {version} ({min_text} or later)", boot.path),
        ));
    }
    let backport = rhel7_backport(os, boot, policy);
    match (&https, backport) {
        (Some(reason), Some(pkg)) => with(
            Outcome::new(ID, Status::Warn, format!("{} is Python {version}, older than {min_text}, but {pkg} carries the backported {min_text} ssl features; HTTPS is in play ({reason})", boot.path))
                .fix(format!("confirm on a running instance: `{} -c \"import ssl; print(ssl.HAS_SNI, hasattr(ssl, 'create_default_context'))\"` must print `(True, True)` (or run bootready on the VM)", boot.path)),
        ),
        (Some(reason), None) => {
            let unproven = if is_rhel7(os) && boot.package.is_none() {
                " (no python package record was read, so the RHEL 7.2+ ssl backport is not proven)"
            } else {
                ""
            };
            with(
                Outcome::new(ID, Status::Fail, format!("{} is Python {version}, older than {min_text}, and HTTPS is in play ({reason}){unproven}", boot.path))
                    .fix(install),
            )
        }
        (None, _) => with(
            Outcome::new(ID, Status::Warn, format!("{} is Python {version}, older than {min_text}: fine for plain HTTP, but an HTTPS bootstrap needs {min_text}", boot.path))
                .fix(install),
        ),
    }
}

/// One evidence line per interpreter.
fn describe(p: &PythonInterpreter) -> String {
    let mut s = format!("{}: {} ({})", p.path, p.version.as_deref().unwrap_or("version unknown"), p.source);
    if p.names.len() > 1 {
        s.push_str(&format!(", also as {}", p.names[1..].join(", ")));
    }
    if p.resolved != p.path {
        s.push_str(&format!(", file {}", p.resolved));
    }
    if let Some(ssl) = &p.ssl {
        s.push_str(&format!(
            ", ssl: {}, HAS_SNI={}, create_default_context={}",
            ssl.openssl_version, ssl.has_sni, ssl.create_default_context
        ));
    }
    if let Some(e) = &p.error {
        s.push_str(&format!(", error: {e}"));
    }
    if p.used_by_bootstrap {
        s.push_str(" [used by the bootstrap]");
    }
    s
}

/// The package that proves the RHEL/CentOS 7 backport, when the image has it.
fn rhel7_backport(os: Option<&OsRelease>, boot: &PythonInterpreter, policy: &Policy) -> Option<String> {
    if !is_rhel7(os) {
        return None;
    }
    let pkg = boot.package.as_ref()?;
    if !matches!(pkg.name.as_str(), "python" | "python-libs") {
        return None;
    }
    let release = pkg.version.split_once('-')?.1;
    let number: u32 = release.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()?;
    (number >= policy.python.rhel7_backport_release).then(|| format!("{}-{}", pkg.name, pkg.version))
}

/// RHEL 7 or a rebuild of it (CentOS, Oracle, Scientific), not Amazon Linux 2.
fn is_rhel7(os: Option<&OsRelease>) -> bool {
    os.is_some_and(|os| os.family == Family::Rhel && os.major == Some(7) && os.id != "amzn")
}

fn install_hint(os: Option<&OsRelease>, policy: &Policy) -> String {
    os.and_then(|os| policy.python.install_hint(os))
        .map(str::to_string)
        .unwrap_or_else(|| "install Python 2.7.9 or later from the distribution's packages".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::os::{from_legacy, from_os_release};
    use crate::facts::python::{PackageRef, SslInfo};

    fn interp(path: &str, version: &str, boot: bool) -> PythonInterpreter {
        PythonInterpreter {
            path: path.to_string(),
            version: Some(version.to_string()),
            source: "test".to_string(),
            ssl: None,
            used_by_bootstrap: boot,
            names: vec![path.to_string()],
            resolved: path.to_string(),
            package: None,
            ssl_error: None,
            error: None,
        }
    }

    fn centos(major: u32) -> OsRelease {
        match major {
            6 => from_legacy("/etc/centos-release", "CentOS release 6.10 (Final)\n").unwrap(),
            _ => from_os_release(&format!("ID=centos\nVERSION_ID={major}\nID_LIKE=\"rhel fedora\"\n"), "x")
                .unwrap(),
        }
    }

    fn run(facts: &Facts, https: bool) -> Outcome {
        let p = Policy::builtin().unwrap();
        check(facts, &p, &CheckOptions { https, ..Default::default() })
    }

    /// Facts as an RPM image would give them: python package `version`, probed nothing.
    fn rpm_image(major: u32, version: &str, package: &str) -> Facts {
        let mut f = Facts::with_os(centos(major));
        let mut i = interp("/usr/bin/python", version, true);
        i.package = Some(PackageRef { name: "python".into(), version: package.into() });
        f.python = vec![i];
        f
    }

    #[test]
    fn no_python_fails() {
        let f = Facts::with_os(centos(7));
        let o = run(&f, false);
        assert_eq!(o.status, Status::Fail);
        assert!(o.remediation.unwrap().contains("yum update python"));
    }

    #[test]
    fn centos6_python26_fails_under_https_and_names_scl_python27() {
        let f = rpm_image(6, "2.6.6", "2.6.6-68.el6_10");
        let o = run(&f, true);
        assert_eq!(o.status, Status::Fail, "{o:?}");
        assert!(o.summary.contains("older than 2.7.9"), "{}", o.summary);
        assert!(o.remediation.as_deref().unwrap().contains("python27"), "{o:?}");
        assert_eq!(run(&f, false).status, Status::Warn);
    }

    #[test]
    fn rhel7_backport_release_is_a_warn_under_https() {
        let f = rpm_image(7, "2.7.5", "2.7.5-90.el7");
        let o = run(&f, true);
        assert_eq!(o.status, Status::Warn, "{o:?}");
        assert!(o.summary.contains("python-2.7.5-90.el7 carries the backported"), "{}", o.summary);
        assert!(o.remediation.unwrap().contains("create_default_context"));
        // Exactly at the first release with the backport (RHEL 7.2's 2.7.5-34.el7).
        assert_eq!(run(&rpm_image(7, "2.7.5", "2.7.5-34.el7"), true).status, Status::Warn);
        // RHEL 7.0's 2.7.5-16.el7 predates it.
        let o = run(&rpm_image(7, "2.7.5", "2.7.5-16.el7"), true);
        assert_eq!(o.status, Status::Fail, "{o:?}");
        assert!(o.remediation.unwrap().contains("2.7.5-34.el7"));
        // Without HTTPS: a warn about the number.
        assert_eq!(run(&rpm_image(7, "2.7.5", "2.7.5-90.el7"), false).status, Status::Warn);
    }

    #[test]
    fn capability_beats_the_number_on_a_live_host() {
        let mut f = rpm_image(7, "2.7.5", "2.7.5-90.el7");
        f.target.mode = Mode::Live;
        f.python[0].ssl = Some(SslInfo {
            openssl_version: "OpenSSL 1.0.2k-fips  26 Jan 2017".into(),
            has_sni: true,
            create_default_context: true,
        });
        let o = run(&f, true);
        assert_eq!(o.status, Status::Pass, "{o:?}");
        assert!(o.summary.contains("backported"), "{}", o.summary);
        // And the other way: a probe proving no SNI fails even a new number under HTTPS.
        f.python[0].version = Some("2.7.18".into());
        f.python[0].ssl.as_mut().unwrap().has_sni = false;
        assert_eq!(run(&f, true).status, Status::Fail);
    }

    #[test]
    fn missing_ssl_module_on_a_live_host() {
        let mut f = Facts::with_os(centos(7));
        f.target.mode = Mode::Live;
        let mut i = interp("/usr/bin/python", "2.7.18", true);
        i.ssl_error = Some("ImportError: No module named _ssl".into());
        f.python = vec![i];
        let o = run(&f, true);
        assert_eq!(o.status, Status::Fail);
        assert!(o.summary.contains("No module named _ssl"));
        assert_eq!(run(&f, false).status, Status::Pass);
    }

    #[test]
    fn python3_only_warns_with_the_family_install() {
        let os = from_os_release("ID=ubuntu\nVERSION_ID=\"16.04\"\nID_LIKE=debian\n", "x").unwrap();
        let mut f = Facts::with_os(os);
        f.python = vec![interp("/usr/bin/python3", "3.5.2", true)];
        let o = run(&f, true);
        assert_eq!(o.status, Status::Warn, "{o:?}");
        assert!(o.summary.contains("Python 3 only") && o.summary.contains("will not run"), "{}", o.summary);
        assert!(o.remediation.unwrap().contains("apt-get install python"));
    }

    #[test]
    fn new_python2_passes_and_hung_interpreter_is_an_error() {
        let os = from_os_release("ID=debian\nVERSION_ID=11\n", "x").unwrap();
        let mut f = Facts::with_os(os);
        f.python =
            vec![interp("/usr/bin/python2", "2.7.18", true), interp("/usr/bin/python3", "3.9.2", false)];
        assert_eq!(run(&f, true).status, Status::Pass);
        f.python[0].error = Some("probe timed out after 5s and was killed".into());
        let o = run(&f, false);
        assert_eq!(o.status, Status::Error);
        assert!(o.summary.contains("timed out"));
    }

    #[test]
    fn requested_interpreter_missing_fails() {
        let mut f = Facts::with_os(centos(7));
        f.python = vec![interp("/usr/bin/python", "2.7.5", false)];
        f.python_context.requested = Some("/opt/python/bin/python".into());
        let o = run(&f, false);
        assert_eq!(o.status, Status::Fail);
        assert!(o.summary.contains("--python /opt/python/bin/python: not found"));
    }

    #[test]
    fn windows_is_skipped() {
        let os = crate::facts::os::windows_release("Windows Server 2016 Datacenter", Some(14393), "x");
        let o = run(&Facts::with_os(os), true);
        assert_eq!(o.status, Status::Skip);
        assert!(o.summary.contains("Windows"));
    }

    #[test]
    fn rhel8_platform_python_only_fails_with_appstream_python2() {
        let os = from_os_release("ID=\"rhel\"\nVERSION_ID=\"8.9\"\nID_LIKE=\"fedora\"\n", "x").unwrap();
        let mut f = Facts::with_os(os);
        f.python = vec![interp("/usr/libexec/platform-python", "3.6.8", false)];
        let o = run(&f, false);
        assert_eq!(o.status, Status::Fail, "{o:?}");
        assert!(o.remediation.unwrap().contains("dnf install python2"));
    }
}
