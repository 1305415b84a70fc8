//! Check `openssl-devel`: OpenSSL development files are installed, as a package or a
//! hand-built install, and not half-removed.

use super::{CheckOptions, Outcome, Status};
use crate::facts::openssl_devel::is_hand_built;
use crate::facts::os::Family;
use crate::facts::{Fact, Facts};
use crate::policy::Policy;

/// Check id.
pub const ID: &str = "openssl-devel";
/// The facts it reads: only these are gathered when it is selected.
pub const NEEDS: &[Fact] = &[Fact::Os, Fact::OpensslDevel];
/// What it verifies.
pub const ABOUT: &str = "OpenSSL development files (openssl-devel, libssl-dev, libopenssl-devel) are installed: required for HTTPS";

/// The family's package and the commands that install or reinstall it.
fn package_for(family: Option<Family>) -> (&'static str, String, String) {
    match family {
        Some(Family::Debian) => (
            "libssl-dev",
            "apt-get install libssl-dev".into(),
            "apt-get install --reinstall libssl-dev".into(),
        ),
        Some(Family::Suse) => (
            "libopenssl-devel",
            "zypper install libopenssl-devel".into(),
            "zypper install --force libopenssl-devel".into(),
        ),
        _ => ("openssl-devel", "yum install openssl-devel".into(), "yum reinstall openssl-devel".into()),
    }
}

/// Decides from the package and file evidence, and whether HTTPS is in play.
pub fn check(facts: &Facts, policy: &Policy, options: &CheckOptions) -> Outcome {
    let family = facts.os.as_ref().ok().map(|o| o.family);
    if family == Some(Family::Windows) {
        return Outcome::new(ID, Status::Skip, "Windows: OpenSSL development files are a Linux requirement");
    }
    let d = &facts.openssl_devel;
    let https = options.https_reason(policy);
    let (package, install, reinstall) = package_for(family);
    let mut evidence: Vec<String> = Vec::new();
    match &d.package_db {
        Some(db) if d.packages.is_empty() => {
            evidence.push(format!("{db} database: no OpenSSL development package installed"))
        }
        Some(db) => evidence
            .extend(d.packages.iter().map(|p| format!("{db} database: {} {} installed", p.name, p.version))),
        None => evidence.push("no package database read: judged by files only".into()),
    }
    evidence.extend(d.headers.iter().map(|h| format!("header {h}")));
    for l in &d.libssl {
        let to = l.target.as_deref().map(|t| format!(" -> {t}")).unwrap_or_default();
        evidence.push(format!(
            "{}{to}{}",
            l.path,
            if l.dangling { " (dangling: the library is gone)" } else { "" }
        ));
    }
    evidence.extend(d.pkgconfig.iter().map(|p| format!("pkg-config {p}")));
    if let Some(v) = &d.header_version {
        evidence.push(format!("headers say {v}"));
    }
    let with = |o: Outcome| evidence.iter().fold(o, |o, e| o.evidence(e.clone()));
    let blocking = if https.is_some() { Status::Fail } else { Status::Warn };
    let why = https.as_deref().map(|r| format!(" (HTTPS is in play: {r})")).unwrap_or_default();

    let has_package = !d.packages.is_empty();
    if has_package && !d.files_usable() {
        let names: Vec<&str> = d.packages.iter().map(|p| p.name.as_str()).collect();
        let mut missing = Vec::new();
        if d.headers.is_empty() {
            missing.push("openssl/ssl.h");
        }
        if !d.libssl.iter().any(|l| !l.dangling) {
            missing.push("a working libssl.so link");
        }
        return with(Outcome::new(
            ID,
            blocking,
            format!("{} is installed per the package database but its files are gone ({} missing): half-removed{why}", names.join(", "), missing.join(", ")),
        ))
        .fix(format!("reinstall the package: {reinstall}"));
    }
    if has_package {
        let p = &d.packages[0];
        return with(Outcome::new(
            ID,
            Status::Pass,
            format!("{} {} installed, headers and libssl.so present", p.name, p.version),
        ));
    }
    if d.files_usable() {
        let hand_built = d.headers.iter().any(|h| is_hand_built(h));
        if hand_built {
            return with(Outcome::new(
                ID,
                Status::Pass,
                format!("hand-built OpenSSL development files at {} (no package)", d.headers[0]),
            ));
        }
        if d.package_db.is_none() {
            return with(Outcome::new(
                ID,
                Status::Pass,
                format!("OpenSSL development files present ({})", d.headers[0]),
            ));
        }
        return with(Outcome::new(
            ID,
            Status::Warn,
            format!("OpenSSL development files in {} but no package owns them: copied by hand or a half-removed package", d.headers[0]),
        ))
        .fix(format!("install the package so the package manager owns the files: {install}"));
    }
    let partial = if !d.headers.is_empty() || !d.libssl.is_empty() {
        " (only part of the files are there)"
    } else {
        ""
    };
    with(Outcome::new(
        ID,
        blocking,
        format!("no OpenSSL development files: {package} is not installed{partial}{why}"),
    ))
    .fix(format!("install them in the image: {install}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::openssl_devel::{DevPackage, LibLink, OpensslDevel};
    use crate::facts::os::from_os_release;

    fn facts(family: Family, devel: OpensslDevel) -> Facts {
        let mut os = from_os_release(
            "ID=\"rhel\"\nVERSION_ID=\"7.9\"\nNAME=\"Red Hat Enterprise Linux Server\"\n",
            "/etc/os-release",
        )
        .expect("has ID");
        os.family = family;
        let mut f = Facts::with_os(os);
        f.openssl_devel = devel;
        f
    }

    fn files(mut d: OpensslDevel) -> OpensslDevel {
        d.headers = vec!["/usr/include/openssl/ssl.h".into()];
        d.libssl = vec![LibLink {
            path: "/usr/lib64/libssl.so".into(),
            target: Some("libssl.so.1.0.2k".into()),
            dangling: false,
        }];
        d
    }

    fn rpm(mut d: OpensslDevel, name: &str, version: &str) -> OpensslDevel {
        d.package_db = Some("rpm".into());
        d.packages = vec![DevPackage { name: name.into(), version: version.into() }];
        d
    }

    fn run(f: &Facts, https: bool) -> Outcome {
        let options = CheckOptions { https, ..Default::default() };
        check(f, &Policy::builtin().unwrap(), &options)
    }

    #[test]
    fn rpm_package_with_files_passes() {
        let o = run(
            &facts(Family::Rhel, files(rpm(OpensslDevel::none(), "openssl-devel", "1:1.0.2k-19.el7"))),
            true,
        );
        assert_eq!(o.status, Status::Pass, "{o:?}");
        assert!(o.summary.contains("openssl-devel 1:1.0.2k-19.el7"));
        let o = run(
            &facts(Family::Rhel, files(rpm(OpensslDevel::none(), "openssl11-devel", "1:1.1.1k-5.el7"))),
            true,
        );
        assert_eq!(o.status, Status::Pass, "openssl11-devel counts too: {o:?}");
    }

    #[test]
    fn nothing_fails_under_https_and_warns_otherwise() {
        let mut d = OpensslDevel::none();
        d.package_db = Some("rpm".into());
        let o = run(&facts(Family::Rhel, d.clone()), true);
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.remediation.as_deref(), Some("install them in the image: yum install openssl-devel"));
        assert!(o.summary.contains("HTTPS is in play: --https"));
        let o = run(&facts(Family::Debian, d), false);
        assert_eq!(o.status, Status::Warn);
        assert!(o.remediation.unwrap().contains("apt-get install libssl-dev"));
    }

    #[test]
    fn half_removed_package_is_noticed() {
        let mut d = rpm(OpensslDevel::none(), "openssl-devel", "1:1.0.2k-19.el7");
        d.libssl = vec![LibLink {
            path: "/usr/lib64/libssl.so".into(),
            target: Some("libssl.so.1.0.2k".into()),
            dangling: true,
        }];
        let o = run(&facts(Family::Rhel, d), true);
        assert_eq!(o.status, Status::Fail, "{o:?}");
        assert!(o.summary.contains("half-removed"), "{}", o.summary);
        assert!(o.summary.contains("openssl/ssl.h, a working libssl.so link"), "{}", o.summary);
        assert_eq!(o.remediation.as_deref(), Some("reinstall the package: yum reinstall openssl-devel"));
        assert!(o.evidence.iter().any(|e| e.contains("dangling")));
    }

    #[test]
    fn files_without_package() {
        let mut d = files(OpensslDevel::none());
        d.package_db = Some("dpkg".into());
        let o = run(&facts(Family::Debian, d.clone()), true);
        assert_eq!(o.status, Status::Warn, "{o:?}");
        assert!(o.summary.contains("no package owns them"));
        d.headers = vec!["/usr/local/include/openssl/ssl.h".into()];
        let o = run(&facts(Family::Debian, d.clone()), true);
        assert_eq!(o.status, Status::Pass, "{o:?}");
        assert!(o.summary.contains("hand-built"));
        d.package_db = None;
        d.headers = vec!["/usr/include/openssl/ssl.h".into()];
        assert_eq!(run(&facts(Family::Rhel, d), true).status, Status::Pass);
    }

    #[test]
    fn windows_is_skipped() {
        assert_eq!(run(&facts(Family::Windows, OpensslDevel::none()), true).status, Status::Skip);
    }
}
