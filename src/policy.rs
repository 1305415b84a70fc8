//! The support matrix and thresholds: `checks/*.toml` embedded at build time, plus the
//! user's `--policy` files in the same format, validated with file, line and reason.

use indexmap::IndexMap;
use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::facts::os::OsRelease;

/// The embedded matrix (the seed's table as data).
const BUILTIN_MATRIX: &str = include_str!("../checks/matrix.toml");
/// The embedded install requirements (umask threshold, agent account).
const BUILTIN_INSTALL: &str = include_str!("../checks/install.toml");
/// The embedded Python requirements (`[python]`).
const BUILTIN_PYTHON: &str = include_str!("../checks/python.toml");
/// The policy format this build understands.
pub const POLICY_SCHEMA: u32 = 1;
/// Largest `--policy` file accepted.
const MAX_POLICY_BYTES: u64 = 4 * 1024 * 1024;

/// What the vendor says about one image on one cloud.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Support {
    /// Dynamic bootstrapping works.
    Yes,
    /// Not supported: the agent must be baked in.
    No,
    /// "Depends on the setup".
    Depends,
    /// Only OpenLogic-published images (Azure CentOS).
    Openlogic,
    /// The vendor's cell is empty.
    Unlisted,
}

impl Support {
    /// Lower-case name as written in the policy.
    pub fn as_str(self) -> &'static str {
        match self {
            Support::Yes => "yes",
            Support::No => "no",
            Support::Depends => "depends",
            Support::Openlogic => "openlogic",
            Support::Unlisted => "unlisted",
        }
    }
}

/// A cloud (a matrix column).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Cloud {
    /// Display name, e.g. `AWS`.
    pub label: String,
    /// False for clouds with no dynamic bootstrapping at all (VMware).
    #[serde(default = "yes")]
    pub dynamic_bootstrapping: bool,
    /// The cloud-init datasource name for this cloud (`Ec2`, `Azure`, ...).
    #[serde(default)]
    pub datasource: Option<String>,
    /// The bootstrap scripts must be served over HTTPS (SoftLayer).
    #[serde(default)]
    pub https_required: bool,
    /// Footnotes that apply to every image on this cloud.
    #[serde(default)]
    pub notes: Vec<String>,
}

fn yes() -> bool {
    true
}

/// An image (a matrix row) and how to recognise it from the OS facts.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Image {
    /// Row key, e.g. `centos-7`.
    pub row: Spanned<String>,
    /// Display name, e.g. `CentOS 7`.
    pub label: String,
    /// os-release `ID` this row matches.
    pub id: String,
    /// Major version this row matches; absent matches every version.
    #[serde(default)]
    pub major: Option<u32>,
    /// Support per cloud; a cloud not named here is `unlisted`.
    #[serde(default)]
    pub cells: BTreeMap<String, Spanned<Support>>,
    /// Notes for the whole row (footnotes on the image).
    #[serde(default)]
    pub notes: Vec<String>,
    /// Notes for one cell (cloud nuances).
    #[serde(default)]
    pub cell_notes: BTreeMap<String, Vec<String>>,
}

impl Image {
    /// The support for `cloud`, `unlisted` when the cell is empty.
    pub fn cell(&self, cloud: &str) -> Support {
        self.cells.get(cloud).map(|s| *s.get_ref()).unwrap_or(Support::Unlisted)
    }

    /// True when this row describes the given OS.
    pub fn matches(&self, os: &OsRelease) -> bool {
        self.id == os.id && self.major.is_none_or(|m| Some(m) == os.major)
    }
}

/// One policy file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    schema: Spanned<u32>,
    #[serde(default)]
    clouds: IndexMap<String, Cloud>,
    #[serde(default)]
    images: Vec<Image>,
    #[serde(default)]
    umask: Option<UmaskPolicy>,
    #[serde(default)]
    privileges: Option<PrivilegesPolicy>,
    #[serde(default)]
    python: Option<PythonPolicyFile>,
}

/// The `[umask]` table: the most restrictive umask installing software tolerates.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct UmaskPolicy {
    /// Octal, e.g. `022`.
    pub max: Spanned<String>,
}

impl Default for UmaskPolicy {
    /// Unset until `checks/install.toml` is laid over it.
    fn default() -> UmaskPolicy {
        UmaskPolicy { max: Spanned::new(0..0, String::new()) }
    }
}

impl UmaskPolicy {
    /// The threshold as a mask (validated when the policy is loaded).
    pub fn max_mask(&self) -> u32 {
        u32::from_str_radix(self.max.get_ref(), 8).unwrap_or(0) & 0o777
    }
}

/// The `[privileges]` table: the account the agent runs as.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PrivilegesPolicy {
    /// Login name, e.g. `cliqruser`.
    pub account: String,
}

/// The `[python]` table as written; every key optional so a `--policy` file can set one.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PythonPolicyFile {
    minimum_https: Option<Spanned<String>>,
    rhel7_backport_release: Option<u32>,
    #[serde(default)]
    install: BTreeMap<String, String>,
}

/// What the bootstrap needs from Python (`[python]` in checks/python.toml).
#[derive(Debug, Clone, Default, Serialize)]
pub struct PythonPolicy {
    /// Oldest Python 2 whose `ssl` module the HTTPS bootstrap can use, e.g. `2.7.9`.
    pub minimum_https: String,
    /// The same threshold parsed (major, minor, patch).
    #[serde(skip)]
    pub minimum_https_parsed: (u32, u32, u32),
    /// First RHEL/CentOS 7 `python` package release number carrying the 2.7.9 ssl backport.
    pub rhel7_backport_release: u32,
    /// How to install a usable Python 2, by `ID-MAJOR`, `ID` or family name.
    pub install: BTreeMap<String, String>,
}

impl PythonPolicy {
    /// The install advice for an OS: by `ID-MAJOR`, then `ID`, then family.
    pub fn install_hint(&self, os: &OsRelease) -> Option<&str> {
        let by_major = os.major.map(|m| format!("{}-{m}", os.id));
        by_major
            .and_then(|k| self.install.get(&k))
            .or_else(|| self.install.get(&os.id))
            .or_else(|| self.install.get(os.family.as_str()))
            .map(String::as_str)
    }
}

/// The policy in force: the built-in matrix with the user's files laid over it.
#[derive(Debug, Clone, Serialize)]
pub struct Policy {
    /// Clouds by key (`aws`, `azure`, ...).
    pub clouds: IndexMap<String, Cloud>,
    /// Image rows in file order; later files replace rows with the same key.
    pub images: Vec<Image>,
    /// The umask threshold (`checks/install.toml`).
    pub umask: UmaskPolicy,
    /// The agent account (`checks/install.toml`).
    pub privileges: PrivilegesPolicy,
    /// The Python requirements.
    pub python: PythonPolicy,
}

impl Policy {
    /// The built-in policy alone.
    pub fn builtin() -> anyhow::Result<Policy> {
        let mut policy = Policy {
            clouds: IndexMap::new(),
            images: Vec::new(),
            umask: UmaskPolicy::default(),
            privileges: PrivilegesPolicy::default(),
            python: PythonPolicy::default(),
        };
        policy.overlay("<built-in checks/matrix.toml>", BUILTIN_MATRIX)?;
        policy.overlay("<built-in checks/install.toml>", BUILTIN_INSTALL)?;
        policy.overlay("<built-in checks/python.toml>", BUILTIN_PYTHON)?;
        Ok(policy)
    }

    /// The built-in policy with each `--policy` file applied in order.
    pub fn load(files: &[impl AsRef<Path>]) -> anyhow::Result<Policy> {
        let mut policy = Policy::builtin()?;
        for file in files {
            let file = file.as_ref();
            let meta =
                std::fs::metadata(file).with_context(|| format!("reading policy {}", file.display()))?;
            if meta.len() > MAX_POLICY_BYTES {
                bail!(
                    "policy {}: {} bytes, larger than the {MAX_POLICY_BYTES}-byte limit",
                    file.display(),
                    meta.len()
                );
            }
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("reading policy {}", file.display()))?;
            policy.overlay(&file.display().to_string(), &text)?;
        }
        Ok(policy)
    }

    /// Parses `text` (named `name` in errors), validates it and lays it over this policy.
    pub fn overlay(&mut self, name: &str, text: &str) -> anyhow::Result<()> {
        let file: PolicyFile = toml::from_str(text).map_err(|e| {
            let at = e.span().map(|s| position(text, s.start)).unwrap_or_default();
            anyhow::anyhow!("policy {name}{at}: {}", e.message())
        })?;
        if *file.schema.get_ref() != POLICY_SCHEMA {
            bail!(
                "policy {name}{}: schema {} is not supported (this bootready reads schema {POLICY_SCHEMA})",
                position(text, file.schema.span().start),
                file.schema.get_ref()
            );
        }
        if let Some(umask) = file.umask {
            let max = umask.max.get_ref();
            if max.is_empty() || max.len() > 4 || !max.chars().all(|c| ('0'..='7').contains(&c)) {
                bail!(
                    "policy {name}{}: umask max {max:?} is not an octal umask like \"022\"",
                    position(text, umask.max.span().start)
                );
            }
            self.umask = umask;
        }
        if let Some(privileges) = file.privileges {
            if privileges.account.trim().is_empty() || privileges.account.contains([':', '\n']) {
                bail!("policy {name}: privileges account {:?} is not a login name", privileges.account);
            }
            self.privileges = privileges;
        }
        self.clouds.extend(file.clouds);
        if let Some(python) = file.python {
            if let Some(min) = python.minimum_https {
                let parsed = crate::facts::python::parse_version(min.get_ref()).ok_or_else(|| {
                    anyhow::anyhow!(
                        "policy {name}{}: python.minimum_https '{}' is not a version like 2.7.9",
                        position(text, min.span().start),
                        min.get_ref()
                    )
                })?;
                self.python.minimum_https = min.into_inner();
                self.python.minimum_https_parsed = parsed;
            }
            if let Some(release) = python.rhel7_backport_release {
                self.python.rhel7_backport_release = release;
            }
            self.python.install.extend(python.install);
        }
        for image in file.images {
            // Only an error names the position: counting lines for every row cost more than
            // reading it.
            let at = || position(text, image.row.span().start);
            if image.row.get_ref().trim().is_empty() {
                bail!("policy {name}{}: an image row key is empty", at());
            }
            for (cloud, support) in &image.cells {
                if !self.clouds.contains_key(cloud) {
                    bail!(
                        "policy {name}{}: image {} names cloud '{cloud}', which no [clouds.{cloud}] table defines",
                        position(text, support.span().start),
                        image.row.get_ref()
                    );
                }
            }
            for cloud in image.cell_notes.keys() {
                if !self.clouds.contains_key(cloud) {
                    bail!(
                        "policy {name}{}: image {} has notes for unknown cloud '{cloud}'",
                        at(),
                        image.row.get_ref()
                    );
                }
            }
            match self.images.iter_mut().find(|i| i.row.get_ref() == image.row.get_ref()) {
                Some(existing) => *existing = image,
                None => self.images.push(image),
            }
        }
        Ok(())
    }

    /// The matrix row that describes `os`, if the vendor lists it.
    pub fn row_for(&self, os: &OsRelease) -> Option<&Image> {
        self.images.iter().find(|i| i.matches(os))
    }

    /// The cloud named `key`, or an error listing the known ones (exit-2 material).
    pub fn cloud(&self, key: &str) -> anyhow::Result<&Cloud> {
        self.clouds.get(key).ok_or_else(|| {
            let known: Vec<&str> = self.clouds.keys().map(String::as_str).collect();
            anyhow::anyhow!("unknown cloud '{key}': known clouds are {}", known.join(", "))
        })
    }
}

/// ` line L, column C` for a byte offset into `text`.
fn position(text: &str, offset: usize) -> String {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map(|l| l.chars().count()).unwrap_or(0) + 1;
    format!(" line {line}, column {column}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::os::from_os_release;

    #[test]
    fn builtin_matrix_has_every_seed_cell() {
        let p = Policy::builtin().unwrap();
        let rows: Vec<&str> = p.images.iter().map(|i| i.row.get_ref().as_str()).collect();
        assert_eq!(
            rows,
            ["windows-2008", "windows-2012", "windows-2016", "centos-6", "centos-7", "rhel-6", "rhel-7"]
        );
        let cell =
            |row: &str, cloud: &str| p.images.iter().find(|i| i.row.get_ref() == row).unwrap().cell(cloud);
        assert_eq!(cell("centos-6", "aws"), Support::Depends);
        assert_eq!(cell("centos-7", "azure"), Support::Openlogic);
        assert_eq!(cell("rhel-7", "openstack"), Support::No);
        assert_eq!(cell("windows-2016", "google"), Support::No);
        assert_eq!(cell("windows-2008", "aws"), Support::Yes);
        assert_eq!(cell("windows-2008", "azure"), Support::Unlisted);
        let clouds: Vec<&str> = p.clouds.keys().map(String::as_str).collect();
        assert_eq!(
            clouds,
            ["aws", "azure", "google", "openstack", "softlayer", "alibaba", "vmware"],
            "seed order"
        );
        assert!(!p.clouds["vmware"].dynamic_bootstrapping);
        assert!(p.clouds["softlayer"].https_required);
    }

    #[test]
    fn install_requirements_are_data() {
        let mut p = Policy::builtin().unwrap();
        assert_eq!(p.umask.max_mask(), 0o022);
        assert_eq!(p.privileges.account, "cliqruser");
        p.overlay("site.toml", "schema = 1\n[umask]\nmax = \"027\"\n[privileges]\naccount = \"agent\"\n")
            .unwrap();
        assert_eq!(p.umask.max_mask(), 0o027);
        assert_eq!(p.privileges.account, "agent");
        let err = p.overlay("bad.toml", "schema = 1\n\n[umask]\nmax = \"u=rwx\"\n").unwrap_err().to_string();
        assert!(err.contains("bad.toml line 4") && err.contains("u=rwx"), "{err}");
    }

    #[test]
    fn row_matching_by_id_and_major() {
        let p = Policy::builtin().unwrap();
        let centos7 = from_os_release("ID=centos\nVERSION_ID=7\n", "x").unwrap();
        assert_eq!(p.row_for(&centos7).unwrap().row.get_ref(), "centos-7");
        let rocky = from_os_release("ID=rocky\nVERSION_ID=9.3\n", "x").unwrap();
        assert!(p.row_for(&rocky).is_none());
    }

    #[test]
    fn user_policy_adds_rows_and_overrides() {
        let mut p = Policy::builtin().unwrap();
        p.overlay(
            "site.toml",
            "schema = 1\n[clouds.mycloud]\nlabel = \"My Cloud\"\n\n[[images]]\nrow = \"rocky-9\"\nlabel = \"Rocky 9\"\nid = \"rocky\"\nmajor = 9\n[images.cells]\nmycloud = \"yes\"\naws = \"yes\"\n",
        )
        .unwrap();
        let rocky = from_os_release("ID=rocky\nVERSION_ID=9.3\n", "x").unwrap();
        assert_eq!(p.row_for(&rocky).unwrap().cell("mycloud"), Support::Yes);
    }

    #[test]
    fn python_table_is_loaded_and_overridable() {
        let mut p = Policy::builtin().unwrap();
        assert_eq!((p.python.minimum_https.as_str(), p.python.minimum_https_parsed), ("2.7.9", (2, 7, 9)));
        assert_eq!(p.python.rhel7_backport_release, 34);
        let c6 = from_os_release("ID=centos\nVERSION_ID=6\n", "x").unwrap();
        assert!(p.python.install_hint(&c6).unwrap().contains("python27"));
        let sles = from_os_release("ID=sles\nVERSION_ID=15\nID_LIKE=suse\n", "x").unwrap();
        assert!(p.python.install_hint(&sles).unwrap().contains("zypper"));
        p.overlay("site.toml", "schema = 1\n[python]\nminimum_https = \"2.7.10\"\n").unwrap();
        assert_eq!(p.python.minimum_https_parsed, (2, 7, 10));
        assert!(p.python.install_hint(&c6).is_some(), "install hints survive a partial overlay");
        let err = p.overlay("bad.toml", "schema = 1\n[python]\nminimum_https = \"new\"\n").unwrap_err();
        assert!(err.to_string().contains("bad.toml line 3"), "{err}");
    }

    #[test]
    fn malformed_policy_names_line_and_reason() {
        let mut p = Policy::builtin().unwrap();
        let err = p
            .overlay("bad.toml", "schema = 1\n\n[[images]]\nrow = \"x\"\nlabel = \"X\"\nid = \"x\"\n[images.cells]\naws = \"maybe\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("bad.toml line 8"), "{err}");
        assert!(err.contains("maybe"), "{err}");
        let err = p
            .overlay("bad.toml", "schema = 1\n[[images]]\nrow = \"x\"\nlabel = \"X\"\nid = \"x\"\n[images.cells]\nnowhere = \"yes\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 7") && err.contains("nowhere"), "{err}");
        let err = p.overlay("bad.toml", "schema = 9\n").unwrap_err().to_string();
        assert!(err.contains("line 1") && err.contains("schema 9"), "{err}");
        let err = p.overlay("bad.toml", "schema = 1\nbogus = 3\n").unwrap_err().to_string();
        assert!(err.contains("line 2") && err.contains("bogus"), "{err}");
    }
}
