//! Facts about the target, gathered once and shown as they are (`bootready facts`).
//! Each module exposes `gather(&Target)`; a failure to gather is data, not a crash.

pub mod accounts;
pub mod azure;
pub mod certs;
pub mod cloud_init;
pub mod cloudbase;
pub mod cmdline;
pub mod google_guest;
pub mod image_age;
pub mod init;
pub mod lines;
pub mod openssl_devel;
pub mod os;
pub mod packages;
pub mod probe;
pub mod python;
pub mod regf;
pub mod rpmdb;
pub mod shell;
pub mod trust_store;
pub mod umask;
pub mod windows;
pub mod x509;

use serde::{Serialize, Serializer};

use crate::target::{Mode, RootError, Target};

/// Why a fact could not be gathered: the file and the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GatherError {
    /// The in-root file (or command) involved, when there is one.
    pub path: Option<String>,
    /// What went wrong.
    pub error: String,
}

impl GatherError {
    /// An error about `path` (if any) with a reason.
    pub fn new(path: Option<&str>, error: impl Into<String>) -> GatherError {
        GatherError { path: path.map(str::to_string), error: error.into() }
    }

    /// The value of a fact that no selected check needs, so it was not gathered.
    pub fn not_gathered() -> GatherError {
        GatherError::new(None, "not gathered: no selected check needs it")
    }

    /// Wraps a root-resolver error.
    pub fn from_root(e: RootError) -> GatherError {
        GatherError { path: Some(e.path().to_string()), error: e.to_string() }
    }
}

impl std::fmt::Display for GatherError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.error)
    }
}

/// A gathered value, or why it could not be had. Serialises as the value itself, or as
/// `{"path": ..., "error": ...}`.
pub type Gathered<T> = Result<T, GatherError>;

fn ser_gathered<T: Serialize, S: Serializer>(g: &Gathered<T>, s: S) -> Result<S::Ok, S::Error> {
    match g {
        Ok(v) => v.serialize(s),
        Err(e) => e.serialize(s),
    }
}

/// What the target is, for the report header.
#[derive(Debug, Clone, Serialize)]
pub struct TargetFacts {
    /// `live` or `image`.
    pub mode: Mode,
    /// The root directory inspected (`/` on a live host).
    pub root: String,
    /// Host name (live host only).
    pub hostname: Option<String>,
    /// Kernel version (live host only).
    pub kernel: Option<String>,
}

/// Everything bootready learned about the target.
#[derive(Debug, Clone, Serialize)]
pub struct Facts {
    /// The target itself.
    pub target: TargetFacts,
    /// The operating system.
    #[serde(serialize_with = "ser_gathered")]
    pub os: Gathered<os::OsRelease>,
    /// The installed packages (`null` when the image has no package database bootready reads).
    #[serde(serialize_with = "ser_gathered")]
    pub packages: Gathered<Option<packages::PackageDb>>,
    /// Every Python interpreter a bootstrap could run (`facts.python`).
    pub python: Vec<python::PythonInterpreter>,
    /// How the bootstrap's interpreter was chosen, PEP 493 configuration, discovery errors.
    pub python_context: python::PythonContext,
    /// The Linux init agents that may run user data (cloud-init, waagent, Google guest).
    pub init: init::InitFacts,
    /// Evidence of when the image was built (dpkg's oldest file, the release file's line).
    pub image_age: image_age::ImageAge,
    /// The umask the bootstrap inherits (process, configured defaults, which file decided).
    pub umask: umask::UmaskFacts,
    /// Local accounts and sudo rules (for the install privileges of the agent's account).
    pub accounts: accounts::Accounts,
    /// OpenSSL development files: package and file evidence.
    pub openssl_devel: openssl_devel::OpensslDevel,
    /// The CA trust store the image's OpenSSL and Python use.
    #[serde(serialize_with = "ser_gathered")]
    pub trust_store: Gathered<trust_store::TrustStore>,
    /// The TLS probe of the bundle store (`--probe`); `null` when not probed.
    pub probe: Option<probe::ProbeResult>,
    /// Windows registry facts and cloudbase-init (`null` when the target is not Windows).
    #[serde(serialize_with = "ser_gathered")]
    pub windows: Gathered<Option<windows::WindowsFacts>>,
}

/// What the user tells fact gathering (`--python`); the default is the real thing.
#[derive(Debug, Clone, Default)]
pub struct FactsInput {
    /// `--python NAME|PATH`: the interpreter the bootstrap runs.
    pub python: Option<String>,
    /// Where interpreters are searched for (tests point it at a temporary directory).
    pub python_search: python::Search,
    /// `--now`: the instant certificate validity is judged at (seconds since the epoch).
    pub now: Option<i64>,
    /// `--probe`: the https:// bundle-store URL to connect to.
    pub probe: Option<String>,
}

impl Facts {
    /// Facts of an image about which nothing was found but its OS: the base for hand-made
    /// facts in unit tests of the pure checks. Every new fact gets its "nothing here" value here.
    pub fn with_os(os: os::OsRelease) -> Facts {
        Facts {
            target: TargetFacts {
                mode: Mode::Image,
                root: "/image".to_string(),
                hostname: None,
                kernel: None,
            },
            os: Ok(os),
            packages: Ok(None),
            python: Vec::new(),
            python_context: python::PythonContext::default(),
            openssl_devel: openssl_devel::OpensslDevel::none(),
            trust_store: Ok(trust_store::TrustStore::none()),
            probe: None,
            init: init::InitFacts::none(),
            image_age: image_age::ImageAge::default(),
            umask: umask::UmaskFacts::nothing_found(),
            accounts: accounts::Accounts::default(),
            windows: Ok(None),
        }
    }
}

/// A fact a check can need: `gather_with` makes just the ones the selected checks declare
/// (`CheckDef::needs`), so `--check os` does not read the package database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fact {
    Os,
    Packages,
    /// `python` and `python_context`.
    Python,
    Init,
    ImageAge,
    Umask,
    Accounts,
    OpensslDevel,
    /// `trust_store`, and `probe` when `--probe` asks for it.
    TrustStore,
}

impl Fact {
    /// Every fact, as `bootready facts` shows them.
    pub const ALL: &[Fact] = &[
        Fact::Os,
        Fact::Packages,
        Fact::Python,
        Fact::Init,
        Fact::ImageAge,
        Fact::Umask,
        Fact::Accounts,
        Fact::OpensslDevel,
        Fact::TrustStore,
    ];
}

/// Gathers every fact about the target.
pub fn gather(target: &Target) -> Facts {
    gather_with(target, &FactsInput::default(), Fact::ALL)
}

/// Gathers the facts in `needs` (and what they are made from: the package database for
/// Python, the init agents and openssl-devel; the OS for the trust store), with the user's
/// input (certificates judged at `input.now`, the bundle store probed when `input.probe` is
/// set and the trust store is needed). The others are not gathered: the `Gathered` ones read
/// as [`GatherError::not_gathered`], the rest as their "nothing found".
pub fn gather_with(target: &Target, input: &FactsInput, needs: &[Fact]) -> Facts {
    let need = |fact: Fact| needs.contains(&fact);
    let os = if need(Fact::Os) || need(Fact::TrustStore) {
        os::gather(target)
    } else {
        Err(GatherError::not_gathered())
    };
    let family = os.as_ref().ok().map(|o| o.family);
    let now = input.now.unwrap_or_else(crate::timestamp::now);
    // The trust store (40% of a Debian image's facts: the bundle parsed, the hashed
    // directory's links read) needs only the OS, and nothing else needs it: it is gathered on
    // a second thread, on another CPU, while this one gathers the rest.
    let (trust_store, mut facts) = if need(Fact::TrustStore) {
        crate::beside::both(
            "trust-store",
            || trust_store::gather(target, family, now, input.probe.is_some()),
            || gather_rest(target, input, &need, os),
        )
    } else {
        (Err(GatherError::not_gathered()), gather_rest(target, input, &need, os))
    };
    facts.probe = input.probe.as_deref().filter(|_| need(Fact::TrustStore)).map(|url| match &trust_store {
        Ok(store) => probe::gather(url, store, input.now),
        Err(_) => probe::gather(url, &trust_store::TrustStore::none(), input.now),
    });
    facts.trust_store = trust_store;
    facts
}

/// Every fact of `need` but the trust store and the probe (left not gathered), the package
/// database first: Python, the init agents and openssl-devel are read against it.
fn gather_rest(
    target: &Target,
    input: &FactsInput,
    need: &dyn Fn(Fact) -> bool,
    os: Gathered<os::OsRelease>,
) -> Facts {
    let packages = if [Fact::Packages, Fact::Python, Fact::Init, Fact::OpensslDevel].into_iter().any(need) {
        packages::gather(target)
    } else {
        Err(GatherError::not_gathered())
    };
    let db = packages.as_ref().ok().and_then(Option::as_ref);
    let (python, python_context) = if need(Fact::Python) {
        python::gather(target, db, input.python.as_deref(), &input.python_search)
    } else {
        (Vec::new(), python::PythonContext::default())
    };
    let openssl_devel = if need(Fact::OpensslDevel) {
        openssl_devel::gather(target, db)
    } else {
        openssl_devel::OpensslDevel::none()
    };
    Facts {
        target: target_facts(target),
        os,
        init: if need(Fact::Init) { init::gather(target, &packages) } else { init::InitFacts::none() },
        image_age: if need(Fact::ImageAge) {
            image_age::gather(&target.root)
        } else {
            image_age::ImageAge::default()
        },
        python,
        python_context,
        packages,
        umask: if need(Fact::Umask) { umask::gather(target) } else { umask::UmaskFacts::nothing_found() },
        accounts: if need(Fact::Accounts) { accounts::gather(target) } else { accounts::Accounts::default() },
        openssl_devel,
        trust_store: Err(GatherError::not_gathered()),
        probe: None,
        windows: windows::gather(target),
    }
}

fn target_facts(target: &Target) -> TargetFacts {
    let live = target.mode == Mode::Live;
    TargetFacts {
        mode: target.mode,
        root: target.root.base().display().to_string(),
        hostname: if live { host_name() } else { None },
        kernel: if live { kernel_version() } else { None },
    }
}

// Associated functions: no refresh of process or memory tables is done.
#[cfg(unix)]
fn host_name() -> Option<String> {
    sysinfo::System::host_name().ok()
}

#[cfg(unix)]
fn kernel_version() -> Option<String> {
    sysinfo::System::kernel_version().ok()
}

// Windows: no sysinfo (see Cargo.toml); the environment and os_info (RtlGetVersion).
#[cfg(windows)]
fn host_name() -> Option<String> {
    std::env::var("COMPUTERNAME").ok()
}

#[cfg(windows)]
fn kernel_version() -> Option<String> {
    Some(os_info::get().version().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_needed_facts_are_gathered() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("etc")).unwrap();
        std::fs::create_dir_all(dir.path().join("var/lib/dpkg")).unwrap();
        std::fs::write(dir.path().join("etc/os-release"), "ID=debian\nVERSION_ID=12\n").unwrap();
        std::fs::write(
            dir.path().join("var/lib/dpkg/status"),
            "Package: bash\nStatus: install ok installed\nVersion: 5.2\n",
        )
        .unwrap();
        let target = Target::image(dir.path()).unwrap();
        let some = gather_with(&target, &FactsInput::default(), &[Fact::Os]);
        assert_eq!(some.os.unwrap().id, "debian");
        assert_eq!(some.packages.unwrap_err(), GatherError::not_gathered());
        let all = gather(&target);
        assert_eq!(all.packages.unwrap().unwrap().count, 1);
    }
}
