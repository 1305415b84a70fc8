//! Check `image-age`: on Alibaba the vendor supports only images published after July 2016.
//! The image is dated by its oldest package install time (RPM's install time, or the oldest
//! dpkg file list), else by the OS release it is built from.

use super::{CheckOptions, Outcome, Status};
use crate::facts::os::{Family, OsRelease};
use crate::facts::{Fact, Facts};
use crate::policy::Policy;

/// Check id.
pub const ID: &str = "image-age";
/// The facts it reads on Alibaba; on other clouds it skips and reads nothing.
pub const NEEDS: &[Fact] = &[Fact::Os, Fact::ImageAge, Fact::Packages];

/// The facts it reads with these options.
pub fn needs(options: &CheckOptions) -> &'static [Fact] {
    if applies(options) { NEEDS } else { &[] }
}

fn applies(options: &CheckOptions) -> bool {
    options.cloud.as_deref() == Some("alibaba")
}
/// What it verifies.
pub const ABOUT: &str =
    "on --cloud alibaba, the image is newer than July 2016 (package install times or OS release)";

/// 2016-07-01T00:00:00Z: the vendor supports Alibaba images published after July 2016.
const CUTOFF: u64 = 1_467_331_200;
const CUTOFF_TEXT: &str = "July 2016";

/// The last release of each OS line that came out before July 2016: (os-release id, major,
/// last minor before the cutoff). CentOS/RHEL 6.8: May 2016 (6.9: March 2017); CentOS 7.2
/// (1511): December 2015, RHEL 7.2: November 2015 (7.3: November 2016).
const OLD_MINORS: [(&str, u32, u32); 4] =
    [("centos", 6, 8), ("centos", 7, 2), ("rhel", 6, 8), ("rhel", 7, 2)];
/// Whole majors released before the cutoff: (id, last old major). Debian 8 (2015; 9 came in
/// June 2017); Ubuntu 16.04 (April 2016; 16.10 in October).
const OLD_MAJORS: [(&str, u32); 2] = [("debian", 8), ("ubuntu", 16)];

/// Dates the image on Alibaba; skipped on other clouds.
pub fn check(facts: &Facts, _policy: &Policy, options: &CheckOptions) -> Outcome {
    if !applies(options) {
        return Outcome::new(ID, Status::Skip, "only --cloud alibaba has an image-age rule");
    }
    let os = match &facts.os {
        Ok(os) => os,
        Err(e) => return Outcome::new(ID, Status::Error, format!("cannot date the image: {e}")),
    };
    if os.family == Family::Windows {
        return Outcome::new(
            ID,
            Status::Skip,
            "Windows images are dated by the matrix check's rows, not here",
        );
    }
    let fix = "launch from an image Alibaba published after July 2016 (the vendor supports only those), \
               or bake the management agent into the image";
    let packages = facts.packages.as_ref().ok().and_then(Option::as_ref);
    let rpm_oldest =
        packages.and_then(|db| db.packages.values().filter_map(|p| Some((p.install_time?, &p.name))).min());
    let (time, evidence) = if let (Some((t, name)), Some(db)) = (rpm_oldest, packages) {
        (t, format!("oldest package install time: {name} installed {} ({})", date(t), db.path))
    } else if let Some(f) = &facts.image_age.dpkg_oldest {
        (f.mtime, format!("oldest dpkg file list: {} modified {}", f.path, date(f.mtime)))
    } else {
        return by_release(facts, os, fix);
    };
    if time < CUTOFF {
        Outcome::new(
            ID,
            Status::Warn,
            format!("the image looks older than {CUTOFF_TEXT}: packages installed {}", date(time)),
        )
        .evidence(evidence)
        .fix(fix)
    } else {
        Outcome::new(ID, Status::Pass, format!("packages installed {}, after {CUTOFF_TEXT}", date(time)))
            .evidence(evidence)
    }
}

/// No install times: decide by the OS release.
fn by_release(facts: &Facts, os: &OsRelease, fix: &str) -> Outcome {
    let line = facts.image_age.release_line.as_ref();
    let version = line.and_then(|l| version_in(&l.text)).unwrap_or_else(|| os.version_id.clone());
    let source = line
        .map(|l| format!("{}: {}", l.path, l.text))
        .unwrap_or_else(|| format!("{}: VERSION_ID={}", os.source, os.version_id));
    let mut parts = version.split('.').map(|p| p.parse::<u32>().ok());
    let (major, minor) = (parts.next().flatten().or(os.major), parts.next().flatten());
    let evidence = format!("no package install times; OS release {} {version} ({source})", os.id);
    let old = match major {
        Some(major) => {
            let by_major = OLD_MAJORS.iter().find(|(id, _)| *id == os.id).map(|(_, last)| major <= *last);
            let by_minor = OLD_MINORS
                .iter()
                .find(|(id, m, _)| *id == os.id && *m == major)
                .map(|(_, _, last)| minor.map(|minor| minor <= *last));
            let older_line = OLD_MINORS.iter().any(|(id, m, _)| *id == os.id && major < *m);
            match (by_major, by_minor) {
                (Some(old), _) => Some(old),
                (None, Some(known)) => known,
                (None, None) if older_line => Some(true),
                (None, None) if OLD_MINORS.iter().any(|(id, _, _)| *id == os.id) => Some(false),
                _ => None,
            }
        }
        None => None,
    };
    match old {
        Some(true) => Outcome::new(
            ID,
            Status::Warn,
            format!("the image looks older than {CUTOFF_TEXT}: {} {version} was released before then", os.id),
        )
        .evidence(evidence)
        .fix(fix),
        Some(false) => {
            Outcome::new(ID, Status::Pass, format!("{} {version} was released after {CUTOFF_TEXT}", os.id))
                .evidence(evidence)
        }
        None => Outcome::new(
            ID,
            Status::Warn,
            format!("cannot date the image: no install times, and {} {version} is not dated here", os.id),
        )
        .evidence(evidence)
        .fix(format!("confirm the image was published by Alibaba after {CUTOFF_TEXT}, or {fix}")),
    }
}

/// The dotted version in a release line: `CentOS Linux release 7.2.1511 (Core)` -> `7.2.1511`.
fn version_in(line: &str) -> Option<String> {
    let word =
        line.split_whitespace().find(|w| w.contains('.') && w.starts_with(|c: char| c.is_ascii_digit()))?;
    Some(word.to_string())
}

/// `YYYY-MM-DD` of a time in seconds since the epoch (civil-from-days, proleptic Gregorian).
fn date(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::image_age::{OldestFile, ReleaseLine};
    use crate::facts::os::{from_legacy, from_os_release};
    use crate::facts::packages::{Package, PackageDb, PackageManager};

    fn alibaba() -> CheckOptions {
        CheckOptions { cloud: Some("alibaba".into()), ..Default::default() }
    }

    fn centos7(release: &str) -> Facts {
        let mut f =
            Facts::with_os(from_os_release("ID=\"centos\"\nVERSION_ID=\"7\"\n", "/etc/os-release").unwrap());
        f.image_age.release_line =
            Some(ReleaseLine { path: "/etc/centos-release".into(), text: release.into() });
        f
    }

    #[test]
    fn dates() {
        assert_eq!(date(CUTOFF), "2016-07-01");
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(1_709_251_199), "2024-02-29");
    }

    #[test]
    fn only_alibaba() {
        let p = Policy::builtin().unwrap();
        let o = check(&centos7("CentOS Linux release 7.2.1511 (Core)"), &p, &CheckOptions::default());
        assert_eq!(o.status, Status::Skip);
    }

    #[test]
    fn by_release_line_and_version() {
        let p = Policy::builtin().unwrap();
        let o = check(&centos7("CentOS Linux release 7.2.1511 (Core)"), &p, &alibaba());
        assert_eq!(o.status, Status::Warn, "{o:?}");
        assert!(o.evidence[0].contains("/etc/centos-release: CentOS Linux release 7.2.1511"), "{o:?}");
        let o = check(&centos7("CentOS Linux release 7.3.1611 (Core)"), &p, &alibaba());
        assert_eq!(o.status, Status::Pass, "{o:?}");
        let c6 = |v: &str| {
            Facts::with_os(
                from_legacy("/etc/centos-release", &format!("CentOS release {v} (Final)\n")).unwrap(),
            )
        };
        assert_eq!(check(&c6("6.8"), &p, &alibaba()).status, Status::Warn);
        assert_eq!(check(&c6("6.10"), &p, &alibaba()).status, Status::Pass);
        let deb = |v: &str| {
            Facts::with_os(
                from_os_release(&format!("ID=debian\nVERSION_ID=\"{v}\"\n"), "/etc/os-release").unwrap(),
            )
        };
        assert_eq!(check(&deb("8"), &p, &alibaba()).status, Status::Warn);
        assert_eq!(check(&deb("12"), &p, &alibaba()).status, Status::Pass);
        let o =
            check(&Facts::with_os(from_os_release("ID=arch\n", "/etc/os-release").unwrap()), &p, &alibaba());
        assert_eq!(o.status, Status::Warn);
        assert!(o.summary.contains("cannot date"), "{o:?}");
    }

    #[test]
    fn install_times_win_over_the_release() {
        let p = Policy::builtin().unwrap();
        let mut f = centos7("CentOS Linux release 7.2.1511 (Core)");
        let pkg = |name: &str, t| Package {
            name: name.into(),
            version: "1-1.el7".into(),
            arch: "x86_64".into(),
            install_time: Some(t),
        };
        f.packages = Ok(Some(PackageDb {
            manager: PackageManager::Rpm,
            path: "/var/lib/rpm/Packages".into(),
            count: 2,
            packages: [
                ("bash".to_string(), pkg("bash", 1_600_000_000)),
                ("setup".to_string(), pkg("setup", 1_500_000_000)),
            ]
            .into(),
        }));
        let o = check(&f, &p, &alibaba());
        assert_eq!(o.status, Status::Pass, "{o:?}");
        assert!(o.evidence[0].contains("setup installed 2017-07-14"), "{o:?}");
        let mut f =
            Facts::with_os(from_os_release("ID=debian\nVERSION_ID=\"12\"\n", "/etc/os-release").unwrap());
        f.image_age.dpkg_oldest =
            Some(OldestFile { path: "/var/lib/dpkg/info/base-files.list".into(), mtime: 1_450_000_000 });
        let o = check(&f, &p, &alibaba());
        assert_eq!(o.status, Status::Warn, "{o:?}");
        assert!(o.evidence[0].contains("base-files.list modified 2015-12-13"), "{o:?}");
    }
}
