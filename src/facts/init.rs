//! The init agents that may run user data on a Linux image: cloud-init, the Azure Linux
//! agent and the Google guest environment (`facts.init`).

use serde::Serialize;

use super::azure::AzureFacts;
use super::cloud_init::CloudInit;
use super::google_guest::GoogleGuest;
use super::packages::PackageDb;
use super::{Gathered, azure, cloud_init, google_guest};
use crate::target::Target;

/// Every Linux init agent bootready knows, with its state and evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InitFacts {
    /// cloud-init.
    pub cloud_init: CloudInit,
    /// The Azure Linux agent and the image's Azure publisher marks.
    pub azure: AzureFacts,
    /// The Google guest environment's startup-script runner.
    pub google_guest: GoogleGuest,
}

/// Gathers the init agents; `packages` is the already-gathered package database.
pub fn gather(target: &Target, packages: &Gathered<Option<PackageDb>>) -> InitFacts {
    let db = packages.as_ref().ok().and_then(Option::as_ref);
    InitFacts {
        cloud_init: cloud_init::gather(target, db),
        azure: azure::gather(&target.root, db),
        google_guest: google_guest::gather(&target.root, db),
    }
}

impl InitFacts {
    /// Nothing installed: the base for hand-made facts.
    pub fn none() -> InitFacts {
        InitFacts {
            cloud_init: CloudInit {
                installed: false,
                installed_evidence: Vec::new(),
                init_system: cloud_init::InitSystem::Unknown,
                init_system_evidence: String::new(),
                units: Vec::new(),
                disabled_by: Vec::new(),
                config: Ok(None),
            },
            azure: AzureFacts { waagent: Ok(None), openlogic: None, publisher_evidence: Vec::new() },
            google_guest: GoogleGuest { installed: false, evidence: Vec::new(), startup_unit: None },
        }
    }
}
