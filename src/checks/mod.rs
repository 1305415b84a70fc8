//! The checks: pure functions over the gathered facts, the policy and the options. No I/O.

pub mod bundle_store;
pub mod certificates;
pub mod cloudbase;
pub mod image_age;
pub mod init_agent;
pub mod matrix;
pub mod openssl_devel;
pub mod os;
pub mod privileges;
pub mod python;
pub mod umask;

use serde::Serialize;

use crate::facts::{Fact, Facts};
use crate::policy::Policy;

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The requirement is met.
    Pass,
    /// Not run: it does not apply (and says why).
    Skip,
    /// Met with a caveat, or unknown to the vendor; does not block (unless `--strict`).
    Warn,
    /// The requirement is not met: the image will not bootstrap.
    Fail,
    /// The facts could not be gathered: the verdict cannot be trusted.
    Error,
}

impl Status {
    /// Lower-case name as used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Skip => "skip",
            Status::Warn => "warn",
            Status::Fail => "fail",
            Status::Error => "error",
        }
    }
}

/// What one check found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    /// The check id, e.g. `matrix`.
    pub id: &'static str,
    /// pass, warn, fail, skip or error.
    pub status: Status,
    /// One line saying what was found.
    pub summary: String,
    /// Where it was found: files, commands, policy cells.
    pub evidence: Vec<String>,
    /// What to do about it; present for anything that does not pass.
    pub remediation: Option<String>,
}

impl Outcome {
    /// A new outcome for check `id`.
    pub fn new(id: &'static str, status: Status, summary: impl Into<String>) -> Outcome {
        Outcome { id, status, summary: summary.into(), evidence: Vec::new(), remediation: None }
    }

    /// Adds a line of evidence.
    pub fn evidence(mut self, line: impl Into<String>) -> Outcome {
        self.evidence.push(line.into());
        self
    }

    /// Sets the remediation.
    pub fn fix(mut self, remediation: impl Into<String>) -> Outcome {
        self.remediation = Some(remediation.into());
        self
    }
}

/// Options that change what the checks require, from the command line.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    /// The target cloud (`--cloud`); `None` skips the matrix check.
    pub cloud: Option<String>,
    /// `--https`: the bootstrap fetches over HTTPS.
    pub https: bool,
    /// `--bundle-store URL`.
    pub bundle_store: Option<String>,
    /// `--ca-cert FILE`: CAs the image's bundle must hold.
    pub ca_certs: Vec<certificates::RequiredCa>,
    /// `--probe`: the bundle store is connected to (and the facts hold the probe).
    pub probe: bool,
}

/// True when `url` starts with `scheme` (e.g. `"https://"`), in any letter case.
pub fn has_scheme(url: &str, scheme: &str) -> bool {
    url.get(..scheme.len()).is_some_and(|s| s.eq_ignore_ascii_case(scheme))
}

impl CheckOptions {
    /// Why HTTPS is in play, if it is: `--https`, an `https://` bundle store, or a cloud whose
    /// policy requires HTTPS-hosted scripts (SoftLayer). `None` when plain HTTP will do.
    pub fn https_reason(&self, policy: &Policy) -> Option<String> {
        if self.https {
            return Some("--https".to_string());
        }
        if let Some(url) = &self.bundle_store
            && has_scheme(url, "https://")
        {
            return Some(format!("--bundle-store {url}"));
        }
        let cloud = self.cloud.as_deref()?;
        policy
            .clouds
            .get(cloud)
            .filter(|c| c.https_required)
            .map(|c| format!("--cloud {cloud}: {} requires HTTPS-hosted bootstrap scripts", c.label))
    }
}

/// A check: its id, what it verifies, and the pure function that decides it.
pub struct CheckDef {
    /// Stable id used in reports, `--check` and `--skip`.
    pub id: &'static str,
    /// What it verifies, for `bootready checks`.
    pub about: &'static str,
    /// The facts it reads with these options: only these are gathered when it is selected
    /// (a check that skips under the options reads nothing).
    pub needs: fn(&CheckOptions) -> &'static [Fact],
    /// Decides the outcome from the facts alone.
    pub run: fn(&Facts, &Policy, &CheckOptions) -> Outcome,
}

/// Every check, in report order.
pub const ALL: &[CheckDef] = &[
    CheckDef { id: os::ID, about: os::ABOUT, needs: |_| os::NEEDS, run: os::check },
    CheckDef { id: matrix::ID, about: matrix::ABOUT, needs: |_| matrix::NEEDS, run: matrix::check },
    CheckDef {
        id: init_agent::ID,
        about: init_agent::ABOUT,
        needs: |_| init_agent::NEEDS,
        run: init_agent::check,
    },
    CheckDef { id: image_age::ID, about: image_age::ABOUT, needs: image_age::needs, run: image_age::check },
    CheckDef { id: umask::ID, about: umask::ABOUT, needs: |_| umask::NEEDS, run: umask::check },
    CheckDef {
        id: privileges::ID,
        about: privileges::ABOUT,
        needs: |_| privileges::NEEDS,
        run: privileges::check,
    },
    CheckDef { id: python::ID, about: python::ABOUT, needs: |_| python::NEEDS, run: python::check },
    CheckDef {
        id: openssl_devel::ID,
        about: openssl_devel::ABOUT,
        needs: |_| openssl_devel::NEEDS,
        run: openssl_devel::check,
    },
    CheckDef {
        id: certificates::ID,
        about: certificates::ABOUT,
        needs: |_| certificates::NEEDS,
        run: certificates::check,
    },
    CheckDef {
        id: bundle_store::ID,
        about: bundle_store::ABOUT,
        needs: bundle_store::needs,
        run: bundle_store::check,
    },
];

/// The checks to run: `only` if not empty (else all), minus `skip`; unknown ids are an error.
pub fn select(only: &[String], skip: &[String]) -> anyhow::Result<Vec<&'static CheckDef>> {
    for id in only.iter().chain(skip) {
        if !ALL.iter().any(|c| c.id == id) {
            let known: Vec<&str> = ALL.iter().map(|c| c.id).collect();
            anyhow::bail!("unknown check '{id}': known checks are {}", known.join(", "));
        }
    }
    Ok(ALL
        .iter()
        .filter(|c| only.is_empty() || only.iter().any(|o| o == c.id))
        .filter(|c| !skip.iter().any(|s| s == c.id))
        .collect())
}

/// The facts the `selected` checks need with these options, plus the OS (the report header
/// names it).
pub fn needs(selected: &[&CheckDef], options: &CheckOptions) -> Vec<Fact> {
    let mut needs = vec![Fact::Os];
    for fact in selected.iter().flat_map(|c| (c.needs)(options)) {
        if !needs.contains(fact) {
            needs.push(*fact);
        }
    }
    needs
}

/// The overall answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// No fail or error (and, under `--strict`, no warn).
    Ready,
    /// At least one fail or error (or, under `--strict`, a warn).
    NotReady,
}

impl Verdict {
    /// Decides the verdict from the outcomes.
    pub fn of(outcomes: &[Outcome], strict: bool) -> Verdict {
        let blocking = |s: Status| matches!(s, Status::Fail | Status::Error) || (strict && s == Status::Warn);
        if outcomes.iter().any(|o| blocking(o.status)) { Verdict::NotReady } else { Verdict::Ready }
    }

    /// `ready` or `not-ready`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Ready => "ready",
            Verdict::NotReady => "not-ready",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdict_rules() {
        let o = |s| Outcome::new("x", s, "");
        assert_eq!(Verdict::of(&[o(Status::Pass), o(Status::Warn), o(Status::Skip)], false), Verdict::Ready);
        assert_eq!(Verdict::of(&[o(Status::Pass), o(Status::Warn)], true), Verdict::NotReady);
        assert_eq!(Verdict::of(&[o(Status::Error)], false), Verdict::NotReady);
        assert_eq!(Verdict::of(&[o(Status::Fail)], false), Verdict::NotReady);
    }

    #[test]
    fn https_is_in_play_by_flag_url_or_cloud() {
        let p = Policy::builtin().unwrap();
        let none = CheckOptions { cloud: Some("aws".into()), ..Default::default() };
        assert_eq!(none.https_reason(&p), None);
        let flag = CheckOptions { https: true, ..Default::default() };
        assert_eq!(flag.https_reason(&p).as_deref(), Some("--https"));
        let url = CheckOptions { bundle_store: Some("HTTPS://store.example/b".into()), ..Default::default() };
        assert!(url.https_reason(&p).unwrap().starts_with("--bundle-store"));
        let http = CheckOptions { bundle_store: Some("http://store.example/b".into()), ..Default::default() };
        assert_eq!(http.https_reason(&p), None);
        let softlayer = CheckOptions { cloud: Some("softlayer".into()), ..Default::default() };
        assert!(softlayer.https_reason(&p).unwrap().contains("SoftLayer requires HTTPS"));
    }

    #[test]
    fn needs_are_the_union_of_the_selected_checks_plus_the_os() {
        let options = CheckOptions { cloud: Some("alibaba".into()), probe: true, ..Default::default() };
        let os_only = select(&["os".to_string()], &[]).unwrap();
        assert_eq!(needs(&os_only, &options), [Fact::Os]);
        let all = select(&[], &[]).unwrap();
        let union = needs(&all, &options);
        for c in ALL {
            assert!(
                (c.needs)(&options).iter().all(|f| union.contains(f)),
                "{} needs more than gathered",
                c.id
            );
        }
        assert_eq!(union.iter().filter(|f| **f == Fact::Os).count(), 1, "no duplicates");
    }

    #[test]
    fn checks_that_skip_under_the_options_need_nothing() {
        let image_age = select(&["image-age".to_string()], &[]).unwrap();
        let aws = CheckOptions { cloud: Some("aws".into()), ..Default::default() };
        assert_eq!(needs(&image_age, &aws), [Fact::Os]);
        let alibaba = CheckOptions { cloud: Some("alibaba".into()), ..Default::default() };
        assert!(needs(&image_age, &alibaba).contains(&Fact::ImageAge));
        let bundle_store = select(&["bundle-store".to_string()], &[]).unwrap();
        let url = CheckOptions { bundle_store: Some("https://store.example/".into()), ..Default::default() };
        assert_eq!(needs(&bundle_store, &url), [Fact::Os], "no probe: the trust store is not read");
        let probe = CheckOptions { probe: true, ..url };
        assert!(needs(&bundle_store, &probe).contains(&Fact::TrustStore));
    }

    #[test]
    fn each_check_decides_the_same_from_only_the_facts_it_declares() {
        // A fact missing from a check's NEEDS would read as "not gathered" and change its
        // outcome on some fixture: every fixture image, every check, both ways.
        use crate::facts::{self, FactsInput};
        use crate::target::Target;
        let policy = Policy::builtin().unwrap();
        let option_sets = [
            CheckOptions { cloud: Some("aws".into()), https: true, ..Default::default() },
            CheckOptions { cloud: Some("alibaba".into()), ..Default::default() },
            CheckOptions {
                cloud: Some("softlayer".into()),
                bundle_store: Some("https://store.example/".into()),
                probe: true,
                ..Default::default()
            },
            CheckOptions { bundle_store: Some("http://store.example/".into()), ..Default::default() },
        ];
        let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        let mut compared = 0;
        for entry in std::fs::read_dir(fixtures).unwrap() {
            let path = entry.unwrap().path();
            if !path.is_dir() {
                continue;
            }
            let target = Target::image(&path).unwrap();
            // One instant for both gathers: certificates report validity "as of" it.
            let input = FactsInput { now: Some(1_795_575_600), ..FactsInput::default() };
            let all = facts::gather_with(&target, &input, Fact::ALL);
            for (c, options) in ALL.iter().flat_map(|c| option_sets.iter().map(move |o| (c, o))) {
                let some = facts::gather_with(&target, &input, &needs(&[c], options));
                assert_eq!((c.run)(&some, &policy, options), (c.run)(&all, &policy, options), "{}", c.id);
                compared += 1;
            }
        }
        assert!(compared >= ALL.len() * option_sets.len() * 8, "{compared}");
    }

    #[test]
    fn check_ids_are_unique() {
        let mut ids: Vec<_> = ALL.iter().map(|c| c.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), ALL.len());
    }
}
