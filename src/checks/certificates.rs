//! Check `certificates`: the image has the CA trust store its OpenSSL and Python use, OpenSSL
//! can load it, and every CA named with `--ca-cert` is in it.

use super::{CheckOptions, Outcome, Status};
use crate::facts::os::Family;
use crate::facts::trust_store::TrustStore;
use crate::facts::{Fact, Facts};
use crate::policy::Policy;

/// Check id.
pub const ID: &str = "certificates";
/// The facts it reads: only these are gathered when it is selected.
pub const NEEDS: &[Fact] = &[Fact::Os, Fact::TrustStore];
/// What it verifies.
pub const ABOUT: &str = "the image's CA trust store exists, OpenSSL can load it, and holds every --ca-cert CA (extracted, not only an anchor)";

/// A CA the bundle must hold (`--ca-cert FILE`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequiredCa {
    /// The host file it came from.
    pub file: String,
    /// Its subject.
    pub subject: String,
    /// Its SHA-256 fingerprint.
    pub sha256: String,
}

/// The command that rebuilds the extracted bundle from the anchors, for the family.
pub fn update_command(family: Option<Family>) -> &'static str {
    match family {
        Some(Family::Debian | Family::Suse) => "update-ca-certificates",
        _ => "update-ca-trust extract",
    }
}

/// Where to put an extra CA for the family's update command.
pub fn anchor_dir(family: Option<Family>) -> &'static str {
    match family {
        Some(Family::Debian) => "/usr/local/share/ca-certificates/ (as NAME.crt)",
        Some(Family::Suse) => "/etc/pki/trust/anchors/",
        _ => "/etc/pki/ca-trust/source/anchors/",
    }
}

/// The `ca-certificates` install command for the family.
fn install_command(family: Option<Family>) -> &'static str {
    match family {
        Some(Family::Debian) => "apt-get install ca-certificates",
        Some(Family::Suse) => "zypper install ca-certificates ca-certificates-mozilla",
        _ => "yum install ca-certificates",
    }
}

/// The `ca-certificates` upgrade command for the family.
fn upgrade_command(family: Option<Family>) -> &'static str {
    match family {
        Some(Family::Debian) => "apt-get install --only-upgrade ca-certificates",
        Some(Family::Suse) => "zypper update ca-certificates ca-certificates-mozilla",
        _ => "yum update ca-certificates",
    }
}

/// Why the CA with `sha256` is missing from the bundle: an anchor awaiting extraction, or absent.
pub fn missing_ca_reason(
    store: &TrustStore,
    family: Option<Family>,
    sha256: &str,
    subject: &str,
) -> (String, String) {
    let bundle = store.path.as_deref().unwrap_or("the CA bundle");
    let update = update_command(family);
    match store.anchors.iter().find(|a| a.sha256 == sha256 || (!subject.is_empty() && a.subject == subject)) {
        Some(a) => (
            format!(
                "{subject} is in {} but not in the extracted bundle {bundle}: `{update}` was not run after it was added",
                a.path
            ),
            format!("run `{update}` in the image (as root) so the anchor is extracted into {bundle}"),
        ),
        None => (
            format!("{subject} is not in {bundle}"),
            format!("copy the CA certificate to {} in the image and run `{update}`", anchor_dir(family)),
        ),
    }
}

/// Decides from the trust-store facts and the required CAs.
pub fn check(facts: &Facts, policy: &Policy, options: &CheckOptions) -> Outcome {
    let family = facts.os.as_ref().ok().map(|o| o.family);
    if family == Some(Family::Windows) {
        return Outcome::new(
            ID,
            Status::Skip,
            "Windows uses its own certificate store, which bootready does not read",
        );
    }
    let store = match &facts.trust_store {
        Ok(s) => s,
        Err(e) => {
            return Outcome::new(ID, Status::Error, format!("trust store not read: {e}"))
                .evidence(e.path.clone().unwrap_or_default())
                .fix("make the CA bundle a readable regular file of sensible size");
        }
    };
    let Some(path) = &store.path else {
        return Outcome::new(
            ID,
            Status::Fail,
            "no CA trust store: OpenSSL and Python cannot verify any HTTPS server",
        )
        .evidence(format!("looked at {}", store.looked_at.join(", ")))
        .fix(format!("install the CA certificates in the image: {}", install_command(family)));
    };
    let mut evidence = vec![match &store.resolved_path {
        Some(r) => format!("{path} -> {r}: {} certificates", store.certificates),
        None => format!("{path}: {} certificates", store.certificates),
    }];
    if let Some(h) = &store.hashed_dir {
        evidence.push(format!("{}: {} hash links, {} broken", h.path, h.links, h.broken.len()));
        evidence.extend(h.broken.iter().map(|b| format!("broken hash link {b}")));
    }
    if store.not_read > 0 {
        evidence.push(format!(
            "{} more certificates past the {}-certificate cap were not read",
            store.not_read,
            crate::facts::certs::MAX_CERTS
        ));
    }
    evidence.extend(store.anchors.iter().map(|a| {
        format!(
            "anchor {}: {} ({})",
            a.path,
            a.subject,
            if a.in_bundle { "extracted" } else { "NOT in the bundle" }
        )
    }));
    let with =
        |o: Outcome, extra: &[String]| evidence.iter().chain(extra).fold(o, |o, e| o.evidence(e.clone()));
    let update = update_command(family);

    let mut failures = Vec::new();
    let mut fixes = Vec::new();
    let mut found = Vec::new();
    for ca in &options.ca_certs {
        if store.contains(&ca.sha256) {
            found.push(format!(
                "--ca-cert {}: {} is in the bundle (SHA-256 {})",
                ca.file, ca.subject, ca.sha256
            ));
        } else {
            let (why, fix) = missing_ca_reason(store, family, &ca.sha256, &ca.subject);
            failures.push(format!("--ca-cert {}: {why}", ca.file));
            if !fixes.contains(&fix) {
                fixes.push(fix);
            }
        }
    }
    if !store.unparseable.is_empty() {
        let lines: Vec<String> =
            store.unparseable.iter().map(|b| format!("line {}: {}", b.line, b.error)).collect();
        let summary = format!(
            "{path} has {} unreadable block(s) ({}): OpenSSL and Python refuse the whole file, so nothing verifies",
            store.unparseable.len(),
            lines.join("; ")
        );
        let status = if options.https_reason(policy).is_some() || !options.ca_certs.is_empty() {
            Status::Fail
        } else {
            Status::Warn
        };
        let blocks = store
            .unparseable
            .iter()
            .map(|b| format!("{path} line {}: {}", b.line, b.error))
            .collect::<Vec<_>>();
        return with(Outcome::new(ID, status, summary), &blocks).fix(format!(
            "rebuild the bundle in the image: `{update}` (and remove the damaged file it came from)"
        ));
    }
    if !failures.is_empty() {
        return with(Outcome::new(ID, Status::Fail, failures.join("; ")), &found).fix(fixes.join("; "));
    }
    if store.certificates == 0 {
        // Empty is a warning only while nothing needs verifying: under HTTPS the bootstrap's
        // first download fails.
        let status = if options.https_reason(policy).is_some() { Status::Fail } else { Status::Warn };
        return with(
            Outcome::new(ID, status, format!("{path} holds no certificates: nothing will verify")),
            &found,
        )
        .fix(format!(
            "reinstall the CA certificates and rebuild the bundle: {} && {update}",
            install_command(family)
        ));
    }
    if !store.expired.is_empty() {
        let names: Vec<String> =
            store.expired.iter().map(|c| format!("{} (expired {})", c.subject, c.not_after)).collect();
        return with(
            Outcome::new(
                ID,
                Status::Warn,
                format!(
                    "{} of {} certificates in {path} expired as of {}: {}",
                    store.expired.len(),
                    store.certificates,
                    store.as_of,
                    names.join("; ")
                ),
            ),
            &found,
        )
        .fix(format!(
            "update the CA certificates in the image: {}, then `{update}`",
            upgrade_command(family)
        ));
    }
    if let Some(h) = store.hashed_dir.as_ref().filter(|h| !h.broken.is_empty()) {
        return with(
            Outcome::new(
                ID,
                Status::Warn,
                format!(
                    "{} has {} broken hash link(s): OpenSSL's CA directory lookups miss those CAs",
                    h.path,
                    h.broken.len()
                ),
            ),
            &found,
        )
        .fix(match family {
            Some(Family::Debian | Family::Suse) => {
                format!("rebuild the links in the image: `{update} --fresh`")
            }
            _ => format!("remove the broken links from {} in the image, then run `{update}`", h.path),
        });
    }
    let required = if options.ca_certs.is_empty() {
        String::new()
    } else {
        format!(", all {} --ca-cert CA(s) present", options.ca_certs.len())
    };
    with(
        Outcome::new(
            ID,
            Status::Pass,
            format!(
                "{path}: {} certificates, none expired as of {}{required}",
                store.certificates, store.as_of
            ),
        ),
        &found,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::certs::{BadBlock, CertSummary};
    use crate::facts::os::from_os_release;
    use crate::facts::trust_store::Anchor;

    fn facts(family: Family, store: TrustStore) -> Facts {
        let mut os =
            from_os_release("ID=\"centos\"\nVERSION_ID=\"7\"\nNAME=\"CentOS Linux\"\n", "/etc/os-release")
                .expect("has ID");
        os.family = family;
        let mut f = Facts::with_os(os);
        f.trust_store = Ok(store);
        f
    }

    fn cert(subject: &str, sha: &str) -> CertSummary {
        CertSummary {
            subject: subject.into(),
            issuer: subject.into(),
            sha256: sha.into(),
            not_before: "2015-01-01T00:00:00Z".into(),
            not_after: "2035-01-01T00:00:00Z".into(),
            line: Some(1),
        }
    }

    fn store(n: usize) -> TrustStore {
        let mut s = TrustStore::none();
        s.path = Some("/etc/pki/tls/certs/ca-bundle.crt".into());
        s.entries = (0..n).map(|i| cert(&format!("CN=Root {i}"), &format!("{i:02x}"))).collect();
        s.certificates = n;
        s.as_of = "2026-11-25T03:00:00Z".into();
        s
    }

    fn run(f: &Facts, cas: &[(&str, &str)]) -> Outcome {
        let ca_certs = cas
            .iter()
            .map(|(subject, sha)| RequiredCa {
                file: "corp-ca.pem".into(),
                subject: subject.to_string(),
                sha256: sha.to_string(),
            })
            .collect();
        check(f, &Policy::builtin().unwrap(), &CheckOptions { ca_certs, ..Default::default() })
    }

    #[test]
    fn no_store_fails_empty_warns_counts_pass() {
        let o = run(&facts(Family::Rhel, TrustStore::none()), &[]);
        assert_eq!(o.status, Status::Fail);
        assert!(o.remediation.unwrap().contains("yum install ca-certificates"));
        assert_eq!(run(&facts(Family::Rhel, store(0)), &[]).status, Status::Warn);
        let https = CheckOptions { https: true, ..Default::default() };
        let o = check(&facts(Family::Rhel, store(0)), &Policy::builtin().unwrap(), &https);
        assert_eq!(o.status, Status::Fail, "an empty store under HTTPS verifies nothing");
        let o = run(&facts(Family::Rhel, store(3)), &[]);
        assert_eq!(o.status, Status::Pass);
        assert!(o.summary.contains("3 certificates"), "{}", o.summary);
    }

    #[test]
    fn required_ca_by_fingerprint() {
        let o = run(&facts(Family::Rhel, store(3)), &[("CN=Root 1", "01")]);
        assert_eq!(o.status, Status::Pass, "{o:?}");
        let o = run(&facts(Family::Debian, store(3)), &[("CN=Corp CA", "ff")]);
        assert_eq!(o.status, Status::Fail);
        assert!(o.summary.contains("CN=Corp CA is not in"), "{}", o.summary);
        assert!(o.remediation.unwrap().contains("/usr/local/share/ca-certificates/"));
    }

    #[test]
    fn anchor_not_extracted_names_the_command() {
        let mut s = store(3);
        s.anchors.push(Anchor {
            path: "/etc/pki/ca-trust/source/anchors/corp.pem".into(),
            subject: "CN=Corp CA".into(),
            sha256: "ff".into(),
            in_bundle: false,
        });
        let o = run(&facts(Family::Rhel, s.clone()), &[("CN=Corp CA", "ff")]);
        assert_eq!(o.status, Status::Fail);
        assert!(
            o.summary
                .contains("is in /etc/pki/ca-trust/source/anchors/corp.pem but not in the extracted bundle"),
            "{}",
            o.summary
        );
        assert!(o.summary.contains("`update-ca-trust extract` was not run"), "{}", o.summary);
        assert!(o.remediation.unwrap().contains("run `update-ca-trust extract`"));
        let o = run(&facts(Family::Debian, s), &[("CN=Corp CA", "ff")]);
        assert!(o.summary.contains("`update-ca-certificates` was not run"), "{}", o.summary);
    }

    #[test]
    fn expired_warns_unparseable_fails_under_https() {
        let mut s = store(3);
        s.expired.push(cert("CN=Old Root", "aa"));
        let o = run(&facts(Family::Rhel, s), &[]);
        assert_eq!(o.status, Status::Warn);
        assert!(
            o.summary.contains("1 of 3 certificates") && o.summary.contains("CN=Old Root"),
            "{}",
            o.summary
        );
        let mut s = store(3);
        s.unparseable.push(BadBlock { line: 49, error: "bad base64".into() });
        let f = facts(Family::Suse, s);
        assert_eq!(run(&f, &[]).status, Status::Warn);
        let o = check(&f, &Policy::builtin().unwrap(), &CheckOptions { https: true, ..Default::default() });
        assert_eq!(o.status, Status::Fail);
        assert!(o.summary.contains("line 49: bad base64"), "{}", o.summary);
        assert!(o.remediation.unwrap().contains("update-ca-certificates"));
    }

    #[test]
    fn broken_hash_links_warn() {
        let mut s = store(3);
        s.hashed_dir = Some(crate::facts::trust_store::HashedDir {
            path: "/etc/ssl/certs".into(),
            links: 3,
            broken: vec!["/etc/ssl/certs/4042bcee.0".into()],
        });
        let o = run(&facts(Family::Debian, s), &[]);
        assert_eq!(o.status, Status::Warn);
        assert!(o.evidence.contains(&"broken hash link /etc/ssl/certs/4042bcee.0".to_string()), "{o:?}");
        assert_eq!(
            o.remediation.as_deref(),
            Some("rebuild the links in the image: `update-ca-certificates --fresh`")
        );
    }

    #[test]
    fn windows_skips() {
        assert_eq!(run(&facts(Family::Windows, TrustStore::none()), &[]).status, Status::Skip);
    }
}
