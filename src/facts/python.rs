//! The Python interpreters a bootstrap script could run, which one it will run, and what each
//! can do. On a live host each candidate is probed once (a bounded subprocess, see
//! `target::exec`); in an image root nothing is executed: the version comes from the package
//! database and from the version string inside the interpreter or its `libpython`.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::io::Read;
use std::sync::LazyLock;
use std::time::Duration;

use regex::Regex;
use regex::bytes::Regex as BytesRegex;
use serde::Serialize;

use super::GatherError;
use super::packages::{PackageDb, PackageManager};
use crate::target::exec::{self, Limits};
use crate::target::root::{EntryKind, MAX_DIR_ENTRIES, join};
use crate::target::{Mode, Root, Target};

/// The default PATH of a root login, searched in this order (as `execvp` would).
pub const ROOT_LOGIN_PATH: [&str; 6] =
    ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];
/// The names the bootstrap tries, in order, when `--python` is not given.
pub const BOOTSTRAP_ORDER: [&str; 3] = ["python", "python2", "python3"];
/// RHEL 7's PEP 493 switch for certificate verification in the system Python.
pub const CERT_VERIFICATION_CFG: &str = "/etc/python/cert-verification.cfg";
/// RHEL 8's interpreter for system tools (not on PATH).
pub const PLATFORM_PYTHON: &str = "/usr/libexec/platform-python";
/// How long one probe may run.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(5);
/// How many interpreters are probed at once.
const PROBE_PARALLEL: usize = 8;
/// Bytes of an interpreter or libpython scanned for a version string (libpython3.x ~ 5-8 MB).
const SCAN_LIMIT: u64 = 64 * 1024 * 1024;
/// Bytes read per scan step; windows overlap by [`SCAN_OVERLAP`] so no string is cut in two.
const SCAN_CHUNK: usize = 1024 * 1024;
const SCAN_OVERLAP: usize = 64;

/// The one-liner run on a live host. It runs on Python 2.4 to 3.x (no `except ... as`), prints
/// `key=value` lines after a marker, and survives a missing or broken `ssl` module.
const PROBE: &str = "import sys
w = sys.stdout.write
w('bootready-probe\\n')
w('version=%d.%d.%d\\n' % tuple(sys.version_info[:3]))
try:
    import ssl
except Exception:
    e = sys.exc_info()[1]
    w('ssl_error=%s: %s\\n' % (e.__class__.__name__, str(e).replace('\\n', ' ')))
else:
    w('openssl=%s\\n' % getattr(ssl, 'OPENSSL_VERSION', ''))
    w('has_sni=%d\\n' % bool(getattr(ssl, 'HAS_SNI', False)))
    w('create_default_context=%d\\n' % hasattr(ssl, 'create_default_context'))
";

/// What an interpreter's `ssl` module offers, as probed on a live host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SslInfo {
    /// `ssl.OPENSSL_VERSION`, e.g. `OpenSSL 1.0.2k-fips  26 Jan 2017`.
    pub openssl_version: String,
    /// `ssl.HAS_SNI`.
    pub has_sni: bool,
    /// Whether `ssl.create_default_context` exists (Python 2.7.9+, or a backport).
    pub create_default_context: bool,
}

/// The package an interpreter's version was read from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PackageRef {
    /// Package name, e.g. `python`, `python3.5`.
    pub name: String,
    /// Full package version, e.g. `2.7.5-90.el7`, `3.5.2-2ubuntu0~16.04.13`.
    pub version: String,
}

/// One interpreter (one file), with every name that leads to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PythonInterpreter {
    /// The first name it was found under, e.g. `/usr/bin/python`.
    pub path: String,
    /// Upstream version, e.g. `2.7.5`; `null` when no evidence gave one.
    pub version: Option<String>,
    /// How the version was learned: `probe`, the package, the file holding the version string.
    pub source: String,
    /// The probed `ssl` module; `null` when not probed (image root) or not importable.
    pub ssl: Option<SslInfo>,
    /// True for the interpreter the bootstrap will run.
    pub used_by_bootstrap: bool,
    /// Every name found that leads to this file (symlinks and hard links).
    pub names: Vec<String>,
    /// The file itself, symlinks resolved inside the root.
    pub resolved: String,
    /// The package that gave the version, when one did.
    pub package: Option<PackageRef>,
    /// Why `ssl` is `null` on a live host (e.g. `ImportError: No module named _ssl`).
    pub ssl_error: Option<String>,
    /// Why probing this interpreter failed (hung, crashed); an error for this one only.
    pub error: Option<String>,
}

impl PythonInterpreter {
    /// The parsed version, if any.
    pub fn parsed_version(&self) -> Option<(u32, u32, u32)> {
        self.version.as_deref().and_then(parse_version)
    }
}

/// `/etc/python/cert-verification.cfg`, when present.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertVerification {
    /// The file.
    pub path: String,
    /// The `verify=` value of its `[https]` section: `platform_default`, `enable`, `disable`.
    pub verify: Option<String>,
}

/// How the bootstrap interpreter was chosen, and what else discovery found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PythonContext {
    /// `--python NAME|PATH` when given.
    pub requested: Option<String>,
    /// The rule that chose it, e.g. `first of python, python2, python3 on PATH`.
    pub choice: String,
    /// RHEL 7's PEP 493 configuration, when present.
    pub cert_verification: Option<CertVerification>,
    /// Directories or files that could not be read during discovery.
    pub errors: Vec<GatherError>,
}

impl Default for PythonContext {
    fn default() -> PythonContext {
        PythonContext {
            requested: None,
            choice: default_choice(),
            cert_verification: None,
            errors: Vec::new(),
        }
    }
}

fn default_choice() -> String {
    format!("first of {} on the root login PATH", BOOTSTRAP_ORDER.join(", "))
}

/// Where to look for interpreters.
#[derive(Debug, Clone)]
pub struct Search {
    /// Directories searched in order, as PATH.
    pub path: Vec<String>,
    /// Also `/opt/*/bin`, `/opt/rh/*/root/usr/bin` (Software Collections) and platform-python.
    pub extra: bool,
}

impl Default for Search {
    /// The real search: the root login PATH plus the extra places.
    fn default() -> Search {
        Search { path: ROOT_LOGIN_PATH.iter().map(|s| s.to_string()).collect(), extra: true }
    }
}

/// Gathers the interpreters and the context. `bootstrap` is `--python NAME|PATH`.
pub fn gather(
    target: &Target,
    packages: Option<&PackageDb>,
    bootstrap: Option<&str>,
    search: &Search,
) -> (Vec<PythonInterpreter>, PythonContext) {
    let root = &target.root;
    let mut ctx = PythonContext {
        requested: bootstrap.map(str::to_string),
        choice: match bootstrap {
            Some(b) => format!("--python {b}"),
            None => default_choice(),
        },
        cert_verification: None,
        errors: Vec::new(),
    };
    match root.read_text(CERT_VERIFICATION_CFG) {
        Ok(text) => {
            ctx.cert_verification = Some(CertVerification {
                path: CERT_VERIFICATION_CFG.to_string(),
                verify: parse_cert_verification(&text),
            })
        }
        Err(e) if e.is_not_found() => {}
        Err(e) => ctx.errors.push(GatherError::from_root(e)),
    }
    let mut found: Vec<Found> = Vec::new();
    for name in candidates(root, search, &mut ctx.errors) {
        add_found(root, &mut found, &name);
    }
    let chosen = match bootstrap {
        Some(b) => lookup(root, &search.path, b),
        None => BOOTSTRAP_ORDER.iter().find_map(|n| lookup(root, &search.path, n)),
    };
    if let Some(name) = &chosen {
        let i = add_found(root, &mut found, name);
        if let Some(f) = i.and_then(|i| found.get_mut(i)) {
            f.bootstrap = true;
        }
    }
    let interpreters = match target.mode {
        Mode::Live => probe_all(target, packages, &found),
        Mode::Image => found.iter().map(|f| from_files(root, packages, f)).collect(),
    };
    (interpreters, ctx)
}

/// A discovered file and the names that lead to it.
struct Found {
    resolved: String,
    id: Option<(u64, u64)>,
    names: Vec<String>,
    bootstrap: bool,
}

/// Adds `name` (an in-root path) if it resolves to an executable regular file; returns the
/// index of its entry, merging names that lead to the same file (symlink or hard link).
fn add_found(root: &Root, found: &mut Vec<Found>, name: &str) -> Option<usize> {
    let resolved = resolve_in_root(root, name)?;
    let meta = root.metadata(&resolved).ok()?;
    if !meta.is_file() || !is_executable(&meta) {
        return None;
    }
    let id = file_id(&meta);
    let i = match found.iter().position(|f| f.resolved == resolved || (id.is_some() && f.id == id)) {
        Some(i) => i,
        None => {
            found.push(Found { resolved, id, names: Vec::new(), bootstrap: false });
            found.len() - 1
        }
    };
    if let Some(f) = found.get_mut(i)
        && !f.names.iter().any(|n| n == name)
    {
        f.names.push(name.to_string());
    }
    Some(i)
}

/// The in-root path `path` resolves to (symlinks followed inside the root).
fn resolve_in_root(root: &Root, path: &str) -> Option<String> {
    let host = root.resolve(path).ok()?;
    let rel = host.strip_prefix(root.base()).ok()?;
    let mut out = String::new();
    for c in rel.components() {
        out.push('/');
        out.push_str(&c.as_os_str().to_string_lossy());
    }
    Some(if out.is_empty() { "/".to_string() } else { out })
}

#[cfg(unix)]
fn is_executable(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o111 != 0
}

#[cfg(not(unix))]
fn is_executable(_meta: &std::fs::Metadata) -> bool {
    true
}

#[cfg(unix)]
fn file_id(meta: &std::fs::Metadata) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    Some((meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn file_id(_meta: &std::fs::Metadata) -> Option<(u64, u64)> {
    None
}

/// An interpreter's name: `python`, `python2`, `python3`, `python2.7`, `python3.11`.
/// (These small grammars are read by hand, here and below: compiling a regex costs more than
/// the whole lookup; the tests hold each to the regex it replaces.)
fn is_python_name(name: &str) -> bool {
    let Some(rest) = name.strip_prefix("python") else { return false };
    let Some(rest) = rest.strip_prefix(['2', '3']) else { return rest.is_empty() };
    let Some(minor) = rest.strip_prefix('.') else { return rest.is_empty() };
    (1..=2).contains(&minor.len()) && minor.bytes().all(|b| b.is_ascii_digit())
}

/// Every candidate name (in-root path) in search order.
fn candidates(root: &Root, search: &Search, errors: &mut Vec<GatherError>) -> Vec<String> {
    let mut out = Vec::new();
    let mut dirs: Vec<String> = search.path.clone();
    if search.extra {
        for entry in list(root, "/opt", errors) {
            if matches!(entry.kind, EntryKind::Dir | EntryKind::Symlink) {
                dirs.push(format!("/opt/{}/bin", entry.name));
            }
        }
        for entry in list(root, "/opt/rh", errors) {
            if matches!(entry.kind, EntryKind::Dir | EntryKind::Symlink) {
                dirs.push(format!("/opt/rh/{}/root/usr/bin", entry.name));
            }
        }
    }
    // With a merged /usr, /bin is /usr/bin: its names are the same, so it is listed once.
    let mut listed: Vec<(std::path::PathBuf, Vec<String>)> = Vec::new();
    for dir in &dirs {
        let host = root.resolve(dir).ok();
        let names = match listed.iter().find(|(h, _)| Some(h) == host.as_ref()) {
            Some((_, names)) => names.clone(),
            None => {
                let names: Vec<String> = list(root, dir, errors)
                    .into_iter()
                    .filter(|e| e.kind != EntryKind::Dir && is_python_name(&e.name))
                    .map(|e| e.name)
                    .collect();
                if let Some(host) = host {
                    listed.push((host, names.clone()));
                }
                names
            }
        };
        out.extend(names.iter().map(|name| join(dir, name)));
    }
    if search.extra && root.exists(PLATFORM_PYTHON) {
        out.push(PLATFORM_PYTHON.to_string());
    }
    out
}

/// Lists a directory; a missing one is silently empty, an unreadable one an error.
fn list(root: &Root, dir: &str, errors: &mut Vec<GatherError>) -> Vec<crate::target::root::DirEntry> {
    match root.read_dir(dir, MAX_DIR_ENTRIES) {
        Ok(entries) => entries,
        Err(e) if e.is_not_found() || matches!(e, crate::target::RootError::NotDirectory { .. }) => {
            Vec::new()
        }
        Err(e) => {
            errors.push(GatherError::from_root(e));
            Vec::new()
        }
    }
}

/// Finds `name` as the bootstrap would (`execvp`): a path as given, a bare name in the first
/// `path` directory holding an executable file of that name.
fn lookup(root: &Root, path: &[String], name: &str) -> Option<String> {
    let runnable = |p: &str| root.metadata(p).is_ok_and(|m| m.is_file() && is_executable(&m));
    if name.contains('/') {
        return runnable(name).then(|| name.to_string());
    }
    path.iter().map(|dir| join(dir, name)).find(|p| runnable(p))
}

/// The `verify` value of the `[https]` section of a PEP 493 configuration file.
pub fn parse_cert_verification(text: &str) -> Option<String> {
    let mut in_https = false;
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            in_https = line.eq_ignore_ascii_case("[https]");
            continue;
        }
        if in_https
            && let Some((k, v)) = line.split_once(['=', ':'])
            && k.trim() == "verify"
        {
            return Some(v.trim().to_string());
        }
    }
    None
}

/// Parses `2.7.5`, `3.11`, `3.5.2+` or `2.7.18rc1` into (major, minor, patch).
pub fn parse_version(s: &str) -> Option<(u32, u32, u32)> {
    let (major, minor, patch) = dotted(s.trim_start())?;
    Some((major.parse().ok()?, minor.parse().ok()?, patch.map_or(Some(0), |p| p.parse().ok())?))
}

/// The upstream version inside a package version: `1:2.7.18-8+deb11u1` -> `2.7.18`,
/// `2.7.5-90.el7` -> `2.7.5`.
pub fn upstream_version(package_version: &str) -> Option<String> {
    let v = match digits(package_version) {
        Some((_, rest)) if rest.starts_with(':') => &rest[1..],
        _ => package_version,
    };
    let (major, minor, patch) = dotted(v)?;
    let len = major.len() + 1 + minor.len() + patch.map_or(0, |p| 1 + p.len());
    Some(v[..len].to_string())
}

/// `X.Y` or `X.Y.Z` (ASCII digits) at the start of `s`.
fn dotted(s: &str) -> Option<(&str, &str, Option<&str>)> {
    let (major, rest) = digits(s)?;
    let (minor, rest) = digits(rest.strip_prefix('.')?)?;
    let patch = rest.strip_prefix('.').and_then(digits).map(|(p, _)| p);
    Some((major, minor, patch))
}

/// The ASCII digits `s` starts with (at least one), and the rest.
fn digits(s: &str) -> Option<(&str, &str)> {
    let end = s.bytes().position(|b| !b.is_ascii_digit()).unwrap_or(s.len());
    (end > 0).then(|| s.split_at(end))
}

/// `2.7` from a file name like `python2.7`, `python3.6m`, `platform-python3.6`, `libpython2.7.so.1.0`.
fn major_minor_of_name(path: &str) -> Option<String> {
    let name = path.rsplit('/').next().unwrap_or(path);
    // `python` then `[23].` and one or two digits, an optional `m`, and the end or `.so`.
    let ends = |s: &str| s.is_empty() || s.starts_with(".so");
    name.match_indices("python").find_map(|(i, _)| {
        let rest = &name[i + "python".len()..];
        let after_dot = rest.strip_prefix(['2', '3'])?.strip_prefix('.')?;
        let run = after_dot.bytes().take(2).take_while(u8::is_ascii_digit).count();
        (1..=run).rev().find_map(|n| {
            let after = &after_dot[n..];
            (after.strip_prefix('m').is_some_and(ends) || ends(after)).then(|| rest[..2 + n].to_string())
        })
    })
}

// ---------------------------------------------------------------------------------------------
// Image root: evidence from files.

/// Version strings as CPython stores `PY_VERSION`: `X.Y.Z` (optionally with a release-level
/// suffix or `+`) standing alone between NULs in `.rodata`. Matched against whole NUL-delimited
/// segments (a regex starting with NUL would crawl through a binary's many NULs).
static PY_VERSION: LazyLock<BytesRegex> = LazyLock::new(|| {
    BytesRegex::new(r"^[23]\.[0-9]{1,2}\.[0-9]{1,2}(?:(?:a|b|rc)[0-9]{1,2})?\+?$").expect("static regex")
});
/// Longest `PY_VERSION` segment considered.
const MAX_VERSION_LEN: usize = 16;
/// The `DT_NEEDED` string of an interpreter linked against its libpython.
static LIBPYTHON: LazyLock<BytesRegex> =
    LazyLock::new(|| BytesRegex::new(r"libpython([23]\.[0-9]{1,2})m?\.so").expect("static regex"));

/// What a bounded scan of one file found.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Scan {
    /// Every distinct `PY_VERSION`-looking string, in file order.
    pub versions: Vec<String>,
    /// The libpython `X.Y` the file links against, if it names one.
    pub libpython: Option<String>,
}

/// Scans at most [`SCAN_LIMIT`] bytes of `path` for version strings, in overlapping chunks.
pub fn scan_file(root: &Root, path: &str) -> Result<Scan, GatherError> {
    let file = root.open(path, u64::MAX).map_err(GatherError::from_root)?;
    scan_reader(file.take(SCAN_LIMIT))
        .map_err(|e| GatherError::new(Some(path), format!("reading {path}: {e}")))
}

fn scan_reader(mut reader: impl Read) -> std::io::Result<Scan> {
    let mut scan = Scan::default();
    let mut window: Vec<u8> = Vec::with_capacity(SCAN_CHUNK + SCAN_OVERLAP);
    let mut chunk = vec![0u8; SCAN_CHUNK];
    // Whether the byte just before the window is a NUL (the start of the file counts as one).
    let mut nul_before = true;
    loop {
        let n = reader.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        window.extend_from_slice(&chunk[..n]);
        versions_in(&window, nul_before, &mut scan.versions);
        if scan.libpython.is_none()
            && let Some(m) = LIBPYTHON.captures(&window).and_then(|c| c.get(1))
        {
            scan.libpython = Some(String::from_utf8_lossy(m.as_bytes()).into_owned());
        }
        let keep = window.len().min(SCAN_OVERLAP);
        let cut = window.len() - keep;
        if cut > 0 {
            nul_before = window.get(cut - 1) == Some(&0);
        }
        window.drain(..cut);
    }
    Ok(scan)
}

/// Adds the NUL-bounded `PY_VERSION` strings of `window` to `out`. Finds them from the dots
/// (memchr), as a regex over a binary's many NULs is slow; a string cut off at the end of the
/// window is seen whole in the next one, which keeps the last [`SCAN_OVERLAP`] bytes.
fn versions_in(window: &[u8], nul_before: bool, out: &mut Vec<String>) {
    for dot in memchr::memchr_iter(b'.', window) {
        let Some(start) = dot.checked_sub(1) else { continue };
        if !matches!(window[start], b'2' | b'3') {
            continue;
        }
        let bounded_before = match start.checked_sub(1) {
            Some(i) => window[i] == 0,
            None => nul_before,
        };
        if !bounded_before {
            continue;
        }
        let tail = &window[start..window.len().min(start + MAX_VERSION_LEN + 1)];
        let Some(len) = memchr::memchr(0, tail) else { continue };
        let seg = &tail[..len];
        if PY_VERSION.is_match(seg) {
            let v = String::from_utf8_lossy(seg).into_owned();
            if !out.contains(&v) {
                out.push(v);
            }
        }
    }
}

/// The libpython files an interpreter at `resolved` may load, for `X.Y`.
fn libpython_candidates(resolved: &str, xy: &str) -> Vec<String> {
    let prefix = resolved.rsplit_once("/bin/").map(|(p, _)| p.to_string()).unwrap_or_default();
    let mut dirs = vec![format!("{prefix}/lib64"), format!("{prefix}/lib")];
    for d in ["/usr/lib64", "/usr/lib", "/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu"] {
        if !dirs.iter().any(|x| x == d) {
            dirs.push(d.to_string());
        }
    }
    let mut out = Vec::new();
    for d in dirs {
        for m in ["", "m"] {
            out.push(format!("{d}/libpython{xy}{m}.so.1.0"));
        }
    }
    out
}

/// Package names that carry the interpreter for `X.Y`, most specific first.
fn package_candidates(manager: PackageManager, xy: Option<&str>, resolved: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    match (manager, xy) {
        (PackageManager::Dpkg, Some(xy)) => out.extend([
            format!("python{xy}"),
            format!("python{xy}-minimal"),
            format!("libpython{xy}-minimal"),
        ]),
        (PackageManager::Dpkg, None) => {}
        (PackageManager::Rpm, xy) => {
            let (major, nodot) = match xy {
                Some(xy) => (xy.split('.').next().unwrap_or(""), xy.replace('.', "")),
                None => ("", String::new()),
            };
            // Software Collections: /opt/rh/python27/root/usr/bin/python is python27-python.
            if let Some(scl) = scl_of(resolved) {
                out.extend([format!("{scl}-python"), format!("{scl}-python-libs")]);
            }
            if let Some(xy) = xy {
                out.extend([format!("python{xy}"), format!("python{nodot}")]);
            }
            if major != "3" {
                out.extend(["python", "python2", "python-libs", "python2-libs"].map(String::from));
            }
            if major != "2" {
                out.extend(["python3", "python3-libs", "platform-python"].map(String::from));
            }
        }
    }
    out
}

/// Directories whose interpreters belong to the package manager: there a package that names
/// the interpreter's version is taken as the answer, without reading the binary.
const PACKAGED_DIRS: [&str; 4] = ["/usr/bin/", "/bin/", "/usr/libexec/", "/opt/rh/"];

/// Learns an interpreter's version from the files alone: package database and version strings.
/// In a packaged directory a package that names the version is the answer and the binary is
/// not read (a 6 MB scan); else the binary (and its libpython) is scanned, and the package
/// still has the last word there. Elsewhere (`/usr/local`, `/opt`) the binary's own version
/// string wins, since no package owns that file; a package is only a fallback.
fn from_files(root: &Root, packages: Option<&PackageDb>, f: &Found) -> PythonInterpreter {
    let mut evidence: Vec<String> = Vec::new();
    let mut errors: Vec<String> = Vec::new();
    let mut xy = major_minor_of_name(&f.resolved);
    let mut binary_version: Option<String> = None;
    let packaged = PACKAGED_DIRS.iter().any(|d| f.resolved.starts_with(d));
    let mut package = packaged.then(|| package_of(packages, f, xy.as_deref())).flatten();
    if package.is_none() {
        match scan_file(root, &f.resolved) {
            Ok(scan) => {
                if xy.is_none() {
                    xy = scan.libpython.clone();
                }
                binary_version = pick(&scan.versions, xy.as_deref());
                if binary_version.is_some() {
                    evidence.push(format!("version string in {}", f.resolved));
                }
            }
            Err(e) => errors.push(e.error),
        }
        if binary_version.is_none()
            && let Some(xy) = &xy
        {
            for lib in libpython_candidates(&f.resolved, xy) {
                if let Ok(scan) = scan_file(root, &lib)
                    && let Some(v) = pick(&scan.versions, Some(xy))
                {
                    binary_version = Some(v);
                    evidence.push(format!("version string in {lib}"));
                    break;
                }
            }
        }
        let xy = xy.or_else(|| binary_version.as_deref().and_then(major_minor_of_version));
        if packaged || binary_version.is_none() {
            package = package_of(packages, f, xy.as_deref());
        }
    }
    let mut version = binary_version.clone();
    if let Some((pkg, up, db)) = &package {
        let manager = match db.manager {
            PackageManager::Dpkg => "dpkg",
            PackageManager::Rpm => "rpm",
        };
        let agree = match &binary_version {
            Some(b) if b != up => format!(" (the file says {b})"),
            _ => String::new(),
        };
        evidence.insert(0, format!("{manager} package {} {} in {}{agree}", pkg.name, pkg.version, db.path));
        version = Some(up.clone());
    }
    let source = if evidence.is_empty() {
        let mut s = "no version evidence: no package names it and no version string was found".to_string();
        if !errors.is_empty() {
            s.push_str(&format!(" ({})", errors.join("; ")));
        }
        s
    } else {
        evidence.join("; ")
    };
    PythonInterpreter {
        path: f.names.first().cloned().unwrap_or_else(|| f.resolved.clone()),
        version,
        source,
        ssl: None,
        used_by_bootstrap: f.bootstrap,
        names: f.names.clone(),
        resolved: f.resolved.clone(),
        package: package.map(|(p, _, _)| p),
        ssl_error: None,
        error: None,
    }
}

/// The package that carries the interpreter at `f` for `X.Y`, with its upstream version,
/// when one fits.
fn package_of<'a>(
    packages: Option<&'a PackageDb>,
    f: &Found,
    xy: Option<&str>,
) -> Option<(PackageRef, String, &'a PackageDb)> {
    let db = packages?;
    package_candidates(db.manager, xy, &f.resolved).into_iter().find_map(|name| {
        let p = db.get(&name)?;
        let up = upstream_version(&p.version)?;
        let fits = match xy {
            Some(xy) => up.starts_with(&format!("{xy}.")) || up == *xy,
            // Without X.Y only a package tied to this very path will do (an SCL's).
            None => scl_of(&f.resolved).is_some_and(|scl| name.starts_with(&format!("{scl}-python"))),
        };
        fits.then(|| (PackageRef { name: p.name.clone(), version: p.version.clone() }, up, db))
    })
}

/// The Software Collection an interpreter belongs to: `python27` for `/opt/rh/python27/...`.
fn scl_of(resolved: &str) -> Option<&str> {
    resolved.strip_prefix("/opt/rh/").and_then(|r| r.split('/').next()).filter(|s| !s.is_empty())
}

fn major_minor_of_version(v: &str) -> Option<String> {
    parse_version(v).map(|(a, b, _)| format!("{a}.{b}"))
}

/// The version string that fits `X.Y` (or, without one, the first found).
fn pick(versions: &[String], xy: Option<&str>) -> Option<String> {
    match xy {
        Some(xy) => versions.iter().find(|v| v.starts_with(&format!("{xy}."))).cloned(),
        None => versions.first().cloned(),
    }
}

// ---------------------------------------------------------------------------------------------
// Live host: one bounded probe per interpreter.

/// Probes the interpreters in parallel, [`PROBE_PARALLEL`] at a time, so hung ones cost the
/// timeout once per batch, not once each.
fn probe_all(target: &Target, packages: Option<&PackageDb>, found: &[Found]) -> Vec<PythonInterpreter> {
    found.chunks(PROBE_PARALLEL).flat_map(|batch| probe_batch(target, packages, batch)).collect()
}

fn probe_batch(target: &Target, packages: Option<&PackageDb>, found: &[Found]) -> Vec<PythonInterpreter> {
    std::thread::scope(|s| {
        let handles: Vec<_> = found.iter().map(|f| s.spawn(move || probe(target, packages, f))).collect();
        handles
            .into_iter()
            .zip(found)
            .map(|(h, f)| {
                h.join().unwrap_or_else(|_| {
                    let mut i = from_files(&target.root, packages, f);
                    i.error = Some("the probe thread panicked".to_string());
                    i
                })
            })
            .collect()
    })
}

fn probe(target: &Target, packages: Option<&PackageDb>, f: &Found) -> PythonInterpreter {
    let limits = Limits { timeout: PROBE_TIMEOUT, max_output: 16 * 1024 };
    // The in-root path on a live host is the host path (the root is `/`).
    let host = target.root.base().join(f.resolved.trim_start_matches('/'));
    let result = exec::run(target, &host, &[OsStr::new("-E"), OsStr::new("-c"), OsStr::new(PROBE)], &limits);
    let mut interp = from_files(&target.root, packages, f);
    match result {
        Err(e) => interp.error = Some(e.to_string()),
        Ok(out) => apply_probe(&mut interp, &out, &limits),
    }
    interp
}

/// Fills version and ssl from a probe's output; static evidence stays as the fallback.
fn apply_probe(interp: &mut PythonInterpreter, out: &exec::ExecOutput, limits: &Limits) {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let probe = parse_probe(&stdout);
    let took = format!("{} ms", out.elapsed.as_millis());
    if let Some(p) = probe.filter(|_| out.success()) {
        interp.version = Some(p.version);
        interp.source = format!("probe ({took})");
        interp.ssl = p.ssl;
        interp.ssl_error = p.ssl_error;
        return;
    }
    if out.success()
        && let Some((v, stream)) =
            banner(&stdout).map(|v| (v, "stdout")).or_else(|| banner(&stderr).map(|v| (v, "stderr")))
    {
        // Not a CPython that ran our code, but it named its version (Python 2 prints its
        // `--version` banner on stderr).
        interp.version = Some(v);
        interp.source = format!("probe: version banner on {stream} ({took})");
        interp.ssl_error = Some("the probe printed no ssl report".to_string());
        return;
    }
    let first_err = stderr.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("").trim();
    let mut why = format!("probe {}", out.describe_end(limits));
    if !first_err.is_empty() {
        why.push_str(&format!(": {}", first_err.chars().take(300).collect::<String>()));
    }
    interp.error = Some(why);
    interp.source = format!("{} (the probe failed)", interp.source);
}

/// What the probe printed.
#[derive(Debug, PartialEq, Eq)]
pub struct ProbeReport {
    /// `sys.version_info[:3]` joined by dots.
    pub version: String,
    /// The ssl module, when it imported.
    pub ssl: Option<SslInfo>,
    /// The import error, when it did not.
    pub ssl_error: Option<String>,
}

/// Parses the probe's stdout; `None` when the marker or the version is missing.
pub fn parse_probe(stdout: &str) -> Option<ProbeReport> {
    let mut lines = stdout.lines().skip_while(|l| l.trim() != "bootready-probe");
    lines.next()?;
    let kv: BTreeMap<&str, &str> = lines.filter_map(|l| l.split_once('=')).collect();
    let version = kv.get("version").filter(|v| parse_version(v).is_some())?.to_string();
    let ssl = match (kv.get("openssl"), kv.get("has_sni"), kv.get("create_default_context")) {
        (Some(o), Some(s), Some(c)) => Some(SslInfo {
            openssl_version: o.trim().to_string(),
            has_sni: *s == "1",
            create_default_context: *c == "1",
        }),
        _ => None,
    };
    let ssl_error = match (&ssl, kv.get("ssl_error")) {
        (None, Some(e)) => Some(e.trim().to_string()),
        (None, None) => Some("the probe printed no ssl report".to_string()),
        _ => None,
    };
    Some(ProbeReport { version, ssl, ssl_error })
}

/// `2.7.18` from a banner like `Python 2.7.18`.
fn banner(text: &str) -> Option<String> {
    static V: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?m)^Python ([23]\.[0-9]+(?:\.[0-9]+)?)").expect("static regex"));
    V.captures(text).and_then(|c| c.get(1)).map(|m| m.as_str().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse() {
        assert_eq!(parse_version("2.7.5"), Some((2, 7, 5)));
        assert_eq!(parse_version("3.11"), Some((3, 11, 0)));
        assert_eq!(parse_version("2.7.18rc1"), Some((2, 7, 18)));
        assert_eq!(parse_version("x"), None);
        assert_eq!(upstream_version("2.7.5-90.el7").as_deref(), Some("2.7.5"));
        assert_eq!(upstream_version("3.5.2-2ubuntu0~16.04.13").as_deref(), Some("3.5.2"));
        assert_eq!(upstream_version("1:2.7.18-8+deb11u1").as_deref(), Some("2.7.18"));
        assert_eq!(major_minor_of_name("/usr/bin/python2.7").as_deref(), Some("2.7"));
        assert_eq!(major_minor_of_name("/usr/bin/python3.5m").as_deref(), Some("3.5"));
        assert_eq!(major_minor_of_name("/usr/libexec/platform-python3.6").as_deref(), Some("3.6"));
        assert_eq!(major_minor_of_name("/usr/bin/python"), None);
        assert_eq!(major_minor_of_name("/usr/bin/python3.11-config"), None);
    }

    #[test]
    fn candidate_names() {
        for ok in ["python", "python2", "python2.7", "python3", "python3.11", "python2.6"] {
            assert!(is_python_name(ok), "{ok}");
        }
        for no in ["python3-config", "python3.5m", "python-argcomplete-tcsh", "python2.7-config", "pythonx"] {
            assert!(!is_python_name(no), "{no}");
        }
    }

    /// Every string of up to four pieces from an alphabet of the grammars' tokens and near
    /// misses: the hand-written readers must agree with the regexes they replace on each.
    #[test]
    fn hand_readers_agree_with_the_regexes_they_replace() {
        let name = Regex::new(r"^python(?:[23](?:\.[0-9]{1,2})?)?$").unwrap();
        let version = Regex::new(r"^\s*([0-9]+)\.([0-9]+)(?:\.([0-9]+))?").unwrap();
        let upstream = Regex::new(r"^(?:[0-9]+:)?([0-9]+\.[0-9]+(?:\.[0-9]+)?)").unwrap();
        let so = Regex::new(r"python([23]\.[0-9]{1,2})m?(?:$|\.so)").unwrap();
        let pieces = [
            "",
            "python",
            "2",
            "3",
            "7",
            "11",
            "123",
            ".",
            "m",
            ".so",
            ".so.1.0",
            ":",
            "1:",
            " ",
            "\u{a0}",
            "-",
            "rc1",
            "+",
            "x",
            "lib",
            "/",
            "99999999999",
        ];
        let mut inputs = vec![String::new()];
        for _ in 0..4 {
            let next: Vec<String> =
                inputs.iter().flat_map(|i| pieces.iter().map(move |p| format!("{i}{p}"))).collect();
            inputs.extend(next);
        }
        inputs.sort();
        inputs.dedup();
        assert!(inputs.len() > 200_000, "{}", inputs.len());
        for s in &inputs {
            assert_eq!(is_python_name(s), name.is_match(s), "name {s:?}");
            let want = version.captures(s).and_then(|c| {
                let n = |i: usize| c.get(i).map_or(Some(0), |m| m.as_str().parse().ok());
                Some((n(1)?, n(2)?, n(3)?))
            });
            assert_eq!(parse_version(s), want, "version {s:?}");
            let want = upstream.captures(s).map(|c| c[1].to_string());
            assert_eq!(upstream_version(s), want, "upstream {s:?}");
            let base = s.rsplit('/').next().unwrap_or(s);
            let want = so.captures(base).map(|c| c[1].to_string());
            assert_eq!(major_minor_of_name(s), want, "so {s:?}");
        }
    }

    #[test]
    fn probe_output_parses() {
        // CentOS 7.9's python 2.7.5-90.el7 prints this.
        let p = parse_probe("bootready-probe\nversion=2.7.5\nopenssl=OpenSSL 1.0.2k-fips  26 Jan 2017\nhas_sni=1\ncreate_default_context=1\n").unwrap();
        assert_eq!(p.version, "2.7.5");
        let ssl = p.ssl.unwrap();
        assert_eq!(ssl.openssl_version, "OpenSSL 1.0.2k-fips  26 Jan 2017");
        assert!(ssl.has_sni && ssl.create_default_context);
        // A Python built without _ssl (CentOS 6's python27 from source, say).
        let p = parse_probe(
            "noise\nbootready-probe\nversion=2.7.18\nssl_error=ImportError: No module named _ssl\n",
        )
        .unwrap();
        assert_eq!(p.ssl, None);
        assert_eq!(p.ssl_error.as_deref(), Some("ImportError: No module named _ssl"));
        assert_eq!(parse_probe("Python 2.7.18\n"), None);
        assert_eq!(parse_probe("bootready-probe\nversion=garbage\n"), None);
    }

    #[test]
    fn banners() {
        assert_eq!(banner("Python 2.7.18\n").as_deref(), Some("2.7.18"));
        assert_eq!(banner("Python 3.11.2\n").as_deref(), Some("3.11.2"));
        assert_eq!(banner("nope\n"), None);
    }

    #[test]
    fn cert_verification_cfg() {
        // RHEL 7's /etc/python/cert-verification.cfg as shipped by python-2.7.5-90.el7.
        let text = "# Possible values are:\n# 'enable' to ensure HTTPS certificate verification is enabled by default\n# 'disable' to ensure HTTPS certificate verification is disabled by default\n# 'platform_default' to delegate the decision to the redistributor providing this particular Python version\n\n# For more info refer to https://www.python.org/dev/peps/pep-0493/\n[https]\nverify=platform_default\n";
        assert_eq!(parse_cert_verification(text).as_deref(), Some("platform_default"));
        assert_eq!(parse_cert_verification("[other]\nverify=enable\n"), None);
    }

    #[test]
    fn scan_finds_py_version_across_chunk_boundaries() {
        let mut data = vec![b'x'; SCAN_CHUNK - 3];
        data.extend(b"\x002.7.5\x00 junk \x00libpython2.7.so.1.0\x00 \x003.2.0\x00");
        let scan = scan_reader(&data[..]).unwrap();
        assert_eq!(scan.versions, ["2.7.5", "3.2.0"]);
        assert_eq!(scan.libpython.as_deref(), Some("2.7"));
        assert_eq!(pick(&scan.versions, Some("3.2")).as_deref(), Some("3.2.0"));
        assert_eq!(pick(&scan.versions, Some("3.11")), None);
    }

    #[test]
    fn scan_survives_one_byte_reads() {
        // A reader that returns one byte at a time: every string straddles a boundary.
        struct Trickle<'a>(&'a [u8]);
        impl Read for Trickle<'_> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                let Some((first, rest)) = self.0.split_first() else { return Ok(0) };
                buf[0] = *first;
                self.0 = rest;
                Ok(1)
            }
        }
        let data = b"\x7fELF\x00x2.7.5\x00\x003.9.18\x00libpython3.9.so.1.0\x00";
        let scan = scan_reader(Trickle(data)).unwrap();
        assert_eq!(scan.versions, ["3.9.18"], "x2.7.5 is not NUL-bounded");
        assert_eq!(scan.libpython.as_deref(), Some("3.9"));
        // At the very start of a file, a version needs no NUL before it.
        assert_eq!(scan_reader(&b"2.6.6\x00"[..]).unwrap().versions, ["2.6.6"]);
    }

    #[test]
    fn scan_of_this_machines_real_python3() {
        // The real Debian 12 /usr/bin/python3.11 (statically linked libpython) carries
        // PY_VERSION; the machine running the tests has one.
        let root = Root::new("/").unwrap();
        let Some(resolved) = resolve_in_root(&root, "/usr/bin/python3") else { return };
        let scan = scan_file(&root, &resolved).unwrap();
        let xy = major_minor_of_name(&resolved).unwrap();
        let v = pick(&scan.versions, Some(&xy)).expect("PY_VERSION in the real binary");
        let real = std::process::Command::new(&resolved)
            .arg("-c")
            .arg("import platform; print(platform.python_version())")
            .output()
            .unwrap();
        assert_eq!(v, String::from_utf8_lossy(&real.stdout).trim());
    }

    use crate::facts::packages::Package;
    use std::path::Path;

    fn image(dir: &Path) -> Target {
        Target { mode: Mode::Image, root: Root::new(dir).unwrap() }
    }

    fn fixture(name: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
    }

    /// A hand-made RPM database, as the rpm reader will fill it.
    fn rpmdb(pkgs: &[(&str, &str)]) -> PackageDb {
        let packages: BTreeMap<String, Package> = pkgs
            .iter()
            .map(|(n, v)| {
                let p = Package {
                    name: n.to_string(),
                    version: v.to_string(),
                    arch: "x86_64".into(),
                    install_time: Some(1),
                };
                (n.to_string(), p)
            })
            .collect();
        PackageDb {
            manager: PackageManager::Rpm,
            path: "/var/lib/rpm/Packages".into(),
            count: packages.len(),
            packages,
        }
    }

    #[test]
    fn packaged_paths_trust_the_package_others_their_own_version_string() {
        let dir = tempfile::tempdir().unwrap();
        for d in ["usr/bin", "usr/local/bin"] {
            std::fs::create_dir_all(dir.path().join(d)).unwrap();
            let bin = dir.path().join(d).join("python3.11");
            std::fs::write(&bin, b"\x7fELF\x003.11.9\x00").unwrap();
            std::fs::set_permissions(&bin, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
        }
        let mut db = rpmdb(&[("python3.11", "3.11.2-6+deb12u6")]);
        db.manager = PackageManager::Dpkg;
        let root = image(dir.path());
        let found = |path: &str| Found {
            names: vec![path.to_string()],
            resolved: path.to_string(),
            id: None,
            bootstrap: true,
        };
        let packaged = from_files(&root.root, Some(&db), &found("/usr/bin/python3.11"));
        assert_eq!(packaged.version.as_deref(), Some("3.11.2"));
        assert!(!packaged.source.contains("version string"), "not read: {}", packaged.source);
        let local = from_files(&root.root, Some(&db), &found("/usr/local/bin/python3.11"));
        assert_eq!(local.version.as_deref(), Some("3.11.9"), "{}", local.source);
        assert_eq!(local.source, "version string in /usr/local/bin/python3.11");
        assert!(local.package.is_none(), "dpkg's python3.11 does not own /usr/local");
        // Without a version string in it, the package is the best evidence left.
        std::fs::write(dir.path().join("usr/local/bin/python3.11"), b"\x7fELF").unwrap();
        let local = from_files(&root.root, Some(&db), &found("/usr/local/bin/python3.11"));
        assert_eq!(local.version.as_deref(), Some("3.11.2"));
    }

    #[test]
    fn centos7_image_version_from_rpm_and_libpython() {
        let db = rpmdb(&[
            ("python", "2.7.5-90.el7"),
            ("python-libs", "2.7.5-90.el7"),
            ("python3", "3.6.8-21.el7_9"),
        ]);
        let (found, ctx) = gather(&image(&fixture("centos-7.9")), Some(&db), None, &Search::default());
        assert_eq!(found.len(), 1, "{found:?}");
        let p = &found[0];
        assert_eq!((p.path.as_str(), p.resolved.as_str()), ("/usr/bin/python", "/usr/bin/python2.7"));
        // CentOS 7 has /bin -> usr/bin: the same file under six names, reported once.
        assert_eq!(
            p.names,
            [
                "/usr/bin/python",
                "/usr/bin/python2",
                "/usr/bin/python2.7",
                "/bin/python",
                "/bin/python2",
                "/bin/python2.7"
            ]
        );
        assert_eq!(p.version.as_deref(), Some("2.7.5"));
        assert_eq!(p.package, Some(PackageRef { name: "python".into(), version: "2.7.5-90.el7".into() }));
        assert!(p.source.starts_with("rpm package python 2.7.5-90.el7"), "{}", p.source);
        assert!(!p.source.contains("version string"), "the packaged binary is not read: {}", p.source);
        assert!(p.used_by_bootstrap && p.ssl.is_none());
        assert_eq!(ctx.cert_verification.unwrap().verify.as_deref(), Some("platform_default"));
        // Without a package database the version string alone answers.
        let (found, _) = gather(&image(&fixture("centos-7.9")), None, None, &Search::default());
        assert_eq!(found[0].version.as_deref(), Some("2.7.5"));
        assert_eq!(found[0].source, "version string in /usr/lib64/libpython2.7.so.1.0");
    }

    #[test]
    fn centos6_image_python_hard_link_pair() {
        let db = rpmdb(&[("python", "2.6.6-68.el6_10"), ("python-libs", "2.6.6-68.el6_10")]);
        let (found, _) = gather(&image(&fixture("centos-6.10")), Some(&db), None, &Search::default());
        // The fixture holds two copies (git has no hard links): two entries, both 2.6.6.
        let versions: Vec<_> = found.iter().map(|p| (p.path.as_str(), p.version.as_deref())).collect();
        assert_eq!(versions, [("/usr/bin/python", Some("2.6.6")), ("/usr/bin/python2.6", Some("2.6.6"))]);
        assert_eq!(found[0].names, ["/usr/bin/python", "/usr/bin/python2"]);
        assert!(found[0].source.starts_with("rpm package python 2.6.6-68.el6_10"), "{}", found[0].source);
        // A real image has one file under both names: merged by inode.
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("usr/bin");
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::copy(fixture("centos-6.10/usr/bin/python2.6"), bin.join("python2.6")).unwrap();
        std::fs::hard_link(bin.join("python2.6"), bin.join("python")).unwrap();
        std::os::unix::fs::symlink("python", bin.join("python2")).unwrap();
        let (found, _) = gather(&image(dir.path()), Some(&db), None, &Search::default());
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].names, ["/usr/bin/python", "/usr/bin/python2", "/usr/bin/python2.6"]);
        // libpython is absent here: the package alone gives the version.
        assert_eq!(found[0].version.as_deref(), Some("2.6.6"));
        assert!(found[0].used_by_bootstrap);
    }

    #[test]
    fn rhel9_and_scl_interpreters_from_rpm() {
        let dir = tempfile::tempdir().unwrap();
        let w = |p: &str| {
            let f = dir.path().join(p.trim_start_matches('/'));
            std::fs::create_dir_all(f.parent().unwrap()).unwrap();
            std::fs::write(&f, b"\x7fELF stand-in without a version string").unwrap();
            std::fs::set_permissions(&f, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
        };
        w("/usr/bin/python3.9");
        std::os::unix::fs::symlink("python3.9", dir.path().join("usr/bin/python3")).unwrap();
        w("/opt/rh/python27/root/usr/bin/python");
        w("/usr/libexec/platform-python3.6");
        std::os::unix::fs::symlink("platform-python3.6", dir.path().join("usr/libexec/platform-python"))
            .unwrap();
        let db = rpmdb(&[
            ("python3", "3.9.18-1.el9_3"),
            ("python27-python", "2.7.17-2.el7"),
            ("python27", "1.1-25.el7"),
            ("platform-python", "3.6.8-56.el8_9"),
        ]);
        let (found, _) = gather(
            &image(dir.path()),
            Some(&db),
            Some("/opt/rh/python27/root/usr/bin/python"),
            &Search::default(),
        );
        let by_path =
            |p: &str| found.iter().find(|i| i.path == p).unwrap_or_else(|| panic!("{p} in {found:?}"));
        let py3 = by_path("/usr/bin/python3");
        assert_eq!((py3.version.as_deref(), py3.used_by_bootstrap), (Some("3.9.18"), false));
        assert_eq!(py3.source, "rpm package python3 3.9.18-1.el9_3 in /var/lib/rpm/Packages");
        let scl = by_path("/opt/rh/python27/root/usr/bin/python");
        // The SCL's name gives no X.Y and the file no version: python27-python answers, not the
        // python27 metapackage (whose version is the collection's, 1.1).
        assert_eq!(scl.version.as_deref(), Some("2.7.17"), "{scl:?}");
        assert_eq!(scl.package.as_ref().unwrap().name, "python27-python");
        assert!(scl.used_by_bootstrap);
        let pp = by_path("/usr/libexec/platform-python");
        assert_eq!(pp.version.as_deref(), Some("3.6.8"));
    }

    #[test]
    fn rpm_package_candidates() {
        let c = package_candidates(PackageManager::Rpm, Some("2.7"), "/usr/bin/python2.7");
        assert!(
            c.starts_with(&["python2.7".to_string(), "python27".to_string(), "python".to_string()]),
            "{c:?}"
        );
        assert!(!c.contains(&"python3".to_string()));
        let c = package_candidates(PackageManager::Rpm, Some("2.7"), "/opt/rh/python27/root/usr/bin/python");
        assert_eq!(c[0], "python27-python");
        let c = package_candidates(PackageManager::Rpm, Some("3.9"), "/usr/bin/python3.9");
        assert!(c.contains(&"python3".to_string()) && !c.contains(&"python".to_string()), "{c:?}");
    }
}
