//! Check `os`: the image's operating system could be identified.

use super::{CheckOptions, Outcome, Status};
use crate::facts::os::Family;
use crate::facts::{Fact, Facts};
use crate::policy::Policy;

/// Check id.
pub const ID: &str = "os";
/// What it verifies.
pub const ABOUT: &str = "the operating system and version can be identified from the image";
/// The facts it reads.
pub const NEEDS: &[Fact] = &[Fact::Os];

/// Passes when the OS is identified with a known family and a version.
pub fn check(facts: &Facts, _policy: &Policy, _options: &CheckOptions) -> Outcome {
    let os = match &facts.os {
        Ok(os) => os,
        Err(e) => {
            return Outcome::new(ID, Status::Error, format!("operating system not identified: {e}"))
                .evidence(e.path.clone().unwrap_or_else(|| "release files".to_string()))
                .fix("make sure --root points at the image's root filesystem (the directory holding etc/ and usr/)");
        }
    };
    let evidence = format!("{} (ID={} VERSION_ID={})", os.source, os.id, os.version_id);
    if os.family == Family::Other || os.major.is_none() {
        return Outcome::new(
            ID,
            Status::Warn,
            format!(
                "{}: family or version not recognised; family-specific checks may not apply",
                os.pretty_name
            ),
        )
        .evidence(evidence)
        .fix("check that the release files describe the image correctly");
    }
    Outcome::new(ID, Status::Pass, format!("{} ({} family)", os.pretty_name, os.family.as_str()))
        .evidence(evidence)
}
