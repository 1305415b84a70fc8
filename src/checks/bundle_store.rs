//! Check `bundle-store`: the bundle store's URL scheme suits the cloud, and (with `--probe`)
//! the image's own trust store accepts the server's chain and host name.

use super::certificates::{missing_ca_reason, update_command};
use super::{CheckOptions, Outcome, Status, has_scheme};
use crate::facts::probe::FailureKind;
use crate::facts::{Fact, Facts};
use crate::policy::Policy;

/// Check id.
pub const ID: &str = "bundle-store";
/// The facts it reads when it probes; without `--probe` it decides from the URL and the OS.
pub const NEEDS: &[Fact] = &[Fact::Os, Fact::TrustStore];

/// The facts it reads with these options.
pub fn needs(options: &CheckOptions) -> &'static [Fact] {
    if options.probe && options.bundle_store.is_some() { NEEDS } else { &[Fact::Os] }
}
/// What it verifies.
pub const ABOUT: &str = "the --bundle-store URL is HTTPS where the cloud requires it; with --probe, its TLS chain and name verify against the image's trust store";

/// Decides from the URL, the policy and the probe facts.
pub fn check(facts: &Facts, policy: &Policy, options: &CheckOptions) -> Outcome {
    let Some(url) = &options.bundle_store else {
        return Outcome::new(ID, Status::Skip, "no --bundle-store URL given");
    };
    let family = facts.os.as_ref().ok().map(|o| o.family);
    if has_scheme(url, "http://") {
        let cloud = options.cloud.as_deref().and_then(|c| policy.clouds.get(c).map(|p| (c, p)));
        if let Some((name, c)) = cloud.filter(|(_, c)| c.https_required) {
            return Outcome::new(
                ID,
                Status::Fail,
                format!(
                    "{url} is plain HTTP, but {} requires the bootstrap scripts to be hosted on HTTPS",
                    c.label
                ),
            )
            .evidence(format!("policy: clouds.{name}.https_required = true"))
            .fix(format!("serve the bundle store over HTTPS and pass --bundle-store https://{}", &url[7..]));
        }
        return Outcome::new(
            ID,
            Status::Pass,
            format!("{url}: plain HTTP, allowed on this cloud (nothing to verify)"),
        );
    }
    if !has_scheme(url, "https://") {
        return Outcome::new(ID, Status::Fail, format!("{url}: not an http:// or https:// URL"))
            .fix("pass the bundle store's full URL, e.g. --bundle-store https://store.example.com/bundles/");
    }
    let Some(probe) = &facts.probe else {
        return Outcome::new(
            ID,
            Status::Pass,
            format!("{url}: HTTPS; every HTTPS requirement is on (openssl-devel, certificates)"),
        )
        .evidence("not probed: add --probe to connect and verify it against the image's trust store");
    };
    let mut evidence = vec![format!(
        "probed {}:{}{} against {} in {} ms",
        probe.host,
        probe.port,
        probe.address.as_deref().map(|a| format!(" ({a})")).unwrap_or_default(),
        probe.trust_store.as_deref().unwrap_or("no trust store"),
        probe.elapsed_ms
    )];
    if let Some(p) = &probe.protocol {
        evidence.push(format!(
            "protocol {p}{}",
            probe.cipher.as_deref().map(|c| format!(", cipher {c}")).unwrap_or_default()
        ));
    }
    evidence.extend(
        probe
            .chain
            .iter()
            .enumerate()
            .map(|(i, c)| format!("chain[{i}]: {} (issuer {}, until {})", c.subject, c.issuer, c.not_after)),
    );
    let with = |o: Outcome| evidence.iter().fold(o, |o, e| o.evidence(e.clone()));
    let store = facts.trust_store.as_ref().ok();
    let bundle = probe.trust_store.as_deref().unwrap_or("the image's CA bundle");

    if probe.verified {
        if let Some(s) = store.filter(|s| !s.unparseable.is_empty()) {
            return with(Outcome::new(
                ID,
                Status::Fail,
                format!("{url} verifies against the readable certificates, but {bundle} has {} unreadable block(s): the image's OpenSSL refuses the whole file", s.unparseable.len()),
            ))
            .fix(format!("rebuild the bundle in the image: `{}`", update_command(family)));
        }
        return with(Outcome::new(
            ID,
            Status::Pass,
            format!(
                "{url}: {} chain and host name verify against {bundle}",
                probe.protocol.as_deref().unwrap_or("TLS")
            ),
        ));
    }
    let detail = probe.detail.clone().unwrap_or_default();
    let kind = probe.failure.unwrap_or(FailureKind::Handshake);
    let (summary, fix) = match kind {
        FailureKind::UnknownCa => {
            // The CA the chain leads to: the issuer of its last certificate.
            let top = probe.chain.last();
            let issuer = top.map(|c| c.issuer.clone()).unwrap_or_default();
            let anchored = store.and_then(|s| {
                probe
                    .chain
                    .iter()
                    .find_map(|c| s.anchors.iter().find(|a| !a.in_bundle && (a.sha256 == c.sha256 || a.subject == c.issuer)))
                    .map(|a| missing_ca_reason(s, family, &a.sha256, &a.subject))
            });
            match anchored {
                Some((why, fix)) => (format!("{url}: unknown CA: {why}"), fix),
                None => (
                    format!("{url}: unknown CA: the chain leads to {issuer}, which is not in {bundle} ({detail})"),
                    format!("add the bundle store's CA ({issuer}) to the image: copy it to {} and run `{}`; then check it with --ca-cert", super::certificates::anchor_dir(family), update_command(family)),
                ),
            }
        }
        FailureKind::Expired => (format!("{url}: a certificate of the chain has expired ({detail})"), "renew the bundle store's certificate (or the expired intermediate) on the server".to_string()),
        FailureKind::NotYetValid => (format!("{url}: a certificate of the chain is not valid yet ({detail})"), "check the server's certificate dates and the clocks (and --now)".to_string()),
        FailureKind::NameMismatch => (
            format!("{url}: the certificate does not name {} ({detail})", probe.host),
            format!("serve a certificate whose subjectAltName includes {}, or use the name it has in --bundle-store", probe.host),
        ),
        FailureKind::Refused => (format!("{url}: connection refused ({detail})"), "start the bundle store, or fix the host and port in the URL".to_string()),
        FailureKind::Timeout => (format!("{url}: timed out ({detail})"), "check that the bundle store is reachable from here (firewall, proxy, routing)".to_string()),
        FailureKind::Dns => (format!("{url}: the host name does not resolve ({detail})"), "fix the host name in --bundle-store, or the DNS".to_string()),
        FailureKind::NoTrustStore => (format!("{url}: not probed: {detail}"), "install the CA certificates in the image (see the certificates check)".to_string()),
        FailureKind::BadUrl => (format!("{url}: {detail}"), "pass a URL like https://store.example.com:443/bundles/".to_string()),
        FailureKind::Network | FailureKind::Verify | FailureKind::Handshake => {
            (format!("{url}: TLS connection failed ({detail})"), "check the server's TLS setup (protocols, ciphers, chain) with `openssl s_client -connect HOST:PORT -servername HOST`".to_string())
        }
    };
    with(Outcome::new(ID, Status::Fail, summary)).fix(fix)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::certs::CertSummary;
    use crate::facts::os::from_os_release;
    use crate::facts::probe::ProbeResult;
    use crate::facts::trust_store::{Anchor, TrustStore};

    fn facts() -> Facts {
        let os = from_os_release(
            "ID=\"rhel\"\nVERSION_ID=\"7.9\"\nNAME=\"Red Hat Enterprise Linux Server\"\n",
            "/etc/os-release",
        )
        .expect("has ID");
        Facts::with_os(os)
    }

    fn run(f: &Facts, cloud: Option<&str>, url: Option<&str>) -> Outcome {
        let options = CheckOptions {
            cloud: cloud.map(str::to_string),
            bundle_store: url.map(str::to_string),
            ..Default::default()
        };
        check(f, &Policy::builtin().unwrap(), &options)
    }

    fn probe(failure: Option<FailureKind>) -> ProbeResult {
        ProbeResult {
            url: "https://store.example.com/".into(),
            host: "store.example.com".into(),
            port: 443,
            trust_store: Some("/etc/pki/tls/certs/ca-bundle.crt".into()),
            address: Some("192.0.2.7:443".into()),
            verified: failure.is_none(),
            failure,
            detail: failure.map(|_| "unable to get local issuer certificate".into()),
            protocol: Some("TLSv1.3".into()),
            cipher: Some("TLS_AES_256_GCM_SHA384".into()),
            chain: vec![CertSummary {
                subject: "CN=store.example.com".into(),
                issuer: "CN=Corp CA".into(),
                sha256: "11".into(),
                not_before: "2026-01-01T00:00:00Z".into(),
                not_after: "2027-01-01T00:00:00Z".into(),
                line: None,
            }],
            elapsed_ms: 12,
        }
    }

    #[test]
    fn url_rules() {
        let f = facts();
        assert_eq!(run(&f, None, None).status, Status::Skip);
        let o = run(&f, Some("softlayer"), Some("http://store.example.com/b"));
        assert_eq!(o.status, Status::Fail);
        assert!(o.summary.contains("SoftLayer requires"), "{}", o.summary);
        assert_eq!(
            o.remediation.as_deref(),
            Some("serve the bundle store over HTTPS and pass --bundle-store https://store.example.com/b")
        );
        assert_eq!(run(&f, Some("aws"), Some("http://store.example.com/b")).status, Status::Pass);
        assert_eq!(run(&f, Some("softlayer"), Some("https://store.example.com/b")).status, Status::Pass);
        assert_eq!(run(&f, None, Some("ftp://store.example.com/b")).status, Status::Fail);
    }

    #[test]
    fn probe_outcomes() {
        let mut f = facts();
        f.probe = Some(probe(None));
        let o = run(&f, None, Some("https://store.example.com/"));
        assert_eq!(o.status, Status::Pass, "{o:?}");
        assert!(o.evidence.iter().any(|e| e.contains("chain[0]: CN=store.example.com")));
        assert!(o.evidence.iter().any(|e| e == "protocol TLSv1.3, cipher TLS_AES_256_GCM_SHA384"));
        for (kind, words) in [
            (FailureKind::UnknownCa, "unknown CA: the chain leads to CN=Corp CA"),
            (FailureKind::Expired, "has expired"),
            (FailureKind::NameMismatch, "does not name store.example.com"),
            (FailureKind::Refused, "connection refused"),
            (FailureKind::Timeout, "timed out"),
        ] {
            f.probe = Some(probe(Some(kind)));
            let o = run(&f, None, Some("https://store.example.com/"));
            assert_eq!(o.status, Status::Fail);
            assert!(o.summary.contains(words), "{kind:?}: {}", o.summary);
            assert!(o.remediation.is_some());
        }
    }

    #[test]
    fn unknown_ca_waiting_in_anchors_names_update_ca_trust() {
        let mut f = facts();
        let mut s = TrustStore::none();
        s.path = Some("/etc/pki/tls/certs/ca-bundle.crt".into());
        s.anchors.push(Anchor {
            path: "/etc/pki/ca-trust/source/anchors/corp.pem".into(),
            subject: "CN=Corp CA".into(),
            sha256: "22".into(),
            in_bundle: false,
        });
        f.trust_store = Ok(s);
        f.probe = Some(probe(Some(FailureKind::UnknownCa)));
        let o = run(&f, None, Some("https://store.example.com/"));
        assert_eq!(o.status, Status::Fail);
        assert!(o.summary.contains("`update-ca-trust extract` was not run"), "{}", o.summary);
        assert!(o.remediation.unwrap().contains("run `update-ca-trust extract`"));
    }

    #[test]
    fn unreadable_bundle_fails_even_when_the_probe_verified() {
        let mut f = facts();
        let mut s = TrustStore::none();
        s.path = Some("/var/lib/ca-certificates/ca-bundle.pem".into());
        s.unparseable.push(crate::facts::certs::BadBlock { line: 49, error: "bad base64".into() });
        f.trust_store = Ok(s);
        f.probe = Some(probe(None));
        let o = run(&f, None, Some("https://store.example.com/"));
        assert_eq!(o.status, Status::Fail);
        assert!(o.summary.contains("refuses the whole file"));
    }
}
