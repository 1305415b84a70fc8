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

/// Gathers every fact about the target.
pub fn gather(target: &Target) -> Facts {
    gather_with(target, &FactsInput::default())
}

/// Gathers every fact about the target, with the user's input (certificates judged at
/// `input.now`, the bundle store probed when `input.probe` is set).
pub fn gather_with(target: &Target, input: &FactsInput) -> Facts {
    let os = os::gather(target);
    let packages = packages::gather(target);
    let db = packages.as_ref().ok().and_then(Option::as_ref);
    let (python, python_context) = python::gather(target, db, input.python.as_deref(), &input.python_search);
    let family = os.as_ref().ok().map(|o| o.family);
    let now = input.now.unwrap_or_else(crate::timestamp::now);
    let openssl_devel = openssl_devel::gather(target, db);
    let trust_store = trust_store::gather(target, family, now);
    let probe = input.probe.as_deref().map(|url| match &trust_store {
        Ok(store) => probe::gather(url, store, input.now),
        Err(_) => probe::gather(url, &trust_store::TrustStore::none(), input.now),
    });
    let init = init::gather(target, &packages);
    let image_age = image_age::gather(&target.root);
    let umask = umask::gather(target);
    let accounts = accounts::gather(target);
    Facts {
        target: target_facts(target),
        os,
        init,
        image_age,
        python,
        python_context,
        packages,
        umask,
        accounts,
        openssl_devel,
        trust_store,
        probe,
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
