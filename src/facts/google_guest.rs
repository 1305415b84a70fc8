//! The Google guest environment's startup-script runner, which runs the `startup-script`
//! metadata on Google Compute Engine and so can run the bootstrap without cloud-init.

use serde::Serialize;

use super::cloud_init::{UnitState, systemd_unit};
use super::packages::PackageDb;
use crate::target::root::Root;

/// The packages that ship the runner: the current Go agent, and the older Python one.
const PACKAGES: [&str; 2] = ["google-guest-agent", "google-compute-engine"];
/// The runner itself.
const RUNNERS: [&str; 2] =
    ["/usr/bin/google_metadata_script_runner", "/usr/local/bin/google_metadata_script_runner"];

/// What bootready found of the startup-script runner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GoogleGuest {
    /// True when a package or the runner binary is present.
    pub installed: bool,
    /// The packages and files found.
    pub evidence: Vec<String>,
    /// How `google-startup-scripts.service` starts (`null` when not installed).
    pub startup_unit: Option<UnitState>,
}

/// Looks for the runner and its unit.
pub fn gather(root: &Root, packages: Option<&PackageDb>) -> GoogleGuest {
    let mut evidence = Vec::new();
    for name in PACKAGES {
        if let Some(p) = packages.and_then(|db| db.get(name)) {
            evidence.push(format!("package {name} {}", p.version));
        }
    }
    evidence.extend(RUNNERS.iter().filter(|f| root.is_file(f)).map(|f| f.to_string()));
    let installed = !evidence.is_empty();
    let startup_unit = installed.then(|| systemd_unit(root, "google-startup-scripts"));
    GoogleGuest { installed, evidence, startup_unit }
}
