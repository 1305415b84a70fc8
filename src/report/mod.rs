//! Reports: they format an already-decided result and decide nothing.

pub mod json;
pub mod junit;
pub mod text;

use serde::Serialize;

use crate::checks::{Outcome, Status, Verdict};
use crate::facts::Facts;

/// Version of the JSON report's shape; bump on any incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

/// What `bootready check` decided, ready to be formatted.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The JSON schema version ([`SCHEMA_VERSION`]).
    pub schema_version: u32,
    /// The bootready version that wrote it.
    pub bootready_version: &'static str,
    /// What was inspected: `live host` or the root directory.
    pub target: String,
    /// The target cloud, when given.
    pub cloud: Option<String>,
    /// Everything gathered.
    pub facts: Facts,
    /// One outcome per check, in order.
    pub checks: Vec<Outcome>,
    /// `ready` or `not-ready`.
    pub verdict: Verdict,
    /// Whether warnings counted as failures.
    pub strict: bool,
}

impl Report {
    /// How many checks ended with `status`.
    pub fn count(&self, status: Status) -> usize {
        self.checks.iter().filter(|c| c.status == status).count()
    }

    /// The one-line verdict, e.g. `verdict: not-ready (3 pass, 1 warn, 1 fail)`.
    pub fn verdict_line(&self) -> String {
        let mut parts = Vec::new();
        for s in [Status::Pass, Status::Warn, Status::Fail, Status::Error, Status::Skip] {
            let n = self.count(s);
            if n > 0 {
                parts.push(format!("{n} {}", s.as_str()));
            }
        }
        let strict = if self.strict { ", strict" } else { "" };
        format!("verdict: {} ({}{strict})", self.verdict.as_str(), parts.join(", "))
    }
}

/// The report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Human-readable; colour only on a terminal and when NO_COLOR is unset.
    Text,
    /// Machine-readable, versioned by `schema_version`.
    Json,
    /// JUnit XML, one testcase per check, for CI test reports.
    Junit,
}
