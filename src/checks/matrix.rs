//! Check `matrix`: the vendor's support matrix for this image on the target cloud.

use super::{CheckOptions, Outcome, Status};
use crate::facts::{Fact, Facts};
use crate::policy::{Policy, Support};

/// Check id.
pub const ID: &str = "matrix";
/// What it verifies.
pub const ABOUT: &str = "the vendor's support matrix allows dynamic bootstrapping of this image on --cloud";
/// The facts it reads.
pub const NEEDS: &[Fact] = &[Fact::Os, Fact::Init];

const BAKE_IN: &str = "dynamic bootstrapping is not available here: build a custom image with the management \
                       agent installed (baked in), and launch from that image";

/// Looks the image up in the matrix for `--cloud`; skipped without one.
pub fn check(facts: &Facts, policy: &Policy, options: &CheckOptions) -> Outcome {
    match &options.cloud {
        None => Outcome::new(ID, Status::Skip, "no --cloud given; the support matrix was not consulted"),
        Some(cloud) => for_cloud(facts, policy, cloud),
    }
}

/// The matrix verdict for this image on one cloud.
pub fn for_cloud(facts: &Facts, policy: &Policy, cloud_key: &str) -> Outcome {
    let Some(cloud) = policy.clouds.get(cloud_key) else {
        return Outcome::new(ID, Status::Error, format!("unknown cloud '{cloud_key}'"));
    };
    let mut notes: Vec<String> = cloud.notes.iter().map(|n| format!("note: {n}")).collect();
    if !cloud.dynamic_bootstrapping {
        let mut o =
            Outcome::new(ID, Status::Fail, format!("{} does not support dynamic bootstrapping", cloud.label))
                .evidence(format!("policy: clouds.{cloud_key}.dynamic_bootstrapping = false"))
                .fix(BAKE_IN);
        o.evidence.append(&mut notes);
        return o;
    }
    let os = match &facts.os {
        Ok(os) => os,
        Err(e) => {
            return Outcome::new(ID, Status::Error, format!("cannot place the image in the matrix: {e}"))
                .fix("fix the os check first: the image's OS must be identified");
        }
    };
    let Some(image) = policy.row_for(os) else {
        let mut o = Outcome::new(
            ID,
            Status::Warn,
            format!("{} is not listed by the vendor matrix; the other checks decide", os.pretty_name),
        )
        .evidence(format!("{}: ID={} VERSION_ID={} matches no matrix row", os.source, os.id, os.version_id))
        .fix(
            "the vendor neither supports nor rejects this image: test a launch on the target cloud, \
              or add a row for it with --policy",
        );
        o.evidence.append(&mut notes);
        return o;
    };
    let support = image.cell(cloud_key);
    notes.extend(image.notes.iter().map(|n| format!("note: {n}")));
    if let Some(cell_notes) = image.cell_notes.get(cloud_key) {
        notes.extend(cell_notes.iter().map(|n| format!("note: {n}")));
    }
    let cell = format!("matrix cell {} x {} = {}", image.row.get_ref(), cloud_key, support.as_str());
    let what = format!("{} on {}", image.label, cloud.label);
    let mut o = match support {
        Support::Yes => Outcome::new(ID, Status::Pass, format!("{what}: dynamic bootstrapping supported")),
        Support::No => Outcome::new(ID, Status::Fail, format!("{what}: dynamic bootstrapping not supported"))
            .fix(BAKE_IN),
        Support::Depends => Outcome::new(ID, Status::Warn, format!("{what}: supported depending on the setup"))
            .fix("the vendor supports this only in some setups: launch a test instance with the bootstrap \
                  user data and confirm the agent installs, or bake the agent into the image"),
        // The image's own marks decide the publisher (facts::azure): its repo file or mirror
        // proves OpenLogic; no Azure agent at all proves a non-Marketplace image.
        Support::Openlogic => {
            let fix = "build from an OpenLogic-published CentOS image in the Azure Marketplace, or bake the agent in";
            let mut o = match facts.init.azure.openlogic {
                Some(true) => Outcome::new(ID, Status::Pass, format!("{what}: published by OpenLogic, supported")),
                Some(false) => Outcome::new(ID, Status::Fail, format!("{what}: not published by OpenLogic"))
                    .fix(fix),
                None => Outcome::new(ID, Status::Warn, format!("{what}: supported only for images published by OpenLogic"))
                    .fix(fix),
            };
            o.evidence.extend(facts.init.azure.publisher_evidence.iter().cloned());
            o
        }
        Support::Unlisted => Outcome::new(ID, Status::Warn, format!("{what}: not listed by the vendor matrix"))
            .fix("the vendor's matrix leaves this cell empty: test a launch on the target cloud, or bake the agent in"),
    };
    o.evidence.push(format!("{} ({} {})", os.source, os.id, os.version_id));
    o.evidence.push(cell);
    o.evidence.append(&mut notes);
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::Facts;
    use crate::facts::os::{from_os_release, windows_release};

    fn facts(os: crate::facts::os::OsRelease) -> Facts {
        Facts::with_os(os)
    }

    #[test]
    fn windows_rows_every_cloud() {
        let p = Policy::builtin().unwrap();
        let expect = [
            (
                "Windows Server 2008 R2 Datacenter",
                7601,
                ["pass", "warn", "warn", "warn", "warn", "warn", "fail"],
            ),
            (
                "Windows Server 2012 R2 Datacenter",
                9600,
                ["pass", "warn", "warn", "warn", "warn", "warn", "fail"],
            ),
            ("Windows Server 2012 Standard", 9200, ["pass", "warn", "warn", "warn", "warn", "warn", "fail"]),
            (
                "Windows Server 2016 Datacenter",
                14393,
                ["pass", "pass", "fail", "pass", "pass", "fail", "fail"],
            ),
            (
                "Windows Server 2019 Datacenter",
                17763,
                ["warn", "warn", "warn", "warn", "warn", "warn", "fail"],
            ),
        ];
        let clouds = ["aws", "azure", "google", "openstack", "softlayer", "alibaba", "vmware"];
        for (name, build, statuses) in expect {
            let f = facts(windows_release(name, Some(build), "test"));
            for (cloud, want) in clouds.iter().zip(statuses) {
                let o = for_cloud(&f, &p, cloud);
                assert_eq!(o.status.as_str(), want, "{name} on {cloud}: {o:?}");
                if o.status != Status::Pass {
                    assert!(o.remediation.is_some(), "{name} on {cloud}");
                }
            }
        }
    }

    #[test]
    fn google_windows_2016_carries_the_administrator_nuance() {
        let p = Policy::builtin().unwrap();
        let f = facts(windows_release("Windows Server 2016 Datacenter", Some(14393), "test"));
        let o = for_cloud(&f, &p, "google");
        assert!(o.evidence.iter().any(|e| e.contains("administrator")), "{o:?}");
    }

    #[test]
    fn no_cloud_skips() {
        let p = Policy::builtin().unwrap();
        let f = facts(from_os_release("ID=centos\nVERSION_ID=7\n", "x").unwrap());
        assert_eq!(check(&f, &p, &CheckOptions::default()).status, Status::Skip);
    }
}
